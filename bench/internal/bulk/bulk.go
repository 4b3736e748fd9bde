// Package bulk writes benchmark data straight into a Keyward SQLite
// database, in one transaction, where going through the API would take
// too long (a million durable writes).
package bulk

import (
	"database/sql"

	_ "modernc.org/sqlite" // the driver Keyward's sqlite package uses
)

// Write runs fill in one transaction on the database at path, opened for
// bulk writing (write-ahead log, no sync: a lost seed is seeded again),
// and commits what it wrote.
func Write(path string, fill func(tx *sql.Tx) error) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if err := fill(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
