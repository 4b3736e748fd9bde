package oidc_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/keyward/keyward"
	"github.com/keyward/keyward/oidc"
)

// issuer is an OIDC issuer whose key set the test controls.
type issuer struct {
	srv        *httptest.Server
	provider   keyward.OIDCProvider
	key        *rsa.PrivateKey
	fetches    atomic.Int32
	conns      atomic.Int32 // connections accepted
	jwks       func(w http.ResponseWriter)
	discovered func(w http.ResponseWriter, url string)
	tokens     func(w http.ResponseWriter, r *http.Request)
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	is.jwks = func(w http.ResponseWriter) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	}
	is.discovered = func(w http.ResponseWriter, url string) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": url, "jwks_uri": url + "/keys"})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { is.discovered(w, is.srv.URL) })
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) { is.fetches.Add(1); is.jwks(w) })
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) { is.tokens(w, r) })
	is.srv = httptest.NewUnstartedServer(mux)
	is.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			is.conns.Add(1)
		}
	}
	is.srv.StartTLS()
	t.Cleanup(is.srv.Close)
	sum := sha1.Sum(is.srv.Certificate().Raw)
	is.provider = keyward.OIDCProvider{URL: strings.TrimPrefix(is.srv.URL, "https://"), ClientIDs: []string{"app"}, Thumbprints: []string{hex.EncodeToString(sum[:])}}
	return is
}

func (is *issuer) token(t *testing.T, kid string, key *rsa.PrivateKey, exp time.Time) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(jwt.Claims{Issuer: is.srv.URL, Subject: "job", Audience: jwt.Audience{"app"}, Expiry: jwt.NewNumericDate(exp)}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *keyward.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// TestVerifier: a token is checked against keys fetched once and cached;
// an unknown key ID makes one fetch at most per MinRefetch, however many
// tokens name it; keys are fetched again after KeysTTL; a provider's
// endpoints are trusted only through its thumbprints (here: no system
// root signs the test server), followed by no redirect, and read within
// their bound.
func TestVerifier(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	clock := func() time.Time { return now }

	t.Run("keys cached, refetched within bounds", func(t *testing.T) {
		is := newIssuer(t)
		v := &oidc.Verifier{Now: clock, AllowPrivate: true}
		good := is.token(t, "k1", is.key, now.Add(time.Hour))
		for range 3 {
			c, err := v.Verify(ctx, is.provider, good)
			if err != nil || c.Subject != "job" || c.Audience[0] != "app" {
				t.Fatalf("%+v %v", c, err)
			}
		}
		stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
		for range 5 {
			_, err := v.Verify(ctx, is.provider, is.token(t, "k2", stranger, now.Add(time.Hour)))
			wantCode(t, err, keyward.EInvalidIdentityToken)
		}
		if n := is.fetches.Load(); n != 1 {
			t.Fatalf("%d fetches of the keys within MinRefetch", n)
		}
		now = now.Add(oidc.KeysTTL)
		good = is.token(t, "k1", is.key, now.Add(time.Hour))
		if _, err := v.Verify(ctx, is.provider, good); err != nil {
			t.Fatal(err)
		}
		if n := is.fetches.Load(); n != 2 {
			t.Fatalf("%d fetches after KeysTTL", n)
		}
		_, err := v.Verify(ctx, is.provider, is.token(t, "k1", is.key, now.Add(-time.Second)))
		wantCode(t, err, keyward.EExpiredTokenException)
		// Its key signs, the claims name another issuer: not this provider's.
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: is.key, KeyID: "k1"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		other, err := jwt.Signed(s).Claims(jwt.Claims{Issuer: "https://elsewhere.example", Audience: jwt.Audience{"app"}, Expiry: jwt.NewNumericDate(now.Add(time.Hour))}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(ctx, is.provider, other)
		wantCode(t, err, keyward.EInvalidIdentityToken)
	})

	t.Run("untrusted TLS", func(t *testing.T) {
		is := newIssuer(t)
		is.provider.Thumbprints = []string{strings.Repeat("a", 40)}
		_, err := (&oidc.Verifier{Now: clock, AllowPrivate: true}).Verify(ctx, is.provider, is.token(t, "k1", is.key, now.Add(time.Hour)))
		wantCode(t, err, keyward.EIDPCommunicationError)
		if n := is.fetches.Load(); n != 0 {
			t.Fatalf("keys fetched over untrusted TLS: %d", n)
		}
	})

	t.Run("key set larger than the bound", func(t *testing.T) {
		is := newIssuer(t)
		is.jwks = func(w http.ResponseWriter) { w.Write([]byte(`{"keys":[],"pad":"` + strings.Repeat("x", 2<<20) + `"}`)) }
		_, err := (&oidc.Verifier{Now: clock, AllowPrivate: true}).Verify(ctx, is.provider, is.token(t, "k1", is.key, now.Add(time.Hour)))
		wantCode(t, err, keyward.EIDPCommunicationError)
	})

	t.Run("no redirects, https only", func(t *testing.T) {
		is := newIssuer(t)
		is.discovered = func(w http.ResponseWriter, url string) {
			json.NewEncoder(w).Encode(map[string]string{"issuer": url, "jwks_uri": "http://" + strings.TrimPrefix(url, "https://") + "/keys"})
		}
		_, err := (&oidc.Verifier{Now: clock, AllowPrivate: true}).Verify(ctx, is.provider, is.token(t, "k1", is.key, now.Add(time.Hour)))
		wantCode(t, err, keyward.EIDPCommunicationError)
		is2 := newIssuer(t)
		is2.discovered = func(w http.ResponseWriter, url string) {
			w.Header().Set("Location", url+"/elsewhere")
			w.WriteHeader(http.StatusFound)
		}
		_, err = (&oidc.Verifier{Now: clock, AllowPrivate: true}).Verify(ctx, is2.provider, is2.token(t, "k1", is2.key, now.Add(time.Hour)))
		wantCode(t, err, keyward.EIDPCommunicationError)
	})

	// The test's issuer is on loopback: refused, by address or by a name
	// that resolves to it, before any connection, unless allowed.
	t.Run("private addresses", func(t *testing.T) {
		is := newIssuer(t)
		_, port, _ := net.SplitHostPort(is.provider.URL)
		for _, host := range []string{"127.0.0.1", "localhost"} {
			p := is.provider
			p.URL = net.JoinHostPort(host, port)
			_, err := (&oidc.Verifier{Now: clock}).Verify(ctx, p, is.token(t, "k1", is.key, now.Add(time.Hour)))
			wantCode(t, err, keyward.EIDPCommunicationError)
		}
		if n := is.conns.Load(); n != 0 {
			t.Fatalf("%d connections to a loopback provider", n)
		}
		if _, err := (&oidc.Verifier{Now: clock, AllowPrivate: true}).Verify(ctx, is.provider, is.token(t, "k1", is.key, now.Add(time.Hour))); err != nil {
			t.Fatalf("allowed: %v", err)
		}
	})

	t.Run("not a JWT, or no issuer", func(t *testing.T) {
		v := &oidc.Verifier{}
		_, err := v.Issuer("a.b.c")
		wantCode(t, err, keyward.EInvalidIdentityToken)
		_, err = v.Issuer(strings.Repeat("a", 20000))
		wantCode(t, err, keyward.EInvalidIdentityToken)
	})
}
