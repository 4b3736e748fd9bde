package kwtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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
	is := &Issuer{signer: signer, Thumbprint: hex.EncodeToString(sum[:])}
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

// Token signs an ID token with the issuer's key.
func (is *Issuer) Token(t testing.TB, sub, aud string, expiry time.Time) string {
	t.Helper()
	tok, err := jwt.Signed(is.signer).Claims(jwt.Claims{Issuer: is.URL, Subject: sub, Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(expiry.Add(-time.Hour)), Expiry: jwt.NewNumericDate(expiry)}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// KeyFetches is how many times the JWKS was fetched.
func (is *Issuer) KeyFetches() int { return int(is.keyFetches.Load()) }
