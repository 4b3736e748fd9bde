package kwtest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/keyward/keyward/sigv4"
)

// Files is what the path attacks try to reach behind a guard or a proxy:
// Go's http.FileServer (which resolves "..", "//" and escapes) over
// public/a.txt ("public words") and admin/secret.txt ("top secret"), which
// records the request URIs it is asked for.
type Files struct {
	fs     http.Handler
	mu     sync.Mutex
	served []string
}

// NewFiles writes the two files into a temporary directory and serves it.
func NewFiles(t testing.TB) *Files {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"public/a.txt": "public words", "admin/secret.txt": "top secret"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &Files{fs: http.FileServer(http.Dir(dir))}
}

// ServeHTTP records the request's URI and serves the file it names.
func (f *Files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.served = append(f.served, r.RequestURI)
	f.mu.Unlock()
	f.fs.ServeHTTP(w, r)
}

// Served returns the URIs asked for since the last Forget.
func (f *Files) Served() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.served...)
}

// Forget clears what Served returns.
func (f *Files) Forget() {
	f.mu.Lock()
	f.served = nil
	f.mu.Unlock()
}

// RawGet sends "GET uri" to host as written, over a raw connection (Go's
// client would clean the URI), signed with c for execute-api in region as
// Keyward reads that URI, and returns the answer's status and body.
func RawGet(t testing.TB, host, region string, c aws.Credentials, uri string) (int, string) {
	t.Helper()
	r, _ := http.NewRequest("GET", "http://"+host+"/", nil)
	r.RequestURI = uri
	_, r.URL.RawQuery, _ = strings.Cut(uri, "?")
	sigv4.Sign(r, nil, c.AccessKeyID, c.SecretAccessKey, region, "execute-api", time.Now())
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	b.WriteString("GET " + uri + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n")
	for k, vs := range r.Header {
		for _, v := range vs {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
