package kwtest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/keyward/keyward/sigv4"
)

// SignedRequest is a Query API request to base, signed by aws-sdk-go-v2's
// signer at a time, for what the SDK would not send: a GET carries the
// form in its URL, any other method in its body with contentType.
func SignedRequest(t testing.TB, base, method, form, contentType, service, id, secret string, at time.Time) *http.Request {
	t.Helper()
	var r *http.Request
	var err error
	if method == http.MethodGet {
		r, err = http.NewRequest(method, base+"/?"+form, nil)
		form = ""
	} else {
		r, err = http.NewRequest(method, base+"/", strings.NewReader(form))
		r.Header.Set("Content-Type", contentType)
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret},
		r, hex.EncodeToString(sum[:]), service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return r
}

// SignedFor is a form POSTed to base and signed now for any service and
// region, as an attacker holding a valid key may sign it.
func SignedFor(t testing.TB, base, form, service, region, id, secret string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret},
		r, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

// RawDo sends a request and returns its status, headers and body.
func RawDo(t testing.TB, r *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
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

// Fixture reads one of the SSH key and certificate fixtures
// (testdata/credentials/README.md at the repository's root), found by
// walking up from the test's directory to the module's go.mod so that a
// test in any package reads the same one. The walk, unlike this file's
// compiled-in path, holds under -trimpath, which make test builds with so
// that a clone anywhere reuses the build cache.
func Fixture(name string) string {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("kwtest.Fixture: no go.mod above the test's directory")
		}
		dir = parent
	}
	b, err := os.ReadFile(filepath.Join(dir, "testdata", "credentials", name))
	if err != nil {
		panic(err)
	}
	return string(b)
}
