package audit_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestRunStopsWithItsContext: Run, the writer's loop, returns once the
// program's lifetime ends, and writes what was queued on its way out, so
// that stopping loses no event. Its interval is an hour: only the final
// write can have stored the event.
func TestRunStopsWithItsContext(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	r := &audit.Recorder{Store: st}
	e := newEvent(keyward.EventSourceIAM, "GetUser", time.Now())
	e.EventID = "4f1c2c52-9b1e-4a4e-8f5e-0c7d6f1b9a01"
	e.ErrorCode = keyward.EAccessDenied
	r.Add(&e)

	lifetime, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		r.Run(lifetime, time.Hour, 0, time.Now)
		close(done)
	}()
	cancel()
	<-done
	events, _, err := st.LookupEvents(ctx, keyward.EventQuery{Max: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].ID != e.EventID {
		t.Fatalf("after Run stopped the store holds %+v, want the queued event", events)
	}
}

// TestQueueBounded: past Max events waiting, what unauthenticated callers
// make happen is dropped, neither queued nor streamed, and the drop is
// logged on the next write; what was queued is written and streamed once.
func TestQueueBounded(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var stream, log bytes.Buffer
	r := &audit.Recorder{Store: st, Stream: &stream, Max: 3, Logger: slog.New(slog.NewTextHandler(&log, nil))}
	for i := range 5 {
		e := newEvent(keyward.EventSourceSTS, "GetCallerIdentity", time.Now())
		e.EventID = fmt.Sprintf("4f1c2c52-9b1e-4a4e-8f5e-0c7d6f1b9a0%d", i)
		e.ErrorCode = keyward.EAccessDenied
		r.Add(&e)
	}
	if n := strings.Count(stream.String(), "\n"); n != 3 {
		t.Fatalf("%d events streamed, want the 3 queued", n)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	events, _, err := st.LookupEvents(ctx, keyward.EventQuery{Max: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("the store holds %d events, want 3", len(events))
	}
	if !strings.Contains(log.String(), "audit events dropped") || !strings.Contains(log.String(), "dropped=2") {
		t.Fatalf("the drop is not logged: %q", log.String())
	}
	// Written once: a second flush writes nothing again.
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if events, _, _ := st.LookupEvents(ctx, keyward.EventQuery{Max: 10}); len(events) != 3 {
		t.Fatalf("after a second flush the store holds %d events", len(events))
	}
}

// TestOneRefusedEventHoldsBackNoOther: an event the store refuses for
// itself (its ID written already, as a request's event was once written
// with a change and then queued again with its refusal) must not keep the
// events queued with it, and every event queued after, from being written:
// the batch was queued again whole on each failure, and the audit trail
// stopped for good.
func TestOneRefusedEventHoldsBackNoOther(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	r := &audit.Recorder{Store: st}
	event := func(id string) *keyward.Event {
		e := newEvent(keyward.EventSourceSTS, "AssumeRoleWithSAML", time.Now())
		e.EventID = id
		return &e
	}
	const dup = "4f1c2c52-9b1e-4a4e-8f5e-0c7d6f1b9a01"
	r.Add(event(dup))
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	r.Add(event(dup))
	r.Add(event("4f1c2c52-9b1e-4a4e-8f5e-0c7d6f1b9a02"))
	r.Flush(ctx) // the duplicate is refused
	r.Add(event("4f1c2c52-9b1e-4a4e-8f5e-0c7d6f1b9a03"))
	r.Flush(ctx)
	events, _, err := st.LookupEvents(ctx, keyward.EventQuery{Max: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("the store holds %d events, want the first and the two queued beside and after the refused one", len(events))
	}
}

// newEvent is an event of the test account, named by its source and name.
func newEvent(source, name string, at time.Time) keyward.Event {
	return keyward.Account{ID: "123456789012"}.NewEvent(source, name, at)
}

// TestAnsweredRecordsEachEventOnce: a pending event its change's
// transaction wrote is streamed and not queued again; one no change wrote
// is queued, with the refusal's code and clipped message when refused.
func TestAnsweredRecordsEachEventOnce(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var stream bytes.Buffer
	r := &audit.Recorder{Store: st, Stream: &stream}
	pending := func(id string) *keyward.PendingEvent {
		e := newEvent(keyward.EventSourceIAM, "CreateUser", time.Now())
		e.EventID = id
		return &keyward.PendingEvent{Event: e}
	}
	written := pending("1b4e28ba-2fa1-41d2-883f-0016d3cca427")
	written.Claim() // as the change's transaction does
	r.Answered(written, "", "")
	refused := pending("1b4e28ba-2fa1-41d2-883f-0016d3cca428")
	r.Answered(refused, keyward.EAccessDenied, strings.Repeat("m", 2*keyward.MaxEchoed))
	kwtest.Must(t, r.Flush(ctx))
	events, _, err := st.LookupEvents(ctx, keyward.EventQuery{Max: 10})
	kwtest.Must(t, err)
	if len(events) != 1 || events[0].ID != refused.Event.EventID {
		t.Fatalf("queued %+v, want the refused event alone", events)
	}
	if refused.Event.ErrorCode != keyward.EAccessDenied || len(refused.Event.ErrorMessage) > keyward.MaxEchoed+3 {
		t.Fatalf("the refusal recorded as %q %q", refused.Event.ErrorCode, refused.Event.ErrorMessage)
	}
	if n := strings.Count(stream.String(), "\n"); n != 2 {
		t.Fatalf("%d events streamed, want both once", n)
	}
}

// openStore is a store with the account the events are for: the store
// keeps each account's events apart, and reads a view's own.
func openStore(t *testing.T) keyward.Store {
	t.Helper()
	st := kwtest.OpenStore(t)
	kwtest.InitAccount(t, st, nil, time.Now)
	return st
}

// TestUnauthenticatedRefusalsBoundedPerAccount: an unauthenticated caller
// chooses the account its refusal is recorded in (by a key ID or a role's
// ARN it names): past PerAccount such refusals for one account in a
// minute, further ones are dropped and counted in the log, naming the
// account, while other accounts' budgets, authenticated callers' refusals
// and sessions issued are untouched; the next minute has a budget again.
func TestUnauthenticatedRefusalsBoundedPerAccount(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	clock := kwtest.NewClock(time.Now())
	var log bytes.Buffer
	r := &audit.Recorder{Store: st, PerAccount: 3, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(&log, nil))}
	const a, b = "123456789012", "210987654321"
	n := 0
	add := func(account string, identity keyward.EventIdentity, code string) {
		e := keyward.Account{ID: account}.NewEvent(keyward.EventSourceSTS, "AssumeRoleWithWebIdentity", clock.Now())
		e.EventID, e.UserIdentity, e.ErrorCode = fmt.Sprintf("4f1c2c52-9b1e-4a4e-8f5e-%012d", n), identity, code
		n++
		r.Add(&e)
	}
	unsigned := keyward.EventIdentity{Type: "WebIdentityUser"}
	for range 5 {
		add(b, unsigned, keyward.EInvalidIdentityToken)
	}
	add(b, keyward.EventIdentity{Type: "Unknown", AccessKeyID: "AKIAEXAMPLEKEY000001"}, keyward.EInvalidClientTokenID)
	for range 2 {
		add(a, unsigned, keyward.EInvalidIdentityToken)
		add(b, keyward.EventIdentity{Type: "IAMUser", AccountID: b, UserName: "u"}, keyward.EAccessDenied)
	}
	add(b, unsigned, "") // a session issued
	kwtest.Must(t, r.Flush(ctx))
	count := func(account string) int {
		events, _, err := st.InAccount(account).LookupEvents(ctx, keyward.EventQuery{Max: 100})
		kwtest.Must(t, err)
		return len(events)
	}
	if got, want := count(b), 3+2+1; got != want {
		t.Fatalf("B's trail holds %d events, want %d: 3 unauthenticated refusals, 2 authenticated ones, a session", got, want)
	}
	if got := count(a); got != 2 {
		t.Fatalf("A's trail holds %d events, want its 2", got)
	}
	if !strings.Contains(log.String(), "account="+b) || !strings.Contains(log.String(), "dropped=3") {
		t.Fatalf("the drop is not logged: %q", log.String())
	}
	clock.Add(time.Minute)
	add(b, unsigned, keyward.EInvalidIdentityToken)
	kwtest.Must(t, r.Flush(ctx))
	if got := count(b); got != 7 {
		t.Fatalf("B's trail holds %d events the next minute, want 7", got)
	}
}

// TestRoutedEventsDecidedWhenWritten: an event with a route waits in the
// queue, counted against Max, until Flush asks its route for its account;
// a route that names none leaves the recipient it had. Refusals waiting
// for their route are at most a tenth of Max (TestAttackRoutedRefusalsFillNoQueue).
func TestRoutedEventsDecidedWhenWritten(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	r := &audit.Recorder{Store: st, Max: 20}
	const a, b = "123456789012", "210987654321"
	asked, n := 0, 0
	answer := func(routeTo string, ok bool) {
		pe := &keyward.PendingEvent{Event: keyward.Account{ID: a}.NewEvent(keyward.EventSourceSTS, "AssumeRoleWithWebIdentity", time.Now())}
		pe.Event.EventID = fmt.Sprintf("4f1c2c52-9b1e-4a4e-8f5e-%012d", n)
		n++
		pe.Event.UserIdentity = keyward.EventIdentity{Type: "WebIdentityUser"}
		pe.Route = func(context.Context) (string, bool) { asked++; return routeTo, ok }
		r.Answered(pe, keyward.EAccessDenied, "refused")
	}
	answer(b, true)
	answer(b, false)
	answer(b, true) // past a tenth of Max: dropped
	// The two waiting count against Max: 18 more fill the queue (sessions
	// issued: a signed-in caller's refusals would take a quarter of Max at
	// most, TestAttackOneAccountsRefusalsTakeItsShare).
	for range 19 {
		e := keyward.Account{ID: a}.NewEvent(keyward.EventSourceSTS, "AssumeRole", time.Now())
		e.EventID = fmt.Sprintf("4f1c2c52-9b1e-4a4e-8f5e-%012d", n)
		e.UserIdentity = keyward.EventIdentity{Type: "IAMUser", AccountID: a, UserName: "u"}
		n++
		r.Add(&e)
	}
	if asked != 0 {
		t.Fatalf("routes asked %d times before Flush", asked)
	}
	kwtest.Must(t, r.Flush(ctx))
	if asked != 2 {
		t.Fatalf("routes asked %d times, want 2", asked)
	}
	for account, want := range map[string]int{a: 1 + 18, b: 1} {
		events, _, err := st.InAccount(account).LookupEvents(ctx, keyward.EventQuery{Max: 100})
		kwtest.Must(t, err)
		if len(events) != want {
			t.Errorf("%s's trail holds %d events, want %d", account, len(events), want)
		}
	}
}
