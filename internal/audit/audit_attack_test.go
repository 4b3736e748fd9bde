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

// budgeted is a recorder that takes 3 unauthenticated refusals a minute
// per account, on a clock the test moves, and its store.
func budgeted(t *testing.T) (keyward.Store, *kwtest.Clock, *audit.Recorder) {
	t.Helper()
	st := openStore(t)
	clock := kwtest.NewClock(time.Now())
	return st, clock, &audit.Recorder{Store: st, PerAccount: 3, Now: clock.Now}
}

// TestAttackFailedConsoleSignInsBoundedPerAccount: a failed console
// sign-in is a refusal of a caller that proved no identity, though its
// event names the account (and the user or root user) the form named: the
// root user's form puts it in the trail of the account of any key ID typed
// (key IDs are no secret), the user's form in that of any account typed,
// and a throttled attempt is recorded as any other, however fast they
// come. Past PerAccount of them in a minute for one account, further ones
// are dropped as other unauthenticated refusals are, so that nobody fills
// a tenant's trail (and its audit.ConsoleLogin webhooks) by naming it;
// a sign-in that succeeded and an authenticated identity's refused
// SwitchRole are never dropped.
func TestAttackFailedConsoleSignInsBoundedPerAccount(t *testing.T) {
	ctx := context.Background()
	st, clock, r := budgeted(t)
	const b = "123456789012"
	n := 0
	add := func(name string, id keyward.EventIdentity, result, message, code string) {
		e := keyward.Account{ID: b}.NewEvent(keyward.EventSourceSignIn, name, clock.Now())
		e.EventType, e.UserIdentity = keyward.EventTypeConsoleSignIn, id
		e.EventID = fmt.Sprintf("4f1c2c52-9b1e-4a4e-8f5e-%012d", n)
		e.ErrorCode, e.ErrorMessage = code, message
		e.ResponseElements = map[string]any{name: result}
		n++
		r.Add(&e)
	}
	root := keyward.EventIdentity{Type: "Root", AccountID: b, ARN: "arn:aws:iam::" + b + ":root"}
	user := keyward.EventIdentity{Type: "IAMUser", AccountID: b, UserName: "anyone"}
	for range 50 {
		add("ConsoleLogin", root, "Failure", "Too many failed sign-in attempts", "")
		add("ConsoleLogin", user, "Failure", "Failed authentication", "")
	}
	add("ConsoleLogin", user, "Success", "", "")
	switcher := keyward.EventIdentity{Type: "IAMUser", AccountID: b, UserName: "alice", PrincipalID: "AIDAEXAMPLE000000001"}
	add("SwitchRole", switcher, "Failure", "Not authorized", keyward.EAccessDenied)
	kwtest.Must(t, r.Flush(ctx))
	events, _, err := st.InAccount(b).LookupEvents(ctx, keyward.EventQuery{Max: 1000})
	kwtest.Must(t, err)
	if got, want := len(events), 3+1+1; got != want {
		t.Fatalf("the account's trail holds %d events after 100 failed sign-ins naming it, want %d: 3 failures, the sign-in, the SwitchRole", got, want)
	}
}

// TestAttackRefusalBudgetSlidesAcrossMinutes: the budget of
// unauthenticated refusals is of any minute, not of minutes counted
// afresh: a caller that spends it at the end of one and again at the
// start of the next got twice PerAccount into a trail within seconds.
func TestAttackRefusalBudgetSlidesAcrossMinutes(t *testing.T) {
	ctx := context.Background()
	st, clock, r := budgeted(t)
	const b = "123456789012"
	n := 0
	refuse := func(times int) {
		for range times {
			e := keyward.Account{ID: b}.NewEvent(keyward.EventSourceSTS, "AssumeRoleWithWebIdentity", clock.Now())
			e.EventID, e.UserIdentity, e.ErrorCode = fmt.Sprintf("4f1c2c52-9b1e-4a4e-8f5e-%012d", n), keyward.EventIdentity{Type: "WebIdentityUser"}, keyward.EInvalidIdentityToken
			n++
			r.Add(&e)
		}
	}
	count := func() int {
		kwtest.Must(t, r.Flush(ctx))
		events, _, err := st.InAccount(b).LookupEvents(ctx, keyward.EventQuery{Max: 100})
		kwtest.Must(t, err)
		return len(events)
	}
	refuse(1)
	clock.Add(59 * time.Second)
	refuse(2)
	clock.Add(2 * time.Second) // past the minute the first refusal began
	refuse(3)
	// Within the last minute: the two of second 59, and one more.
	if got := count(); got != 4 {
		t.Fatalf("the trail holds %d refusals after 6 within 61 s, want 4: 3 within any minute", got)
	}
	clock.Add(58 * time.Second) // a minute after second 59's
	refuse(3)
	if got := count(); got != 6 {
		t.Fatalf("the trail holds %d refusals a minute later, want 6", got)
	}
}

// TestAttackRoutedRefusalsFillNoQueue: an unsigned federation request's
// event waits for its route (the account of the role it names) until
// Flush, and the per-account budget is counted only then; refusals
// waiting so were bounded by Max alone, so that a flood of unsigned
// requests between two writes (garbage tokens, any role's ARN) filled the
// queue, and every other event until the next write was dropped: sessions
// issued, sign-ins, authenticated callers' refusals, in every account.
// Refusals waiting for their route are now at most a tenth of the queue;
// past it they are dropped and counted, and what else comes is queued.
func TestAttackRoutedRefusalsFillNoQueue(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	r := &audit.Recorder{Store: st, Max: 20}
	const b = "123456789012"
	n := 0
	answer := func(code string, route bool) {
		pe := &keyward.PendingEvent{Event: keyward.Account{ID: kwtest.AccountID}.NewEvent(keyward.EventSourceSTS, "AssumeRoleWithWebIdentity", time.Now())}
		pe.Event.EventID = fmt.Sprintf("4f1c2c52-9b1e-4a4e-8f5e-%012d", n)
		pe.Event.UserIdentity = keyward.EventIdentity{Type: "WebIdentityUser"}
		n++
		if route {
			pe.Route = func(context.Context) (string, bool) { return b, false }
		}
		r.Answered(pe, code, "refused")
	}
	for range 50 {
		answer(keyward.EInvalidIdentityToken, true)
	}
	answer("", true) // a session issued, routed as refusals are
	signedIn := keyward.Account{ID: kwtest.AccountID}.NewEvent(keyward.EventSourceSignIn, "ConsoleLogin", time.Now())
	signedIn.EventID = "4f1c2c52-9b1e-4a4e-8f5e-999999999999"
	signedIn.UserIdentity = keyward.EventIdentity{Type: "IAMUser", AccountID: kwtest.AccountID, UserName: "alice"}
	signedIn.ResponseElements = map[string]any{"ConsoleLogin": "Success"}
	r.Add(&signedIn)
	kwtest.Must(t, r.Flush(ctx))
	events, _, err := st.LookupEvents(ctx, keyward.EventQuery{Max: 100})
	kwtest.Must(t, err)
	kept := map[string]int{}
	for _, e := range events {
		switch {
		case e.ID == signedIn.EventID:
			kept["sign-in"]++
		case strings.Contains(string(e.Record), `"errorCode"`):
			kept["refused"]++
		default:
			kept["issued"]++
		}
	}
	if kept["sign-in"] != 1 || kept["issued"] != 1 || kept["refused"] != 2 {
		t.Fatalf("after 50 routed refusals, a routed session and a sign-in the trail keeps %v, want the sign-in, the session and 2 refusals (a tenth of Max)", kept)
	}
}

// TestAttackEventsArrivingWhileRoutingTakeNoRoutedPlace: Flush asks each
// waiting event's route (a store read) while requests go on; the events
// being routed had left the queue's count, so that what arrived
// meanwhile took their places and they, sessions issued included, were
// dropped once routed. They keep their places until queued.
func TestAttackEventsArrivingWhileRoutingTakeNoRoutedPlace(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	r := &audit.Recorder{Store: st, Max: 20}
	n := 0
	event := func(source, name string) keyward.Event {
		e := keyward.Account{ID: kwtest.AccountID}.NewEvent(source, name, time.Now())
		e.EventID = fmt.Sprintf("4f1c2c52-9b1e-4a4e-8f5e-%012d", n)
		n++
		return e
	}
	arrive := func(context.Context) (string, bool) {
		// Sessions issued to signed-in callers: their refusals would take a
		// quarter of Max at most (TestAttackOneAccountsRefusalsTakeItsShare).
		for range 20 {
			e := event(keyward.EventSourceSTS, "AssumeRole")
			e.UserIdentity = keyward.EventIdentity{Type: "IAMUser", AccountID: kwtest.AccountID, UserName: "u"}
			r.Add(&e)
		}
		return "", false
	}
	for range 2 {
		pe := &keyward.PendingEvent{Event: event(keyward.EventSourceSTS, "AssumeRoleWithWebIdentity"), Route: arrive}
		pe.Event.UserIdentity = keyward.EventIdentity{Type: "WebIdentityUser"}
		r.Answered(pe, "", "") // sessions issued
	}
	kwtest.Must(t, r.Flush(ctx))
	issued, _, err := st.LookupEvents(ctx, keyward.EventQuery{EventName: "AssumeRoleWithWebIdentity", Max: 100})
	kwtest.Must(t, err)
	all, _, err := st.LookupEvents(ctx, keyward.EventQuery{Max: 100})
	kwtest.Must(t, err)
	if len(issued) != 2 || len(all) != 20 {
		t.Fatalf("the trail keeps %d sessions issued of 2 and %d events in all, want 20 (Max)", len(issued), len(all))
	}
}

// TestAttackOneAccountsRefusalsTakeItsShare: a signed-in caller's refused
// requests are recorded however many it sends, and between two writes
// they filled the whole queue: every other account's events (refusals,
// sign-ins, sessions issued) were dropped until the next write. An
// account's refusals queued between writes take a quarter of the queue at
// most; past it they are dropped and counted for that account, and the
// other accounts' events keep their places.
func TestAttackOneAccountsRefusalsTakeItsShare(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var log bytes.Buffer
	r := &audit.Recorder{Store: st, Max: 40, Logger: slog.New(slog.NewTextHandler(&log, nil))}
	const flooder, other = "210987654321", kwtest.AccountID
	for i := range 100 {
		e := keyward.Account{ID: flooder}.NewEvent(keyward.EventSourceIAM, "DeleteUser", time.Now())
		e.EventID = fmt.Sprintf("4f1c2c52-9b1e-4a4e-8f5e-%012d", i)
		e.UserIdentity = keyward.EventIdentity{Type: "IAMUser", AccountID: flooder, UserName: "mallory"}
		e.ErrorCode = keyward.EAccessDenied
		r.Add(&e)
	}
	for i := range 5 {
		e := keyward.Account{ID: other}.NewEvent(keyward.EventSourceSTS, "AssumeRole", time.Now())
		e.EventID = fmt.Sprintf("5f1c2c52-9b1e-4a4e-8f5e-%012d", i)
		e.UserIdentity = keyward.EventIdentity{Type: "IAMUser", AccountID: other, UserName: "alice"}
		r.Add(&e)
	}
	kwtest.Must(t, r.Flush(ctx))
	count := func(account string) int {
		events, _, err := st.InAccount(account).LookupEvents(ctx, keyward.EventQuery{Max: 200})
		kwtest.Must(t, err)
		return len(events)
	}
	if got := count(other); got != 5 {
		t.Fatalf("the other account's trail holds %d of its 5 events", got)
	}
	if got := count(flooder); got != 10 {
		t.Fatalf("the flooding account's trail holds %d refusals, want 10 (a quarter of Max)", got)
	}
	if !strings.Contains(log.String(), "account="+flooder) || !strings.Contains(log.String(), "dropped=90") {
		t.Fatalf("the drop is not logged for the account: %q", log.String())
	}
}

// TestAttackDroppedEventsAreNotEncoded: whether an event is kept is
// decided before it is encoded, so that the events a flood sends past the
// bounds cost no encoding. An event that cannot be encoded, sent to a full
// queue, is dropped without an attempt (nothing logged of its encoding).
func TestAttackDroppedEventsAreNotEncoded(t *testing.T) {
	var log bytes.Buffer
	r := &audit.Recorder{Store: openStore(t), Max: 1, Logger: slog.New(slog.NewTextHandler(&log, nil))}
	first := newEvent(keyward.EventSourceSTS, "AssumeRole", time.Now())
	first.EventID = "4f1c2c52-9b1e-4a4e-8f5e-000000000001"
	r.Add(&first)
	unencodable := newEvent(keyward.EventSourceSTS, "AssumeRole", time.Now())
	unencodable.EventID = "4f1c2c52-9b1e-4a4e-8f5e-000000000002"
	unencodable.RequestParameters = map[string]any{"x": make(chan int)}
	r.Add(&unencodable)
	if strings.Contains(log.String(), "encoding an audit event") {
		t.Fatalf("an event past the queue's bound was encoded: %s", log.String())
	}
	kwtest.Must(t, r.Flush(context.Background()))
	if !strings.Contains(log.String(), "dropped=1") {
		t.Fatalf("the drop is not counted: %s", log.String())
	}
}
