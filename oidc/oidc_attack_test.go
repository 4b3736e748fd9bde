package oidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/keyward/keyward/oidc"
)

// Attacks on the console's code flow through package oidc.

// TestEndpointsFetchBounded: the console's sign-in link and its callback
// are open to anyone, and each needs the provider's endpoints. Were the
// discovery document fetched for each, an outsider's loop of requests
// would be as many requests from Keyward to the provider (each holding a
// connection for up to FetchTimeout at a slow one), as unbounded as the
// keys' fetches are bounded. The endpoints are kept as the keys are: for
// KeysTTL, and a failed fetch is not tried again within MinRefetch.
func TestEndpointsFetchBounded(t *testing.T) {
	ctx := context.Background()
	is := newIssuer(t)
	var discoveries atomic.Int32
	failing := atomic.Bool{}
	is.discovered = func(w http.ResponseWriter, url string) {
		discoveries.Add(1)
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"issuer": url, "jwks_uri": url + "/keys", "authorization_endpoint": url + "/authorize",
			"token_endpoint": url + "/token"})
	}
	now := time.Now()
	v := &oidc.Verifier{Now: func() time.Time { return now }, AllowPrivate: true}
	for range 20 {
		if ep, err := v.Endpoints(ctx, is.provider); err != nil || ep.Token != is.srv.URL+"/token" {
			t.Fatalf("%+v %v", ep, err)
		}
	}
	if n := discoveries.Load(); n != 1 {
		t.Fatalf("20 sign-ins fetched the discovery document %d times", n)
	}
	// Past KeysTTL it is fetched again; a failure then is remembered for
	// MinRefetch, not retried for every request.
	now = now.Add(oidc.KeysTTL)
	failing.Store(true)
	for range 20 {
		if _, err := v.Endpoints(ctx, is.provider); err == nil {
			t.Fatal("a failed discovery gave endpoints")
		}
	}
	if n := discoveries.Load(); n != 2 {
		t.Fatalf("20 sign-ins at a failing provider fetched the discovery document %d times in all", n)
	}
	now = now.Add(oidc.MinRefetch)
	failing.Store(false)
	if _, err := v.Endpoints(ctx, is.provider); err != nil || discoveries.Load() != 3 {
		t.Fatalf("after MinRefetch: %v, %d fetches", err, discoveries.Load())
	}
}

// TestAlgorithmConfusion: a token whose header names HS256, keyed with
// the provider's public RSA key as published (its JWK's modulus, its DER),
// or alg "none", would be signed by anyone who reads the JWKS were the
// algorithm taken from the token; and a symmetric key a provider lists in
// its JWKS is no provider's signature. Each is refused.
func TestAlgorithmConfusion(t *testing.T) {
	ctx := context.Background()
	is := newIssuer(t)
	now := time.Now()
	v := &oidc.Verifier{Now: func() time.Time { return now }, AllowPrivate: true}
	claims, _ := json.Marshal(map[string]any{"iss": is.srv.URL, "sub": "job", "aud": "app", "exp": now.Add(time.Hour).Unix()})
	b64 := base64.RawURLEncoding.EncodeToString
	hs256 := func(key []byte) string {
		signing := b64([]byte(`{"alg":"HS256","kid":"k1","typ":"JWT"}`)) + "." + b64(claims)
		m := hmac.New(sha256.New, key)
		m.Write([]byte(signing))
		return signing + "." + b64(m.Sum(nil))
	}
	der, _ := x509.MarshalPKIXPublicKey(&is.key.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	secret := []byte("a symmetric key the provider lists")
	is.jwks = func(w http.ResponseWriter) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &is.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"},
			{Key: secret, KeyID: "k1", Algorithm: "HS256", Use: "sig"}}})
	}
	if _, err := v.Verify(ctx, is.provider, is.token(t, "k1", is.key, now.Add(time.Hour))); err != nil {
		t.Fatalf("the provider's own token: %v", err)
	}
	for name, tok := range map[string]string{
		"HS256 keyed with the modulus": hs256(is.key.PublicKey.N.Bytes()),
		"HS256 keyed with the DER":     hs256(der),
		"HS256 keyed with the PEM":     hs256(pemKey),
		"HS256 with a listed secret":   hs256(secret),
		"alg none":                     b64([]byte(`{"alg":"none","kid":"k1"}`)) + "." + b64(claims) + ".",
	} {
		if _, err := v.Verify(ctx, is.provider, tok); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

// TestKeysBounded: a token is verified before anything of its bearer is
// known, against keys an account's provider publishes. A key set of a
// thousand keys and a token naming no key ID (or one ID all of them
// share) made one token cost a signature check with each: 1.6 s of CPU
// with 4,096-bit keys. Only MaxKeys keys are kept, and a token is checked
// against at most four: those of its key ID, or those that fit its
// algorithm when it names none.
func TestKeysBounded(t *testing.T) {
	ctx := context.Background()
	is := newIssuer(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk := func(pub any, kid, alg string) jose.JSONWebKey {
		return jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"}
	}
	tests := []struct {
		name string
		keys func() []jose.JSONWebKey // the provider's key set
		kid  string                   // the token's, signed by is.key
		ok   bool
	}{
		{"the last key kept", func() []jose.JSONWebKey {
			var ks []jose.JSONWebKey
			for i := range oidc.MaxKeys - 1 {
				ks = append(ks, jwk(&other.PublicKey, fmt.Sprint("o", i), "RS256"))
			}
			return append(ks, jwk(&is.key.PublicKey, "mine", "RS256"))
		}, "mine", true},
		{"a key past MaxKeys", func() []jose.JSONWebKey {
			var ks []jose.JSONWebKey
			for i := range oidc.MaxKeys {
				ks = append(ks, jwk(&other.PublicKey, fmt.Sprint("o", i), "RS256"))
			}
			return append(ks, jwk(&is.key.PublicKey, "mine", "RS256"))
		}, "mine", false},
		{"no key ID: the fourth that fits", func() []jose.JSONWebKey {
			return []jose.JSONWebKey{jwk(&ecKey.PublicKey, "e", "ES256"), jwk(&other.PublicKey, "a", "RS256"), jwk(&other.PublicKey, "b", ""),
				jwk(&other.PublicKey, "c", "PS256"), jwk(&other.PublicKey, "d", "RS256"), jwk(&is.key.PublicKey, "mine", "RS256")}
		}, "", true},
		{"no key ID: the fifth that fits", func() []jose.JSONWebKey {
			return []jose.JSONWebKey{jwk(&other.PublicKey, "a", "RS256"), jwk(&other.PublicKey, "b", ""), jwk(&other.PublicKey, "c", "RS256"),
				jwk(&other.PublicKey, "d", "RS256"), jwk(&is.key.PublicKey, "mine", "RS256")}
		}, "", false},
		{"one key ID shared: the fourth", func() []jose.JSONWebKey {
			return []jose.JSONWebKey{jwk(&other.PublicKey, "k", "RS256"), jwk(&other.PublicKey, "k", "RS256"), jwk(&other.PublicKey, "k", "RS256"),
				jwk(&is.key.PublicKey, "k", "RS256")}
		}, "k", true},
		{"one key ID shared: the fifth", func() []jose.JSONWebKey {
			return []jose.JSONWebKey{jwk(&other.PublicKey, "k", "RS256"), jwk(&other.PublicKey, "k", "RS256"), jwk(&other.PublicKey, "k", "RS256"),
				jwk(&other.PublicKey, "k", "RS256"), jwk(&is.key.PublicKey, "k", "RS256")}
		}, "k", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := tt.keys()
			is.jwks = func(w http.ResponseWriter) { json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: keys}) }
			now := time.Now()
			v := &oidc.Verifier{Now: func() time.Time { return now }, AllowPrivate: true}
			_, err := v.Verify(ctx, is.provider, is.token(t, tt.kid, is.key, now.Add(time.Hour)))
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			} else if !tt.ok && err == nil {
				t.Fatal("verified")
			}
		})
	}
}

// TestFetchBlocksNoKnownKey: a token naming a key ID the provider has not
// published makes Keyward fetch its keys again (at most every MinRefetch),
// which takes up to FetchTimeout at a slow provider. Tokens of the keys
// already known are verified meanwhile, not held behind that fetch.
func TestFetchBlocksNoKnownKey(t *testing.T) {
	ctx := context.Background()
	is := newIssuer(t)
	now := time.Now()
	v := &oidc.Verifier{Now: func() time.Time { return now }, AllowPrivate: true}
	known := is.token(t, "k1", is.key, now.Add(2*time.Hour))
	if _, err := v.Verify(ctx, is.provider, known); err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	slow := is.jwks
	is.jwks = func(w http.ResponseWriter) {
		close(started)
		<-release
		slow(w)
	}
	now = now.Add(oidc.MinRefetch)
	rotated := is.token(t, "rotated", is.key, now.Add(time.Hour))
	unknown := make(chan error, 1)
	go func() {
		_, err := v.Verify(ctx, is.provider, rotated)
		unknown <- err
	}()
	<-started
	verified := make(chan error, 1)
	go func() {
		_, err := v.Verify(ctx, is.provider, known)
		verified <- err
	}()
	if err := <-verified; err != nil {
		t.Errorf("a known key's token during a fetch: %v", err)
	}
	// The fetch is still held by the provider (until release, or
	// FetchTimeout): the known key's token did not wait for it.
	select {
	case err := <-unknown:
		t.Error("a known key's token waited for another token's fetch to end")
		unknown <- err
	default:
	}
	close(release)
	if err := <-unknown; err == nil {
		t.Error("a token of a key the provider does not publish verified")
	}
}

// TestExchangeFollowsNoRedirect: a token endpoint that answers 307 or 308
// would have the client send the code, the PKCE verifier and (to the same
// host) the client's secret again, wherever the Location says. The answer
// is taken as it is, and refused.
func TestExchangeFollowsNoRedirect(t *testing.T) {
	ctx := context.Background()
	is, elsewhere := newIssuer(t), newIssuer(t)
	var reached atomic.Int32
	elsewhere.tokens = func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.Write([]byte(`{"id_token":"the.id.token"}`))
	}
	v := &oidc.Verifier{Now: time.Now, AllowPrivate: true}
	x := oidc.CodeExchange{TokenEndpoint: is.srv.URL + "/token", Code: "c1", Verifier: "v1", RedirectURI: "https://kw/console/oidc/callback",
		ClientID: "app", ClientSecret: "secret"}
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		for _, to := range []string{elsewhere.srv.URL + "/token", is.srv.URL + "/elsewhere"} {
			is.tokens = func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, status) }
			if tok, err := v.Exchange(ctx, is.provider, x); err == nil {
				t.Fatalf("%d to %s: %q taken", status, to, tok)
			}
		}
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("a redirect was followed %d times", n)
	}
}

// TestFetchOutlivesTheCallersCancellation: the console's sign-in link and
// AssumeRoleWithWebIdentity are open to anyone, and a fetch of the
// provider's documents made for one request is remembered for all:
// endpoints and keys for KeysTTL, a failure for MinRefetch. Had the fetch
// ended with the request that started it, an outsider who sends a request
// and hangs up at once (the request's context is cancelled) would have
// the fetch fail, and every other browser refused for MinRefetch; doing
// it again each MinRefetch (after a restart, or once KeysTTL has passed)
// would keep the sign-in down for good. The fetch is the provider's, not
// the request's: it runs to its own FetchTimeout.
func TestFetchOutlivesTheCallersCancellation(t *testing.T) {
	is := newIssuer(t)
	arrived, release := make(chan struct{}, 4), make(chan struct{})
	is.discovered = func(w http.ResponseWriter, url string) {
		arrived <- struct{}{}
		<-release
		json.NewEncoder(w).Encode(map[string]string{"issuer": url, "jwks_uri": url + "/keys", "authorization_endpoint": url + "/authorize",
			"token_endpoint": url + "/token"})
	}
	now := time.Now()
	v := &oidc.Verifier{Now: func() time.Time { return now }, AllowPrivate: true}

	// The outsider's request: cancelled while the discovery document is
	// on its way.
	hangUp := func(call func(ctx context.Context)) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); call(ctx) }()
		<-arrived
		cancel()
		release <- struct{}{}
		<-done
	}
	hangUp(func(ctx context.Context) { v.Endpoints(ctx, is.provider) })
	close(release) // from now on the provider answers at once
	if ep, err := v.Endpoints(context.Background(), is.provider); err != nil || ep.Token != is.srv.URL+"/token" {
		t.Fatalf("a browser after the outsider hung up: %+v %v", ep, err)
	}

	// The keys alike, for AssumeRoleWithWebIdentity.
	v2 := &oidc.Verifier{Now: func() time.Time { return now }, AllowPrivate: true}
	release = make(chan struct{})
	tok := is.token(t, "k1", is.key, now.Add(time.Hour))
	hangUp(func(ctx context.Context) { v2.Verify(ctx, is.provider, tok) })
	close(release)
	if _, err := v2.Verify(context.Background(), is.provider, tok); err != nil {
		t.Fatalf("a token after the outsider hung up: %v", err)
	}
}
