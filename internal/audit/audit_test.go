package audit_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/sqlite"
)

// TestRunStopsWithItsContext: Run, the writer's loop, returns once the
// program's lifetime ends, and writes what was queued on its way out, so
// that stopping loses no event. Its interval is an hour: only the final
// write can have stored the event.
func TestRunStopsWithItsContext(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &audit.Recorder{Store: st}
	e := keyward.Account{ID: "123456789012"}.NewEvent(keyward.EventSourceIAM, "GetUser", time.Now())
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

// TestOneRefusedEventHoldsBackNoOther: an event the store refuses for
// itself (its ID written already, as a request's event was once written
// with a change and then queued again with its refusal) must not keep the
// events queued with it, and every event queued after, from being written:
// the batch was queued again whole on each failure, and the audit trail
// stopped for good.
func TestOneRefusedEventHoldsBackNoOther(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &audit.Recorder{Store: st}
	event := func(id string) *keyward.Event {
		e := keyward.Account{ID: "123456789012"}.NewEvent(keyward.EventSourceSTS, "AssumeRoleWithSAML", time.Now())
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
