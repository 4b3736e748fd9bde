package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/keyward/keyward/internal/sqlstore"
	"github.com/keyward/keyward/postgres"
	"github.com/keyward/keyward/postgres/pgtest"
)

// TestSchemaVersions: a database a newer replica migrated is refused at
// start and fails CheckSchema (readiness) in a running replica; with
// NoMigrate an empty or older database is refused unchanged.
func TestSchemaVersions(t *testing.T) {
	ctx := context.Background()
	known := sqlstore.SchemaVersion()
	url := pgtest.Schema(t)

	_, err := postgres.Open(ctx, url, postgres.Options{NoMigrate: true})
	if !errors.Is(err, sqlstore.ErrSchemaTooOld) {
		t.Fatalf("NoMigrate on an empty schema: %v", err)
	}
	if v, err := postgres.SchemaVersionAt(ctx, url); err != nil || v != 0 {
		t.Fatalf("after NoMigrate: version %d, %v", v, err)
	}

	s := open(t, url)
	defer s.Close()
	if err := s.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := postgres.SchemaVersionAt(ctx, url); err != nil || v != known {
		t.Fatalf("version %d, %v; want %d", v, err, known)
	}

	// A newer replica's migration.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, known+1); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSchema(ctx); !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		t.Errorf("CheckSchema after a newer replica migrated: %v", err)
	}
	for _, opts := range []postgres.Options{{}, {NoMigrate: true}} {
		_, err := postgres.Open(ctx, url, opts)
		if !errors.Is(err, sqlstore.ErrSchemaTooNew) {
			t.Fatalf("%+v: opening a schema of version %d: %v", opts, known+1, err)
		}
		for _, want := range []string{fmt.Sprint(known + 1), fmt.Sprint(known)} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q does not name version %s", err, want)
			}
		}
	}

	// An older database: the first migration only.
	old := pgtest.Schema(t)
	steps, err := sqlstore.Migrations(sqlstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	oc, err := pgx.Connect(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	defer oc.Close(ctx)
	if _, err := oc.Exec(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	if _, err := oc.Exec(ctx, steps[0].SQL); err != nil {
		t.Fatal(err)
	}
	if _, err := oc.Exec(ctx, `INSERT INTO schema_migrations VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(ctx, old, postgres.Options{NoMigrate: true}); !errors.Is(err, sqlstore.ErrSchemaTooOld) {
		t.Fatalf("NoMigrate on version 1: %v", err)
	}
	if v, _ := postgres.SchemaVersionAt(ctx, old); v != 1 {
		t.Fatalf("NoMigrate moved version 1 to %d", v)
	}
	open(t, old).Close()
	if v, _ := postgres.SchemaVersionAt(ctx, old); v != known {
		t.Fatalf("migrated to %d, want %d", v, known)
	}
}
