package kwtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
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
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer is an OpenID Connect issuer over TLS, with a discovery document
// and a JWKS, whose certificate chains to a CA of its own: a provider
// registered with that CA's thumbprint trusts it, as AWS does.
type Issuer struct {
	URL, Thumbprint string
	signer          jose.Signer
	keyFetches      atomic.Int32
	mux             *http.ServeMux
	caDER           []byte
}

// NewIssuer starts an Issuer for the test, closed when it ends.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	chain := NewLocalhostChain(t)
	signingKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: signingKey, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(chain.CADER)
	mux := http.NewServeMux()
	is := &Issuer{signer: signer, Thumbprint: hex.EncodeToString(sum[:]), mux: mux, caDER: chain.CADER}
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

// Token signs an ID token with the issuer's key.
func (is *Issuer) Token(t testing.TB, sub, aud string, expiry time.Time) string {
	t.Helper()
	tok, err := is.Sign(jwt.Claims{Issuer: is.URL, Subject: sub, Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(expiry.Add(-time.Hour)), Expiry: jwt.NewNumericDate(expiry)})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Sign signs a JWT of the claims merged, with the issuer's key, for a
// test that needs claims Token does not set (a nonce, an azp).
func (is *Issuer) Sign(claims ...any) (string, error) {
	b := jwt.Signed(is.signer)
	for _, c := range claims {
		b = b.Claims(c)
	}
	return b.Serialize()
}

// HandleFunc serves h at pattern on the issuer's server besides its
// discovery document and keys, for a test whose issuer is a whole
// provider (an authorisation and a token endpoint).
func (is *Issuer) HandleFunc(pattern string, h http.HandlerFunc) { is.mux.HandleFunc(pattern, h) }

// Browser is a client that trusts the issuer's TLS and follows no
// redirects, so that a test sees each one the issuer sends.
func (is *Issuer) Browser() *http.Client {
	ca, _ := x509.ParseCertificate(is.caDER) // NewLocalhostChain made it
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// KeyFetches is how many times the JWKS was fetched.
func (is *Issuer) KeyFetches() int { return int(is.keyFetches.Load()) }

// CIRole is a role that a CI job's ID token may assume, as GitHub's
// OpenID Connect setup makes one.
type CIRole struct {
	ProviderARN, RoleARN string
	// Token is a job's token for the role, valid for an hour, also
	// written to TokenFile (AWS_WEB_IDENTITY_TOKEN_FILE).
	Token, TokenFile string
}

// NewCIRole registers is with root's account as an OpenID Connect provider
// for the audience sts.amazonaws.com and makes the role ci, which the
// tokens of repositories under keyward/ may assume and which may list
// roles; its token is valid for an hour from now.
func (is *Issuer) NewCIRole(t testing.TB, root *awsiam.Client, now time.Time) CIRole {
	t.Helper()
	ctx := context.Background()
	host := strings.TrimPrefix(is.URL, "https://")
	p, err := root.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String(is.URL),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{is.Thumbprint}})
	if err != nil {
		t.Fatal(err)
	}
	r := CIRole{ProviderARN: aws.ToString(p.OpenIDConnectProviderArn), RoleARN: "arn:aws:iam::" + AccountID + ":role/ci"}
	_, err = root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Principal":{"Federated":"` + r.ProviderARN + `"},"Action":"sts:AssumeRoleWithWebIdentity",
"Condition":{"StringEquals":{"` + host + `:aud":"sts.amazonaws.com"},"StringLike":{"` + host + `:sub":"repo:keyward/*"}}}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("ci"), PolicyName: aws.String("list"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	r.Token = is.Token(t, "repo:keyward/keyward:ref:main", "sts.amazonaws.com", now.Add(time.Hour))
	r.TokenFile = filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(r.TokenFile, []byte(r.Token), 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}
