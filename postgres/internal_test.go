package postgres

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/keyward/keyward/postgres/pgtest"
)

// migrated is a migrated schema for a test of what a store does, not of
// how it migrates.
func migrated(t *testing.T) string {
	return pgtest.Migrated(t, func(url string) error {
		s, err := Open(context.Background(), url, Options{})
		if err == nil {
			s.Close()
		}
		return err
	})
}

func TestRetriesSerializationFailures(t *testing.T) {
	s, err := Open(context.Background(), migrated(t), Options{Retries: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		name     string
		code     string
		attempts int
	}{
		{"serialization failure", "40001", 4},
		{"deadlock", "40P01", 4},
		{"unique violation is final", "23505", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attempts := 0
			err := s.sqlTx(context.Background(), nil, func(tx *sql.Tx) error {
				attempts++
				return &pgconn.PgError{Code: tt.code}
			})
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || attempts != tt.attempts {
				t.Fatalf("%d attempts, error %v", attempts, err)
			}
		})
	}
	attempts := 0
	err = s.sqlTx(context.Background(), nil, func(tx *sql.Tx) error {
		if attempts++; attempts < 3 {
			return &pgconn.PgError{Code: "40001"}
		}
		return nil
	})
	if err != nil || attempts != 3 {
		t.Fatalf("a retried transaction did not succeed: %d attempts, %v", attempts, err)
	}
}

// TestStatementTimeout opens a migrated schema: the migrations are not
// what the short timeout is for, and on a loaded server they outlasted it.
func TestStatementTimeout(t *testing.T) {
	// Half a second, not less: Open gives a new connection as long as a
	// statement (at most three seconds), and a loaded server took more
	// than 100 ms to accept one.
	s, err := Open(context.Background(), migrated(t), Options{StatementTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = s.pool.Exec(context.Background(), `SELECT pg_sleep(2)`)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" || time.Since(start) > time.Second {
		t.Fatalf("statement not cancelled by statement_timeout: %v after %v", err, time.Since(start))
	}
}

func TestChangeLogGaps(t *testing.T) {
	// Rows 1 and 3 are committed, 2 is not yet: 2 is a gap, asked for again
	// on the next poll, and delivered when it appears.
	w := &changeLog{}
	url := migrated(t)
	s, err := Open(context.Background(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := s.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO key_changes (seq, key_id) VALUES (1, 'A'), (3, 'C')`)
	var got []string
	if err := w.poll(ctx, s.pool, func(id string) { got = append(got, id) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || w.last != 3 || len(w.gaps) != 1 {
		t.Fatalf("first poll: %v, last %d, gaps %v", got, w.last, w.gaps)
	}
	exec(`INSERT INTO key_changes (seq, key_id) VALUES (2, 'B'), (4, 'D')`)
	got = nil
	if err := w.poll(ctx, s.pool, func(id string) { got = append(got, id) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "B" || got[1] != "D" || len(w.gaps) != 0 {
		t.Fatalf("second poll: %v, gaps %v", got, w.gaps)
	}
}
