package webhook_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/keyward/keyward/internal/netguard"
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
		if r.State != "pending" || !strings.Contains(r.LastError, "not at a public address") {
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

// TestLastErrorNamesNoAddress: a delivery's last error, which the
// account's administrators read in the parked deliveries' listing, says
// what kind of failure it was and never an address: not the one the
// receiver's name resolved to (the host's own network, when it is not
// public), not the resolver the host asks, not the host's own end of the
// connection. The server's log, which is the operator's, keeps the cause
// whole for debugging.
func TestLastErrorNamesNoAddress(t *testing.T) {
	tlsReceiver := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(tlsReceiver.Close)
	tlsReceiver.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes refused are the point
	trusted := x509.NewCertPool()
	trusted.AddCert(tlsReceiver.Certificate())
	resetter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, _ := w.(http.Hijacker).Hijack()
		c.(*net.TCPConn).SetLinger(0) // close with a reset
		c.Close()
	}))
	t.Cleanup(resetter.Close)
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	// A receiver whose status line is an address: the error quotes it.
	quoting := rawReceiver(t, func(c net.Conn, _ *http.Request) { io.WriteString(c, "HTTP/1.1 10.1.2.3:8080\r\n\r\n") })
	port := func(u string) string {
		_, p, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://"))
		return p
	}
	tests := []struct {
		name         string
		url          string
		allowPrivate bool
		dns          int            // the resolver's answer to every query: a response code, or -1 for none
		roots        *x509.CertPool // nil: the system's
		want         string         // the last error
		logged       string         // part of the cause the log keeps
	}{
		{name: "a name resolving to loopback", url: "http://localhost:" + port(plain.URL) + "/hook",
			want: "the receiver's host is not at a public address (deliveries to loopback, private and link-local addresses need the server's --webhook-allow-private)", logged: "is not a public address"},
		{name: "a local database's address", url: "http://127.0.0.1:5432/hook",
			want: "the receiver's host is not at a public address (deliveries to loopback, private and link-local addresses need the server's --webhook-allow-private)", logged: "127.0.0.1"},
		{name: "connection refused", url: "http://" + closedAddress(t) + "/hook", allowPrivate: true,
			want: "the connection was refused", logged: "connection refused"},
		{name: "no such host", url: "http://no-such-host-zz.invalid/hook", dns: 3,
			want: "the receiver's host name did not resolve (no such host)", logged: "no such host"},
		{name: "resolver failing", url: "http://no-such-host-zz.invalid/hook", dns: 2,
			want: "the receiver's host name could not be resolved", logged: "server misbehaving"},
		{name: "resolver timing out", url: "http://no-such-host-zz.invalid/hook", dns: -1,
			want: "the receiver's host name could not be resolved in time", logged: "no-such-host-zz.invalid"},
		{name: "connection reset", url: resetter.URL + "/hook", allowPrivate: true,
			want: "the connection was reset", logged: "connection reset by peer"},
		{name: "certificate of an unknown authority", url: tlsReceiver.URL + "/hook", allowPrivate: true,
			want: "TLS: the receiver's certificate is not signed by a trusted authority", logged: "unknown authority"},
		{name: "certificate for other names", url: "https://localhost:" + port(tlsReceiver.URL) + "/hook", allowPrivate: true, roots: trusted,
			want: "TLS: the receiver's certificate is not valid for its host name", logged: "not localhost"},
		{name: "no TLS", url: "https://" + strings.TrimPrefix(plain.URL, "http://") + "/hook", allowPrivate: true,
			want: "http: server gave HTTP response to HTTPS client", logged: "HTTP response to HTTPS client"},
		{name: "an answer quoting an address", url: "http://" + quoting + "/hook", allowPrivate: true,
			want: `net/http: HTTP/1.x transport connection broken: malformed HTTP status code "…"`, logged: "10.1.2.3:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			ob := newOutbox(t)
			ob.subscribe(t, "sub", testAccount, tt.url, testSecret)
			id := ob.enqueue(t, keyEvent(t, "evt", clk.Now()), "sub")[0]
			var nameservers []string
			var resolver *net.Resolver
			if tt.dns != 0 {
				resolver = fakeResolver(tt.dns, func(addr string) { nameservers = append(nameservers, addr) })
			}
			var logs bytes.Buffer
			var logMu sync.Mutex
			e, _ := testEngine(t, ob, ob.sealer, clk.Now, func(c *webhook.Config) {
				c.AllowPrivate = tt.allowPrivate
				c.Timeout, c.Lease = 300*time.Millisecond, 10*time.Second
				c.Client = clientWith(tt.allowPrivate, c.Timeout, resolver, tt.roots)
				c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			if n, err := e.DeliverDue(t.Context()); n != 1 || err != nil {
				t.Fatalf("DeliverDue = %d, %v", n, err)
			}
			r := ob.row(t, id)
			if r.State != "pending" || r.LastError != tt.want {
				t.Errorf("last error %q, want %q", r.LastError, tt.want)
			}
			if a := anAddress(r.LastError); a != "" {
				t.Errorf("the last error names the address %s: %q", a, r.LastError)
			}
			for _, ns := range nameservers {
				if host, _, _ := net.SplitHostPort(ns); strings.Contains(r.LastError, host) {
					t.Errorf("the last error names the resolver %s: %q", ns, r.LastError)
				}
			}
			logMu.Lock()
			defer logMu.Unlock()
			if !strings.Contains(logs.String(), tt.logged) || strings.Contains(logs.String(), "/hook") {
				t.Errorf("the log does not keep the cause (%q) or names the URL's path:\n%s", tt.logged, logs.String())
			}
		})
	}
}

// anAddress returns the first IP address, with or without a port, that s
// holds as a word, or "".
func anAddress(s string) string {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(`,;()"'<>=`, r) }) {
		for _, part := range strings.Split(w, "->") {
			part = strings.TrimRight(part, ":.")
			if _, err := netip.ParseAddr(strings.Trim(part, "[]")); err == nil {
				return part
			}
			if _, err := netip.ParseAddrPort(part); err == nil {
				return part
			}
		}
	}
	return ""
}

// closedAddress is a loopback address and port with nothing listening.
func closedAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// clientWith is the engine's client (NewClient) resolving names with
// resolver (nil: the system's) and trusting roots (nil: the system's).
func clientWith(allowPrivate bool, timeout time.Duration, resolver *net.Resolver, roots *x509.CertPool) *http.Client {
	c := webhook.NewClient(allowPrivate, timeout)
	tr := c.Transport.(*http.Transport)
	tr.DialContext = (&net.Dialer{Timeout: timeout, Control: netguard.Control(allowPrivate), Resolver: resolver}).DialContext
	tr.TLSClientConfig.RootCAs = roots
	return c
}

// fakeResolver is Go's own resolver, asking the nameservers the host is
// configured with (dialed learns which) but answered here: every query
// with the DNS response code rcode (3, no such name; 2, server failure),
// or timing out when rcode is -1.
func fakeResolver(rcode int, dialed func(addr string)) *net.Resolver {
	var mu sync.Mutex
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialed(addr)
		mu.Unlock()
		if rcode < 0 {
			// As when the resolver's packets go unanswered; at once, so
			// that the lookup fails before the delivery's own timeout.
			return nil, &net.OpError{Op: "dial", Net: network, Err: os.ErrDeadlineExceeded}
		}
		client, server := net.Pipe()
		go answerDNS(server, rcode)
		return client, nil
	}}
}

// answerDNS answers the queries on c, framed as over TCP (a length, then
// the message: a net.Pipe is no PacketConn), with rcode and no record.
func answerDNS(c net.Conn, rcode int) {
	defer c.Close()
	for {
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		q := make([]byte, int(n[0])<<8|int(n[1]))
		if _, err := io.ReadFull(c, q); err != nil || len(q) < 12 {
			return
		}
		// The header and the question (its name's labels, then type and
		// class), without the query's additional records.
		end := 12
		for end < len(q) && q[end] != 0 {
			end += int(q[end]) + 1
		}
		end += 1 + 4
		if end > len(q) {
			return
		}
		resp := append([]byte(nil), q[:end]...)
		resp[2] = 0x81 | q[2]&0x01        // a response, recursion desired as asked
		resp[3] = 0x80 | byte(rcode)&0x0f // recursion available, the code
		clear(resp[6:12])                 // no answer, authority or additional record
		if _, err := c.Write(append([]byte{byte(len(resp) >> 8), byte(len(resp))}, resp...)); err != nil {
			return
		}
	}
}

// TestAccountCannotStallOthers: an account whose subscriptions all point
// at a receiver that reads each request and never answers (a tarpit),
// with a backlog of its own events due before anyone else's, holds at
// most its share of the engine's workers, half of them; another
// account's event is delivered by a free worker while every request the
// tarpit holds is still held. Without the account's bound, its four
// subscriptions (four deliveries each) took all sixteen workers for the
// whole timeout of each delivery, and the other account's events waited
// behind the backlog.
func TestAccountCannotStallOthers(t *testing.T) {
	const attacker, victim = "111111111111", "222222222222"
	share := webhook.DefaultWorkers / 2
	clk, ob := newClock(), newOutbox(t)
	held := make(chan struct{}, 100)
	release := make(chan struct{})
	tarpit := newReceiver(t, testSecret, clk.Now)
	tarpit.respond = func(w http.ResponseWriter, r *http.Request, n int) bool {
		io.Copy(io.Discard, r.Body)
		held <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	}
	for i := range 4 {
		ob.subscribe(t, fmt.Sprintf("tarpit-%d", i), attacker, tarpit.URL(), testSecret)
	}
	// 400 deliveries due, each event to the four subscriptions, as the
	// account's own audited requests would make them.
	for i := range 100 {
		ob.enqueue(t, keyEvent(t, fmt.Sprintf("evt-backlog-%d", i), clk.Now().Add(-time.Hour)), "tarpit-0", "tarpit-1", "tarpit-2", "tarpit-3")
	}
	other := newReceiver(t, testSecret, clk.Now)
	ob.subscribe(t, "other", victim, other.URL(), testSecret)
	e, _ := testEngine(t, ob, ob.sealer, clk.Now, func(c *webhook.Config) {
		// Longer than the test: the tarpit holds a worker until released.
		c.Timeout, c.Lease = 10*time.Minute, 30*time.Minute
	})
	e.Start()
	t.Cleanup(func() {
		close(release)
		e.Close()
	})
	for range share {
		select {
		case <-held:
		case <-time.After(10 * time.Second):
			t.Fatalf("the tarpit got fewer than %d requests", share)
		}
	}

	ob.enqueue(t, keyEvent(t, "evt-other-account", clk.Now()), "other")
	e.Notify()
	select {
	case d := <-other.got:
		if d.ID != "evt-other-account" {
			t.Fatalf("delivered %+v", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the other account's event was not delivered while the tarpit held %d requests", tarpit.n.Load())
	}
	if n := tarpit.n.Load(); n != int64(share) {
		t.Fatalf("the tarpit holds %d requests, more than the account's share of %d", n, share)
	}
}
