package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/sqlstore"
	"github.com/keyward/keyward/sqlite"
	"github.com/keyward/keyward/storetest"
)

// oldStore makes a database at the first schema version, as the first
// release left it.
func oldStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keyward.db")
	steps, err := sqlstore.Migrations(sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(steps[0].SQL); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	return path
}

func version(t *testing.T, path string) int {
	t.Helper()
	v, err := sqlite.SchemaVersionAt(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNewerSchemaRefused: a database a newer build migrated is neither
// served nor touched, and the error names both versions.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	known := sqlstore.SchemaVersion()
	path := filepath.Join(t.TempDir(), "keyward.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	storetest.SetSQLiteVersion(t, path, known+1)
	for _, opts := range []sqlite.Options{{}, {NoMigrate: true}} {
		_, err = sqlite.OpenWith(ctx, path, opts)
		var se *sqlstore.SchemaError
		if !errors.Is(err, sqlstore.ErrSchemaTooNew) || !errors.As(err, &se) || se.Found != known+1 || se.Known != known {
			t.Fatalf("%+v: opening a database of schema %d: %v", opts, known+1, err)
		}
		for _, want := range []string{fmt.Sprint(known + 1), fmt.Sprint(known)} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q does not name version %s", err, want)
			}
		}
	}
	if v := version(t, path); v != known+1 {
		t.Errorf("the refused database is now at version %d", v)
	}
}

// TestNoMigrate: an older database is refused unchanged with NoMigrate,
// and migrated without.
func TestNoMigrate(t *testing.T) {
	ctx := context.Background()
	path := oldStore(t)
	_, err := sqlite.OpenWith(ctx, path, sqlite.Options{NoMigrate: true})
	if !errors.Is(err, sqlstore.ErrSchemaTooOld) {
		t.Fatalf("NoMigrate on a version 1 database: %v", err)
	}
	if v := version(t, path); v != 1 {
		t.Fatalf("NoMigrate moved the database to version %d", v)
	}
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSchema(ctx); err != nil {
		t.Errorf("after migrating: %v", err)
	}
	s.Close()
	if v := version(t, path); v != sqlstore.SchemaVersion() {
		t.Errorf("migrated to version %d, want %d", v, sqlstore.SchemaVersion())
	}
	// A new, empty database has no schema to serve either.
	_, err = sqlite.OpenWith(ctx, filepath.Join(t.TempDir(), "new.db"), sqlite.Options{NoMigrate: true})
	if !errors.Is(err, sqlstore.ErrSchemaTooOld) {
		t.Errorf("NoMigrate on an empty database: %v", err)
	}
}

// TestCheckSchemaSeesAMigrationUnderneath: a newer build migrating the
// database of a running store makes CheckSchema (readiness) fail.
func TestCheckSchemaSeesAMigrationUnderneath(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyward.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.SetSQLiteVersion(t, path, sqlstore.SchemaVersion()+1)
	if err := s.CheckSchema(ctx); !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		t.Fatalf("CheckSchema after a newer build migrated: %v", err)
	}
}
