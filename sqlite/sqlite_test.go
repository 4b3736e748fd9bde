package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/sqlite"
	"github.com/keyward/keyward/storetest"
)

func TestConformance(t *testing.T) {
	plans := newPlanRecorder(t)
	storetest.RunTests(t, func(t *testing.T) organizations.Store {
		// A copy of a migrated database: migrating, once per test, was
		// most of the suite's time (schema_test.go's and upgrade_test.go's
		// tests migrate).
		path := filepath.Join(t.TempDir(), "keyward.db")
		kwtest.CopyMigrated(t, path)
		s, err := sqlite.OpenWith(context.Background(), path, sqlite.WithDriver(sqlite.Options{}, plans.driver(t.Name())))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
	if !t.Failed() {
		checkPlans(t, plans)
	}
}
