package main

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestRun seeds a small store as the benchmark seeds a large one, straight
// into the schema, and runs its sweeps: the keys seeded past their expiry
// are the first sweep's to deactivate. A schema the seed no longer fits
// fails here, not in the next measurement.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	const keys, due = 400, 20
	if err := run(keys, due, 1, 3, 2, dir); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "keyward.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var total, expiredInactive int
	if err := db.QueryRow(`SELECT count(*), count(CASE WHEN status = 'Inactive' AND expires_at IS NOT NULL THEN 1 END) FROM access_keys`).Scan(&total, &expiredInactive); err != nil {
		t.Fatal(err)
	}
	if total != keys || expiredInactive != due {
		t.Errorf("%d keys, %d of the expired inactive: want %d and %d", total, expiredInactive, keys, due)
	}
}
