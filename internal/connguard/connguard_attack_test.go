// Attacks on the connection guard (package connguard) over HTTP/2, which
// the API listener speaks with TLS: one connection carries many requests at
// once, so what bounds a connection's reads (the minimum rate of HTTP/1)
// bounds none of them.
//
// A client may open streams and send their bodies as slowly as it likes.
// Past the grace period a body must keep to the minimum rate on HTTP/2 as
// on HTTP/1, or its request ends then, not at the server's read timeout.
package connguard

import (
	"crypto/tls"
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

// TestAttackHTTP2SlowBody: over HTTP/2 (TLS, as keyward serve offers it
// with --tls-cert) a client sends a body a byte every 20 ms, 50 bytes a
// second against a minimum of 2,000. The request is cut off soon after
// the grace period, not held to the server's 20 s read timeout, and a
// body that keeps to the rate is read whole.
func TestAttackHTTP2SlowBody(t *testing.T) {
	g := &Guard{Max: 10, MinBodyRate: 2000, BodyGrace: 100 * time.Millisecond, ReadTimeout: 20 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	cert := ts.TLS.Certificates[0]
	ts.Close()
	srv := &http.Server{Handler: g.Handler(readAll), ConnState: g.ConnState, ConnContext: g.ConnContext,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 20 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(tls.NewListener(g.Listener(ln), srv.TLSConfig))
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}}
	t.Cleanup(client.CloseIdleConnections)

	// post sends n pieces of size bytes, one every gap, and returns the
	// answer's status, protocol and body.
	post := func(n, size int, gap time.Duration) (int, int, string) {
		pr, pw := io.Pipe()
		go func() {
			for i := 0; i < n; i++ {
				if _, err := pw.Write([]byte(strings.Repeat("x", size))); err != nil {
					return
				}
				time.Sleep(gap)
			}
			pw.Close()
		}()
		defer pr.Close()
		resp, err := client.Post("https://"+ln.Addr().String()+"/read", "text/plain", pr)
		if err != nil {
			return 0, 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.ProtoMajor, string(b)
	}

	start := time.Now()
	status, proto, body := post(1000, 1, 20*time.Millisecond)
	if proto != 2 && status != 0 {
		t.Fatalf("the client spoke HTTP/%d", proto)
	}
	if status == http.StatusOK {
		t.Errorf("a trickled body was answered %d %s", status, body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a trickled body held its stream %v (read timeout 20s)", d)
	}
	if g.Slow() != 1 {
		t.Errorf("%d slow bodies counted", g.Slow())
	}
	// 3,000 bytes in 30 pieces of 100 each 10 ms (10,000 bytes a second),
	// much of it past the grace period.
	if status, proto, body := post(30, 100, 10*time.Millisecond); status != http.StatusOK || proto != 2 || body != "3000" {
		t.Fatalf("a body at the rate: got %d HTTP/%d %s", status, proto, body)
	}
}

// TestAttackStalledAnswers: a connection whose answer is being written is
// never closed to make room, so a client that asks for answers and never
// takes them (a small receive window, pipelined requests for the
// console's stylesheet) holds its connection as busy until the server's
// write timeout, two minutes. Clients doing so on every connection the
// guard allows would shut everyone else out. An answer the client has
// taken nothing of for StallGrace no longer keeps its connection: at the
// limit it is closed to make room like a waiting one.
func TestAttackStalledAnswers(t *testing.T) {
	clk := testclock.New(time.Unix(1e9, 0))
	g := &Guard{Max: 2, Now: clk.Now, StallGrace: 5 * time.Second}
	big := strings.Repeat("x", 8<<20)
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	s := serve(t, g, mux, false)

	var hoarders []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.(*net.TCPConn).SetReadBuffer(4096)
		fmt.Fprintf(c, "GET /big HTTP/1.1\r\nHost: guard\r\n\r\n")
		hoarders = append(hoarders, c)
	}
	// Each answer fills what the network holds and then waits for its
	// client: its last write stays begun while the clock moves on.
	waitFor(t, "both answers to stall", func() bool {
		clk.Add(time.Second)
		now := clk.Now()
		g.mu.Lock()
		defer g.mu.Unlock()
		stalled := 0
		for c := range g.conns {
			c.mu.Lock()
			if c.writing && now.Sub(c.writeSince) > g.StallGrace {
				stalled++
			}
			c.mu.Unlock()
		}
		return stalled == 2
	})
	newcomer := s.dial(t)
	if got := get(t, newcomer, "/"); got != "ok" {
		t.Fatalf("the newcomer got %q", got)
	}
	if g.Evicted() != 1 {
		t.Fatalf("%d connections closed to make room", g.Evicted())
	}
}
