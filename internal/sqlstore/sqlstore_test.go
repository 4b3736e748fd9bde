package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/sqlite"
	"github.com/keyward/keyward/storetest"
)

// TestConformanceOnSQLite runs the conformance suite against this package
// through its smallest backend, a SQLite file in a temporary directory: the
// package's code is proven here, where it lives. The postgres package runs
// the same suite on PostgreSQL.
func TestConformanceOnSQLite(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) keyward.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
