package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/keyward/keyward/internal/sqlstore"
)

// Backup writes a consistent snapshot of the database at path to the file
// to, while servers keep reading and writing it: SQLite's VACUUM INTO runs
// in one read transaction, so the copy holds every write committed before
// it began and none after (a file copy of a WAL database holds neither for
// sure). The copy is written beside to and renamed into place once synced.
// It holds sealed secrets only: without the master key it opens nothing.
func Backup(ctx context.Context, path, to string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	if _, err := os.Stat(to); err == nil {
		return fmt.Errorf("%s exists: a backup never overwrites a file", to)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	tmp := to + ".partial"
	os.Remove(tmp)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sqlite: backing up %s: %w", path, err)
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, to); err != nil {
		return err
	}
	return syncFile(filepath.Dir(to))
}

// Restore puts the backup from in place as the database at path, which
// must not exist yet: restoring never replaces data. A backup of a schema
// newer than this build's is refused (a *sqlstore.SchemaError); an older
// one is migrated. check, given the
// restored store, must accept it (the master key opens it) before it is
// moved into place; on any failure nothing is left at path.
func Restore(ctx context.Context, from, path string, check func(*Store) error) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists: restore only into a data directory without a database", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	tmp := path + ".restoring"
	os.Remove(tmp)
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	defer os.Remove(tmp + "-wal")
	defer os.Remove(tmp + "-shm")
	st, err := Open(ctx, tmp)
	if errors.Is(err, sqlstore.ErrSchemaTooNew) {
		// A newer build's backup: this one must not serve it.
		os.Remove(tmp)
		return fmt.Errorf("sqlite: %s was made by a newer keyward: %w", from, errors.Unwrap(err))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sqlite: %s is not a Keyward backup: %w", from, err)
	}
	err = check(st)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncFile(filepath.Dir(path))
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
