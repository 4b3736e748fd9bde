package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestServerErrorLogBoundsHandshakes: a stranger who connects and sends
// anything but a TLS handshake has net/http write a line each time; two
// thousand connections wrote two thousand lines. Failed handshakes are
// written once a minute at most, with how many were passed over; the
// server's other errors each time.
func TestServerErrorLogBoundsHandshakes(t *testing.T) {
	const handshake = "http: TLS handshake error from 192.0.2.1:40000: tls: first record does not look like a TLS handshake\n"
	now := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	m := &Main{Logger: slog.New(slog.NewJSONHandler(&buf, nil)), Now: func() time.Time { return now }}
	l := m.serverErrorLog()
	written := func() []map[string]any {
		var out []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if line == "" {
				continue
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
			out = append(out, rec)
		}
		buf.Reset()
		return out
	}
	steps := []struct {
		name    string
		lines   []string
		advance time.Duration
		want    []string  // messages written
		passed  []float64 // their count of handshakes passed over (-1: none)
	}{
		{"a flood", append([]string{handshake}, repeat(handshake, 1999)...), 0, []string{strings.TrimSpace(handshake)}, []float64{0}},
		{"another error, at once", []string{"http: superfluous response.WriteHeader call\n"}, 0, []string{"http: superfluous response.WriteHeader call"}, []float64{-1}},
		{"within the minute", repeat(handshake, 10), 59 * time.Second, nil, nil},
		{"a minute on", []string{handshake}, time.Minute, []string{strings.TrimSpace(handshake)}, []float64{2009}},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		for _, line := range st.lines {
			l.Print(line)
		}
		got := written()
		if len(got) != len(st.want) {
			t.Fatalf("%s: %d lines written, want %d", st.name, len(got), len(st.want))
		}
		for i, rec := range got {
			if rec["msg"] != st.want[i] || rec["level"] != "WARN" {
				t.Errorf("%s: %v", st.name, rec)
			}
			n, ok := rec["handshake_errors_not_logged"].(float64)
			if st.passed[i] == -1 && ok || st.passed[i] != -1 && n != st.passed[i] {
				t.Errorf("%s: passed over %v, want %v", st.name, rec["handshake_errors_not_logged"], st.passed[i])
			}
		}
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
