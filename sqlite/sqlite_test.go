package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/sqlite"
	"github.com/keyward/keyward/storetest"
)

func TestConformance(t *testing.T) {
	plans := newPlanRecorder(t)
	storetest.RunTests(t, func(t *testing.T) organizations.Store {
		s, err := sqlite.OpenWith(context.Background(), filepath.Join(t.TempDir(), "keyward.db"), sqlite.WithDriver(sqlite.Options{}, plans.driver(t.Name())))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
	if !t.Failed() {
		checkPlans(t, plans)
	}
}
