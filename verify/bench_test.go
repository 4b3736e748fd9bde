package verify_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/verify"
	"github.com/keyward/keyward/verify/wire"
)

// benchProtocol measures one protocol request served from memory (keys
// and policies cached): the asking service's signature checked, the body
// decoded, the answer encoded. It is the server's CPU per request.
func benchProtocol(b *testing.B, path, body string) {
	k := kwtest.New(b)
	alice := user(b, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bench/*"}]}`)
	body = strings.ReplaceAll(body, "ALICE", alice.id)
	body = strings.ReplaceAll(body, "TODAY", time.Now().UTC().Format("20060102"))
	p := &verify.Protocol{Authz: k.Authz, Verifier: &sigv4.Verifier{Now: time.Now}, Keys: k.Keys, Uses: k.API.Uses,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	req := httptest.NewRequest("POST", path, nil)
	req.Header.Set(wire.ProtocolHeader, "1")
	sigv4.Sign(req, []byte(body), kwtest.RootKeyID, kwtest.RootSecret, "us-east-1", "iam", time.Now())
	w := &discard{h: http.Header{}}
	r := strings.NewReader(body)
	req.Body = io.NopCloser(r)
	p.ServeHTTP(w, req)
	if w.status != 0 && w.status != 200 {
		b.Fatalf("status %d", w.status)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Reset(body)
		p.ServeHTTP(w, req)
	}
}

type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(s int)           { d.status = s }

// BenchmarkProtocolDerive: one derive-signing-key (the versitygw asks one
// per S3 request).
func BenchmarkProtocolDerive(b *testing.B) {
	benchProtocol(b, wire.DerivePath, `{"accessKeyId":"ALICE","date":"TODAY","region":"us-east-1","service":"s3"}`)
}

// BenchmarkProtocolEvaluate: one evaluate-policy of a GetObject, with the
// conditions versitygw sends.
func BenchmarkProtocolEvaluate(b *testing.B) {
	benchProtocol(b, wire.EvaluatePath, `{"accessKeyId":"ALICE","actions":["s3:GetObject"],"resources":["arn:aws:s3:::bench/obj"],`+
		`"condition":{"aws:CurrentTime":["2026-11-30T01:00:00Z"],"aws:EpochTime":["1796000000"],"aws:SecureTransport":["false"],`+
		`"aws:SourceIp":["127.0.0.1"],"aws:UserAgent":["aws-sdk-go-v2/1.48.0"]},"region":"us-east-1","service":"s3"}`)
}
