// Package connguard bounds the connections a server holds, so that
// clients who open connections and send nothing, or trickle a request a
// byte at a time, cannot exhaust file descriptors and shut out everyone
// else. At the limit a new connection is kept and the oldest one that is
// idle, or has not yet delivered a request, is closed instead: a client
// that sends its request at once is served while thousands of slow or idle
// connections come and go.
package connguard

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Guard tracks a server's connections. Wrap the listener with Listener and
// set the server's ConnState to the Guard's ConnState.
type Guard struct {
	// Max is the most connections held at once.
	Max int
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	mu    sync.Mutex
	conns map[net.Conn]*entry
	// evicted counts connections closed to make room, refused those closed
	// for want of any to close.
	evicted, refused atomic.Int64
}

type entry struct {
	state http.ConnState
	since time.Time
}

func (g *Guard) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
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
		if l.g.admit(c) {
			return c, nil
		}
		c.Close()
	}
}

// admit counts c, making room by closing the stalest waiting connection if
// the guard is full; it reports false when every connection is busy.
func (g *Guard) admit(c net.Conn) bool {
	g.mu.Lock()
	if g.conns == nil {
		g.conns = make(map[net.Conn]*entry)
	}
	var victim net.Conn
	if len(g.conns) >= g.Max {
		var oldest time.Time
		for vc, e := range g.conns {
			if (e.state == http.StateIdle || e.state == http.StateNew) && (victim == nil || e.since.Before(oldest)) {
				victim, oldest = vc, e.since
			}
		}
		if victim == nil {
			g.mu.Unlock()
			g.refused.Add(1)
			return false
		}
		delete(g.conns, victim)
	}
	g.conns[c] = &entry{state: http.StateNew, since: g.now()}
	g.mu.Unlock()
	if victim != nil {
		g.evicted.Add(1)
		victim.Close()
	}
	return true
}

// ConnState is the http.Server's ConnState hook.
func (g *Guard) ConnState(c net.Conn, s http.ConnState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(g.conns, c)
	default:
		if e, ok := g.conns[c]; ok {
			e.state, e.since = s, g.now()
		}
	}
}

// Len returns the connections held.
func (g *Guard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// Evicted and Refused count the connections closed to make room and those
// refused because every held connection was busy.
func (g *Guard) Evicted() int64 { return g.evicted.Load() }
func (g *Guard) Refused() int64 { return g.refused.Load() }

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
