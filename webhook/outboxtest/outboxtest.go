// Package outboxtest is the conformance suite of webhook.Outbox: what the
// delivery engine relies on a store for (leases, attempts, the reports
// that come too late, fairness between subscriptions and between
// accounts). Every store that
// implements the port runs it from its own tests, against a real
// database:
//
//	func TestOutbox(t *testing.T) {
//		outboxtest.Run(t, func(t *testing.T) outboxtest.Harness { return newStoreHarness(t) })
//	}
package outboxtest

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/webhook"
)

// Harness is an Outbox on a fresh, empty store, with the two writes the
// rest of the server makes: subscriptions, and deliveries beside a change.
type Harness interface {
	webhook.Outbox
	webhook.ParkedLister
	// Subscribe stores s, or replaces the subscription with its ID.
	Subscribe(t testing.TB, s webhook.Subscription)
	// Enqueue writes a delivery of an event (its ID, type and encoded
	// body, written at created) to a subscription, as the server writes
	// it in the transaction of a change, and returns the delivery's ID.
	Enqueue(t testing.TB, subscriptionID, eventID, eventType string, body []byte, created time.Time) string
}

// t0 is when the suite's events happen.
var t0 = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)

const (
	lease   = 30 * time.Second
	account = "123456789012"
	other   = "210987654321"
)

func subscription(id, acct string) webhook.Subscription {
	return webhook.Subscription{ID: id, AccountID: acct, SealedURL: []byte("sealed-url-" + id),
		Secrets: [][]byte{[]byte("sealed-current-" + id), []byte("sealed-previous-" + id)}}
}

func body(event string) []byte {
	return []byte(`{"specversion":"1.0","id":"` + event + `","type":"io.keyward.access-key.created"}`)
}

// enqueue writes n deliveries to sub, the i-th created at t0 + i seconds.
func enqueue(t *testing.T, h Harness, sub string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		ev := fmt.Sprintf("evt-%s-%d", sub, i)
		ids = append(ids, h.Enqueue(t, sub, ev, "io.keyward.access-key.created", body(ev), t0.Add(time.Duration(i)*time.Second)))
	}
	return ids
}

func claim(t *testing.T, h Harness, now time.Time, limit, per int) []webhook.Delivery {
	t.Helper()
	return claimQuery(t, h, webhook.ClaimQuery{Now: now, Limit: limit, Lease: lease, PerSubscription: per})
}

func claimQuery(t *testing.T, h Harness, q webhook.ClaimQuery) []webhook.Delivery {
	t.Helper()
	ds, err := h.Claim(t.Context(), q)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return ds
}

// inFlight is a ClaimQuery's InFlight: by subscription, then by account.
func inFlight(subs, accounts map[string]int) webhook.InFlight {
	return webhook.InFlight{Subscriptions: subs, Accounts: accounts}
}

func ids(ds []webhook.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

// Run runs the suite, with a new harness for each subtest.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Run("claims what is due, with the subscription and body", func(t *testing.T) {
		h := newHarness(t)
		s := subscription("sub-a", account)
		h.Subscribe(t, s)
		id := h.Enqueue(t, "sub-a", "evt-1", "io.keyward.access-key.created", body("evt-1"), t0)
		h.Enqueue(t, "sub-a", "evt-2", "io.keyward.access-key.created", body("evt-2"), t0.Add(time.Minute))
		if ds := claim(t, h, t0.Add(-time.Nanosecond), 10, 10); len(ds) != 0 {
			t.Fatalf("claimed %v before it was due", ids(ds))
		}
		ds := claim(t, h, t0, 10, 10)
		if len(ds) != 1 {
			t.Fatalf("claimed %v", ids(ds))
		}
		d := ds[0]
		if d.ID != id || d.Attempt != 1 || !d.Created.Equal(t0) || !bytes.Equal(d.Body, body("evt-1")) ||
			d.Subscription.ID != s.ID || d.Subscription.AccountID != s.AccountID || !bytes.Equal(d.Subscription.SealedURL, s.SealedURL) ||
			!slices.EqualFunc(d.Subscription.Secrets, s.Secrets, bytes.Equal) {
			t.Fatalf("claimed %+v", d)
		}
	})

	t.Run("a lease holds until it ends, and each claim counts an attempt", func(t *testing.T) {
		h := newHarness(t)
		h.Subscribe(t, subscription("sub-a", account))
		id := enqueue(t, h, "sub-a", 1)[0]
		for attempt := 1; attempt <= 3; attempt++ {
			now := t0.Add(time.Duration(attempt-1) * lease)
			ds := claim(t, h, now, 10, 10)
			if len(ds) != 1 || ds[0].ID != id || ds[0].Attempt != attempt {
				t.Fatalf("claim %d: %+v", attempt, ds)
			}
			if ds := claim(t, h, now.Add(lease-time.Nanosecond), 10, 10); len(ds) != 0 {
				t.Fatalf("claimed again within the lease: %v", ids(ds))
			}
		}
	})

	t.Run("earliest first, within the limit", func(t *testing.T) {
		h := newHarness(t)
		for i := range 5 {
			h.Subscribe(t, subscription(fmt.Sprintf("sub-%d", i), account))
		}
		var want []string
		for i := range 5 {
			ev := fmt.Sprintf("evt-%d", i)
			// Written in reverse order of their times.
			want = append(want, h.Enqueue(t, fmt.Sprintf("sub-%d", 4-i), ev, "io.keyward.access-key.created", body(ev),
				t0.Add(time.Duration(4-i)*time.Second)))
		}
		slices.Reverse(want)
		if got := ids(claim(t, h, t0.Add(time.Hour), 3, 10)); !slices.Equal(got, want[:3]) {
			t.Fatalf("claimed %v, want %v", got, want[:3])
		}
		if got := ids(claim(t, h, t0.Add(time.Hour), 3, 10)); !slices.Equal(got, want[3:]) {
			t.Fatalf("claimed %v, want %v", got, want[3:])
		}
	})

	t.Run("at most PerSubscription of one subscription, those in flight counted", func(t *testing.T) {
		h := newHarness(t)
		h.Subscribe(t, subscription("busy", account))
		h.Subscribe(t, subscription("quiet", account))
		busy := enqueue(t, h, "busy", 10)
		quiet := h.Enqueue(t, "quiet", "evt-quiet", "io.keyward.access-key.created", body("evt-quiet"), t0.Add(time.Second/2))
		now := t0.Add(time.Hour)
		got := ids(claim(t, h, now, 10, 2))
		if want := []string{busy[0], quiet, busy[1]}; !slices.Equal(got, want) {
			t.Fatalf("claimed %v, want %v", got, want)
		}
		q := webhook.ClaimQuery{Now: now, Limit: 10, Lease: lease, PerSubscription: 2}
		q.InFlight = inFlight(map[string]int{"busy": 2}, map[string]int{account: 2})
		if got := claimQuery(t, h, q); len(got) != 0 {
			t.Fatalf("claimed %v of a subscription at its bound", ids(got))
		}
		q.InFlight = inFlight(map[string]int{"quiet": 2}, map[string]int{account: 2})
		if got := ids(claimQuery(t, h, q)); !slices.Equal(got, busy[2:4]) {
			t.Fatalf("claimed %v, want %v", got, busy[2:4])
		}
		q.InFlight = inFlight(map[string]int{"busy": 1}, map[string]int{account: 1})
		if got := ids(claimQuery(t, h, q)); !slices.Equal(got, busy[4:5]) {
			t.Fatalf("with one in flight, claimed %v, want %v", got, busy[4:5])
		}
	})

	t.Run("at most PerAccount of one account, those in flight counted, accounts taking turns", func(t *testing.T) {
		h := newHarness(t)
		h.Subscribe(t, subscription("a-0", account))
		h.Subscribe(t, subscription("a-1", account))
		h.Subscribe(t, subscription("b", other))
		a0, a1 := enqueue(t, h, "a-0", 3), enqueue(t, h, "a-1", 3)
		// The other account's events come after all of the first's.
		var b []string
		for i := range 2 {
			ev := fmt.Sprintf("evt-b-%d", i)
			b = append(b, h.Enqueue(t, "b", ev, "io.keyward.access-key.created", body(ev), t0.Add(time.Duration(10+i)*time.Second)))
		}
		q := webhook.ClaimQuery{Now: t0.Add(time.Hour), Limit: 10, Lease: lease, PerSubscription: 10, PerAccount: 4}
		got := ids(claimQuery(t, h, q))
		if want := []string{a0[0], b[0], a1[0], b[1], a0[1], a1[1]}; !slices.Equal(got, want) {
			t.Fatalf("claimed %v, want %v", got, want)
		}
		q.InFlight = inFlight(map[string]int{"a-0": 2, "a-1": 2}, map[string]int{account: 4})
		if got := claimQuery(t, h, q); len(got) != 0 {
			t.Fatalf("claimed %v of an account at its bound", ids(got))
		}
		q.InFlight = inFlight(map[string]int{"a-0": 2, "a-1": 1}, map[string]int{account: 3})
		if got := ids(claimQuery(t, h, q)); !slices.Equal(got, a0[2:3]) {
			t.Fatalf("with three in flight, claimed %v, want %v", got, a0[2:3])
		}
	})

	t.Run("the account with the fewest in flight first", func(t *testing.T) {
		h := newHarness(t)
		h.Subscribe(t, subscription("a", account))
		h.Subscribe(t, subscription("b", other))
		a := enqueue(t, h, "a", 2)
		b := h.Enqueue(t, "b", "evt-b", "io.keyward.access-key.created", body("evt-b"), t0.Add(time.Minute))
		q := webhook.ClaimQuery{Now: t0.Add(time.Hour), Limit: 1, Lease: lease, PerSubscription: 10, PerAccount: 10,
			InFlight: inFlight(map[string]int{"a": 2}, map[string]int{account: 2})}
		if got := ids(claimQuery(t, h, q)); !slices.Equal(got, []string{b}) {
			t.Fatalf("claimed %v, want the other account's %s, due later but with none in flight", got, b)
		}
		q.InFlight = webhook.InFlight{}
		if got := ids(claimQuery(t, h, q)); !slices.Equal(got, a[:1]) {
			t.Fatalf("claimed %v, want %v", got, a[:1])
		}
	})

	t.Run("succeeded is never claimed again", func(t *testing.T) {
		h := newHarness(t)
		h.Subscribe(t, subscription("sub-a", account))
		enqueue(t, h, "sub-a", 1)
		d := claim(t, h, t0, 10, 10)[0]
		if err := h.Succeeded(t.Context(), d.ID, d.Attempt, t0); err != nil {
			t.Fatal(err)
		}
		if ds := claim(t, h, t0.Add(365*24*time.Hour), 10, 10); len(ds) != 0 {
			t.Fatalf("claimed %v after it succeeded", ids(ds))
		}
	})

	t.Run("failed is due again at its next attempt", func(t *testing.T) {
		h := newHarness(t)
		h.Subscribe(t, subscription("sub-a", account))
		enqueue(t, h, "sub-a", 1)
		d := claim(t, h, t0, 10, 10)[0]
		next := t0.Add(10 * time.Second) // before the lease would end
		if err := h.Failed(t.Context(), d.ID, d.Attempt, next, "HTTP 500"); err != nil {
			t.Fatal(err)
		}
		if ds := claim(t, h, next.Add(-time.Nanosecond), 10, 10); len(ds) != 0 {
			t.Fatalf("claimed %v before its next attempt", ids(ds))
		}
		if ds := claim(t, h, next, 10, 10); len(ds) != 1 || ds[0].Attempt != 2 {
			t.Fatalf("at its next attempt: %+v", ds)
		}
	})

	t.Run("parked is listed for its account and never claimed", func(t *testing.T) {
		h := newHarness(t)
		h.Subscribe(t, subscription("sub-a", account))
		h.Subscribe(t, subscription("sub-z", other))
		id := enqueue(t, h, "sub-a", 1)[0]
		enqueue(t, h, "sub-z", 1)
		for attempt := 1; attempt <= 2; attempt++ {
			now := t0.Add(time.Duration(attempt) * time.Hour)
			for _, d := range claim(t, h, now, 10, 10) {
				if attempt == 1 {
					if err := h.Failed(t.Context(), d.ID, d.Attempt, now.Add(time.Minute), "HTTP 503: busy"); err != nil {
						t.Fatal(err)
					}
				} else if err := h.Park(t.Context(), d.ID, d.Attempt, now, "Not delivered after 2 attempts"); err != nil {
					t.Fatal(err)
				}
			}
		}
		if ds := claim(t, h, t0.Add(365*24*time.Hour), 10, 10); len(ds) != 0 {
			t.Fatalf("claimed %v after it was parked", ids(ds))
		}
		ps, err := h.Parked(t.Context(), account, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 {
			t.Fatalf("Parked = %+v", ps)
		}
		p := ps[0]
		if p.ID != id || p.SubscriptionID != "sub-a" || p.EventID != "evt-sub-a-0" || p.EventType != "io.keyward.access-key.created" ||
			!p.Created.Equal(t0) || !p.Parked.Equal(t0.Add(2*time.Hour)) || p.Attempts != 2 || p.LastError != "HTTP 503: busy" ||
			p.Reason != "Not delivered after 2 attempts" {
			t.Fatalf("Parked = %+v", p)
		}
	})

	t.Run("a report on an attempt no longer the latest", func(t *testing.T) {
		h := newHarness(t)
		h.Subscribe(t, subscription("sub-a", account))
		enqueue(t, h, "sub-a", 1)
		first := claim(t, h, t0, 10, 10)[0]
		second := claim(t, h, t0.Add(lease), 10, 10)[0] // the first engine's lease ran out
		if second.Attempt != 2 {
			t.Fatalf("second claim: %+v", second)
		}
		// The first engine reports late: its failure must not make the
		// delivery due while the second attempt is in flight, nor park it.
		if err := h.Failed(t.Context(), first.ID, first.Attempt, t0.Add(lease), "HTTP 500"); err != nil {
			t.Fatal(err)
		}
		if err := h.Park(t.Context(), first.ID, first.Attempt, t0.Add(lease), "gave up"); err != nil {
			t.Fatal(err)
		}
		if ds := claim(t, h, t0.Add(2*lease-time.Nanosecond), 10, 10); len(ds) != 0 {
			t.Fatalf("a stale report released the delivery: claimed %+v", ds)
		}
		if ps, _ := h.Parked(t.Context(), account, 10); len(ps) != 0 {
			t.Fatalf("a stale report parked the delivery: %+v", ps)
		}
		// A late success counts: the receiver has the event.
		if err := h.Succeeded(t.Context(), first.ID, first.Attempt, t0.Add(lease)); err != nil {
			t.Fatal(err)
		}
		if ds := claim(t, h, t0.Add(10*lease), 10, 10); len(ds) != 0 {
			t.Fatalf("claimed %v after a late success", ids(ds))
		}
	})

	t.Run("deliveries carry the subscription as it is now", func(t *testing.T) {
		h := newHarness(t)
		h.Subscribe(t, subscription("sub-a", account))
		enqueue(t, h, "sub-a", 1)
		changed := subscription("sub-a", account)
		changed.SealedURL, changed.Secrets = []byte("sealed-url-changed"), [][]byte{[]byte("sealed-rotated")}
		h.Subscribe(t, changed)
		d := claim(t, h, t0, 10, 10)[0]
		if !bytes.Equal(d.Subscription.SealedURL, changed.SealedURL) || len(d.Subscription.Secrets) != 1 || string(d.Subscription.Secrets[0]) != "sealed-rotated" {
			t.Fatalf("claimed with %+v", d.Subscription)
		}
	})

	t.Run("concurrent claims never hand out one delivery twice", func(t *testing.T) {
		h := newHarness(t)
		for i := range 4 {
			h.Subscribe(t, subscription(fmt.Sprintf("sub-%d", i), account))
			enqueue(t, h, fmt.Sprintf("sub-%d", i), 25)
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				// Bounded: an outbox that hands deliveries out again
				// would never run dry.
				for range 100 {
					ds, err := h.Claim(t.Context(), webhook.ClaimQuery{Now: t0.Add(time.Hour), Limit: 3, Lease: lease, PerSubscription: 2})
					if err != nil {
						t.Error(err)
						return
					}
					if len(ds) == 0 {
						return
					}
					mu.Lock()
					for _, d := range ds {
						seen[d.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != 100 {
			t.Fatalf("%d of 100 deliveries claimed", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("%s claimed %d times", id, n)
			}
		}
	})
}
