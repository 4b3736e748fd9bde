package main

import (
	"net/http"
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

// signedFor signs a Query API request for any service and region, as an
// attacker holding a valid key may.
func (ts *testServer) signedFor(t testing.TB, form, service, region, id, secret string) *http.Request {
	t.Helper()
	return kwtest.SignedFor(t, ts.URL, form, service, region, id, secret)
}
