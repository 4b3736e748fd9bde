package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/keyward/keyward/internal/testclock"
	"github.com/keyward/keyward/webhook"
)

// newClock is the engine's injected clock: tests move it, nothing sleeps.
func newClock() *testclock.Clock { return testclock.New(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)) }

// testSecret is the secret most tests subscribe their receiver with.
const testSecret = "secret-0123456789abcdef"

// newDelivery is where most delivery tests start: a clock, an empty
// outbox, and a receiver that checks signatures for testSecret.
func newDelivery(t testing.TB) (*testclock.Clock, *sqliteOutbox, *receiver) {
	t.Helper()
	clk := newClock()
	return clk, newOutbox(t), newReceiver(t, testSecret, clk.Now)
}

// counters counts the engine's outcomes through webhook.Metrics.
type counters struct{ succeeded, failed, parked atomic.Int64 }

func (c *counters) Succeeded(time.Duration) { c.succeeded.Add(1) }
func (c *counters) Failed(time.Duration)    { c.failed.Add(1) }
func (c *counters) Parked()                 { c.parked.Add(1) }

func (c *counters) String() string {
	return fmt.Sprintf("succeeded %d, failed %d, parked %d", c.succeeded.Load(), c.failed.Load(), c.parked.Load())
}

// delivered is one request a receiver accepted.
type delivered struct {
	ID        string // the CloudEvent's id
	Type      string
	Data      webhook.Data
	Timestamp int64 // the signature's t
}

// receiver is a real HTTP endpoint that checks each delivery as a
// subscriber would: the signature computed here from the documented
// string (not with this package's code), the timestamp against its own
// clock, and the event read by the CloudEvents SDK in structured mode.
// respond decides the answer; a nil respond answers 204.
type receiver struct {
	t       testing.TB
	srv     *httptest.Server
	secret  []byte
	now     func() time.Time
	respond func(w http.ResponseWriter, r *http.Request, n int) bool // n counts requests from 1; true: answered
	got     chan delivered
	n       atomic.Int64
}

func newReceiver(t testing.TB, secret string, now func() time.Time) *receiver {
	t.Helper()
	rc := &receiver{t: t, secret: []byte(secret), now: now, got: make(chan delivered, 10000)}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) URL() string { return rc.srv.URL + "/keyward/events?token=hook-path-token" }

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	n := int(rc.n.Add(1))
	if rc.respond != nil && rc.respond(w, r, n) {
		return
	}
	d, err := rc.check(r)
	if err != nil {
		rc.t.Errorf("receiver: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.got <- d
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) check(r *http.Request) (delivered, error) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/cloudevents+json" {
		return delivered{}, fmt.Errorf("%s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return delivered{}, err
	}
	// t=<seconds>,v1=<hex>[,v1=<hex>…]: one v1 must be ours.
	var ts string
	var sigs []string
	for part := range strings.SplitSeq(r.Header.Get("X-Keyward-Signature"), ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return delivered{}, fmt.Errorf("signature header %q", r.Header.Get("X-Keyward-Signature"))
	}
	if d := rc.now().Unix() - sec; d > 300 || d < -300 {
		return delivered{}, fmt.Errorf("signature timestamp %d is %ds from now", sec, d)
	}
	h := hmac.New(sha256.New, rc.secret)
	h.Write([]byte(ts + "." + string(body)))
	want := hex.EncodeToString(h.Sum(nil))
	ok := false
	for _, s := range sigs {
		ok = ok || hmac.Equal([]byte(s), []byte(want))
	}
	if !ok {
		return delivered{}, fmt.Errorf("no signature matches: %s", r.Header.Get("X-Keyward-Signature"))
	}
	// The CloudEvents SDK reads the event from the request, as an SDK
	// receiver would.
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	ev, err := cehttp.NewEventFromHTTPRequest(r2)
	if err != nil {
		return delivered{}, fmt.Errorf("CloudEvents SDK: %v", err)
	}
	if err := ev.Validate(); err != nil {
		return delivered{}, fmt.Errorf("CloudEvents SDK: invalid event: %v", err)
	}
	if ev.SpecVersion() != "1.0" || ev.DataContentType() != "application/json" || !strings.HasPrefix(ev.Type(), "io.keyward.") {
		return delivered{}, fmt.Errorf("event %s", ev)
	}
	var data webhook.Data
	if err := ev.DataAs(&data); err != nil {
		return delivered{}, err
	}
	return delivered{ID: ev.ID(), Type: ev.Type(), Data: data, Timestamp: sec}, nil
}

// next waits for the receiver's next accepted delivery.
func (rc *receiver) next(t testing.TB, within time.Duration) delivered {
	t.Helper()
	select {
	case d := <-rc.got:
		return d
	case <-time.After(within):
		t.Fatalf("no delivery within %v", within)
		return delivered{}
	}
}

// testEngine returns an engine on ob with the test clock and fixed
// jitter, allowed to reach the loopback receivers, closed when the test
// ends.
func testEngine(t testing.TB, ob webhook.Outbox, secrets webhook.SecretOpener, now func() time.Time, mod func(*webhook.Config)) (*webhook.Engine, *counters) {
	t.Helper()
	m := &counters{}
	cfg := webhook.Config{Outbox: ob, Secrets: secrets, AllowPrivate: true, Now: now, Rand: func() float64 { return 0.5 },
		Metrics: m, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	e, err := webhook.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, m
}

// keyEvent is an access-key.created event with the given ID at time at.
func keyEvent(t testing.TB, id string, at time.Time) webhook.Event {
	t.Helper()
	ev, err := webhook.NewEvent(webhook.AccessKeyCreated, id, "keyward.test", at, "AKIAKEYWARDEXAMPLE01",
		webhook.Data{AccountID: testAccount, UserName: "alice", AccessKeyID: "AKIAKEYWARDEXAMPLE01", Status: "Active"})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestDeliver: one event to two subscriptions, one of them in the middle
// of a secret rotation: each receiver gets the event once, signed for its
// secret, with the same CloudEvent id; the deliveries are marked
// succeeded only once the receivers answered.
func TestDeliver(t *testing.T) {
	clk := newClock()
	ob := newOutbox(t)
	a := newReceiver(t, "secret-of-subscription-a", clk.Now)
	b := newReceiver(t, "new-secret-of-subscription-b", clk.Now)
	ob.subscribe(t, "sub-a", testAccount, a.URL(), "secret-of-subscription-a")
	ob.subscribe(t, "sub-b", testAccount, b.URL(), "new-secret-of-subscription-b", "old-secret-of-subscription-b")
	ids := ob.enqueue(t, keyEvent(t, "evt-1", clk.Now()), "sub-a", "sub-b")
	e, m := testEngine(t, ob, ob.sealer, clk.Now, nil)

	n, err := e.DeliverDue(t.Context())
	if err != nil || n != 2 {
		t.Fatalf("DeliverDue = %d, %v", n, err)
	}
	for _, rc := range []*receiver{a, b} {
		d := rc.next(t, time.Second)
		if d.ID != "evt-1" || d.Type != "io.keyward.access-key.created" || d.Data.AccessKeyID != "AKIAKEYWARDEXAMPLE01" ||
			d.Data.UserName != "alice" || d.Data.AccountID != testAccount || d.Timestamp != clk.Now().Unix() {
			t.Errorf("delivered %+v", d)
		}
	}
	for _, id := range ids {
		if r := ob.row(t, id); r.State != "succeeded" || r.Attempts != 1 {
			t.Errorf("%s: %+v", id, r)
		}
	}
	if n, err := e.DeliverDue(t.Context()); n != 0 || err != nil {
		t.Fatalf("delivered again: %d, %v", n, err)
	}
	if m.succeeded.Load() != 2 || m.failed.Load() != 0 {
		t.Fatalf("metrics: %s", m)
	}
}

// TestResponses: only a 2xx answer is a delivery; anything else is a
// failed attempt, kept pending for a retry, with a last error that says
// what happened and never the URL.
func TestResponses(t *testing.T) {
	type want struct {
		state     string
		lastError string // part of it
		delay     time.Duration
	}
	other := newReceiver(t, "unused-secret-0123456789", time.Now) // where redirects point
	tests := []struct {
		name    string
		respond func(w http.ResponseWriter, r *http.Request, n int) bool
		want    want
	}{
		{"200", func(w http.ResponseWriter, r *http.Request, n int) bool { return false }, want{state: "succeeded"}},
		{"202 with a body", func(w http.ResponseWriter, r *http.Request, n int) bool {
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, "queued")
			return true
		}, want{state: "succeeded"}},
		{"302 not followed", func(w http.ResponseWriter, r *http.Request, n int) bool {
			http.Redirect(w, r, other.URL(), http.StatusFound)
			return true
		}, want{"pending", "HTTP 302: redirects are not followed", 15 * time.Second}},
		{"307 not followed", func(w http.ResponseWriter, r *http.Request, n int) bool {
			http.Redirect(w, r, other.URL(), http.StatusTemporaryRedirect)
			return true
		}, want{"pending", "HTTP 307: redirects are not followed", 15 * time.Second}},
		{"400", func(w http.ResponseWriter, r *http.Request, n int) bool {
			http.Error(w, "unknown event type", http.StatusBadRequest)
			return true
		}, want{"pending", "HTTP 400: unknown event type", 15 * time.Second}},
		{"500 with control characters", func(w http.ResponseWriter, r *http.Request, n int) bool {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "boom\x1b[31m\r\nline two\xff"+strings.Repeat("x", 1000))
			return true
		}, want{"pending", "HTTP 500: boom [31m  line two" + strings.Repeat("x", 256-len("boom\x1b[31m\r\nline two\xff")), 15 * time.Second}},
		{"429 Retry-After seconds", func(w http.ResponseWriter, r *http.Request, n int) bool {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}, want{"pending", "HTTP 429", 120 * time.Second}},
		{"503 Retry-After beyond MaxDelay", func(w http.ResponseWriter, r *http.Request, n int) bool {
			w.Header().Set("Retry-After", "86400")
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}, want{"pending", "HTTP 503", time.Hour}},
		{"connection closed without an answer", func(w http.ResponseWriter, r *http.Request, n int) bool {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return true
		}, want{"pending", "the connection was closed before an answer", 15 * time.Second}},
		{"no answer in time", func(w http.ResponseWriter, r *http.Request, n int) bool {
			// The server sees the client go only once the body is read.
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return true
		}, want{"pending", "no answer within 300ms", 15 * time.Second}},
		{"headers without end", func(w http.ResponseWriter, r *http.Request, n int) bool {
			for i := range 64 {
				w.Header().Set(fmt.Sprintf("X-Padding-%d", i), strings.Repeat("p", 1024))
			}
			w.WriteHeader(http.StatusOK)
			return true
		}, want{"pending", "server response headers exceeded", 15 * time.Second}},
		{"endless answer", func(w http.ResponseWriter, r *http.Request, n int) bool {
			w.WriteHeader(http.StatusOK)
			chunk := bytes.Repeat([]byte("x"), 32<<10)
			// The engine reads some 64 KiB; socket buffers take a few MiB
			// more before a write blocks.
			for written := 0; written < 64<<20; written += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return true
				}
			}
			t.Errorf("the engine read 64 MiB of an answer")
			return true
		}, want{state: "succeeded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk, ob, rc := newDelivery(t)
			rc.respond = tt.respond
			ob.subscribe(t, "sub", testAccount, rc.URL(), testSecret)
			id := ob.enqueue(t, keyEvent(t, "evt", clk.Now()), "sub")[0]
			e, m := testEngine(t, ob, ob.sealer, clk.Now, func(c *webhook.Config) {
				c.Timeout, c.Lease, c.BaseDelay = 300*time.Millisecond, 10*time.Second, 20*time.Second
			})
			start := time.Now()
			if n, err := e.DeliverDue(t.Context()); n != 1 || err != nil {
				t.Fatalf("DeliverDue = %d, %v", n, err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("the attempt took %v", took)
			}
			r := ob.row(t, id)
			if r.State != tt.want.state || !strings.Contains(r.LastError, tt.want.lastError) || r.Attempts != 1 {
				t.Fatalf("row %+v, want %+v", r, tt.want)
			}
			if strings.Contains(r.LastError, "hook-path-token") || strings.Contains(r.LastError, "127.0.0.1") {
				t.Errorf("last error names the URL: %s", r.LastError)
			}
			if tt.want.state == "pending" {
				if got := r.NextAttempt.Sub(clk.Now()); got != tt.want.delay {
					t.Errorf("next attempt in %v, want %v", got, tt.want.delay)
				}
				if m.failed.Load() != 1 || m.succeeded.Load() != 0 {
					t.Errorf("metrics: %s", m)
				}
			} else if m.succeeded.Load() != 1 {
				t.Errorf("metrics: %s", m)
			}
		})
	}
	if n := other.n.Load(); n != 0 {
		t.Fatalf("a redirect was followed: %d requests", n)
	}
}

// TestBackoffThenPark: a receiver that always fails gets the event again
// after delays that double, with jitter drawn from the injected source,
// up to MaxDelay, until MaxAttempts; then the delivery is parked and
// listed with its reason. Nothing is attempted before it is due.
func TestBackoffThenPark(t *testing.T) {
	clk, ob, rc := newDelivery(t)
	var eventIDs []string
	rc.respond = func(w http.ResponseWriter, r *http.Request, n int) bool {
		d, err := rc.check(r)
		if err != nil {
			t.Errorf("attempt %d: %v", n, err)
		}
		eventIDs = append(eventIDs, d.ID)
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return true
	}
	ob.subscribe(t, "sub", testAccount, rc.URL(), testSecret)
	id := ob.enqueue(t, keyEvent(t, "evt-backoff", clk.Now()), "sub")[0]
	jitter := []float64{0, 0.5, 0.999, 0, 0.25, 1}
	var draws int
	e, m := testEngine(t, ob, ob.sealer, clk.Now, func(c *webhook.Config) {
		c.BaseDelay, c.MaxDelay, c.MaxAttempts = 10*time.Second, 80*time.Second, 6
		c.Rand = func() float64 { r := jitter[draws%len(jitter)]; draws++; return r }
	})
	steps := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 80 * time.Second}
	for attempt := 1; attempt <= 6; attempt++ {
		if n, err := e.DeliverDue(t.Context()); n != 1 || err != nil {
			t.Fatalf("attempt %d: DeliverDue = %d, %v", attempt, n, err)
		}
		r := ob.row(t, id)
		if r.Attempts != attempt {
			t.Fatalf("attempt %d: row %+v", attempt, r)
		}
		if attempt == 6 {
			if r.State != "parked" || !strings.Contains(r.Reason, "after 6 attempts") || !strings.Contains(r.Reason, "HTTP 500: down for maintenance") {
				t.Fatalf("after the last attempt: %+v", r)
			}
			break
		}
		step := steps[attempt-1]
		want := step/2 + time.Duration(jitter[attempt-1]*float64(step/2))
		if r.State != "pending" || r.NextAttempt.Sub(clk.Now()) != want {
			t.Fatalf("attempt %d: next in %v, want %v (%+v)", attempt, r.NextAttempt.Sub(clk.Now()), want, r)
		}
		clk.Set(r.NextAttempt.Add(-time.Nanosecond))
		if n, _ := e.DeliverDue(t.Context()); n != 0 {
			t.Fatalf("attempt %d: retried before it was due", attempt)
		}
		clk.Add(time.Nanosecond)
	}
	clk.Add(24 * time.Hour)
	if n, _ := e.DeliverDue(t.Context()); n != 0 {
		t.Fatal("a parked delivery was attempted")
	}
	if len(eventIDs) != 6 {
		t.Fatalf("receiver got %d attempts", len(eventIDs))
	}
	for _, got := range eventIDs {
		if got != "evt-backoff" {
			t.Fatalf("a retry changed the event id: %v", eventIDs)
		}
	}
	parked, err := ob.Parked(t.Context(), testAccount, 10)
	if err != nil || len(parked) != 1 || parked[0].ID != id || parked[0].EventID != "evt-backoff" ||
		parked[0].EventType != "io.keyward.access-key.created" || parked[0].Attempts != 6 {
		t.Fatalf("Parked = %+v, %v", parked, err)
	}
	if m.failed.Load() != 6 || m.parked.Load() != 1 || m.succeeded.Load() != 0 {
		t.Fatalf("metrics: %s", m)
	}
}

// TestMaxAgeParks: a delivery whose next attempt would come later than
// MaxAge after the event is parked, however few attempts it had.
func TestMaxAgeParks(t *testing.T) {
	clk, ob, rc := newDelivery(t)
	rc.respond = func(w http.ResponseWriter, r *http.Request, n int) bool {
		w.WriteHeader(http.StatusBadGateway)
		return true
	}
	ob.subscribe(t, "sub", testAccount, rc.URL(), testSecret)
	id := ob.enqueue(t, keyEvent(t, "evt-age", clk.Now()), "sub")[0]
	e, m := testEngine(t, ob, ob.sealer, clk.Now, func(c *webhook.Config) {
		c.BaseDelay, c.MaxAge = 40*time.Minute, time.Hour
		c.Rand = func() float64 { return 0 }
	})
	// Delays of 20, 40, then 80 minutes: the third would be 140 minutes
	// after the event.
	for _, wait := range []time.Duration{0, 20 * time.Minute, 40 * time.Minute} {
		clk.Add(wait)
		if n, err := e.DeliverDue(t.Context()); n != 1 || err != nil {
			t.Fatalf("after %v: DeliverDue = %d, %v", wait, n, err)
		}
	}
	if r := ob.row(t, id); r.State != "parked" || r.Attempts != 3 || !strings.Contains(r.Reason, "within 1h0m0s") {
		t.Fatalf("row %+v", r)
	}
	if m.parked.Load() != 1 {
		t.Fatalf("metrics: %s", m)
	}
}

// TestKilledMidDelivery: an engine that claimed a delivery and died before
// recording the answer loses nothing: once the claim's lease ends, another
// engine on the same database delivers the same event, and a late report
// from the first engine on an attempt that is no longer the latest changes
// nothing.
func TestKilledMidDelivery(t *testing.T) {
	for _, killed := range []bool{true, false} {
		name := map[bool]string{true: "process killed", false: "process stalled, then reports late"}[killed]
		t.Run(name, func(t *testing.T) {
			clk := newClock()
			path := t.TempDir() + "/outbox.db"
			first := openOutbox(t, path)
			rc := newReceiver(t, testSecret, clk.Now)
			arrived, answer := make(chan struct{}), make(chan struct{})
			rc.respond = func(w http.ResponseWriter, r *http.Request, n int) bool {
				if n != 1 {
					return false
				}
				close(arrived)
				<-answer
				http.Error(w, "too late", http.StatusInternalServerError)
				return true
			}
			first.subscribe(t, "sub", testAccount, rc.URL(), testSecret)
			id := first.enqueue(t, keyEvent(t, "evt-crash", clk.Now()), "sub")[0]
			const lease = 30 * time.Second
			cfg := func(c *webhook.Config) { c.Lease, c.Timeout = lease, 20*time.Second }

			doomed, _ := testEngine(t, first, first.sealer, clk.Now, cfg)
			firstDone := make(chan struct{})
			go func() {
				defer close(firstDone)
				doomed.DeliverDue(context.Background())
			}()
			<-arrived
			if killed {
				// The process dies: its database connections go with it.
				first.db.Close()
			}

			second := openOutbox(t, path) // the process started again, or another replica
			e, m := testEngine(t, second, second.sealer, clk.Now, cfg)
			if n, _ := e.DeliverDue(t.Context()); n != 0 {
				t.Fatal("claimed a delivery still leased")
			}
			clk.Add(lease - time.Nanosecond)
			if n, _ := e.DeliverDue(t.Context()); n != 0 {
				t.Fatal("claimed a delivery before its lease ended")
			}
			clk.Add(time.Nanosecond)
			if n, err := e.DeliverDue(t.Context()); n != 1 || err != nil {
				t.Fatalf("after the lease: DeliverDue = %d, %v", n, err)
			}
			if d := rc.next(t, time.Second); d.ID != "evt-crash" {
				t.Fatalf("delivered %+v", d)
			}
			if r := second.row(t, id); r.State != "succeeded" || r.Attempts != 2 || m.succeeded.Load() != 1 {
				t.Fatalf("row %+v, metrics %s", r, m)
			}

			close(answer) // the first engine's request ends with a 500
			<-firstDone
			if r := second.row(t, id); r.State != "succeeded" || r.Attempts != 2 {
				t.Fatalf("the late report changed the delivery: %+v", r)
			}
			if n, _ := e.DeliverDue(t.Context()); n != 0 {
				t.Fatal("delivered again")
			}
		})
	}
}

// observedOutbox wraps a real outbox to watch the engine use it: the
// deliveries claimed and not yet reported (in flight) at most, and when
// a claim finds nothing (the engine has gone idle).
type observedOutbox struct {
	*sqliteOutbox
	mu          sync.Mutex
	inFlight    map[string]string // delivery → subscription
	maxInFlight int
	maxPerSub   map[string]int
	idle        chan struct{}
	succeeded   chan string
}

func observe(ob *sqliteOutbox) *observedOutbox {
	return &observedOutbox{sqliteOutbox: ob, inFlight: map[string]string{}, maxPerSub: map[string]int{}, idle: make(chan struct{}, 1),
		succeeded: make(chan string, 1000)}
}

func (o *observedOutbox) Claim(ctx context.Context, q webhook.ClaimQuery) ([]webhook.Delivery, error) {
	ds, err := o.sqliteOutbox.Claim(ctx, q)
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, d := range ds {
		o.inFlight[d.ID] = d.Subscription.ID
	}
	o.maxInFlight = max(o.maxInFlight, len(o.inFlight))
	per := map[string]int{}
	for _, sub := range o.inFlight {
		per[sub]++
		o.maxPerSub[sub] = max(o.maxPerSub[sub], per[sub])
	}
	if len(ds) == 0 && err == nil {
		select {
		case o.idle <- struct{}{}:
		default:
		}
	}
	return ds, err
}

func (o *observedOutbox) done(id string) {
	o.mu.Lock()
	delete(o.inFlight, id)
	o.mu.Unlock()
}

func (o *observedOutbox) Succeeded(ctx context.Context, id string, attempt int, at time.Time) error {
	o.done(id)
	err := o.sqliteOutbox.Succeeded(ctx, id, attempt, at)
	o.succeeded <- id
	return err
}

func (o *observedOutbox) Failed(ctx context.Context, id string, attempt int, next time.Time, e string) error {
	o.done(id)
	return o.sqliteOutbox.Failed(ctx, id, attempt, next, e)
}

func (o *observedOutbox) Park(ctx context.Context, id string, attempt int, at time.Time, reason string) error {
	o.done(id)
	return o.sqliteOutbox.Park(ctx, id, attempt, at, reason)
}

// waitIdle waits until a claim found nothing due.
func (o *observedOutbox) waitIdle(t testing.TB) {
	t.Helper()
	select {
	case <-o.idle:
	case <-time.After(5 * time.Second):
		t.Fatal("the engine did not go idle")
	}
}

// TestNotifyWakes: a running engine that polls only once an hour delivers
// an event within five seconds of the change when the writer calls
// Notify (in practice, milliseconds).
func TestNotifyWakes(t *testing.T) {
	ob := observe(newOutbox(t))
	rc := newReceiver(t, testSecret, time.Now)
	ob.subscribe(t, "sub", testAccount, rc.URL(), testSecret)
	e, _ := testEngine(t, ob, ob.sealer, time.Now, func(c *webhook.Config) { c.PollInterval = time.Hour })
	e.Start()
	ob.waitIdle(t) // the engine's first look found nothing; it now waits
	for i := range 3 {
		changed := time.Now()
		ob.enqueue(t, keyEvent(t, fmt.Sprintf("evt-notify-%d", i), changed), "sub")
		e.Notify()
		d := rc.next(t, 5*time.Second)
		t.Logf("delivered %s %v after the change", d.ID, time.Since(changed))
		ob.waitIdle(t)
	}
}

// TestPollFindsOtherWriters: without Notify (a row written by another
// replica), the engine finds the delivery at its next poll.
func TestPollFindsOtherWriters(t *testing.T) {
	ob := observe(newOutbox(t))
	rc := newReceiver(t, testSecret, time.Now)
	ob.subscribe(t, "sub", testAccount, rc.URL(), testSecret)
	e, _ := testEngine(t, ob, ob.sealer, time.Now, func(c *webhook.Config) { c.PollInterval = 200 * time.Millisecond })
	e.Start()
	ob.waitIdle(t)
	changed := time.Now()
	ob.enqueue(t, keyEvent(t, "evt-poll", changed), "sub")
	if d := rc.next(t, 5*time.Second); d.ID != "evt-poll" {
		t.Fatalf("delivered %+v", d)
	}
	t.Logf("delivered %v after the change, polling every 200ms", time.Since(changed))
}

// TestDeadReceiverDoesNotHoldOthers: a receiver that never answers, with a
// backlog of events, holds at most PerSubscription of the workers;
// another subscription's events still arrive at once, and Notify does not
// wait. Close then cuts the hanging deliveries short, releases them for
// an immediate retry elsewhere, and returns without waiting for the
// delivery timeout.
func TestDeadReceiverDoesNotHoldOthers(t *testing.T) {
	ob := observe(newOutbox(t))
	dead := newReceiver(t, "secret-of-the-dead-one", time.Now)
	hanging := make(chan struct{}, 100)
	dead.respond = func(w http.ResponseWriter, r *http.Request, n int) bool {
		io.Copy(io.Discard, r.Body)
		hanging <- struct{}{}
		<-r.Context().Done()
		return true
	}
	alive := newReceiver(t, "secret-of-the-live-one", time.Now)
	ob.subscribe(t, "dead", testAccount, dead.URL(), "secret-of-the-dead-one")
	ob.subscribe(t, "alive", testAccount, alive.URL(), "secret-of-the-live-one")
	var deadIDs []string
	for i := range 20 {
		deadIDs = append(deadIDs, ob.enqueue(t, keyEvent(t, fmt.Sprintf("evt-dead-%d", i), time.Now()), "dead")...)
	}
	e, m := testEngine(t, ob, ob.sealer, time.Now, func(c *webhook.Config) {
		c.Workers, c.PerSubscription, c.Timeout, c.Lease = 4, 1, time.Minute, 2*time.Minute
	})
	e.Start()
	<-hanging
	start := time.Now()
	for i := range 10 {
		ob.enqueue(t, keyEvent(t, fmt.Sprintf("evt-alive-%d", i), time.Now()), "alive")
		e.Notify()
	}
	for range 10 {
		alive.next(t, 5*time.Second)
		<-ob.succeeded
	}
	t.Logf("10 events to a live receiver in %v beside a dead one", time.Since(start))
	ob.mu.Lock()
	maxDead, maxAll := ob.maxPerSub["dead"], ob.maxInFlight
	ob.mu.Unlock()
	if maxDead > 1 || maxAll > 4 {
		t.Fatalf("in flight at most: %d to the dead receiver, %d in all", maxDead, maxAll)
	}

	closing := time.Now()
	e.Close()
	if took := time.Since(closing); took > 5*time.Second {
		t.Fatalf("Close took %v", took)
	}
	released := 0
	for _, id := range deadIDs {
		r := ob.row(t, id)
		if r.Attempts == 1 {
			released++
			if r.State != "pending" || !r.LeasedUntil.Equal(time.Unix(0, 0).UTC()) || r.NextAttempt.After(time.Now()) ||
				!strings.Contains(r.LastError, "interrupted") {
				t.Errorf("after Close: %+v", r)
			}
		}
	}
	if released != 1 || m.failed.Load() != 0 || m.succeeded.Load() != 10 {
		t.Fatalf("%d deliveries released; metrics %s", released, m)
	}
	n := dead.n.Load() + alive.n.Load()
	e.Notify() // after Close: nothing happens, nothing panics
	e.Close()
	if later := dead.n.Load() + alive.n.Load(); later != n {
		t.Fatalf("requests after Close: %d", later-n)
	}
}

func TestNewRefusesShortLease(t *testing.T) {
	ob := newOutbox(t)
	if _, err := webhook.New(webhook.Config{Outbox: ob, Secrets: ob.sealer, Timeout: 10 * time.Second, Lease: 12 * time.Second}); err == nil {
		t.Fatal("accepted a lease a delivery can outlast")
	}
	if _, err := webhook.New(webhook.Config{Secrets: ob.sealer}); err == nil {
		t.Fatal("accepted no outbox")
	}
}
