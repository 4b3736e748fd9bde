package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/webhook"
)

// countingOutbox signals when a number of deliveries have succeeded.
type countingOutbox struct {
	*sqliteOutbox
	n      atomic.Int64
	want   int64
	done   chan struct{}
	claims atomic.Int64
}

func (o *countingOutbox) Claim(ctx context.Context, q webhook.ClaimQuery) ([]webhook.Delivery, error) {
	o.claims.Add(1)
	return o.sqliteOutbox.Claim(ctx, q)
}

func (o *countingOutbox) Succeeded(ctx context.Context, id string, attempt int, at time.Time) error {
	err := o.sqliteOutbox.Succeeded(ctx, id, attempt, at)
	if o.n.Add(1) == o.want {
		close(o.done)
	}
	return err
}

// BenchmarkDeliveries measures deliveries per second from a SQLite outbox
// to receivers on loopback that read the body and answer 204, with the
// engine's defaults, through Start and Notify as the server runs it; the
// subscriptions are one account's, or each of an account of its own
// (accounts=16), which the bound on an account's deliveries in flight
// does not hold back.
// sync=FULL is how Keyward runs SQLite; this test outbox commits each
// claim and each outcome on its own (one fsync each), where Keyward's
// store commits concurrent writes together. sync=OFF takes the fsync
// away: the engine's own ceiling with SQLite's CPU cost.
func BenchmarkDeliveries(b *testing.B) {
	for _, sync := range []string{"FULL", "OFF"} {
		for _, c := range []struct{ subs, accounts int }{{1, 1}, {16, 1}, {16, 16}} {
			name := fmt.Sprintf("sync=%s/subscriptions=%d", sync, c.subs)
			if c.accounts > 1 {
				name += fmt.Sprintf("/accounts=%d", c.accounts)
			}
			b.Run(name, func(b *testing.B) {
				outboxSync = sync
				defer func() { outboxSync = "FULL" }()
				benchmarkDeliveries(b, c.subs, c.accounts)
			})
		}
	}
}

func benchmarkDeliveries(b *testing.B, subs, accounts int) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	ob := newOutbox(b)
	var ids []string
	for i := range subs {
		id := fmt.Sprintf("sub-%d", i)
		ob.subscribe(b, id, fmt.Sprintf("%012d", i%accounts), srv.URL+"/"+id, "benchmark-secret-0123456789")
		ids = append(ids, id)
	}
	tx, err := ob.db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for i := range b.N {
		ev := keyEvent(b, fmt.Sprintf("evt-%d", i), now)
		body, _ := ev.Encode()
		if _, err := tx.Exec(`INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, body, created, next_attempt)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, ev.ID, ids[i%subs], ev.ID, ev.Type, body, now.UnixNano(), now.UnixNano()); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	co := &countingOutbox{sqliteOutbox: ob, want: int64(b.N), done: make(chan struct{})}
	e, err := webhook.New(webhook.Config{Outbox: co, Secrets: ob.sealer, AllowPrivate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	e.Start()
	e.Notify()
	<-co.done
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
	b.ReportMetric(float64(co.claims.Load())/float64(b.N), "claims/delivery")
	// CPU time counts the receiver's and SQLite's too, and holds up
	// better than wall time on a shared machine.
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/delivery")
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSign is the cost of signing a typical event for one secret.
func BenchmarkSign(b *testing.B) {
	body, _ := keyEvent(b, "evt", time.Now()).Encode()
	secret := []byte("benchmark-secret-0123456789")
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		webhook.Sign(now, body, secret)
	}
}
