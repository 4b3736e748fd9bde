package lifecycle

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/internal/tick"
)

// Interval is how often the sweep runs: a key is deactivated within a
// minute of its moment (authentication refuses an expired key at once).
const Interval = 30 * time.Second

// statsEvery is how often a sweep also counts keys for the metrics, which
// reads more than the sweep itself, and is a full pass: it reads every key
// past a rule rather than those that crossed a boundary since the last
// pass, so that a key made due otherwise than by time passing (an expired
// key activated again, a user's exemption removed) is found too.
const statsEvery = 5 * time.Minute

// overlap is how far back before the last pass an incremental pass reads
// again: clocks of replicas differ a little, and a transition is
// conditional, so reading a key twice costs a read.
const overlap = 2 * Interval

// Service is the key lifecycle: the policy's API and the sweep that
// enforces it. Every method a transport calls takes the caller from the
// context and decides access itself (package authz).
//
// The sweep has an owner: Start runs it under the lifetime it is given,
// and Close stops it and waits for it.
type Service struct {
	Store Store
	// Authz decides access and knows the account.
	Authz *authz.Authorizer
	// Now and Rand are the clock and the randomness of event IDs.
	Now  func() time.Time
	Rand io.Reader
	// Uses holds last uses not yet written; a key used meanwhile is not
	// unused. May be nil.
	Uses keyward.PendingUses
	// Changes, when set, is told of every key the sweep changes, for
	// this replica's caches (others learn it from the store).
	Changes func(keyward.Change)
	// Logger reports failed sweeps.
	Logger *slog.Logger
	// Ticks, when set, drives the sweep instead of a ticker every
	// Interval (tests send on it).
	Ticks <-chan time.Time
	// Swept, when set, is told of each sweep (metrics and tests).
	Swept func(Sweep)
	// Closed reports whether an account was closed
	// (iam.Service.AccountClosed): the sweep does nothing in a closed
	// account, which nobody acts in any more, nor anything for it. Nil
	// closes none.
	Closed func(ctx context.Context, accountID string) (bool, error)

	mu      sync.Mutex
	stop    context.CancelFunc
	done    chan struct{}
	stats   Stats
	counted time.Time

	// runMu makes one Run at a time; it guards the incremental sweep's
	// state: each account's policy as of the last pass (an account whose
	// policy changed is read in full), and the moments of the last pass
	// and of the last full one.
	runMu          sync.Mutex
	lastPolicies   map[string]keyward.AccessKeyPolicy
	lastAt, fullAt time.Time
}

// Account is the account ctx's caller acts in, whose policy the API
// reads and writes.
func (s *Service) Account(ctx context.Context) keyward.Account { return s.Authz.Account(ctx) }

// store is the view of the store of ctx's caller's account.
func (s *Service) store(ctx context.Context) Store {
	return authz.View(ctx, s.Authz, s.Store)
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// changing returns the store ctx's request's change is written through:
// its audit event commits with the change (keyward.Changing).
func (s *Service) changing(ctx context.Context) keyward.Store {
	return keyward.Changing(ctx, s.store(ctx))
}

// Start runs the sweep every Interval under ctx, the program's lifetime,
// until ctx ends or Close. Call it once.
func (s *Service) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done != nil {
		return
	}
	ctx, s.stop = context.WithCancel(keyward.Internal(ctx))
	s.done = make(chan struct{})
	sweep := func() {
		if _, err := s.Run(ctx); err != nil && ctx.Err() == nil && s.Logger != nil {
			s.Logger.Error("key lifecycle sweep failed", "err", err)
		}
	}
	ticks := s.Ticks
	go func() {
		defer close(s.done)
		if ticks != nil {
			tick.On(ctx, ticks, sweep)
			return
		}
		tick.Every(ctx, Interval, sweep)
	}()
}

// Close stops the sweep and waits for it to return.
func (s *Service) Close() error {
	s.mu.Lock()
	stop, done := s.stop, s.done
	s.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
	return nil
}

// Stats are the counts the metrics export, as of the latest sweep that
// counted.
type Stats struct {
	// ByAge counts active keys by age bucket (AgeBuckets' labels).
	ByAge map[string]int
	// PastPolicy counts the keys past each rule (max-age, unused,
	// delete-inactive, expired), enforced or only reported, at the sweep.
	PastPolicy map[string]int
	// ExpiringSoon counts active keys whose expiry date or maximum age
	// falls within the next 7 days.
	ExpiringSoon int
	// At is when they were counted; zero before the first count.
	At time.Time
}

// AgeBuckets are the metrics' age buckets, youngest first: a key is in
// the first whose bound it is younger than, or in the last.
var AgeBuckets = []struct {
	Label string
	Age   time.Duration
}{
	{"0-30d", 30 * day}, {"30-90d", 90 * day}, {"90-180d", 180 * day}, {"180-365d", 365 * day}, {"365d+", 0},
}

const day = 24 * time.Hour

// Stats returns the latest counts.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// errNoPolicy is the policy's absence, which the sweep tells from a
// failure.
var errNoPolicy = keyward.ErrNoAccessKeyPolicy

// policy returns the policy of ctx's caller's account, or the zero policy
// (every rule off) when it has none.
func (s *Service) policy(ctx context.Context) (keyward.AccessKeyPolicy, error) {
	p, err := s.store(ctx).AccessKeyPolicy(ctx)
	if errors.Is(err, errNoPolicy) {
		return keyward.AccessKeyPolicy{}, nil
	}
	return p, err
}
