package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/sqlite"
	"github.com/keyward/keyward/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) keyward.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "keyward.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
