package main

import (
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestModes runs each measurement with a few requests: the peers start,
// the guarded side refuses a stranger and serves the benchmark's user
// every request, so that the figures BENCHMARKS.md quotes can be measured
// again. A mode whose requests fail returns an error, not figures.
func TestModes(t *testing.T) {
	t.Chdir("../..") // keyward is built, and nginx's snippet read, from the repository's root
	*n, *conc, *runs = 40, 2, 1
	t.Run("gateway", func(t *testing.T) {
		*vgw = kwtest.Versitygw(t)
		if err := gateway(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("nginx", func(t *testing.T) {
		*nginx = kwtest.Nginx(t)
		if err := nginxMode(); err != nil {
			t.Fatal(err)
		}
	})
}
