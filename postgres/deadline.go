package postgres

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// deadlineConn bounds every read and write on a connection to PostgreSQL.
// statement_timeout is enforced by the server, so it cannot fire when the
// server is gone or frozen (a network partition, stopped processes): then
// a call would wait for TCP to give up, minutes later. With this, no call
// waits longer than the statement timeout and a grace without hearing from
// the server; the connection is then broken, the call fails, and the pool
// replaces the connection when the server answers again.
//
// pgx sets deadlines of its own to interrupt a call whose context ends;
// the earlier of its deadline and ours applies.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
	// waiting turns the read deadline off, for a connection that waits
	// for notifications as long as there are none.
	waiting atomic.Bool

	mu            sync.Mutex
	readDeadline  time.Time // as pgx last set them
	writeDeadline time.Time
}

// bound returns the deadline of the next read or write: pgx's if it set
// an earlier one, else ours; ours reports whether it is ours.
func (c *deadlineConn) bound(set time.Time, waiting bool) (d time.Time, ours bool) {
	if waiting {
		return set, false
	}
	d = time.Now().Add(c.timeout)
	if !set.IsZero() && set.Before(d) {
		return set, false
	}
	return d, true
}

// errSilent is what a read or write reports when the server said nothing
// for too long. It is not a timeout to pgx, which takes timeouts for its
// own cancellations and keeps the connection; this one must be dropped,
// or the rollback that follows would wait as long again.
var errSilent = errors.New("postgres: the server did not answer in time (client-side deadline)")

// silent turns a timeout into errSilent if it was ours: the deadline in
// force when the call began was ours, and pgx has not since set one that
// has passed (its context ended while the call waited). pgx's own
// timeouts stay timeouts, which it reports as its context's error.
func (c *deadlineConn) silent(err error, ours bool, pgx *time.Time) error {
	var ne net.Error
	if !ours || !errors.As(err, &ne) || !ne.Timeout() {
		return err
	}
	c.mu.Lock()
	set := *pgx
	c.mu.Unlock()
	if !set.IsZero() && !set.After(time.Now()) {
		return err
	}
	return errSilent
}

// Deadlines are set on the connection with c.mu held, so that pgx's
// (interrupting a call whose context ended) and a call's own cannot cross
// and leave the later one in force.
func (c *deadlineConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	d, ours := c.bound(c.readDeadline, c.waiting.Load())
	c.Conn.SetReadDeadline(d)
	c.mu.Unlock()
	n, err := c.Conn.Read(b)
	return n, c.silent(err, ours, &c.readDeadline)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	d, ours := c.bound(c.writeDeadline, false)
	c.Conn.SetWriteDeadline(d)
	c.mu.Unlock()
	n, err := c.Conn.Write(b)
	return n, c.silent(err, ours, &c.writeDeadline)
}

func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline, c.writeDeadline = t, t
	r, _ := c.bound(t, c.waiting.Load())
	w, _ := c.bound(t, false)
	if err := c.Conn.SetReadDeadline(r); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(w)
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline = t
	d, _ := c.bound(t, c.waiting.Load())
	return c.Conn.SetReadDeadline(d)
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeDeadline = t
	d, _ := c.bound(t, false)
	return c.Conn.SetWriteDeadline(d)
}

// dialer returns a DialFunc whose connections are deadlineConns, with TCP
// keep-alives so that a dead peer is noticed on idle connections too.
func dialer(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{KeepAlive: 15 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &deadlineConn{Conn: c, timeout: timeout}, nil
	}
}
