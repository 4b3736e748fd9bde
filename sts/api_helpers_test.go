package sts_test

import (
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kwtest"
)

// The tests that drive IAM's rules through the Query API with the AWS SDK,
// as a client sees them, share these helpers.

const (
	rootKeyID  = kwtest.RootKeyID
	rootSecret = kwtest.RootSecret
	accountID  = kwtest.AccountID
)

// apiServer is a Keyward on a clock the test moves, with the Query API in
// front of it.
type apiServer struct {
	*kwtest.Keyward
	Clock *kwtest.Clock
}

func newAPIServer(t *testing.T) *apiServer {
	t.Helper()
	return newAPIServerWith(t, kwtest.Options{})
}

// newAPIServerWith is newAPIServer with options; the clock is its own.
func newAPIServerWith(t *testing.T, o kwtest.Options) *apiServer {
	t.Helper()
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	o.Now = clock.Now
	return &apiServer{Keyward: kwtest.NewWithOptions(t, o), Clock: clock}
}

var wantAPIError = kwtest.WantAPIError
