package kwtest

import (
	"context"
	"testing"
	"time"

	"github.com/keyward/keyward"
)

// Server is a Keyward on a clock the test moves by hand, with the Query
// API in front of it: what the feature packages' API tests drive.
type Server struct {
	*Keyward
	Clock *Clock
}

// NewServer makes a Server on a clock of its own that reads the present
// second; o.Now is that clock's.
func NewServer(t testing.TB, o Options) *Server {
	t.Helper()
	return NewServerOn(t, NewClock(time.Now().UTC().Truncate(time.Second)), o)
}

// NewServerOn is NewServer on clock.
func NewServerOn(t testing.TB, clock *Clock, o Options) *Server {
	t.Helper()
	o.Now = clock.Now
	return &Server{Keyward: NewWithOptions(t, o), Clock: clock}
}

// RootContext is the context of a request of the account's root user, at
// the clock's time.
func (s *Server) RootContext() context.Context {
	return keyward.WithCaller(context.Background(), &keyward.RequestContext{
		Principal: keyward.Principal{AccountID: AccountID, Root: true}, CurrentTime: s.Clock.Now()})
}
