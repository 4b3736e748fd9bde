package main

// Attacks on the API listener: the trust boundary between any client that
// can open a TCP connection to --listen and the server behind it (the
// Query API, the console, the proxy endpoint).
//
// What the caller may claim: nothing, until a request's signature is
// verified; before that it controls how many connections it opens, how
// fast it sends headers and bodies (or nothing at all), how long it keeps
// a connection, and every byte of a request. What Keyward establishes
// itself: a bound on the connections held (--max-connections), and which
// of them to close at the limit (the one that has waited longest among the
// new, the idle and those still receiving a body; never one whose request
// is being answered); a time for headers, a time and a minimum rate for
// bodies (1 MiB at most), a time for the answer to be taken; one deadline
// for each request's work, waiting for the store included, past which it
// is answered ServiceUnavailable. What a request says is then judged by
// its signature (sigv4) and by the policies.
//
// Attacks through the content of signed and unsigned requests (formulas in
// the credential report, echoed values, the log of failed
// authentications) are in abuse_test.go; the console's boundary is in
// console/console_attack_test.go; the database freezing under load is in
// deadline_test.go.

import (
	"context"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/internal/sdkhttp"
)

// holdConns opens n connections to addr that send nothing (idle) or trickle
// a request's headers a byte every 200 ms (slow), and closes them at the end
// of the test.
func holdConns(t *testing.T, addr string, n int, slow bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("opening connection: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			if !slow {
				<-ctx.Done()
				return
			}
			req := []byte("POST / HTTP/1.1\r\nHost: keyward\r\nContent-Type: application/x-www-form-urlencoded\r\n")
			for i := 0; ctx.Err() == nil; i = (i + 1) % len(req) {
				if _, err := c.Write(req[i : i+1]); err != nil {
					return
				}
				select {
				case <-ctx.Done():
				case <-time.After(200 * time.Millisecond):
				}
			}
		}()
	}
}

// goodRequests makes n signed requests, each on a new connection, and
// returns their latencies; every one must succeed.
func goodRequests(t *testing.T, ts *testServer, n int) []time.Duration {
	t.Helper()
	var lat []time.Duration
	for range n {
		cfg := awsConfig(ts.URL, rootKeyID, rootSecret, "us-east-1")
		cfg.HTTPClient = sdkhttp.Wrap(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second})
		start := time.Now()
		if _, err := iam.NewFromConfig(cfg).ListUsers(context.Background(), &iam.ListUsersInput{}); err != nil {
			t.Fatalf("a signed request among the held connections: %v", err)
		}
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat
}

// TestManyIdleAndSlowConnections: thousands of connections that send
// nothing or trickle their headers neither exhaust the server nor keep
// good requests out. 20,400 such connections once exhausted the file
// descriptors, and a signed request then timed out.
func TestManyIdleAndSlowConnections(t *testing.T) {
	t.Parallel()
	t.Run("past the connection limit", func(t *testing.T) {
		ts := startServerWith(t, "", func(m *Main) { m.Config.MaxConnections = 300 })
		holdConns(t, ts.Addr, 2000, false)
		holdConns(t, ts.Addr, 200, true)
		lat := goodRequests(t, ts, 50)
		if n := ts.Conns.Len(); n > 300 {
			t.Errorf("%d connections held past the limit of 300", n)
		}
		t.Logf("2,000 idle and 200 slow connections, limit 300: 50 good requests served, median %v, slowest %v; %d connections closed to make room",
			lat[len(lat)/2], lat[len(lat)-1], ts.Conns.Evicted())
	})
	t.Run("thousands held", func(t *testing.T) {
		ts := startServer(t, "")
		holdConns(t, ts.Addr, 3000, false)
		holdConns(t, ts.Addr, 300, true)
		lat := goodRequests(t, ts, 50)
		t.Logf("3,000 idle and 300 slow connections held: 50 good requests served, median %v, slowest %v", lat[len(lat)/2], lat[len(lat)-1])
	})
}

// TestSlowAndIdleConnectionsClosed: a trickled body and an idle keep-alive
// connection are closed when their time is up.
func TestSlowAndIdleConnectionsClosed(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", func(m *Main) {
		m.Timeouts = Timeouts{ReadHeader: 500 * time.Millisecond, Read: time.Second, Write: time.Second, Idle: time.Second}
	})
	closedWithin := func(c net.Conn, d time.Duration) bool {
		c.SetReadDeadline(time.Now().Add(d))
		_, err := io.Copy(io.Discard, c)
		return err == nil // EOF: the server closed it; a timeout is an error
	}
	// The three wait for their timeouts at once, each on its connection.
	var wg sync.WaitGroup
	for _, tc := range []struct{ send, kept string }{
		{"POST / HTTP/1.1\r\nHost: keyward\r\nContent-Length: 100000\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nAction=",
			"a trickled body kept its connection past the read timeout"},
		{"GET /healthz HTTP/1.1\r\nHost: keyward\r\n\r\n", "an idle keep-alive connection was kept past the idle timeout"},
		{"GET /healthz HTTP/1.1\r\n", "unfinished headers kept their connection past the header timeout"},
	} {
		c, err := net.Dial("tcp", ts.Addr)
		must(t, err)
		defer c.Close()
		io.WriteString(c, tc.send)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !closedWithin(c, 5*time.Second) {
				t.Error(tc.kept)
			}
		}()
	}
	wg.Wait()
}

// holdSlowBodies opens n connections that each send a request's headers
// at once and then its body a byte every interval, as a client holding
// connections with bodies that never end does; they are closed at the end
// of the test. With wait, it returns when the server holds them all;
// without, at once (the server may cut some off before the last is open,
// on a loaded machine).
func holdSlowBodies(t *testing.T, ts *testServer, n int, interval time.Duration, wait bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for range n {
		c, err := net.Dial("tcp", ts.Addr)
		if err != nil {
			t.Fatalf("opening connection: %v", err)
		}
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: keyward\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nAction=")
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			for ctx.Err() == nil {
				select {
				case <-ctx.Done():
				case <-time.After(interval):
					if _, err := c.Write([]byte("x")); err != nil {
						return
					}
				}
			}
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for wait && ts.Conns.Len() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d connections held", ts.Conns.Len(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSlowBodiesAtTheLimit: as many connections as --max-connections,
// each trickling a body, locked every other client out for as long as the
// read timeout, over and over. Now a connection still receiving its body
// makes room for a new one, and a body slower than the minimum rate is
// cut off once its grace period is over.
func TestSlowBodiesAtTheLimit(t *testing.T) {
	t.Parallel()
	t.Run("a normal client is served", func(t *testing.T) {
		ts := startServerWith(t, "", func(m *Main) { m.Config.MaxConnections = 64 })
		holdSlowBodies(t, ts, 64, 200*time.Millisecond, true)
		lat := goodRequests(t, ts, 10)
		if ts.Conns.Evicted() == 0 {
			t.Fatalf("%d connections closed to make room", ts.Conns.Evicted())
		}
		t.Logf("64 slow bodies, limit 64: 10 good requests served, slowest %v", lat[len(lat)-1])
	})
	t.Run("a body below the minimum rate is cut off", func(t *testing.T) {
		ts := startServerWith(t, "", func(m *Main) {
			m.Config.MaxConnections = 64
			m.Timeouts.BodyGrace, m.Timeouts.MinBodyRate = 200*time.Millisecond, 1000
		})
		start := time.Now()
		holdSlowBodies(t, ts, 64, 50*time.Millisecond, false)
		deadline := time.Now().Add(10 * time.Second)
		for ts.Conns.Slow() < 64 {
			if time.Now().After(deadline) {
				t.Fatalf("%d of 64 bodies at 20 bytes a second cut off after 10 s (read timeout %v)", ts.Conns.Slow(), ts.Timeouts.Read)
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Logf("64 bodies at 20 bytes a second cut off within %v", time.Since(start).Round(time.Millisecond))
		goodRequests(t, ts, 3)
	})
}
