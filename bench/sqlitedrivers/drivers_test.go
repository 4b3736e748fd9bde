// Package sqlitedrivers compares SQLite drivers for Go on the operations
// that decide Keyward's speed: a point read by access key ID, and a durable
// insert (WAL, synchronous=FULL). It is a module of its own so that the
// drivers not chosen stay out of Keyward's go.mod. Each driver builds under
// its own tag, since two of them register the same name:
//
//	go test -bench . -benchmem                 # modernc.org/sqlite (pure Go)
//	go test -bench . -benchmem -tags ncruces   # ncruces/go-sqlite3 (Wasm, pure Go)
//	go test -bench . -benchmem -tags mattn     # mattn/go-sqlite3 (cgo)
package sqlitedrivers

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
)

func open(b *testing.B) *sql.DB {
	db, err := sql.Open(driverName, dsn(filepath.Join(b.TempDir(), "bench.db")))
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []string{"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
		`CREATE TABLE access_keys (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL, sealed_secret BLOB NOT NULL)`} {
		if _, err := db.Exec(p); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

func BenchmarkPointRead(b *testing.B) {
	db := open(b)
	defer db.Close()
	tx, _ := db.Begin()
	for i := 0; i < 100000; i++ {
		tx.Exec(`INSERT INTO access_keys VALUES (?, ?, 'Active', ?, ?)`, fmt.Sprintf("AKIA%016d", i), "AIDA", i, make([]byte, 68))
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	stmt, err := db.Prepare(`SELECT user_id, status, created_at, sealed_secret FROM access_keys WHERE id = ?`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var i atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		var uid, status string
		var created int64
		var sealed []byte
		for pb.Next() {
			n := i.Add(7919) % 100000
			if err := stmt.QueryRow(fmt.Sprintf("AKIA%016d", n)).Scan(&uid, &status, &created, &sealed); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkDurableInsert(b *testing.B) {
	db := open(b)
	defer db.Close()
	db.SetMaxOpenConns(1)
	stmt, err := db.Prepare(`INSERT INTO access_keys VALUES (?, 'AIDA', 'Active', ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	sealed := make([]byte, 68)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := stmt.Exec(fmt.Sprintf("AKIA%016d", i), i, sealed); err != nil {
			b.Fatal(err)
		}
	}
}
