package main

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestRun seeds a small store as the benchmark seeds a large one, straight
// into the schema, and runs its sweeps: after them the keys seeded past
// their expiry, and only those, are inactive (the seed's others are
// younger than every rule, and the clock moves minutes). A schema the seed
// no longer fits fails here, not in the next measurement.
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
	var total, inactive, expiredInactive int
	if err := db.QueryRow(`SELECT count(*), count(CASE WHEN status = 'Inactive' THEN 1 END),
		count(CASE WHEN status = 'Inactive' AND expires_at IS NOT NULL THEN 1 END) FROM access_keys`).Scan(&total, &inactive, &expiredInactive); err != nil {
		t.Fatal(err)
	}
	if total != keys || inactive != due || expiredInactive != due {
		t.Errorf("%d keys, %d inactive, %d of them expired: want %d, %d, %d", total, inactive, expiredInactive, keys, due, due)
	}
}
