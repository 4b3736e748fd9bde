package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// BenchmarkHandlerFederation measures AssumeRoleWithSAML beside
// AssumeRoleWithWebIdentity in one run, each through the whole request
// path (the Query API's handler, the response or token verified, the trust
// policy, a role session issued and stored). A SAML assertion is good for
// one use, so the benchmark signs a fresh response for every call before
// the timer starts; the ID token is the same on every call, as a CI job's
// is. Neither caches a verdict: both verify a signature on every call.
func BenchmarkHandlerFederation(b *testing.B) {
	ts := startServerWith(b, "", func(m *Main) { m.Config.OIDCAllowPrivate = true })
	ts.STS.SAML.BaseURL = ts.URL
	c, ctx := ts.rootIAM(), context.Background()
	is := newTestIssuer(b)
	p, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(is.URL),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{is.Thumbprint}})
	must(b, err)
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: trustDoc(
		`{"Effect":"Allow","Principal":{"Federated":"` + aws.ToString(p.OpenIDConnectProviderArn) + `"},"Action":"sts:AssumeRoleWithWebIdentity"}`)})
	must(b, err)
	idp := newSAMLIdP(b, ts)
	token := is.Token(b, "repo:keyward/keyward:ref:main", "sts.amazonaws.com", ts.Clock.Now().Add(time.Hour))

	h := ts.server.Handler
	call := func(b *testing.B, form string) {
		r := httptest.NewRequest("POST", ts.URL+"/", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		r.RemoteAddr = "127.0.0.1:1234"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			body, _ := io.ReadAll(w.Body)
			b.Fatalf("%d %s", w.Code, body)
		}
	}
	b.Run("WebIdentity", func(b *testing.B) {
		form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleSessionName": {"bench"},
			"RoleArn": {"arn:aws:iam::" + accountID + ":role/ci"}, "WebIdentityToken": {token}}.Encode()
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			call(b, form)
		}
		reportCPU(b, cpu)
	})
	b.Run("SAML", func(b *testing.B) {
		forms := make([]string, b.N)
		for i := range forms {
			forms[i] = url.Values{"Action": {"AssumeRoleWithSAML"}, "Version": {"2011-06-15"}, "RoleArn": {idp.RoleARN},
				"PrincipalArn": {idp.ProviderARN}, "SAMLAssertion": {idp.Response()}}.Encode()
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu := cpuTime()
		for i := 0; i < b.N; i++ {
			call(b, forms[i])
		}
		reportCPU(b, cpu)
	})
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per call since start, which differs from
// the wall time when a call waits (for the disk) or runs in parallel.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
