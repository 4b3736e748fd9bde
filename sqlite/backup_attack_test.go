package sqlite

// Attacks on backups: the trust boundary of `keyward backup` and `keyward
// restore`, between Keyward's data and the files and directories an
// operator names, which other local users may share.
//
// What the caller may claim: a destination path (perhaps in a directory
// others can write, such as /tmp, where they may plant names before and
// during the backup), and a file to restore (perhaps not a backup, not a
// regular file, made under another master key, or changed by someone who
// can write where backups are kept). What Keyward establishes itself: that
// no one else can read a backup at any moment of its writing, whatever the
// umask; that it writes through no name someone else planted and
// overwrites no file; that a restore reads a regular file only, restores
// only bytes a MAC under the master key authenticates (checked before
// SQLite opens them), opens them with the master key before they become
// the store, and leaves nothing behind when it refuses. A backup holds
// sealed secrets only (cmd/keyward's TestBackupUnderLoad checks that a
// restore needs the master key, TestRestoreRefusesChangedBackup that a key
// pointed at the root user in a backup is not restored).

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// testKey is the key backups are authenticated under in these tests (a
// key seal.BackupKey derived, in keyward's use).
var testKey = bytes.Repeat([]byte{1}, 32)

// newDB makes a store's database and returns its path.
func newDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keyward.db")
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return path
}

// sharedDir is a directory anyone may write to, as /tmp.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	return dir
}

func hook(t *testing.T, fn func(tmp string)) {
	testHookBackup = fn
	t.Cleanup(func() { testHookBackup = nil })
}

// TestBackupNeverReadableByOthers: with a umask that lets everyone read
// new files, the backup is the owner's alone from its creation on. It was
// written by SQLite as 0644 under the usual umask (0666 with none) and
// made 0600 only once complete.
func TestBackupNeverReadableByOthers(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0))
	db, dir := newDB(t), sharedDir(t)
	to := filepath.Join(dir, "keyward.backup")
	calls := 0
	hook(t, func(tmp string) {
		calls++
		// The file and every directory between it and the shared one.
		for p := tmp; p != dir; p = filepath.Dir(p) {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm()&0o077 != 0 {
				t.Errorf("while the backup is written, %s is %v", p, st.Mode().Perm())
			}
		}
	})
	if err := Backup(context.Background(), db, to, testKey); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("the hook ran %d times", calls)
	}
	st, err := os.Stat(to)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the backup: %v %v", st.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("left in the directory: %v", entries)
	}
}

// TestBackupThroughPlantedNames: names another user planted in the shared
// directory, at the temporary name a backup once used or at the
// destination itself, are never written through, and the destination is
// never overwritten, even if it appears while the backup is written.
func TestBackupThroughPlantedNames(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)

	t.Run("a symlink at the old temporary name", func(t *testing.T) {
		dir := sharedDir(t)
		to := filepath.Join(dir, "keyward.backup")
		stolen := filepath.Join(dir, "stolen")
		must(t, os.WriteFile(stolen, nil, 0o666))
		must(t, os.Symlink(stolen, to+".partial"))
		must(t, Backup(ctx, db, to, testKey))
		if b, _ := os.ReadFile(stolen); len(b) != 0 {
			t.Fatal("the backup was written through a planted symlink")
		}
	})

	t.Run("the destination appears during the backup", func(t *testing.T) {
		dir := sharedDir(t)
		to := filepath.Join(dir, "keyward.backup")
		hook(t, func(string) {
			if _, err := os.Lstat(to); err != nil {
				must(t, os.WriteFile(to, []byte("someone else's"), 0o644))
			}
		})
		err := Backup(ctx, db, to, testKey)
		if err == nil || !strings.Contains(err.Error(), "never overwrites") {
			t.Fatalf("backup over a file that appeared: %v", err)
		}
		if b, _ := os.ReadFile(to); string(b) != "someone else's" {
			t.Fatal("the file that appeared was overwritten")
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Fatalf("left in the directory: %v", entries)
		}
	})

	t.Run("a symlink at the destination", func(t *testing.T) {
		dir := sharedDir(t)
		to := filepath.Join(dir, "keyward.backup")
		must(t, os.Symlink(filepath.Join(dir, "elsewhere"), to))
		if err := Backup(ctx, db, to, testKey); err == nil {
			t.Fatal("a backup was written at a planted symlink")
		}
		if _, err := os.Lstat(filepath.Join(dir, "elsewhere")); err == nil {
			t.Fatal("the backup was written through the symlink")
		}
	})
}

// TestRestoreRefusals: what is not a backup, or not a regular file, is
// refused and leaves nothing in the data directory.
func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	garbage := filepath.Join(src, "garbage")
	must(t, os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 1000)), 0o600))
	fifo := filepath.Join(src, "fifo")
	must(t, syscall.Mkfifo(fifo, 0o600))
	for name, from := range map[string]string{"not a database": garbage, "a pipe": fifo, "a directory": src, "missing": filepath.Join(src, "none")} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "keyward.db")
			// Accepted unauthenticated, so that SQLite is asked to
			// open what is not a database.
			auth := Auth{Keys: [][]byte{testKey}, Unauthenticated: func(error) {}}
			err := Restore(ctx, from, path, auth, func(*Store) error { return nil })
			if err == nil {
				t.Fatal("restored")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("left behind: %v", entries)
			}
		})
	}
}

// TestRestoreAuthenticates: a backup is restored only as it was made, under
// a key given: a byte changed anywhere in it (by hand or by SQLite), one
// added or cut, its MAC removed or made under another key are refused
// before SQLite opens it, and leave nothing in the data directory. A
// backup with no MAC, or one that does not match, is restored only when
// the caller accepts it unauthenticated, which is told why.
func TestRestoreAuthenticates(t *testing.T) {
	ctx := context.Background()
	other := bytes.Repeat([]byte{2}, 32)
	src := t.TempDir()
	db := newDB(t)
	backup := filepath.Join(src, "keyward.backup")
	must(t, Backup(ctx, db, backup, testKey))
	orig, err := os.ReadFile(backup)
	must(t, err)
	underOther := filepath.Join(src, "other.backup")
	must(t, Backup(ctx, db, underOther, other))
	// Copies of the backup edited by SQLite itself, as an attacker would:
	// in place, and with a page added (written over the MAC).
	edit := func(name, stmt string) string {
		path := filepath.Join(src, name)
		must(t, os.WriteFile(path, orig, 0o600))
		sdb, err := sql.Open("sqlite", "file:"+path)
		must(t, err)
		_, err = sdb.Exec(stmt)
		must(t, err)
		must(t, sdb.Close())
		return path
	}
	inPlace := edit("in-place.backup", `PRAGMA application_id = 7`)
	grown := edit("grown.backup", `CREATE TABLE mallory (x)`)

	// restore restores from, which it writes first if b is not nil, and
	// says whether check ran and why the backup was accepted
	// unauthenticated (nil: it was not).
	restore := func(t *testing.T, from string, b []byte, auth Auth) (err error, checked bool, why error) {
		t.Helper()
		if b != nil {
			from = filepath.Join(t.TempDir(), "backup")
			must(t, os.WriteFile(from, b, 0o600))
		}
		if auth.Unauthenticated != nil {
			auth.Unauthenticated = func(err error) { why = err }
		}
		dir := t.TempDir()
		err = Restore(ctx, from, filepath.Join(dir, "keyward.db"), auth, func(*Store) error { checked = true; return nil })
		entries, _ := os.ReadDir(dir)
		if err != nil && len(entries) != 0 {
			t.Errorf("a refused restore left %v", entries)
		}
		if err == nil && (len(entries) != 1 || entries[0].Name() != "keyward.db") {
			t.Errorf("a restore left %v", entries)
		}
		return err, checked, why
	}
	changed := func(i int) []byte {
		b := bytes.Clone(orig)
		b[i] ^= 0x20
		return b
	}
	end := len(orig) - backupTrailerSize // the database's last byte is end-1
	keys := func(k ...[]byte) Auth { return Auth{Keys: k} }
	unauthenticated := Auth{Keys: [][]byte{testKey}, Unauthenticated: func(error) {}}
	for _, c := range []struct {
		name string
		from string // or b
		b    []byte
		auth Auth
		want error // nil: restored
		// why is why it was restored unauthenticated.
		why error
	}{
		{name: "untouched", from: backup, auth: keys(testKey)},
		{name: "made under an earlier key, still kept", from: backup, auth: keys(other, testKey)},
		{name: "the first byte changed", b: changed(0), auth: keys(testKey), want: ErrBackupChanged},
		{name: "the header's page count changed", b: changed(31), auth: keys(testKey), want: ErrBackupChanged},
		{name: "the database's last byte changed", b: changed(end - 1), auth: keys(testKey), want: ErrBackupChanged},
		{name: "a byte of the MAC changed", b: changed(len(orig) - 1), auth: keys(testKey), want: ErrBackupChanged},
		{name: "a byte of the magic changed", b: changed(end), auth: keys(testKey), want: ErrBackupNoMAC},
		{name: "edited in place by SQLite", from: inPlace, auth: keys(testKey), want: ErrBackupChanged},
		{name: "a table added by SQLite", from: grown, auth: keys(testKey), want: ErrBackupNoMAC},
		{name: "a byte added", b: append(bytes.Clone(orig), 0), auth: keys(testKey), want: ErrBackupNoMAC},
		{name: "a byte cut", b: orig[:len(orig)-1], auth: keys(testKey), want: ErrBackupNoMAC},
		{name: "a page cut, the MAC moved", b: append(bytes.Clone(orig[:end-4096]), orig[end:]...), auth: keys(testKey), want: ErrBackupChanged},
		{name: "the MAC cut off", b: orig[:end], auth: keys(testKey), want: ErrBackupNoMAC},
		{name: "under another master key", from: underOther, auth: keys(testKey), want: ErrBackupChanged},
		{name: "no key to check it with", from: backup, auth: keys(), want: ErrBackupChanged},
		{name: "the MAC cut off, accepted unauthenticated", b: orig[:end], auth: unauthenticated, why: ErrBackupNoMAC},
		{name: "changed, accepted unauthenticated", b: changed(end - 1), auth: unauthenticated, why: ErrBackupChanged},
		{name: "untouched, accepted unauthenticated", from: backup, auth: unauthenticated},
	} {
		t.Run(c.name, func(t *testing.T) {
			err, checked, why := restore(t, c.from, c.b, c.auth)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("restore: %v, want %v", err, c.want)
			}
			if checked != (err == nil) {
				t.Errorf("the store was opened: %v", checked)
			}
			if why != c.why {
				t.Errorf("accepted unauthenticated because %v, want %v", why, c.why)
			}
		})
	}

	// A byte changed anywhere: one in each page, at a different offset in
	// each, and every byte of the trailer.
	var offsets []int
	for i := 0; i < end; i += 4096 + 97 {
		offsets = append(offsets, i)
	}
	for i := end; i < len(orig); i++ {
		offsets = append(offsets, i)
	}
	for _, i := range offsets {
		err, checked, _ := restore(t, "", changed(i), keys(testKey))
		if err == nil || checked {
			t.Errorf("byte %d of %d changed: restored (%v), opened: %v", i, len(orig), err, checked)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
