package pgtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// reusable are the migrated schemas no test holds now, with how many
// migrations each has applied; made holds every schema Migrated made.
var reusable struct {
	sync.Mutex
	free map[string]int
	made []string
}

// Migrated returns a URL whose search_path selects a schema that migrate
// has brought up to date and that holds no rows: one an earlier test of
// this process used and emptied, or else a new one that migrate is given.
// Creating the tables and indexes of every migration costs the server many
// times what emptying them does, and a suite that wants a fresh store per
// test (the conformance suite) would pay it a hundred times. Tests of the
// migrations themselves use Schema. When the test ends, the schema is
// emptied (every table but schema_migrations, every sequence restarted)
// and given to the next test; DropMigrated drops them all.
func Migrated(t testing.TB, migrate func(url string) error) string {
	t.Helper()
	reusable.Lock()
	var schema string
	var version int
	for s, v := range reusable.free {
		schema, version = s, v
		delete(reusable.free, s)
		break
	}
	reusable.Unlock()
	if schema == "" {
		conn := connect(t)
		defer conn.Close(context.Background())
		schema = newSchemaName()
		if _, err := conn.Exec(context.Background(), `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
			t.Fatal(err)
		}
		reusable.Lock()
		reusable.made = append(reusable.made, schema)
		reusable.Unlock()
		if err := migrate(schemaURL(t, schema)); err != nil {
			t.Fatalf("migrating schema %s: %v", schema, err)
		}
		var err error
		if version, err = migrations(conn, schema); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if err := empty(schema, version); err != nil {
			// Not given to another test; DropMigrated drops it.
			t.Errorf("emptying schema %s for the next test: %v", schema, err)
			return
		}
		reusable.Lock()
		if reusable.free == nil {
			reusable.free = map[string]int{}
		}
		reusable.free[schema] = version
		reusable.Unlock()
	})
	// A commit does not wait for the server to flush its log to disk:
	// what is tested is what a commit makes visible, never what survives a
	// crash of the server, and suites that commit a thousand times (Reseal)
	// spent most of their time waiting for the disk.
	return schemaURL(t, schema) + "&synchronous_commit=off"
}

// DropMigrated drops every schema Migrated made; a TestMain calls it after
// the tests.
func DropMigrated() error {
	reusable.Lock()
	made := slices.Clone(reusable.made)
	reusable.made, reusable.free = nil, nil
	reusable.Unlock()
	if len(made) == 0 {
		return nil
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, s := range made {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{s}.Sanitize()+` CASCADE`); err != nil {
			return fmt.Errorf("dropping schema %s: %w", s, err)
		}
	}
	return nil
}

// migrations is how many migrations schema_migrations of schema records.
func migrations(conn *pgx.Conn, schema string) (int, error) {
	var n int
	err := conn.QueryRow(context.Background(), `SELECT count(*) FROM `+pgx.Identifier{schema, "schema_migrations"}.Sanitize()).Scan(&n)
	return n, err
}

// emptyRows deletes every row of the schema's tables but
// schema_migrations, a table after those whose foreign keys reference it
// (a delete that a reference refuses is tried again on the next pass), and
// restarts every sequence, so that the schema is as migrate left it.
const emptyRows = `DO $$
DECLARE
	tbl text;
	refused int;
	seq record;
BEGIN
	FOR pass IN 1..50 LOOP
		refused := 0;
		FOR tbl IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations' LOOP
			BEGIN
				EXECUTE format('DELETE FROM %I', tbl);
			EXCEPTION WHEN foreign_key_violation THEN
				refused := refused + 1;
			END;
		END LOOP;
		EXIT WHEN refused = 0;
	END LOOP;
	IF refused > 0 THEN
		RAISE EXCEPTION '% tables could not be emptied', refused;
	END IF;
	FOR seq IN SELECT sequencename, start_value FROM pg_sequences WHERE schemaname = current_schema() LOOP
		PERFORM setval(quote_ident(seq.sequencename), seq.start_value, false);
	END LOOP;
END $$`

// empty makes schema, which had version migrations applied, as migrate
// left it, or fails if a test changed what it cannot restore.
func empty(schema string, version int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET search_path TO `+pgx.Identifier{schema}.Sanitize()); err != nil {
		return err
	}
	if n, err := migrations(conn, schema); err != nil || n != version {
		return fmt.Errorf("%d migrations recorded, %d when made (%v)", n, version, err)
	}
	_, err = conn.Exec(ctx, emptyRows)
	return err
}
