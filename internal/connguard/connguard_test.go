package connguard

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testclock"
)

// server serves h behind g on a loopback port, over TLS when tlsOn.
type server struct {
	g    *Guard
	addr string
	tls  *tls.Config
}

func serve(t *testing.T, g *Guard, h http.Handler, tlsOn bool) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{g: g, addr: ln.Addr().String()}
	srv := &http.Server{Handler: g.Handler(h), ConnState: g.ConnState, ConnContext: g.ConnContext,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 20 * time.Second, ErrorLog: nil}
	guarded := g.Listener(ln)
	if tlsOn {
		// httptest's certificate, for a TLS listener of our own making.
		ts := httptest.NewUnstartedServer(nil)
		ts.StartTLS()
		cert := ts.TLS.Certificates[0]
		ts.Close()
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.tls = &tls.Config{InsecureSkipVerify: true}
		guarded = tls.NewListener(guarded, srv.TLSConfig)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(guarded)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return s
}

// dial opens a connection to s, closed at the end of the test.
func (s *server) dial(t *testing.T) net.Conn {
	t.Helper()
	var c net.Conn
	var err error
	if s.tls != nil {
		c, err = tls.Dial("tcp", s.addr, s.tls)
	} else {
		c, err = net.Dial("tcp", s.addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitFor polls cond, for what another goroutine does at its own pace
// (the server accepting a connection); it never waits for time to pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// closed reports whether the server closed c: a read ends with EOF or a
// reset, not a timeout.
func closed(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// get makes one request on c and returns the response's body.
func get(t *testing.T, c net.Conn, path string) string {
	t.Helper()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: guard\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return string(b)
}

// startBody sends a POST's headers announcing n bytes, and the first of
// them, as a client trickling its body does.
func startBody(c net.Conn, n int) {
	fmt.Fprintf(c, "POST /read HTTP/1.1\r\nHost: guard\r\nContent-Length: %d\r\n\r\nx", n)
}

// readAll answers with the size of the body it read, or 400.
var readAll = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "the body could not be read", http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "%d", len(b))
})

// TestEvictsWhatWaitedLongest: at the limit, a new connection is kept and
// the held one that waited longest is closed, whether it is new, idle or
// still receiving a body; a connection receiving its body once held the
// limit forever (until the server's read timeout), refusing everyone.
func TestEvictsWhatWaitedLongest(t *testing.T) {
	for _, order := range [][]string{{"new", "idle", "body"}, {"idle", "body", "new"}, {"body", "new", "idle"}} {
		t.Run(strings.Join(order, ","), func(t *testing.T) {
			clk := testclock.New(time.Unix(1e9, 0))
			g := &Guard{Max: 3, Now: clk.Now}
			s := serve(t, g, readAll, false)
			held := map[string]net.Conn{}
			for _, kind := range order {
				c := s.dial(t)
				waitFor(t, "the connection to be held", func() bool { return g.Len() == len(held)+1 })
				switch kind {
				case "idle":
					get(t, c, "/")
					waitFor(t, "the connection to be idle", func() bool { return g.state(c) == http.StateIdle })
				case "body":
					startBody(c, 100)
					waitFor(t, "the body to be awaited", func() bool { return g.reading(c) })
				}
				held[kind] = c
				clk.Add(time.Second)
			}
			for i, kind := range order {
				// A normal client arrives and is served.
				fresh := s.dial(t)
				if got := get(t, fresh, "/"); got != "0" {
					t.Fatalf("the new client got %q", got)
				}
				if !closed(held[kind]) {
					t.Fatalf("the %s connection, which waited longest, was not closed", kind)
				}
				if g.Evicted() != int64(i+1) || g.Refused() != 0 {
					t.Fatalf("%d evicted, %d refused", g.Evicted(), g.Refused())
				}
				// The fresh one is idle now, the youngest: the next oldest goes next.
				clk.Add(time.Second)
				waitFor(t, "the fresh connection to be idle", func() bool { return g.state(fresh) == http.StateIdle })
			}
		})
	}
}

// state returns the guard's view of the server's end of client c.
func (g *Guard) state(client net.Conn) http.ConnState {
	if c := g.find(client); c != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.state
	}
	return http.StateClosed
}

// reading reports whether client c's request is receiving its body.
func (g *Guard) reading(client net.Conn) bool {
	if c := g.find(client); c != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.reading > 0
	}
	return false
}

func (g *Guard) find(client net.Conn) *conn {
	g.mu.Lock()
	defer g.mu.Unlock()
	for c := range g.conns {
		if c.RemoteAddr().String() == client.LocalAddr().String() {
			return c
		}
	}
	return nil
}

// TestSlowBodiesDoNotLockOut: as many clients as the limit, each sending
// a body a byte at a time, and a normal client is still served, over and
// over; with every connection busy answering, a new one is refused
// instead.
func TestSlowBodiesDoNotLockOut(t *testing.T) {
	const max = 64
	g := &Guard{Max: max}
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/read", readAll)
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-release
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	s := serve(t, g, mux, false)
	for range max {
		c := s.dial(t)
		startBody(c, 1000)
		waitFor(t, "the body to be awaited", func() bool { return g.reading(c) })
	}
	for i := range 5 {
		if got := get(t, s.dial(t), "/"); got != "ok" {
			t.Fatalf("normal client %d among %d slow bodies got %q", i, max, got)
		}
	}
	if g.Evicted() != 5 || g.Len() > max {
		t.Fatalf("%d evicted, %d held", g.Evicted(), g.Len())
	}

	// Every connection answering: nothing may be cut, the newcomer waits
	// outside.
	busy := make([]net.Conn, 0, max)
	for range max {
		c := s.dial(t)
		fmt.Fprintf(c, "GET /busy HTTP/1.1\r\nHost: guard\r\n\r\n")
		busy = append(busy, c)
	}
	waitFor(t, "every connection to be answering", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		n := 0
		for c := range g.conns {
			c.mu.Lock()
			if c.handling > 0 {
				n++
			}
			c.mu.Unlock()
		}
		return n == max
	})
	refused := g.Refused()
	late := s.dial(t)
	if !closed(late) || g.Refused() != refused+1 {
		t.Fatalf("a connection past the limit of busy ones was not refused (%d refused)", g.Refused())
	}
	close(release)
	for _, c := range busy {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("a busy connection's answer: %v", err)
		}
	}
}

// TestMinimumBodyRate: past the grace period a body must keep up the
// minimum rate; one that does not ends long before the server's read
// timeout, and one that does is read whole however it is split.
func TestMinimumBodyRate(t *testing.T) {
	g := &Guard{Max: 10, MinBodyRate: 2000, BodyGrace: 100 * time.Millisecond}
	s := serve(t, g, readAll, false)

	t.Run("a trickle is cut off", func(t *testing.T) {
		c := s.dial(t)
		start := time.Now()
		startBody(c, 1000)
		// A byte each 20 ms is 50 bytes a second.
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
					if _, err := c.Write([]byte("x")); err != nil {
						return
					}
				}
			}
		}()
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil && resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a trickled body was answered %d", resp.StatusCode)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("a trickled body held its connection %v (read timeout 20s)", d)
		}
		if g.Slow() != 1 {
			t.Fatalf("%d slow bodies counted", g.Slow())
		}
	})

	t.Run("a body at the rate is read whole", func(t *testing.T) {
		c := s.dial(t)
		// 3000 bytes in 30 pieces of 100 each 10 ms (10,000 bytes a second),
		// much of it past the grace period.
		fmt.Fprintf(c, "POST /read HTTP/1.1\r\nHost: guard\r\nContent-Length: 3000\r\n\r\n")
		for range 30 {
			c.Write([]byte(strings.Repeat("y", 100)))
			time.Sleep(10 * time.Millisecond)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || string(b) != "3000" {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})

	t.Run("a handler working past the grace period keeps its connection", func(t *testing.T) {
		// Once the body is read the rate no longer applies: the server's
		// read for the next request must not end the one being handled.
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body)
			select {
			case <-r.Context().Done():
				http.Error(w, "cancelled", http.StatusInternalServerError)
			case <-time.After(300 * time.Millisecond):
				io.WriteString(w, "done")
			}
		})
		s := serve(t, &Guard{Max: 10, MinBodyRate: 2000, BodyGrace: 50 * time.Millisecond}, mux, false)
		c := s.dial(t)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: guard\r\nContent-Length: 2\r\n\r\nok")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != "done" {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
}

// TestNeverCutsAnAnswer: a connection whose answer is being written is
// never closed to make room, over TLS as over TCP. Over TLS the guard once
// never learned a connection's state (the server names the TLS connection,
// the guard held the one beneath): every TLS connection looked new
// forever, the oldest was closed to make room whatever it was doing, and
// closed ones were never forgotten.
func TestNeverCutsAnAnswer(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tlsOn), func(t *testing.T) {
			clk := testclock.New(time.Unix(1e9, 0))
			g := &Guard{Max: 2, Now: clk.Now}
			next := make(chan struct{})
			const parts = 5
			mux := http.NewServeMux()
			mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
				for i := range parts {
					fmt.Fprintf(w, "part %d\n", i)
					w.(http.Flusher).Flush()
					<-next
				}
			})
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
			s := serve(t, g, mux, tlsOn)

			streaming := s.dial(t)
			fmt.Fprintf(streaming, "GET /stream HTTP/1.1\r\nHost: guard\r\n\r\n")
			br := bufio.NewReader(streaming)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			body := bufio.NewReader(resp.Body)
			for i := range parts {
				// Others come meanwhile, more than the limit: the one
				// waiting makes room, never the one answering.
				clk.Add(time.Second)
				waiting := s.dial(t)
				if tlsOn {
					get(t, waiting, "/") // the server learns of a TLS connection from its request
				}
				waitFor(t, "the connection to wait", func() bool {
					st := g.state(waiting)
					return st == http.StateNew || st == http.StateIdle
				})
				clk.Add(time.Second)
				newcomer := s.dial(t)
				if tlsOn {
					get(t, newcomer, "/")
				}
				if !closed(waiting) {
					t.Fatal("the waiting connection was kept")
				}
				newcomer.Close()
				waitFor(t, "closed connections to be forgotten", func() bool { return g.Len() == 1 })
				line, err := body.ReadString('\n')
				if err != nil || line != fmt.Sprintf("part %d\n", i) {
					t.Fatalf("the answer was cut after %d parts: %q %v", i, line, err)
				}
				next <- struct{}{}
			}
		})
	}
}

// TestClamp: the default limit leaves room under the file descriptor
// limit, within bounds.
func TestClamp(t *testing.T) {
	for _, tt := range []struct {
		fds  int64
		want int
	}{{0, 64}, {256, 64}, {1024, 512}, {65536, 65024}, {1 << 20, 100000}} {
		if got := clamp(tt.fds); got != tt.want {
			t.Errorf("clamp(%d) = %d, want %d", tt.fds, got, tt.want)
		}
	}
	if DefaultMax() < 64 {
		t.Errorf("DefaultMax() = %d", DefaultMax())
	}
}

// TestConnContext: a request finds its connection, and a server without the
// guard's listener is served as if there were no guard.
func TestConnContext(t *testing.T) {
	g := &Guard{Max: 1}
	var a, b net.Conn = net.Pipe()
	defer a.Close()
	defer b.Close()
	if ctx := g.ConnContext(context.Background(), a); ctx.Value(connKey{}) != nil {
		t.Fatal("a connection the guard did not accept was taken for one")
	}
	c := g.admit(a)
	if c == nil || g.ConnContext(context.Background(), c).Value(connKey{}) != c {
		t.Fatal("a guarded connection is not found from its context")
	}
	h := g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Body.String() != "ok" {
		t.Fatalf("unguarded request: %q", rec.Body.String())
	}
}
