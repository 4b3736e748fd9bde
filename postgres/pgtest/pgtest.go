// Package pgtest gives each test a schema of its own in the PostgreSQL
// server the tests run against, dropped when the test ends.
//
// The server is KEYWARD_TEST_POSTGRES_URL, by default the one on this
// machine (postgres://postgres@127.0.0.1:5432/test). Without a server the
// tests skip, except under CI, where skipping would hide them: there they
// fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server `make test` uses unless told otherwise.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// ServerURL returns the URL of the test server.
func ServerURL() string {
	if u := os.Getenv("KEYWARD_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Schema creates a fresh schema and returns a URL whose search_path selects
// it. The schema is dropped at the end of the test.
func Schema(t testing.TB) string {
	t.Helper()
	conn := connect(t)
	defer conn.Close(context.Background())
	schema := newSchemaName()
	if _, err := conn.Exec(context.Background(), `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, ServerURL())
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return schemaURL(t, schema)
}

// connect connects to the test server, or skips (fails under CI) the test
// where there is none.
func connect(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required under CI: %v", err)
		}
		t.Skipf("no PostgreSQL at %s: %v", ServerURL(), err)
	}
	return conn
}

// newSchemaName is a random name for a test's schema.
func newSchemaName() string {
	var b [6]byte
	rand.Read(b[:])
	return "kwtest_" + hex.EncodeToString(b[:])
}

// schemaURL is the server's URL with a search_path selecting schema.
func schemaURL(t testing.TB, schema string) string {
	t.Helper()
	u, err := url.Parse(ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
