package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/keyward/keyward/internal/kwtest"
)

// testIssuer is an OpenID Connect issuer over TLS, with a discovery
// document and a JWKS, whose certificate chains to a CA of its own: a
// provider registered with that CA's thumbprint trusts it, as AWS does.
type testIssuer struct {
	URL, Thumbprint string
	signer          jose.Signer
	keyFetches      atomic.Int32
}

func newTestIssuer(t testing.TB) *testIssuer {
	t.Helper()
	chain := kwtest.NewLocalhostChain(t)

	signingKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: signingKey, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	must(t, err)
	sum := sha1.Sum(chain.CADER)
	is := &testIssuer{signer: signer, Thumbprint: hex.EncodeToString(sum[:])}

	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{chain.Certificate}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	is.URL = "https://localhost:" + srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": is.URL, "jwks_uri": is.URL + "/keys",
			"authorization_endpoint": is.URL + "/authorize", "token_endpoint": is.URL + "/token"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		is.keyFetches.Add(1)
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &signingKey.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	return is
}

// token signs an ID token with the issuer's key.
func (is *testIssuer) token(t testing.TB, sub, aud string, expiry time.Time) string {
	t.Helper()
	tok, err := jwt.Signed(is.signer).Claims(jwt.Claims{Issuer: is.URL, Subject: sub, Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(expiry.Add(-time.Hour)), Expiry: jwt.NewNumericDate(expiry)}).Serialize()
	must(t, err)
	return tok
}

// TestAWSCLIWebIdentity: Debian's AWS CLI assumes a role with a web
// identity token file (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE), as a CI
// job does; the rules of AssumeRoleWithWebIdentity are sts's tests.
func TestAWSCLIWebIdentity(t *testing.T) {
	t.Parallel() // the CLI starts slowly
	ts := startServerWith(t, "", func(m *Main) {
		cheapPasswords(m)
		m.Config.OIDCAllowPrivate = true // the test's issuer is on loopback
	})
	root := ts.rootIAM()
	ctx := context.Background()
	is := newTestIssuer(t)
	host := strings.TrimPrefix(is.URL, "https://")
	p, err := root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(is.URL),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{is.Thumbprint}})
	must(t, err)
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: trustDoc(
		`{"Effect":"Allow","Principal":{"Federated":"` + aws.ToString(p.OpenIDConnectProviderArn) + `"},"Action":"sts:AssumeRoleWithWebIdentity",
"Condition":{"StringEquals":{"` + host + `:aud":"sts.amazonaws.com"},"StringLike":{"` + host + `:sub":"repo:keyward/*"}}}`)})
	must(t, err)
	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ci"), PolicyName: aws.String("list"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)})
	must(t, err)
	roleARN := "arn:aws:iam::" + accountID + ":role/ci"
	good := is.token(t, "repo:keyward/keyward:ref:main", "sts.amazonaws.com", ts.Clock.Now().Add(time.Hour))
	tokenFile := filepath.Join(t.TempDir(), "token")
	must(t, os.WriteFile(tokenFile, []byte(good), 0o600))

	t.Run("AWS CLI", func(t *testing.T) {
		env := append(cliHome(t, ts, "[default]\nregion = us-east-1\n", ""),
			"AWS_ROLE_ARN="+roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE="+tokenFile, "AWS_ROLE_SESSION_NAME=cli-run")
		if got := callerARN(t, env, ""); got != "arn:aws:sts::"+accountID+":assumed-role/ci/cli-run" {
			t.Fatalf("the CLI's web identity session is %s", got)
		}
	})
}
