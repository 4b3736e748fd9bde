package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"

	"github.com/keyward/keyward/internal/sqlstore"
)

// Backup writes a consistent snapshot of the database at path to the file
// to, while servers keep reading and writing it: SQLite's VACUUM INTO runs
// in one read transaction, so the copy holds every write committed before
// it began and none after (a file copy of a WAL database holds neither for
// sure). It holds sealed secrets only: without the master key it opens
// nothing.
//
// The copy is written in a directory of its own made beside to (mode
// 0700), into a file created 0600 before SQLite writes a byte of it, so
// that no one else can open it at any moment, whatever the umask, and a
// name planted in to's directory (a symlink, an empty file another user
// made) is never written through. Synced, it is linked in as to, which
// fails if to has appeared meanwhile: a backup never overwrites a file.
func Backup(ctx context.Context, path, to string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	if _, err := os.Lstat(to); err == nil {
		return fmt.Errorf("%s exists: a backup never overwrites a file", to)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	dir, err := os.MkdirTemp(filepath.Dir(to), "."+filepath.Base(to)+".partial-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "backup.db")
	// VACUUM INTO writes into an empty file as it finds it: created here,
	// it is the owner's alone from the start.
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if testHookBackup != nil {
		testHookBackup(tmp)
	}
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return fmt.Errorf("sqlite: backing up %s: %w", path, err)
	}
	if testHookBackup != nil {
		testHookBackup(tmp)
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Link(tmp, to); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists: a backup never overwrites a file", to)
		}
		return err
	}
	return syncFile(filepath.Dir(to))
}

// testHookBackup, when set, is called with the backup's temporary file once
// it is created and once SQLite has written it.
var testHookBackup func(tmp string)

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
	tmp := path + ".restoring"
	os.Remove(tmp)
	if err := copyBackup(from, tmp); err != nil {
		os.Remove(tmp)
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

// copyBackup copies the backup from into a new file at tmp, readable by
// its owner only. from must be a regular file: a device or a pipe would
// be read for as long as it gives.
func copyBackup(from, tmp string) error {
	// Checked before opening too: opening a pipe waits for a writer.
	if st, err := os.Stat(from); err != nil {
		return err
	} else if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", from)
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	if st, err := in.Stat(); err != nil {
		return err
	} else if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", from)
	}
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
