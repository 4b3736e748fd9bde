// Package metrics exposes Keyward's Prometheus metrics with the official Go
// client (client_golang): requests by action and outcome with their
// latency, authentication failures by reason, console sign-ins, credential
// report generation time, the caches' hits and loads, how long ago
// last-use data was written, and webhook deliveries by outcome. `keyward
// serve --metrics-listen ADDR` serves them at /metrics on a listener of
// their own.
//
// Every label value comes from a closed set (the table of actions, the
// error codes), never from what a caller sent, so an attacker cannot grow
// the series without bound.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors; its methods are the hooks the transports
// and the feature packages call.
type Metrics struct {
	Registry *prometheus.Registry

	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	authFailures *prometheus.CounterVec
	signIns      *prometheus.CounterVec
	report       prometheus.Histogram
	deliveries   *prometheus.CounterVec
	delivery     prometheus.Histogram
}

// New makes the collectors, with Go's runtime and the process's.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keyward_requests_total",
			Help: "API requests by action and outcome (OK or the AWS error code)."}, []string{"action", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "keyward_request_duration_seconds",
			Help:    "Time to answer an API request, by action.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"action"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keyward_authentication_failures_total",
			Help: "Requests refused before their caller was known, by AWS error code."}, []string{"reason"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keyward_console_sign_ins_total",
			Help: "Console sign-in attempts by outcome."}, []string{"outcome"}),
		report: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "keyward_credential_report_generation_seconds",
			Help: "Time to generate a credential report.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 9)}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keyward_webhook_deliveries_total",
			Help: "Webhook delivery attempts by outcome: succeeded, failed (retried later or parked), parked (given up)."}, []string{"outcome"}),
		delivery: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "keyward_webhook_delivery_duration_seconds",
			Help: "Time of a webhook delivery attempt, until the receiver answered or the attempt failed.", Buckets: prometheus.ExponentialBuckets(0.005, 4, 8)}),
	}
	for _, outcome := range []string{"succeeded", "failed", "parked"} {
		m.deliveries.WithLabelValues(outcome) // present at 0, for rate() and alerts
	}
	reg.MustRegister(m.requests, m.latency, m.authFailures, m.signIns, m.report, m.deliveries, m.delivery,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Webhooks returns the hooks of the webhook delivery engine
// (webhook.Metrics): keyward_webhook_deliveries_total by outcome and the
// attempts' durations.
func (m *Metrics) Webhooks() WebhookMetrics { return WebhookMetrics{m} }

// WebhookMetrics counts webhook deliveries; package webhook's engine calls
// it.
type WebhookMetrics struct{ m *Metrics }

// Succeeded counts an attempt a receiver answered 2xx.
func (w WebhookMetrics) Succeeded(d time.Duration) {
	w.m.deliveries.WithLabelValues("succeeded").Inc()
	w.m.delivery.Observe(d.Seconds())
}

// Failed counts an attempt that failed.
func (w WebhookMetrics) Failed(d time.Duration) {
	w.m.deliveries.WithLabelValues("failed").Inc()
	w.m.delivery.Observe(d.Seconds())
}

// Parked counts a delivery given up.
func (w WebhookMetrics) Parked() { w.m.deliveries.WithLabelValues("parked").Inc() }

// BuildInfo exports keyward_build_info, always 1, whose labels name the
// running build: dashboards join it to see which version each replica
// runs.
func (m *Metrics) BuildInfo(version, commit, goVersion string) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "keyward_build_info",
		Help:        "The running build: version, commit and Go version as labels; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "commit": commit, "goversion": goVersion}})
	g.Set(1)
	m.Registry.MustRegister(g)
}

// Request counts an answered API request; action must be one of the table
// of actions, or "unknown".
func (m *Metrics) Request(action, outcome string, d time.Duration) {
	m.requests.WithLabelValues(action, outcome).Inc()
	m.latency.WithLabelValues(action).Observe(d.Seconds())
}

// AuthFailure counts a request refused before authentication.
func (m *Metrics) AuthFailure(reason string) { m.authFailures.WithLabelValues(reason).Inc() }

// SignIn counts a console sign-in attempt.
func (m *Metrics) SignIn(outcome string) { m.signIns.WithLabelValues(outcome).Inc() }

// ReportGenerated observes a credential report's generation.
func (m *Metrics) ReportGenerated(d time.Duration) { m.report.Observe(d.Seconds()) }

// Cache exposes a cache's hits and loads (misses), from which the hit
// ratio is hits / (hits + loads).
func (m *Metrics) Cache(name string, stats func() (hits, loads uint64)) {
	m.Registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "keyward_cache_hits_total", Help: "Lookups answered from a cache.",
			ConstLabels: prometheus.Labels{"cache": name}}, func() float64 { h, _ := stats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "keyward_cache_loads_total", Help: "Lookups that read the store (misses).",
			ConstLabels: prometheus.Labels{"cache": name}}, func() float64 { _, l := stats(); return float64(l) }))
}

// Gauge exposes a value read when scraped.
func (m *Metrics) Gauge(name, help string, fn func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// KeyCounts are the key lifecycle's counts: active keys by age bucket,
// keys past each lifecycle rule (enforced or only reported), and active
// keys expiring within 7 days. Label values are the lifecycle's closed
// sets of buckets and rules.
type KeyCounts struct {
	ByAge        map[string]int
	PastPolicy   map[string]int
	ExpiringSoon int
}

// KeyLifecycle exposes the key lifecycle's counts, read when scraped
// from what its latest sweep counted.
func (m *Metrics) KeyLifecycle(counts func() KeyCounts) {
	m.Registry.MustRegister(&keyCollector{counts: counts,
		byAge: prometheus.NewDesc("keyward_access_keys", "Active access keys by age bucket.", []string{"age"}, nil),
		past: prometheus.NewDesc("keyward_access_keys_past_policy",
			"Access keys past a key lifecycle rule (expired, max-age, unused, inactive), enforced or only reported, at the latest sweep.", []string{"rule"}, nil),
		soon: prometheus.NewDesc("keyward_access_keys_expiring_7d", "Active access keys whose expiry date or maximum age falls within 7 days.", nil, nil),
	})
}

type keyCollector struct {
	counts            func() KeyCounts
	byAge, past, soon *prometheus.Desc
}

func (c *keyCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.byAge
	ch <- c.past
	ch <- c.soon
}

func (c *keyCollector) Collect(ch chan<- prometheus.Metric) {
	k := c.counts()
	for label, n := range k.ByAge {
		ch <- prometheus.MustNewConstMetric(c.byAge, prometheus.GaugeValue, float64(n), label)
	}
	for rule, n := range k.PastPolicy {
		ch <- prometheus.MustNewConstMetric(c.past, prometheus.GaugeValue, float64(n), rule)
	}
	ch <- prometheus.MustNewConstMetric(c.soon, prometheus.GaugeValue, float64(k.ExpiringSoon))
}

// Handler serves the metrics in Prometheus's exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
