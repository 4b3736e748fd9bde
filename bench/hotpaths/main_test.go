package main

import (
	"path/filepath"
	"testing"
)

// TestHotPathsExist: every benchmark the comparison runs is in the
// repository's tests, where build looks for it; a renamed one would drop
// out of the table unseen (build skips what a commit lacks).
func TestHotPathsExist(t *testing.T) {
	for _, name := range hotPaths {
		if _, ok := benchPackage(filepath.Join("..", ".."), name); !ok {
			t.Errorf("no func %s in the repository's tests", name)
		}
	}
	if pkg, ok := benchPackage(filepath.Join("..", ".."), "BenchmarkAuthorize"); !ok || filepath.Base(pkg) != "authz" {
		t.Errorf("BenchmarkAuthorize's package: %q", pkg)
	}
}

// TestBenchLine: the figures of go test's benchmark lines, with and
// without the processor count and -benchmem's columns.
func TestBenchLine(t *testing.T) {
	tests := []struct {
		line, name, ns, allocs string
	}{
		{"BenchmarkAuthorize-2   	 1000000	      1234 ns/op	     512 B/op	       7 allocs/op", "BenchmarkAuthorize", "1234", "7"},
		{"BenchmarkProtocolDerive/cached-8 	   50000	     23.5 ns/op", "BenchmarkProtocolDerive/cached", "23.5", ""},
		{"BenchmarkHandlerAssumeRole 	 100	 98765 ns/op	 12 allocs/op", "BenchmarkHandlerAssumeRole", "98765", "12"},
	}
	for _, tt := range tests {
		m := benchLine.FindStringSubmatch(tt.line)
		if m == nil || m[1] != tt.name || m[2] != tt.ns || m[3] != tt.allocs {
			t.Errorf("%q: %q, want %s %s %s", tt.line, m, tt.name, tt.ns, tt.allocs)
		}
	}
	for _, line := range []string{"PASS", "goos: linux", "ok  	github.com/keyward/keyward/query	1.2s"} {
		if m := benchLine.FindStringSubmatch(line); m != nil {
			t.Errorf("%q read as a benchmark: %q", line, m)
		}
	}
}

// TestMedianAndCell: the table's median, of an odd and an even number of
// rounds, and its cells in µs.
func TestMedianAndCell(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median of 3 1 2 = %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median of 4 1 3 2 = %v", got)
	}
	if got := cell([]float64{2000, 1000, 3000}); got != "2.00 (2.00 1.00 3.00)" {
		t.Errorf("cell = %q", got)
	}
	if got := cell(nil); got != "–" {
		t.Errorf("cell of nothing = %q", got)
	}
}
