// Package audit writes the audit trail's events that no change carries
// (refusals, failed authentications, sign-ins, STS credentials) to the
// store in batches, streams every event as a JSON line to a file or
// stdout for log shippers, and prunes events past their retention.
//
// What an unauthenticated caller makes happen here is bounded: the queue
// holds at most Max events, and past it events are dropped and counted
// rather than kept; and since such a caller chooses the account its
// refusal is recorded in (by the key ID or the role's ARN it names), each
// account's trail takes at most PerAccount of them a minute; those whose
// account is looked up only when they are written take at most a tenth of
// the queue meanwhile.
package audit

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/tick"
)

// Recorder collects events and writes them.
type Recorder struct {
	Store keyward.AuditStore
	// Stream, when set, receives every event as one line of JSON.
	Stream io.Writer
	Logger *slog.Logger
	// Max bounds the events waiting to be written (0: 10,000), of which
	// unauthenticated refusals waiting for their route take a tenth at
	// most, and the refusals of signed-in callers in any one account's
	// trail a quarter: a caller's refused requests, however many, leave
	// the other accounts' events their places.
	Max int
	// PerAccount bounds the refusals of unauthenticated callers (failed
	// authentications, refused federation: events whose identity names
	// no account; failed console sign-ins) queued for any one account's
	// trail in any minute, a window that slides (0: 100); past it they
	// are dropped and counted, so that nobody fills a tenant's trail by
	// naming it. Minutes counted afresh on the minute would let twice as
	// many through across one's end.
	PerAccount int
	// Now is the clock of PerAccount's window (time.Now when nil).
	Now func() time.Time

	mu      sync.Mutex
	pending []keyward.StoredEvent
	// routing are the events whose trail is decided as they are written;
	// routedRefusals counts the refusals among them, and routingNow those
	// that Flush is routing, still counted against Max until queued.
	routing        []routedEvent
	routedRefusals int
	routingNow     int
	// admitted counts the events Add has let in and is encoding, still
	// counted against Max until queued.
	admitted int
	dropped  int
	// refused are the times of each account's unauthenticated refusals
	// queued within the last minute, oldest first (PerAccount at most).
	refused map[string][]time.Time
	// queuedRefusals counts by account the refusals queued since the last
	// write (a quarter of Max at most).
	queuedRefusals map[string]int
	// droppedFor counts the events of each account dropped since the last
	// write, by why (dropOverBudget, dropCrowded), which the write logs.
	droppedFor map[accountDrop]int
	flushMu    sync.Mutex

	streamMu sync.Mutex
}

func (r *Recorder) log() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// Committed streams an event a change's transaction wrote.
func (r *Recorder) Committed(e *keyward.Event) {
	if r == nil || r.Stream == nil {
		return
	}
	if s, err := e.Stored(); err == nil {
		r.stream(s)
	}
}

// Answered records a request's pending event once the request is
// answered: one its change's transaction wrote is streamed; any other is
// queued, with the refusal's code and message (clipped) when code is set;
// one with a Route waits for Flush to decide its trail. The copies of an
// event shared with other accounts (sharedCopies) are queued beside
// it.
func (r *Recorder) Answered(pe *keyward.PendingEvent, code, message string) {
	e := &pe.Event
	if code != "" {
		e.ErrorCode, e.ErrorMessage = code, keyward.Clip(message)
	}
	switch {
	case code == "" && pe.Claimed():
		r.Committed(e)
	case pe.Route != nil:
		r.route(*e, pe.Route)
	default:
		r.Add(e)
	}
	for _, c := range sharedCopies(pe) {
		r.Add(&c)
	}
}

// routedEvent is an event whose trail its route decides when it is
// written.
type routedEvent struct {
	e     keyward.Event
	route func(context.Context) (string, bool)
}

// route queues e, whose account route decides: Flush asks it, in the
// background, then records e as Add does (within the same bounds).
//
// The per-account budget of unauthenticated refusals is counted only
// then, once the account is known, so the refusals waiting for their
// route are bounded here, to a tenth of Max: unbounded but by Max, a
// flood of unsigned requests between two writes filled the queue, and
// every other event (sessions issued, sign-ins, in every account) was
// dropped until the next write.
func (r *Recorder) route(e keyward.Event, route func(context.Context) (string, bool)) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	refusal := unauthenticatedRefusal(&e)
	if r.fullLocked() || refusal && r.routedRefusals >= max(r.maxLocked()/10, 1) {
		r.dropped++
		return
	}
	if refusal {
		r.routedRefusals++
	}
	r.routing = append(r.routing, routedEvent{e: e, route: route})
}

func (r *Recorder) maxLocked() int {
	if r.Max <= 0 {
		return 10000
	}
	return r.Max
}

// fullLocked reports whether the queue holds Max events, those waiting
// for their route (or being routed) and those admitted by Add included.
func (r *Recorder) fullLocked() bool {
	return len(r.pending)+len(r.routing)+r.routingNow+r.admitted >= r.maxLocked()
}

// Add queues an event that no change carried, and streams it. Whether it
// is kept is decided before it is encoded: the events a flood makes past
// the bounds cost no encoding, and encoding holds no lock.
func (r *Recorder) Add(e *keyward.Event) {
	if r == nil || !r.admit(e) {
		return
	}
	s, err := e.Stored()
	r.mu.Lock()
	r.admitted--
	if err == nil {
		r.pending = append(r.pending, s)
	}
	r.mu.Unlock()
	if err != nil {
		r.log().Error("encoding an audit event", "err", err)
		return
	}
	r.stream(s)
}

// admit decides whether e is queued, and holds its place if so: the
// queue is not full, and refusals of callers who proved no identity are
// within their account's PerAccount a minute, those of signed-in callers
// within the account's share of the queue.
func (r *Recorder) admit(e *keyward.Event) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fullLocked() {
		r.dropped++
		return false
	}
	account := e.RecipientAccountID
	if unauthenticated := unauthenticatedRefusal(e); unauthenticated && !r.withinBudgetLocked(account) ||
		!unauthenticated && (e.ErrorCode != "" || e.ErrorMessage != "") && !r.withinShareLocked(account) {
		return false
	}
	r.admitted++
	return true
}

// withinShareLocked counts one refusal of a signed-in caller queued for
// account's trail and
// reports whether the account's refusals queued since the last write are
// within its share of the queue, a quarter of Max; past it, the refusal is
// counted as crowded out.
func (r *Recorder) withinShareLocked(account string) bool {
	if r.queuedRefusals[account] >= max(r.maxLocked()/4, 1) {
		r.dropForLocked(account, dropCrowded)
		return false
	}
	if r.queuedRefusals == nil {
		r.queuedRefusals = map[string]int{}
	}
	r.queuedRefusals[account]++
	return true
}

// accountDrop is why events of an account were dropped: the write logs
// each account's drops by why.
type accountDrop struct{ account, why string }

// Why an account's events are dropped, as the log says it.
const (
	dropCrowded    = "the account's refusals took their share of the queue before it was written"
	dropOverBudget = "more refusals of unauthenticated callers named the account than its trail takes in a minute"
)

// dropForLocked counts one event of account dropped for why.
func (r *Recorder) dropForLocked(account, why string) {
	if r.droppedFor == nil {
		r.droppedFor = map[accountDrop]int{}
	}
	r.droppedFor[accountDrop{account, why}]++
}

// unauthenticatedRefusal reports whether e is the refusal of a caller
// that proved no identity: its account is the one the caller named. A
// failed console sign-in is one though its identity names the account
// (and the user or root user) the form named: the root user's form puts
// it in the account of any key ID typed, the user's form in any account
// typed, and a throttled attempt is recorded as fast as it comes.
func unauthenticatedRefusal(e *keyward.Event) bool {
	refused := e.ErrorCode != "" || e.ErrorMessage != ""
	if e.EventSource == keyward.EventSourceSignIn && e.EventName == "ConsoleLogin" {
		return refused
	}
	return e.UserIdentity.AccountID == "" && refused
}

// withinBudgetLocked counts one unauthenticated refusal for account's
// trail and reports whether it is within PerAccount of the last minute;
// past it, the refusal is counted as dropped.
func (r *Recorder) withinBudgetLocked(account string) bool {
	budget := r.PerAccount
	if budget <= 0 {
		budget = 100
	}
	t := r.now()
	times := recentLocked(r.refused[account], t)
	if len(times) >= budget {
		r.refused[account] = times
		r.dropForLocked(account, dropOverBudget)
		return false
	}
	if r.refused == nil {
		r.refused = map[string][]time.Time{}
	}
	r.refused[account] = append(times, t)
	return true
}

// recentLocked returns the times of times (oldest first) that are less
// than a minute before t. One later than t (a clock set back) still
// counts: the budget errs on the side of dropping.
func recentLocked(times []time.Time, t time.Time) []time.Time {
	i := 0
	for i < len(times) && t.Sub(times[i]) >= time.Minute {
		i++
	}
	return times[i:]
}

func (r *Recorder) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Recorder) stream(s keyward.StoredEvent) {
	if r.Stream == nil {
		return
	}
	r.streamMu.Lock()
	defer r.streamMu.Unlock()
	line := append(append(make([]byte, 0, len(s.Record)+1), s.Record...), '\n')
	if _, err := r.Stream.Write(line); err != nil {
		r.log().Error("streaming an audit event", "err", err)
	}
}

// Flush writes the queued events; on failure they are queued again.
// An event with a route is recorded first, in the trail its route names
// now.
func (r *Recorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	routing := r.routing
	r.routing, r.routedRefusals, r.routingNow = nil, 0, len(routing)
	r.mu.Unlock()
	for _, q := range routing {
		if account, ok := q.route(ctx); ok {
			q.e.RecipientAccountID = account
		}
		r.mu.Lock()
		r.routingNow-- // its place in the queue is its own again
		r.mu.Unlock()
		r.Add(&q.e)
	}
	r.mu.Lock()
	batch, dropped, droppedFor := r.pending, r.dropped, r.droppedFor
	r.pending, r.dropped, r.droppedFor, r.queuedRefusals = nil, 0, nil, nil
	// Accounts with no refusal in the last minute are forgotten: their
	// window is empty.
	t := r.now()
	for account, times := range r.refused {
		if len(recentLocked(times, t)) == 0 {
			delete(r.refused, account)
		}
	}
	r.mu.Unlock()
	if dropped > 0 {
		r.log().Warn("audit events dropped: more came than could be written", "dropped", dropped)
	}
	for d, n := range droppedFor {
		r.log().Warn("audit events dropped: "+d.why, "account", d.account, "dropped", n)
	}
	if len(batch) == 0 {
		return nil
	}
	if err := r.Store.AppendEvents(ctx, batch); err != nil {
		r.mu.Lock()
		r.pending = append(batch, r.pending...)
		r.mu.Unlock()
		return err
	}
	return nil
}

// Run flushes every interval and prunes events older than retention
// (none when 0) every hour, until ctx ends; then it flushes once more.
func (r *Recorder) Run(ctx context.Context, interval, retention time.Duration, now func() time.Time) {
	lastPrune := time.Time{}
	tick.Every(ctx, interval, func() {
		if err := r.Flush(ctx); err != nil {
			r.log().Error("writing audit events", "err", err)
		}
		if retention > 0 && now().Sub(lastPrune) >= time.Hour {
			lastPrune = now()
			if n, err := r.Store.PruneEvents(ctx, now().Add(-retention)); err != nil {
				r.log().Error("pruning audit events", "err", err)
			} else if n > 0 {
				r.log().Info("pruned audit events", "events", n)
			}
		}
	})
	fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Flush(fctx); err != nil {
		r.log().Error("final write of audit events", "err", err)
	}
}
