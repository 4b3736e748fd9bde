package oidc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/oidc"
)

// TestCodeExchange: the console's code exchange reads the provider's
// endpoints from its discovery document, https only; redeems a code with
// the client's credentials and the PKCE verifier; and reads the token
// endpoint's answer within its bound, at a public address unless
// AllowPrivate, as the keys are fetched.
func TestCodeExchange(t *testing.T) {
	ctx := context.Background()
	is := newIssuer(t)
	is.discovered = func(w http.ResponseWriter, url string) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": url, "jwks_uri": url + "/keys", "authorization_endpoint": url + "/authorize",
			"token_endpoint": url + "/token"})
	}
	is.tokens = func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		if id != "app" || secret != "s%3Acret" || r.PostFormValue("code") != "c1" || r.PostFormValue("code_verifier") != "v1" ||
			r.PostFormValue("grant_type") != "authorization_code" || r.PostFormValue("redirect_uri") != "https://kw/console/oidc/callback" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		w.Write([]byte(`{"id_token":"the.id.token"}`))
	}
	v := &oidc.Verifier{Now: time.Now, AllowPrivate: true}
	ep, err := v.Endpoints(ctx, is.provider)
	if err != nil || ep.Token != is.srv.URL+"/token" || ep.Authorization != is.srv.URL+"/authorize" {
		t.Fatalf("%+v %v", ep, err)
	}
	x := oidc.CodeExchange{TokenEndpoint: ep.Token, Code: "c1", Verifier: "v1", RedirectURI: "https://kw/console/oidc/callback", ClientID: "app", ClientSecret: "s:cret"}
	if tok, err := v.Exchange(ctx, is.provider, x); err != nil || tok != "the.id.token" {
		t.Fatalf("%q %v", tok, err)
	}
	bad := x
	bad.Verifier = "other"
	if _, err := v.Exchange(ctx, is.provider, bad); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("a refused code: %v", err)
	}
	plain := x
	plain.TokenEndpoint = strings.Replace(ep.Token, "https://", "http://", 1)
	if _, err := v.Exchange(ctx, is.provider, plain); err == nil {
		t.Fatal("an http token endpoint was used")
	}
	if _, err := (&oidc.Verifier{}).Exchange(ctx, is.provider, x); err == nil {
		t.Fatal("a token endpoint on loopback was used without AllowPrivate")
	}
	is.tokens = func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"id_token":"` + strings.Repeat("a", 1<<20) + `"}`))
	}
	if _, err := v.Exchange(ctx, is.provider, x); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("an answer over 1 MiB: %v", err)
	}
	is.discovered = func(w http.ResponseWriter, url string) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": url, "authorization_endpoint": url + "/authorize",
			"token_endpoint": strings.Replace(url, "https://", "http://", 1) + "/token"})
	}
	// A fresh verifier: v keeps the endpoints it read (TestEndpointsFetchBounded).
	if _, err := (&oidc.Verifier{Now: time.Now, AllowPrivate: true}).Endpoints(ctx, is.provider); err == nil {
		t.Fatal("a discovery document naming an http token endpoint was taken")
	}
}
