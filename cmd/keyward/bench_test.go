package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// BenchmarkListAccessKeys is an authenticated ListAccessKeys through the
// whole in-process server with aws-sdk-go-v2 as the client; bench/apibench
// measures the server alone, in its own process.
func BenchmarkListAccessKeys(b *testing.B) {
	ts := startServer(b, "")
	c := ts.rootIAM()
	ctx := context.Background()
	createUserKey(b, c, "alice")
	_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	must(b, err)
	in := &iam.ListAccessKeysInput{UserName: aws.String("alice")}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.ListAccessKeys(ctx, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCreateAccessKey creates one key for each of b.N users, each
// acknowledged only once durable.
func BenchmarkCreateAccessKey(b *testing.B) {
	ts := startServer(b, "")
	c := ts.rootIAM()
	ctx := context.Background()
	names := make([]string, b.N)
	for i := range names {
		names[i] = fmt.Sprintf("u%07d", i)
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(names[i])}); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			name := names[next.Add(1)-1]
			if _, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkHandlerListAccessKeys is the server's own work for one
// authenticated ListAccessKeys, without the network: what Keyward adds to
// net/http.
func BenchmarkHandlerListAccessKeys(b *testing.B) {
	ts := startServer(b, "")
	c := ts.rootIAM()
	ctx := context.Background()
	createUserKey(b, c, "alice")
	_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	must(b, err)
	const form = "Action=ListAccessKeys&Version=2010-05-08&UserName=alice"
	r := ts.signedRequest(b, "POST", form, "application/x-www-form-urlencoded; charset=utf-8", "iam", rootKeyID, rootSecret, time.Now())
	r.RequestURI = "/"
	r.Header.Set("Content-Length", fmt.Sprint(len(form)))
	h := ts.server.Handler
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Body = io.NopCloser(strings.NewReader(form))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
