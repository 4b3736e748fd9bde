package bulk_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/bench/internal/bulk"
)

// TestWrite: what fill writes is committed when it succeeds, and nothing
// of it when it fails.
func TestWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.db")
	insert := func(n int, err error) func(tx *sql.Tx) error {
		return func(tx *sql.Tx) error {
			if _, e := tx.Exec(`CREATE TABLE IF NOT EXISTS t (n INTEGER)`); e != nil {
				return e
			}
			if _, e := tx.Exec(`INSERT INTO t VALUES (?)`, n); e != nil {
				return e
			}
			return err
		}
	}
	if err := bulk.Write(path, insert(1, nil)); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("fill failed")
	if err := bulk.Write(path, insert(2, failed)); !errors.Is(err, failed) {
		t.Fatalf("Write: %v, want fill's error", err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var count, sum int
	if err := db.QueryRow(`SELECT count(*), sum(n) FROM t`).Scan(&count, &sum); err != nil {
		t.Fatal(err)
	}
	if count != 1 || sum != 1 {
		t.Errorf("%d rows summing to %d: want the first write alone", count, sum)
	}
}
