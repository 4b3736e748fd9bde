package sdkhttp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// sdkBody is a request body as smithy-go makes one: once closed, WriteTo
// answers io.EOF.
type sdkBody struct {
	mu     sync.Mutex
	r      *strings.Reader
	closed bool
}

func (b *sdkBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.EOF
	}
	return b.r.Read(p)
}

func (b *sdkBody) WriteTo(w io.Writer) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.EOF
	}
	return b.r.WriteTo(w)
}

func (b *sdkBody) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// heldConn holds every write after the first (a body written after its
// headers) once it is sent, until released: as when the goroutine writing
// a request is slower than the server answering it.
type heldConn struct {
	net.Conn
	writes  int
	release chan struct{}
}

func (c *heldConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if c.writes++; c.writes > 1 {
		select {
		case <-c.release:
		case <-time.After(10 * time.Second):
		}
	}
	return n, err
}

// TestBodyClosedAsTheAnswerArrives: the SDK closes a request's body as soon
// as the answer's headers arrive; net/http, still checking the body it
// wrote, then closed the connection under the answer being read. A
// LookupEvents answer was cut off so in one test run of two.
//
// Whether net/http cuts an answer is a race between its goroutines, which
// a loaded machine can decide either way on one try: the hazard is shown
// when any of hazardTries is cut, and Wrap must never let one be.
func TestBodyClosedAsTheAnswerArrives(t *testing.T) {
	const hazardTries = 50
	answer := strings.Repeat("x", 256<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	roundTrip := func(t *testing.T, wrap func(aws.HTTPClient) aws.HTTPClient) (string, error) {
		release := make(chan struct{})
		var d net.Dialer
		tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			return &heldConn{Conn: c, release: release}, err
		}}
		defer tr.CloseIdleConnections()
		c := wrap(&http.Client{Transport: tr})
		body := &sdkBody{r: strings.NewReader(`{"LookupAttributes":[]}`)}
		req, _ := http.NewRequest(http.MethodPost, srv.URL, body)
		req.ContentLength = int64(body.r.Len())
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body.Close() // as smithy-go does once Do returns
		close(release)
		got, err := io.ReadAll(resp.Body)
		return string(got), err
	}
	t.Run("net/http alone: the hazard", func(t *testing.T) {
		for range hazardTries {
			if _, err := roundTrip(t, func(c aws.HTTPClient) aws.HTTPClient { return c }); errors.Is(err, net.ErrClosed) {
				return
			}
		}
		t.Fatalf("net/http no longer closes the connection under the answer in %d tries: Wrap may go", hazardTries)
	})
	t.Run("through Wrap", func(t *testing.T) {
		for range hazardTries {
			if got, err := roundTrip(t, Wrap); err != nil || got != answer {
				t.Fatalf("the answer was cut after %d bytes: %v", len(got), err)
			}
		}
	})
}
