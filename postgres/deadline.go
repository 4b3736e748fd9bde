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

func silent(err error, ours bool) error {
	var ne net.Error
	if ours && errors.As(err, &ne) && ne.Timeout() {
		return errSilent
	}
	return err
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	d, ours := c.bound(c.readDeadline, c.waiting.Load())
	c.mu.Unlock()
	c.Conn.SetReadDeadline(d)
	n, err := c.Conn.Read(b)
	return n, silent(err, ours)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	d, ours := c.bound(c.writeDeadline, false)
	c.mu.Unlock()
	c.Conn.SetWriteDeadline(d)
	n, err := c.Conn.Write(b)
	return n, silent(err, ours)
}

func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.readDeadline, c.writeDeadline = t, t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.readDeadline = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writeDeadline = t
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
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
