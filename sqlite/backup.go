package sqlite

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path/filepath"

	"github.com/keyward/keyward/internal/sqlstore"
)

// A backup is SQLite's database file followed by a trailer: backupMagic,
// then the HMAC-SHA256, under a key derived from the master key
// (seal.BackupKey), of every byte before it, the magic included. The
// sealed secrets keep a backup confidential, but the rest of the store is
// plain columns (which user a key belongs to, policies, password hashes):
// without the MAC, anyone who can write where backups are kept could
// change them and have the change restored. One file rather than a MAC
// beside it: the MAC is copied, moved and deleted with the backup, and the
// backup is linked into place whole or not at all. SQLite reads a database
// by the page count in its header and ignores the bytes after its pages;
// a restore strips them before SQLite sees the file.
const backupMagic = "keyward backup 1"

// backupTrailerSize is the size of the trailer: the magic and the MAC.
const backupTrailerSize = len(backupMagic) + sha256.Size

// ErrBackupNoMAC means a backup ends in no MAC: it was made by a Keyward
// that did not authenticate backups, or its MAC was cut off.
var ErrBackupNoMAC = errors.New("the backup carries no MAC")

// ErrBackupChanged means a backup's MAC matches under none of the keys
// given: a byte of it was changed after it was made, or it was made under
// another master key.
var ErrBackupChanged = errors.New("the backup's MAC does not match")

// Backup writes a consistent snapshot of the database at path to the file
// to, while servers keep reading and writing it: SQLite's VACUUM INTO runs
// in one read transaction, so the copy holds every write committed before
// it began and none after (a file copy of a WAL database holds neither for
// sure). It holds sealed secrets only: without the master key it opens
// nothing. The copy ends in a MAC under key (see backupMagic), which a
// restore checks before SQLite opens a byte of it.
//
// The copy is written in a directory of its own made beside to (mode
// 0700), into a file created 0600 before SQLite writes a byte of it, so
// that no one else can open it at any moment, whatever the umask, and a
// name planted in to's directory (a symlink, an empty file another user
// made) is never written through. Synced, it is linked in as to, which
// fails if to has appeared meanwhile: a backup never overwrites a file.
func Backup(ctx context.Context, path, to string, key []byte) error {
	if len(key) == 0 {
		return errors.New("sqlite: a backup needs a key to authenticate it")
	}
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
	// The file is in a directory no one else may enter: what is read here
	// to be authenticated is what SQLite wrote.
	if err := appendMAC(tmp, key); err != nil {
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

// appendMAC appends the trailer to the file at path, reading the file as
// it goes (memory does not grow with it), and syncs it.
func appendMAC(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	mac := hmac.New(sha256.New, key)
	if _, err := io.Copy(mac, f); err != nil {
		return err
	}
	mac.Write([]byte(backupMagic))
	// f is at its end: the trailer is written after SQLite's last byte.
	if _, err := f.Write(mac.Sum([]byte(backupMagic))); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// Auth is how a restore authenticates the backup it reads.
type Auth struct {
	// Keys are the keys the backup's MAC may have been made under (derived
	// from the master key, and from the earlier ones still kept).
	Keys [][]byte
	// Unauthenticated, when set, restores a backup without a MAC, or whose
	// MAC matches under none of Keys, after telling it why
	// (ErrBackupNoMAC, ErrBackupChanged): only on the operator's word, for
	// a backup made before backups were authenticated. Unset, such a
	// backup is refused.
	Unauthenticated func(why error)
}

// Restore puts the backup from in place as the database at path, which
// must not exist yet: restoring never replaces data. The backup's MAC must
// match under one of auth's keys (ErrBackupNoMAC, ErrBackupChanged
// otherwise, unless auth accepts it unauthenticated): it is checked on the
// bytes copied, before SQLite opens them, so that neither what is restored
// nor what SQLite parses can be changed after the check. A backup of a
// schema newer than this build's is refused (a *sqlstore.SchemaError); an
// older one is migrated. check, given the restored store, must accept it
// (the master key opens it) before it is moved into place; on any failure
// nothing is left at path or beside it.
func Restore(ctx context.Context, from, path string, auth Auth, check func(*Store) error) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists: restore only into a data directory without a database", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	tmp := path + ".restoring"
	os.Remove(tmp)
	if err := copyBackup(from, tmp, auth); err != nil {
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

// copyBackup copies the backup from, without its trailer, into a new file
// at tmp, readable by its owner only, and checks its MAC against auth on
// the way. from must be a regular file: a device or a pipe would be read
// for as long as it gives.
func copyBackup(from, tmp string, auth Auth) error {
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
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", from)
	}
	// The file is read up to the size it had now; one that changes while
	// it is read fails the MAC, and bytes added after are not read.
	size, tag := st.Size(), []byte(nil)
	if size >= int64(backupTrailerSize) {
		trailer := make([]byte, backupTrailerSize)
		if _, err := in.ReadAt(trailer, size-int64(backupTrailerSize)); err != nil {
			return err
		}
		if string(trailer[:len(backupMagic)]) == backupMagic {
			tag, size = trailer[len(backupMagic):], size-int64(backupTrailerSize)
		}
	}
	macs := make([]hash.Hash, len(auth.Keys))
	writers := make([]io.Writer, 0, 1+len(macs))
	for i, k := range auth.Keys {
		macs[i] = hmac.New(sha256.New, k)
		writers = append(writers, macs[i])
	}
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.MultiWriter(append(writers, out)...), io.LimitReader(in, size))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("%s: %w: it was cut while it was read", from, ErrBackupChanged)
	}
	why := ErrBackupNoMAC
	if tag != nil {
		why = ErrBackupChanged
		for _, m := range macs {
			m.Write([]byte(backupMagic))
			if hmac.Equal(m.Sum(nil), tag) {
				return nil
			}
		}
	}
	if auth.Unauthenticated == nil {
		return fmt.Errorf("%s: %w", from, why)
	}
	auth.Unauthenticated(why)
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
