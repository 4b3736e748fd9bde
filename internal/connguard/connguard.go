// Package connguard bounds the connections a server holds, so that
// clients who open connections and send nothing, trickle a request's
// headers, or trickle its body cannot exhaust file descriptors and shut
// out everyone else.
//
// At the limit a new connection is kept and a waiting one is closed
// instead: the one that has waited longest among those that are new (no
// request yet), idle (between requests), still receiving a request's
// body, or whose client has taken nothing of its answer for StallGrace. A
// connection whose request is being handled, or answered to a client
// taking it, is never closed: such a response is never cut off to make
// room. Only when every held connection is busy so is the new one
// refused.
//
// A request's body must also arrive at a minimum rate once a grace period
// has passed, so that a slow body gives up its connection (HTTP/1) or its
// stream (HTTP/2) long before the server's whole-request timeout.
//
// Wire it with the server: Listener wraps the listener, and the server's
// ConnState, ConnContext and Handler are the Guard's.
package connguard

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Guard tracks a server's connections.
type Guard struct {
	// Max is the most connections held at once.
	Max int
	// Now is the clock that orders connections by how long they waited
	// (time.Now when nil). Deadlines on connections are the system's.
	Now func() time.Time
	// MinBodyRate is the slowest, in bytes a second, that a request body
	// may arrive once BodyGrace has passed since the handler began (0: no
	// minimum): on HTTP/1 through the connection's reads, on HTTP/2
	// through each stream's read deadline.
	MinBodyRate int64
	// BodyGrace is how long a body may take before MinBodyRate applies.
	BodyGrace time.Duration
	// StallGrace is how long an answer may wait for its client to take any
	// of it before its connection counts as waiting, and may be closed to
	// make room (0: an answer always keeps its connection).
	StallGrace time.Duration
	// ReadTimeout is the server's: how long a request may take to read,
	// which the minimum rate of an HTTP/2 request's body never extends
	// (0: no bound of the guard's own).
	ReadTimeout time.Duration

	mu    sync.Mutex
	conns map[*conn]struct{}
	// evicted counts connections closed to make room, refused those closed
	// for want of any to close, slow the bodies that fell below the rate.
	evicted, refused, slow atomic.Int64
}

func (g *Guard) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// conn is a held connection. Its fields past mu are guarded by mu; the
// guard's lock, when both are held, is taken first.
type conn struct {
	net.Conn
	g *Guard

	mu sync.Mutex
	// state is the server's view (New, Active, Idle); since is when the
	// connection began to wait in it (or its request's body began).
	state http.ConnState
	since time.Time
	// reading counts the requests receiving their bodies with nothing
	// answered yet; handling those being handled or answered.
	reading, handling int
	// rated is set while an HTTP/1 request's body is bounded by the
	// minimum rate: from bodyStart, with bodyBytes received since.
	rated     bool
	bodyStart time.Time
	bodyBytes int64
	// deadline is the read deadline the server last set; set is the one
	// last set on the connection.
	deadline, set time.Time
	// tooSlow is set once a body fell below the rate: every later read
	// fails at once, or the server, discarding the rest of the body,
	// would wait for it at the client's pace.
	tooSlow bool
	closed  bool
	// writing is set while a write of an answer waits for the client,
	// since writeSince.
	writing    bool
	writeSince time.Time
}

// waiting reports whether c may be closed to make room, and since when it
// has waited: it has no request, or its requests are all still receiving
// their bodies, or its client has taken nothing of an answer for
// StallGrace. c.mu is held.
func (c *conn) waiting(now time.Time) (time.Time, bool) {
	if c.writing && c.g.StallGrace > 0 && now.Sub(c.writeSince) >= c.g.StallGrace {
		return c.writeSince, true
	}
	switch c.state {
	case http.StateNew, http.StateIdle:
		return c.since, true
	case http.StateActive:
		return c.since, c.reading > 0 && c.handling == 0
	}
	return c.since, false
}

// Listener wraps ln so that each accepted connection is counted.
func (g *Guard) Listener(ln net.Listener) net.Listener { return &listener{Listener: ln, g: g} }

type listener struct {
	net.Listener
	g *Guard
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if gc := l.g.admit(c); gc != nil {
			return gc, nil
		}
		c.Close()
	}
}

// admit counts c, making room by closing the connection that has waited
// longest if the guard is full; it returns nil when every connection is
// busy.
func (g *Guard) admit(nc net.Conn) *conn {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conns == nil {
		g.conns = make(map[*conn]struct{})
	}
	if len(g.conns) >= g.Max {
		var victim *conn
		var oldest time.Time
		for c := range g.conns {
			c.mu.Lock()
			if since, ok := c.waiting(now); ok && (victim == nil || since.Before(oldest)) {
				victim, oldest = c, since
			}
			c.mu.Unlock()
		}
		if victim == nil {
			g.refused.Add(1)
			return nil
		}
		// Closed with its lock held, so that it cannot begin to handle a
		// request meanwhile: whatever it was waiting for, nothing of an
		// answer has been sent on it, or its client stopped taking it.
		victim.mu.Lock()
		victim.closed = true
		victim.Conn.Close()
		victim.mu.Unlock()
		delete(g.conns, victim)
		g.evicted.Add(1)
	}
	c := &conn{Conn: nc, g: g, state: http.StateNew, since: now}
	g.conns[c] = struct{}{}
	return c
}

// guarded returns the guard's connection under nc (a TLS connection's
// underlying one), nil if nc is not one.
func guarded(nc net.Conn) *conn {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	c, _ := nc.(*conn)
	return c
}

// ConnState is the http.Server's ConnState hook.
func (g *Guard) ConnState(nc net.Conn, s http.ConnState) {
	c := guarded(nc)
	if c == nil {
		return
	}
	switch s {
	case http.StateClosed, http.StateHijacked:
		g.mu.Lock()
		delete(g.conns, c)
		g.mu.Unlock()
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
	default:
		now := g.now()
		c.mu.Lock()
		c.state = s
		if s != http.StateNew { // new since admitted
			c.since = now
		}
		if s != http.StateActive {
			c.reading, c.handling, c.rated = 0, 0, false
		}
		c.mu.Unlock()
	}
}

type connKey struct{}

// ConnContext is the http.Server's ConnContext hook: it lets Handler find
// a request's connection.
func (g *Guard) ConnContext(ctx context.Context, nc net.Conn) context.Context {
	if c := guarded(nc); c != nil {
		return context.WithValue(ctx, connKey{}, c)
	}
	return ctx
}

// Handler follows each request through h: while its body arrives, its
// connection may be closed to make room and, on HTTP/1, must keep to the
// minimum rate; from the first byte of the answer (or the end of the
// body) until the connection is idle again, it is never closed.
func (g *Guard) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(*conn)
		if c == nil {
			h.ServeHTTP(w, r)
			return
		}
		q := &request{c: c}
		if r.Body != nil && r.Body != http.NoBody {
			c.begin(q, r.ProtoMajor == 1)
			r.Body = &body{ReadCloser: r.Body, q: q}
			if r.ProtoMajor > 1 && g.MinBodyRate > 0 {
				r.Body = &streamBody{ReadCloser: r.Body, g: g, rc: http.NewResponseController(w), start: time.Now()}
			}
		} else {
			q.answer()
		}
		defer q.end()
		h.ServeHTTP(&answer{ResponseWriter: w, q: q}, r)
	})
}

// request is one request's part in its connection's counts.
type request struct {
	c *conn
	// reading while its body arrives with nothing answered; answered from
	// the end of the body or the first byte of the answer; done once the
	// handler returned. Guarded by c.mu.
	reading, answered, done bool
}

func (c *conn) begin(q *request, rated bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reading == 0 && c.handling == 0 {
		c.since = c.g.now()
	}
	c.reading++
	q.reading = true
	if rated && c.g.MinBodyRate > 0 {
		c.rated, c.bodyStart, c.bodyBytes = true, time.Now(), 0
	}
}

// stopReading ends q's part in the reading count. c.mu is held.
func (q *request) stopReading() {
	c := q.c
	if !q.reading {
		return
	}
	q.reading = false
	if c.reading > 0 {
		c.reading--
	}
	c.unrate()
}

// answer moves q past its body: the body ended or failed, or the handler
// began to answer. From here on its connection is not closed to make room.
func (q *request) answer() {
	c := q.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if q.answered || q.done {
		return
	}
	q.stopReading()
	q.answered = true
	c.handling++
}

// end is the handler's return. The server still writes what the handler
// left buffered; the connection stays busy until the server says it is
// idle.
func (q *request) end() {
	q.answer()
	c := q.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if q.answered && c.handling > 0 {
		c.handling--
	}
	q.done = true
}

// unrate lifts the minimum rate, restoring the server's read deadline on
// a read that may be under way. c.mu is held.
func (c *conn) unrate() {
	if !c.rated {
		return
	}
	c.rated = false
	if !c.set.Equal(c.deadline) {
		c.set = c.deadline
		c.Conn.SetReadDeadline(c.deadline)
	}
}

// streamBody holds an HTTP/2 request's body to the minimum rate. One
// connection carries many streams, so the connection's reads, which bound
// an HTTP/1 body, bound none of them: each read of the stream is given the
// stream's own deadline (http.ResponseController), the time by which the
// bytes received so far would have been enough, never past the server's
// read timeout, which the stream's deadline replaces.
type streamBody struct {
	io.ReadCloser
	g       *Guard
	rc      *http.ResponseController
	start   time.Time
	bytes   int64
	tooSlow bool
}

func (b *streamBody) Read(p []byte) (int, error) {
	if b.tooSlow {
		return 0, ErrTooSlow
	}
	d := b.start.Add(b.g.BodyGrace + time.Duration(float64(b.bytes)/float64(b.g.MinBodyRate)*float64(time.Second)))
	if end := b.start.Add(b.g.ReadTimeout); b.g.ReadTimeout > 0 && end.Before(d) {
		d = end
	}
	b.rc.SetReadDeadline(d)
	n, err := b.ReadCloser.Read(p)
	b.bytes += int64(n)
	if errors.Is(err, os.ErrDeadlineExceeded) && (b.g.ReadTimeout <= 0 || time.Since(b.start) < b.g.ReadTimeout) {
		b.g.slow.Add(1)
		b.tooSlow = true
		return n, ErrTooSlow
	}
	return n, err
}

// body notices the end of a request's body.
type body struct {
	io.ReadCloser
	q *request
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.q.answer()
	}
	return n, err
}

func (b *body) Close() error {
	b.q.answer()
	return b.ReadCloser.Close()
}

// answer notices the first byte of a response.
type answer struct {
	http.ResponseWriter
	q *request
}

func (a *answer) WriteHeader(code int) {
	if code >= 200 {
		a.q.answer()
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *answer) Write(b []byte) (int, error) {
	a.q.answer()
	return a.ResponseWriter.Write(b)
}

// Flush sends what is buffered, as the server's writer does.
func (a *answer) Flush() {
	a.q.answer()
	if f, ok := a.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the server's writer.
func (a *answer) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// ErrTooSlow is what a read of a request body reports when the body fell
// below the minimum rate.
var ErrTooSlow = errors.New("connguard: the request body arrives more slowly than the minimum rate")

// Read reads with the earlier of the server's deadline and, while a body
// must keep to the minimum rate, the time by which the bytes received so
// far would have been enough.
func (c *conn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if c.tooSlow {
		c.mu.Unlock()
		return 0, c.errTooSlow()
	}
	d := c.deadline
	if rd, ok := c.rateDeadline(); ok && (d.IsZero() || rd.Before(d)) {
		d = rd
	}
	if !d.Equal(c.set) {
		c.set = d
		c.Conn.SetReadDeadline(d)
	}
	c.mu.Unlock()
	n, err := c.Conn.Read(b)
	if n == 0 && err == nil {
		return n, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rated {
		c.bodyBytes += int64(n)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The rate's doing only if it still applies and the server's own
		// deadline (its timeout, or an abort) has not passed: the read may
		// have begun under the rate and been ended by the server.
		now := time.Now()
		if rd, ok := c.rateDeadline(); ok && !rd.After(now) && (c.deadline.IsZero() || c.deadline.After(now)) {
			c.g.slow.Add(1)
			c.tooSlow = true
			return n, c.errTooSlow()
		}
	}
	return n, err
}

// rateDeadline is when the body will have fallen below the minimum rate if
// nothing more arrives. c.mu is held.
func (c *conn) rateDeadline() (time.Time, bool) {
	if !c.rated {
		return time.Time{}, false
	}
	return c.bodyStart.Add(c.g.BodyGrace + time.Duration(float64(c.bodyBytes)/float64(c.g.MinBodyRate)*float64(time.Second))), true
}

func (c *conn) errTooSlow() error {
	return &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: ErrTooSlow}
}

// writeChunk is the most written at once: a client that takes its answer
// at all takes this much within StallGrace, so that the wait of one write
// tells a client that stopped from one that is slow.
const writeChunk = 4 << 10

// Write writes b in pieces of writeChunk, noting when each began.
func (c *conn) Write(b []byte) (int, error) {
	if c.g.StallGrace <= 0 {
		return c.Conn.Write(b)
	}
	written := 0
	for len(b) > 0 {
		piece := b[:min(len(b), writeChunk)]
		c.mu.Lock()
		c.writing, c.writeSince = true, c.g.now()
		c.mu.Unlock()
		n, err := c.Conn.Write(piece)
		c.mu.Lock()
		c.writing = false
		c.mu.Unlock()
		written += n
		if err != nil {
			return written, err
		}
		b = b[n:]
	}
	return written, nil
}

// SetDeadline, SetReadDeadline and SetWriteDeadline record the server's
// read deadline, to which reads return when no minimum rate applies.
// The connection's deadline is set with c.mu held, so that a read cannot
// set its own in between.
func (c *conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline, c.set = t, t
	return c.Conn.SetDeadline(t)
}

func (c *conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline, c.set = t, t
	return c.Conn.SetReadDeadline(t)
}

// Len returns the connections held.
func (g *Guard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// Evicted counts the connections closed to make room, Refused those
// refused because every held connection was busy, and Slow the request
// bodies that fell below the minimum rate.
func (g *Guard) Evicted() int64 { return g.evicted.Load() }
func (g *Guard) Refused() int64 { return g.refused.Load() }
func (g *Guard) Slow() int64    { return g.slow.Load() }

// clamp turns a file descriptor limit into a connection limit: 512 kept
// for everything else, at least 64, at most 100,000.
func clamp(fds int64) int {
	n := fds - 512
	if n > 100000 {
		n = 100000
	}
	if n < 64 {
		n = 64
	}
	return int(n)
}
