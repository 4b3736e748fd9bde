package sts_test

import (
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

// The tests that drive IAM's rules through the Query API with the AWS SDK,
// as a client sees them, share these helpers.

// apiServer is a Keyward on a clock the test moves, with the Query API in
// front of it.
type apiServer = kwtest.Server

func newAPIServer(t *testing.T) *apiServer {
	t.Helper()
	return kwtest.NewServer(t, kwtest.Options{})
}

// newAPIServerWith is newAPIServer with options; the clock is its own.
func newAPIServerWith(t *testing.T, o kwtest.Options) *apiServer {
	t.Helper()
	return kwtest.NewServer(t, o)
}

var wantAPIError = kwtest.WantAPIError
