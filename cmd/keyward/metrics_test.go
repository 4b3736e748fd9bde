package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// scrape reads /metrics and returns each sample's value by its series
// (name and labels as exposed).
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, b)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// startServerWithMetrics starts a server whose metrics listen on a
// loopback port of their own (ts.MetricsAddr), hashing passwords cheaply
// for the console sign-ins the tests make.
func startServerWithMetrics(t *testing.T) *testServer {
	t.Helper()
	return startServerWith(t, "", func(m *Main) {
		cheapPasswords(m)
		m.Config.MetricsListen = "127.0.0.1:0"
	})
}

// TestMetrics: --metrics-listen serves Prometheus's exposition, and only
// that; the counters move with requests by action and outcome, failed
// authentications by reason, console sign-ins, report generations, cache
// hits and loads, and last-use flushes. /readyz asks the store, /healthz
// does not.
func TestMetrics(t *testing.T) {
	t.Parallel()
	ts := startServerWithMetrics(t)
	root := ts.rootIAM()
	ctx := context.Background()
	before := scrape(t, ts.MetricsAddr)

	id, secret := createUserKey(t, root, "alice")
	for range 3 {
		_, err := ts.iam(id, secret).ListUsers(ctx, &iam.ListUsersInput{})
		wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	}
	_, err := ts.iam(id, "wrong"+secret[5:]).ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch", http.StatusForbidden, "")
	_, err = root.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	must(t, err)
	ts.Reports.Wait()
	must(t, ts.Uses.Flush(ctx))
	web := newWebClient(t, ts)
	_, page := web.Get("/console/signin?as=root")
	resp, _ := web.Post("/console/signin", url.Values{"kind": {"root"}, "accesskey": {rootKeyID}, "secret": {rootSecret}, "csrf": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in %d", resp.StatusCode)
	}
	// A made-up action is counted as unknown, never as itself.
	status, _, _ := rawDo(t, ts.signedFor(t, "Action=MadeUp"+strings.Repeat("x", 20)+"&Version=2010-05-08", "iam", "us-east-1", rootKeyID, rootSecret))
	if status != http.StatusBadRequest {
		t.Fatalf("made-up action: %d", status)
	}

	after := scrape(t, ts.MetricsAddr)
	moved := func(series string, by float64) {
		t.Helper()
		if d := after[series] - before[series]; d < by {
			t.Errorf("%s moved by %v, want at least %v", series, d, by)
		}
	}
	moved(`keyward_requests_total{action="CreateUser",outcome="OK"}`, 1)
	moved(`keyward_requests_total{action="ListUsers",outcome="AccessDenied"}`, 3)
	moved(`keyward_requests_total{action="unknown",outcome="InvalidAction"}`, 1)
	moved(`keyward_request_duration_seconds_count{action="ListUsers"}`, 3)
	moved(`keyward_authentication_failures_total{reason="SignatureDoesNotMatch"}`, 1)
	moved(`keyward_console_sign_ins_total{outcome="ok"}`, 1)
	moved(`keyward_credential_report_generation_seconds_count`, 1)
	moved(`keyward_cache_hits_total{cache="credentials"}`, 2)
	moved(`keyward_cache_loads_total{cache="credentials"}`, 1)
	moved(`keyward_cache_hits_total{cache="policies"}`, 2)
	if _, ok := after["keyward_last_use_flush_age_seconds"]; !ok {
		t.Error("no last-use flush age")
	}
	for _, outcome := range []string{"succeeded", "failed", "parked"} {
		if _, ok := after[`keyward_webhook_deliveries_total{outcome="`+outcome+`"}`]; !ok {
			t.Errorf("no webhook deliveries %s", outcome)
		}
	}
	for series := range after {
		if strings.Contains(series, "MadeUp") {
			t.Fatalf("a caller's action became a label: %s", series)
		}
	}
	if _, ok := after[`process_cpu_seconds_total`]; !ok {
		t.Error("no process metrics")
	}
	// The key lifecycle's sweep, which serve runs every 30 s, counts the
	// keys: the root user's and alice's are young.
	if _, err := ts.Lifecycle.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := scrape(t, ts.MetricsAddr)[`keyward_access_keys{age="0-30d"}`]; n < 2 {
		t.Errorf("keys aged 0-30d: %v, want at least 2", n)
	}

	// The metrics listener serves nothing else; the API's listener no metrics.
	if resp, err := http.Get("http://" + ts.MetricsAddr + "/healthz"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the metrics listener serves /healthz: %v %v", resp, err)
	}
	if resp, err := http.Get(ts.URL + "/metrics"); err != nil || resp.StatusCode == 200 {
		t.Fatalf("the API serves /metrics: %v %v", resp, err)
	}

	// Readiness asks the store; liveness does not.
	if resp, err := http.Get(ts.URL + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/readyz: %v %v", resp, err)
	}
	ts.Store.Close()
	if resp, err := http.Get(ts.URL + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the store gone: %v %v", resp, err)
	}
	if resp, err := http.Get(ts.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz with the store gone: %v %v", resp, err)
	}
}
