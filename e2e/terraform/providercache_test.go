package terraform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
)

// cachedCalls are the provider's gRPC methods whose answers depend on
// their request alone: its schema, and its own check of the provider
// block (the SDK's, which validates every one of the provider's ~1,500
// resource schemas before it looks at the block). hashicorp/aws spends
// some 4 s of CPU on each such check, twice a command, and the answers
// are the same every time; every call that reaches Keyward (configure,
// read, plan, apply) goes through to the provider.
var cachedCalls = map[string]bool{
	"/tfplugin5.Provider/GetSchema":             true,
	"/tfplugin5.Provider/PrepareProviderConfig": true,
}

// cacheProvider puts a proxy between Terraform and the provider process
// that value (its TF_REATTACH_PROVIDERS value) attaches to, answering
// cachedCalls a second time from what a provider answered the first,
// and returns the value that attaches to the proxy. The provider speaks
// gRPC, HTTP/2 without TLS, which net/http serves and sends as it is.
func cacheProvider(t *testing.T, value string) string {
	t.Helper()
	var providers map[string]map[string]any
	must(t, json.Unmarshal([]byte(value), &providers))
	if len(providers) != 1 {
		t.Fatalf("a provider process to attach to: %s", value)
	}
	var target string
	socket := filepath.Join(t.TempDir(), "provider.sock")
	for _, p := range providers {
		addr, _ := p["Addr"].(map[string]any)
		if addr == nil || addr["Network"] != "unix" {
			t.Fatalf("a provider that does not listen on a unix socket: %s", value)
		}
		target, _ = addr["String"].(string)
		addr["String"] = socket
	}
	ln, err := net.Listen("unix", socket)
	must(t, err)
	var h2c http.Protocols
	h2c.SetUnencryptedHTTP2(true)
	c := &providerCache{upstream: &http.Transport{Protocols: &h2c,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", target)
		}}}
	srv := &http.Server{Protocols: &h2c, Handler: c}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("the provider cache: %v", err)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
		c.upstream.CloseIdleConnections()
		answers.mu.Lock()
		defer answers.mu.Unlock()
		t.Logf("the provider cache answered %d of %d calls", c.hits, c.calls)
	})
	b, err := json.Marshal(providers)
	must(t, err)
	return string(b)
}

// providerCache is the proxy cacheProvider serves.
type providerCache struct {
	upstream    *http.Transport
	calls, hits int // under answers.mu
}

// answers are the answers of cachedCalls by method and request body,
// shared by every proxy of the test binary: each test attaches to a
// provider process of its own, of one binary. asking holds the calls a
// provider is answering now, closed once it has: the tests start
// together, and a call asked while the same one is being answered waits
// for that answer rather than having its own provider spend the same
// seconds of CPU.
var answers = struct {
	mu     sync.Mutex
	m      map[string]*grpcAnswer
	asking map[string]chan struct{}
}{m: map[string]*grpcAnswer{}, asking: map[string]chan struct{}{}}

// grpcAnswer is a unary gRPC call's answer: headers, the message, and
// the trailers that carry its status.
type grpcAnswer struct {
	header, trailer http.Header
	body            []byte
}

func (c *providerCache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var key string
	if cachedCalls[r.URL.Path] {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		key = r.URL.Path + "\x00" + string(body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		answers.mu.Lock()
		c.calls++
		for {
			if a := answers.m[key]; a != nil {
				c.hits++
				answers.mu.Unlock()
				a.write(w)
				return
			}
			asked, busy := answers.asking[key]
			if !busy {
				break
			}
			answers.mu.Unlock()
			select {
			case <-asked:
			case <-r.Context().Done():
				return
			}
			answers.mu.Lock()
		}
		// This call asks; whatever its answer, the calls waiting for it
		// look again (a failure is not kept: the next asks).
		asked := make(chan struct{})
		answers.asking[key] = asked
		answers.mu.Unlock()
		defer func() {
			answers.mu.Lock()
			delete(answers.asking, key)
			answers.mu.Unlock()
			close(asked)
		}()
	}
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host, out.Host, out.RequestURI = "http", "provider", "provider", ""
	resp, err := c.upstream.RoundTrip(out)
	if err != nil {
		// Terraform ends the plugin's streams (stdio, the broker) by
		// going away: nothing is left to answer.
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	// Streams (the plugin's stdio and broker) go through as they come.
	var kept bytes.Buffer
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			w.Write(buf[:n])
			w.(http.Flusher).Flush()
			if key != "" {
				kept.Write(buf[:n])
			}
		}
		if err != nil {
			break
		}
	}
	for k, vs := range resp.Trailer {
		w.Header()[http.TrailerPrefix+k] = vs
	}
	// Only answers with status OK are kept: a failure is asked again.
	if key != "" && resp.Trailer.Get("Grpc-Status") == "0" {
		answers.mu.Lock()
		answers.m[key] = &grpcAnswer{header: resp.Header.Clone(), trailer: resp.Trailer.Clone(), body: kept.Bytes()}
		answers.mu.Unlock()
	}
}

// write answers a call with a.
func (a *grpcAnswer) write(w http.ResponseWriter) {
	for k, vs := range a.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(http.StatusOK)
	w.Write(a.body)
	for k, vs := range a.trailer {
		w.Header()[http.TrailerPrefix+k] = vs
	}
}
