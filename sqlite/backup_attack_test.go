package sqlite

// Attacks on backups: the trust boundary of `keyward backup` and `keyward
// restore`, between Keyward's data and the files and directories an
// operator names, which other local users may share.
//
// What the caller may claim: a destination path (perhaps in a directory
// others can write, such as /tmp, where they may plant names before and
// during the backup), and a file to restore (perhaps not a backup, not a
// regular file, or made under another master key). What Keyward
// establishes itself: that no one else can read a backup at any moment of
// its writing, whatever the umask; that it writes through no name someone
// else planted and overwrites no file; that a restore reads a regular file
// only, opens it with the master key before it becomes the store, and
// leaves nothing behind when it refuses. A backup holds sealed secrets only
// (cmd/keyward's TestBackupUnderLoad checks that a restore needs the master key).

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

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
	if err := Backup(context.Background(), db, to); err != nil {
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
		must(t, Backup(ctx, db, to))
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
		err := Backup(ctx, db, to)
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
		if err := Backup(ctx, db, to); err == nil {
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
			err := Restore(ctx, from, path, func(*Store) error { return nil })
			if err == nil {
				t.Fatal("restored")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("left behind: %v", entries)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
