package metrics_test

import (
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/keyward/keyward/metrics"
)

// scrape reads the handler's exposition and returns each sample's value by
// its series (name and labels as exposed).
func scrape(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	b, _ := io.ReadAll(rec.Body)
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// TestHooksMoveTheirSeries: each hook the transports and feature packages
// call moves its own series by what it was told, with the labels it was
// given, and the build, Go's runtime and the process are exposed.
func TestHooksMoveTheirSeries(t *testing.T) {
	m := metrics.New()
	m.BuildInfo("v1.2.3", "abc123", "go1.99")
	var hits, loads uint64 = 7, 2
	m.Cache("credentials", func() (uint64, uint64) { return hits, loads })
	lag := 0.25
	m.Gauge("keyward_test_lag_seconds", "A gauge read when scraped.", func() float64 { return lag })

	m.Request("ListUsers", "OK", 3*time.Millisecond)
	m.Request("ListUsers", "OK", 300*time.Millisecond)
	m.Request("ListUsers", "AccessDenied", time.Millisecond)
	m.Request("unknown", "InvalidAction", time.Millisecond)
	m.AuthFailure("SignatureDoesNotMatch")
	m.SignIn("ok")
	m.SignIn("failed")
	m.SignIn("failed")
	m.ReportGenerated(2 * time.Second)
	hits, loads, lag = 9, 3, 1.5 // read when scraped, not when registered

	got := scrape(t, m)
	for _, tc := range []struct {
		series string
		want   float64
	}{
		{`keyward_requests_total{action="ListUsers",outcome="OK"}`, 2},
		{`keyward_requests_total{action="ListUsers",outcome="AccessDenied"}`, 1},
		{`keyward_requests_total{action="unknown",outcome="InvalidAction"}`, 1},
		{`keyward_request_duration_seconds_count{action="ListUsers"}`, 3},
		{`keyward_request_duration_seconds_bucket{action="ListUsers",le="0.005"}`, 2},
		{`keyward_request_duration_seconds_bucket{action="ListUsers",le="0.5"}`, 3},
		{`keyward_authentication_failures_total{reason="SignatureDoesNotMatch"}`, 1},
		{`keyward_console_sign_ins_total{outcome="ok"}`, 1},
		{`keyward_console_sign_ins_total{outcome="failed"}`, 2},
		{`keyward_credential_report_generation_seconds_count`, 1},
		{`keyward_credential_report_generation_seconds_sum`, 2},
		{`keyward_cache_hits_total{cache="credentials"}`, 9},
		{`keyward_cache_loads_total{cache="credentials"}`, 3},
		{`keyward_test_lag_seconds`, 1.5},
		{`keyward_build_info{commit="abc123",goversion="go1.99",version="v1.2.3"}`, 1},
	} {
		t.Run(tc.series, func(t *testing.T) {
			if v, ok := got[tc.series]; !ok || v != tc.want {
				t.Fatalf("%s = %v (exposed: %v), want %v", tc.series, v, ok, tc.want)
			}
		})
	}
	for _, series := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := got[series]; !ok {
			t.Errorf("no %s", series)
		}
	}
}

// TestEachRegistryItsOwn: two Metrics (two servers in one process, as in
// tests) count apart, and registering the same cache twice in one is an
// error, not a silent second series.
func TestEachRegistryItsOwn(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.Request("GetUser", "OK", time.Millisecond)
	if v := scrape(t, b)[`keyward_requests_total{action="GetUser",outcome="OK"}`]; v != 0 {
		t.Fatalf("another registry counted %v requests", v)
	}
	stats := func() (uint64, uint64) { return 0, 0 }
	a.Cache("policies", stats)
	defer func() {
		if recover() == nil {
			t.Fatal("a cache registered twice")
		}
	}()
	a.Cache("policies", stats)
}

// TestWebhookMetrics: the delivery engine's hooks move
// keyward_webhook_deliveries_total by outcome, present at 0 before any,
// and the example alert rules query exactly these series.
func TestWebhookMetrics(t *testing.T) {
	m := metrics.New()
	for _, outcome := range []string{"succeeded", "failed", "parked"} {
		if v, ok := scrape(t, m)[`keyward_webhook_deliveries_total{outcome="`+outcome+`"}`]; !ok || v != 0 {
			t.Fatalf("%s before any delivery: %v %v", outcome, v, ok)
		}
	}
	w := m.Webhooks()
	w.Succeeded(20 * time.Millisecond)
	w.Failed(time.Second)
	w.Failed(time.Second)
	w.Parked()
	got := scrape(t, m)
	for series, want := range map[string]float64{
		`keyward_webhook_deliveries_total{outcome="succeeded"}`: 1,
		`keyward_webhook_deliveries_total{outcome="failed"}`:    2,
		`keyward_webhook_deliveries_total{outcome="parked"}`:    1,
		`keyward_webhook_delivery_duration_seconds_count`:       3,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
	rules, err := os.ReadFile(filepath.Join("..", "examples", "prometheus", "keyward-alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []struct {
				Alert, Expr string
			}
		}
	}
	if err := yaml.Unmarshal(rules, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			n++
			for _, name := range regexp.MustCompile(`keyward_[a-z_]+`).FindAllString(r.Expr, -1) {
				if _, ok := got[name+`{outcome="failed"}`]; !ok {
					t.Errorf("%s queries %s, which Keyward does not export", r.Alert, name)
				}
			}
			for _, o := range regexp.MustCompile(`outcome=~?"([a-z|]+)"`).FindAllStringSubmatch(r.Expr, -1) {
				for _, outcome := range strings.Split(o[1], "|") {
					if _, ok := got[`keyward_webhook_deliveries_total{outcome="`+outcome+`"}`]; !ok {
						t.Errorf("%s queries outcome %q, which Keyward does not count", r.Alert, outcome)
					}
				}
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d alert rules in the example", n)
	}
}

// TestKeyLifecycleSeries: the key lifecycle's counts are read when
// scraped, one series per age bucket and per rule.
func TestKeyLifecycleSeries(t *testing.T) {
	m := metrics.New()
	counts := metrics.KeyCounts{ByAge: map[string]int{"0-30d": 4, "365d+": 1}, PastPolicy: map[string]int{"max-age": 2}, ExpiringSoon: 3}
	m.KeyLifecycle(func() metrics.KeyCounts { return counts })
	counts.PastPolicy = map[string]int{"max-age": 5, "unused": 1}
	got := scrape(t, m)
	for series, want := range map[string]float64{
		`keyward_access_keys{age="0-30d"}`:                4,
		`keyward_access_keys{age="365d+"}`:                1,
		`keyward_access_keys_past_policy{rule="max-age"}`: 5,
		`keyward_access_keys_past_policy{rule="unused"}`:  1,
		`keyward_access_keys_expiring_7d`:                 3,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
}
