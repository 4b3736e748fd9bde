package webhook_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/seal"
	"github.com/keyward/keyward/webhook"
)

// Attacks on the delivery engine from the targets administrators give
// it: a URL that reaches the host's own services or the private network,
// and receivers that answer with redirects or without end (those are in
// TestResponses).

// TestTargetSafety: an engine not allowed private addresses connects to
// none, whether the URL names the address or a name that resolves to it,
// and what it records and logs names neither the URL nor the secret.
func TestTargetSafety(t *testing.T) {
	clk, ob, rc := newDelivery(t)
	port := rc.srv.Listener.Addr().(*net.TCPAddr).Port
	targets := map[string]string{
		"by-address": rc.URL(),
		"by-name":    fmt.Sprintf("http://localhost:%d/keyward/events?token=hook-path-token", port),
	}
	var ids []string
	for sub, u := range targets {
		ob.subscribe(t, sub, testAccount, u, testSecret)
		ids = append(ids, ob.enqueue(t, keyEvent(t, "evt-"+sub, clk.Now()), sub)...)
	}
	var logs bytes.Buffer
	var logMu sync.Mutex
	e, _ := testEngine(t, ob, ob.sealer, clk.Now, func(c *webhook.Config) {
		c.AllowPrivate = false
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	if n, err := e.DeliverDue(t.Context()); n != 2 || err != nil {
		t.Fatalf("DeliverDue = %d, %v", n, err)
	}
	if n := rc.n.Load(); n != 0 {
		t.Fatalf("the loopback receiver got %d requests", n)
	}
	for _, id := range ids {
		r := ob.row(t, id)
		if r.State != "pending" || !strings.Contains(r.LastError, "not a public address") {
			t.Errorf("%s: %+v", id, r)
		}
	}
	logMu.Lock()
	defer logMu.Unlock()
	for _, secret := range []string{"hook-path-token", testSecret, "/keyward/events"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, logs.String())
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestNewClient: the delivery client takes no proxy from the environment
// (the address checked must be the receiver's) and follows no redirect.
func TestNewClient(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://proxy.example.com:3128")
	t.Setenv("HTTP_PROXY", "http://proxy.example.com:3128")
	c := webhook.NewClient(false, time.Second)
	tr, ok := c.Transport.(*http.Transport)
	if !ok || tr.Proxy != nil {
		t.Fatal("the client uses a proxy")
	}
	if tr.DialContext == nil || c.CheckRedirect == nil {
		t.Fatal("the client dials without the address check or follows redirects")
	}
}

// otherSealer seals under a master key other than the outbox's: what a
// secret or URL sealed elsewhere, or before a key change, was sealed with.
func otherSealer(t *testing.T) *seal.Sealer {
	t.Helper()
	other, err := seal.New([]byte("another master key, 32 bytes...."), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return other
}

// TestUnopenableSecret: a subscription whose secret does not open with
// the master key (sealed under another key, or for another subscription)
// gets no request, unsigned or otherwise, and the failure is recorded
// without the sealed bytes.
func TestUnopenableSecret(t *testing.T) {
	clk, ob, rc := newDelivery(t)
	other := otherSealer(t)
	underOtherKey, _ := other.Seal("sub-1", testSecret)
	forOtherSub, _ := ob.sealer.Seal("sub-2", testSecret)
	ob.Subscribe(t, webhook.Subscription{ID: "sub-1", AccountID: testAccount, SealedURL: ob.sealURL(t, "sub-1", rc.URL()), Secrets: [][]byte{underOtherKey}})
	ob.Subscribe(t, webhook.Subscription{ID: "sub-3", AccountID: testAccount, SealedURL: ob.sealURL(t, "sub-3", rc.URL()), Secrets: [][]byte{forOtherSub}})
	ids := ob.enqueue(t, keyEvent(t, "evt", clk.Now()), "sub-1", "sub-3")
	e, _ := testEngine(t, ob, ob.sealer, clk.Now, nil)
	if n, err := e.DeliverDue(t.Context()); n != 2 || err != nil {
		t.Fatalf("DeliverDue = %d, %v", n, err)
	}
	if n := rc.n.Load(); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}
	for _, id := range ids {
		if r := ob.row(t, id); r.State != "pending" || r.LastError != "the subscription's secret cannot be opened with this master key" {
			t.Errorf("%s: %+v", id, r)
		}
	}
}

// TestUnopenableURL: a subscription whose sealed URL does not open with
// the master key as its URL (sealed under another key, for another
// subscription, or a sealed secret put in its place, which is sealed with
// the ID alone) gets no request; the failure is recorded, and logged,
// naming neither the URL nor its token.
func TestUnopenableURL(t *testing.T) {
	clk, ob, rc := newDelivery(t)
	other := otherSealer(t)
	target := rc.URL()
	// Each subscription's URL column holds something other than its URL
	// sealed for it: the URL sealed under another key, a secret (sealed
	// with the ID alone) holding a URL, the URL sealed for another
	// subscription, and the URL in plaintext.
	subs := map[string]func(id string) []byte{
		"sub-1": func(id string) []byte { b, _ := other.Seal(webhook.URLAssociatedData(id), target); return b },
		"sub-2": func(id string) []byte { b, _ := ob.sealer.Seal(id, target); return b },
		"sub-3": func(string) []byte { return ob.sealURL(t, "sub-9", target) },
		"sub-4": func(string) []byte { return []byte(target) },
	}
	var ids []string
	for id, sealedURL := range subs {
		secret, _ := ob.sealer.Seal(id, testSecret)
		ob.Subscribe(t, webhook.Subscription{ID: id, AccountID: testAccount, SealedURL: sealedURL(id), Secrets: [][]byte{secret}})
		ids = append(ids, ob.enqueue(t, keyEvent(t, "evt", clk.Now()), id)...)
	}
	var logMu sync.Mutex
	var logs bytes.Buffer
	e, _ := testEngine(t, ob, ob.sealer, clk.Now, func(c *webhook.Config) {
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	if n, err := e.DeliverDue(t.Context()); n != len(ids) || err != nil {
		t.Fatalf("DeliverDue = %d, %v", n, err)
	}
	if n := rc.n.Load(); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}
	token := "hook-path-token"
	for _, id := range ids {
		r := ob.row(t, id)
		if r.State != "pending" || r.LastError != "the subscription's URL cannot be opened with this master key" {
			t.Errorf("%s: %+v", id, r)
		}
		if strings.Contains(r.LastError, token) || strings.Contains(r.LastError, target) {
			t.Errorf("%s records the URL: %q", id, r.LastError)
		}
	}
	logMu.Lock()
	defer logMu.Unlock()
	if strings.Contains(logs.String(), token) || !strings.Contains(logs.String(), "cannot be opened") {
		t.Errorf("the log:\n%s", logs.String())
	}
}

// TestEchoedURLKeptOut: a receiver that answers an error repeating the
// request's path and query, as many frameworks' "not found" pages do
// ("Cannot POST /hooks/<token>"), does not get the URL's token into the
// delivery's recorded error, which ListParkedWebhookDeliveries shows, or
// into the log.
func TestEchoedURLKeptOut(t *testing.T) {
	clk := newClock()
	ob := newOutbox(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "Cannot POST %s (path %s, token %s, url http://%s%s)", r.URL.RequestURI(), r.URL.Path, r.URL.Query().Get("t"), r.Host, r.URL.RequestURI())
	}))
	t.Cleanup(srv.Close)
	ob.subscribe(t, "sub", testAccount, srv.URL+"/hooks/path-token-4f9a/in?t=query-token-77c2", testSecret)
	ids := ob.enqueue(t, keyEvent(t, "evt", clk.Now()), "sub")
	var logs bytes.Buffer
	var logMu sync.Mutex
	e, _ := testEngine(t, ob, ob.sealer, clk.Now, func(c *webhook.Config) {
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	if n, err := e.DeliverDue(t.Context()); n != 1 || err != nil {
		t.Fatalf("DeliverDue = %d, %v", n, err)
	}
	r := ob.row(t, ids[0])
	if !strings.HasPrefix(r.LastError, "HTTP 404: Cannot POST") {
		t.Fatalf("last error %q", r.LastError)
	}
	logMu.Lock()
	defer logMu.Unlock()
	for _, token := range []string{"path-token-4f9a", "query-token-77c2"} {
		if strings.Contains(r.LastError, token) || strings.Contains(logs.String(), token) {
			t.Errorf("%q recorded or logged: %q\n%s", token, r.LastError, logs.String())
		}
	}
}

// rawReceiver is a receiver that answers each request with whatever bytes
// answer writes on the connection, HTTP or not, until the test ends; it
// returns its address.
func rawReceiver(t *testing.T, answer func(c net.Conn, req *http.Request)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if req, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
					answer(c, req)
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestEchoedURLInMalformedAnswer: a receiver that answers with a status
// line repeating the request's path gets a transport error, whose text
// quotes the answer; the token in the path is kept out of it too.
func TestEchoedURLInMalformedAnswer(t *testing.T) {
	clk := newClock()
	ob := newOutbox(t)
	addr := rawReceiver(t, func(c net.Conn, req *http.Request) {
		fmt.Fprintf(c, "HTTP/1.1 %s\r\n\r\n", req.URL.RequestURI())
	})
	ob.subscribe(t, "sub", testAccount, "http://"+addr+"/hooks/path-token-4f9a/in?t=query-token-77c2", testSecret)
	ids := ob.enqueue(t, keyEvent(t, "evt", clk.Now()), "sub")
	e, _ := testEngine(t, ob, ob.sealer, clk.Now, nil)
	if n, err := e.DeliverDue(t.Context()); n != 1 || err != nil {
		t.Fatalf("DeliverDue = %d, %v", n, err)
	}
	r := ob.row(t, ids[0])
	if !strings.Contains(r.LastError, "malformed") {
		t.Fatalf("last error %q", r.LastError)
	}
	for _, token := range []string{"path-token-4f9a", "query-token-77c2"} {
		if strings.Contains(r.LastError, token) {
			t.Errorf("%q recorded: %q", token, r.LastError)
		}
	}
}

// TestSwitchingProtocolsThenSilence: a receiver that answers 101
// Switching Protocols and then sends nothing more does not hold a worker
// past the timeout: the answer is a failed attempt like any other.
func TestSwitchingProtocolsThenSilence(t *testing.T) {
	clk := newClock()
	ob := newOutbox(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	addr := rawReceiver(t, func(c net.Conn, _ *http.Request) {
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: keyward\r\n\r\n")
		<-release
	})
	ob.subscribe(t, "sub", testAccount, "http://"+addr+"/hook", testSecret)
	ids := ob.enqueue(t, keyEvent(t, "evt", clk.Now()), "sub")
	e, _ := testEngine(t, ob, ob.sealer, clk.Now, func(c *webhook.Config) { c.Timeout, c.Lease = 300*time.Millisecond, 10*time.Second })
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.DeliverDue(t.Context())
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a 101 answer held the delivery past its timeout")
	}
	if r := ob.row(t, ids[0]); r.State != "pending" || r.LastError == "" {
		t.Errorf("%+v", r)
	}
}
