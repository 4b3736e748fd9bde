package guard_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/keyward/keyward/guard"
	"github.com/keyward/keyward/internal/kwtest"
)

var bareHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	io.WriteString(w, "ok")
})

// benchRequests sends signed GETs to handler, served over loopback HTTP.
// BenchmarkBare and BenchmarkGuard differ only in the guard: their
// difference is its overhead per request (with a Keyward on a unix socket
// in the same process deciding each request).
func benchRequests(b *testing.B, wrap func(*kwtest.Keyward, aws.Credentials) http.Handler) {
	k := kwtest.New(b)
	alice := user(b, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	srv := httptest.NewServer(wrap(k, alice))
	defer srv.Close()
	signer := v4.NewSigner()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", srv.URL+"/pets/1", nil)
		signer.SignHTTP(context.Background(), alice, req, emptySHA256, "execute-api", "us-east-1", time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func BenchmarkBare(b *testing.B) {
	benchRequests(b, func(*kwtest.Keyward, aws.Credentials) http.Handler { return bareHandler })
}

func BenchmarkGuard(b *testing.B) {
	benchRequests(b, func(k *kwtest.Keyward, _ aws.Credentials) http.Handler {
		g := newGuard(b, k, guard.Config{APIID: "pets"})
		return g.Wrap(bareHandler)
	})
}

// zeros is an endless body of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// BenchmarkGuardStream1GiB streams 1 GiB, its hash declared, through the
// guard to a handler that discards it, and reports the heap's peak while
// it does: the body is hashed as it streams, never held.
func BenchmarkGuardStream1GiB(b *testing.B) {
	size := int64(1 << 30)
	if testing.Short() { // make test's one run: that it runs, not its scale
		size = 16 << 20
	}
	k := kwtest.New(b)
	alice := user(b, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	g := newGuard(b, k, guard.Config{APIID: "pets"})
	var got atomic.Int64
	srv := httptest.NewServer(g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		got.Store(n)
		if err != nil {
			http.Error(w, err.Error(), 400)
		}
	})))
	defer srv.Close()
	h := sha256.New()
	io.CopyN(h, zeros{}, size)
	hash := hex.EncodeToString(h.Sum(nil))

	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("PUT", srv.URL+"/pets/big", io.LimitReader(zeros{}, size))
		req.ContentLength = size
		req.Header.Set("X-Amz-Content-Sha256", hash)
		v4.NewSigner().SignHTTP(context.Background(), alice, req, hash, "execute-api", "us-east-1", time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || got.Load() != size {
			b.Fatalf("status %d, %d bytes", resp.StatusCode, got.Load())
		}
	}
	b.StopTimer()
	close(stop)
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}
