package report

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// Service makes the account's reports: the credential report, generated
// in the background, the service-last-accessed reports, and the event
// history. Every method a transport calls takes the caller from the
// context and decides access itself (package authz).
//
// Background work has an owner: it runs under the lifetime Start gives
// (the program's), and Shutdown or Close stops it and waits for it; no
// generation outlives the Service.
type Service struct {
	Store Store
	// Authz decides access and knows the caller's account.
	Authz *authz.Authorizer
	// Policies is IAM's policy language, which says what services a
	// policy grants.
	Policies keyward.PolicyEngine
	// Now and Rand are the clock and the randomness for job IDs.
	Now  func() time.Time
	Rand io.Reader
	// Uses holds last-use data not yet flushed, which a report includes;
	// may be nil.
	Uses keyward.PendingUses
	// CredentialReportMaxAge is how long a credential report is served
	// before GenerateCredentialReport makes a new one; 0 makes one every time
	// (and a report then never expires).
	CredentialReportMaxAge time.Duration
	// AccessJobsKept is how many service last accessed reports the store
	// keeps, the most recent; 0 for MaxAccessJobs.
	AccessJobsKept int
	// ReportGenerated, when set, is told how long each credential report
	// took to generate (the metrics).
	ReportGenerated func(time.Duration)
	// Logger reports failures of background work.
	Logger *slog.Logger

	mu         sync.Mutex
	lifetime   context.Context // background work's; nil until needed
	stop       context.CancelFunc
	closed     bool
	background sync.WaitGroup

	reportRounds reportRounds
}

// errClosed refuses background work asked for once the Service stops.
var errClosed = keyward.Errorf(keyward.EServiceUnavailable, "The service is shutting down. Please try again.")

// Start ties background work to ctx, the program's lifetime: when ctx
// ends, generation in progress is cancelled. Call it once, before serving;
// a Service never started ties its work to itself alone, which Close ends.
func (s *Service) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		s.stop()
	}
	s.lifetime, s.stop = context.WithCancel(ctx)
}

// goBackground runs fn in the background under the Service's lifetime;
// once the Service is closed it refuses, with errClosed. reserve runs
// first, with the work already counted, so that Close waits for what it
// prepares too; its error is returned and fn never runs.
func (s *Service) goBackground(reserve func() error, fn func(ctx context.Context)) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed
	}
	if s.lifetime == nil {
		s.lifetime, s.stop = context.WithCancel(context.Background())
	}
	ctx := s.lifetime
	s.background.Add(1)
	s.mu.Unlock()
	if err := reserve(); err != nil {
		s.background.Done()
		return err
	}
	go func() {
		defer s.background.Done()
		fn(ctx)
	}()
	return nil
}

// Wait waits for the background work under way (report generation) to
// finish, without stopping it or refusing more.
func (s *Service) Wait() { s.background.Wait() }

// Shutdown stops background work from starting, waits for the work in
// progress until ctx ends, then cancels it and waits for it to stop: as
// http.Server.Shutdown does for requests.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.background.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return s.Close()
}

// Close cancels background work, waits for it to stop, and refuses more.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	if s.stop != nil {
		s.stop()
	}
	s.mu.Unlock()
	s.background.Wait()
	return nil
}

// Account is the account ctx's caller acts in (authz.Authorizer.Account).
func (s *Service) Account(ctx context.Context) keyward.Account { return s.Authz.Account(ctx) }

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

// changing returns the store ctx's request's change is written through:
// its audit event commits with the change (keyward.Changing).
func (s *Service) changing(ctx context.Context) keyward.Store {
	return keyward.Changing(ctx, s.store(ctx))
}

// store is the view of the store of ctx's caller's account, which every
// read and write of the account's entities goes through.
func (s *Service) store(ctx context.Context) Store {
	return authz.View(ctx, s.Authz, s.Store)
}
