package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kwtest"
)

// signedRequest builds a Query API request signed by aws-sdk-go-v2's signer.
func (ts *testServer) signedRequest(t testing.TB, method, form, contentType, service, id, secret string, at time.Time) *http.Request {
	t.Helper()
	return kwtest.SignedRequest(t, ts.URL, method, form, contentType, service, id, secret, at)
}

// signedFor signs a Query API request for any service and region, as an
// attacker holding a valid key may.
func (ts *testServer) signedFor(t testing.TB, form, service, region, id, secret string) *http.Request {
	t.Helper()
	return kwtest.SignedFor(t, ts.URL, form, service, region, id, secret)
}
