package oidc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

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
