package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestBackupUnderLoad: `keyward backup` takes a snapshot while users and
// keys are being created; `keyward restore` puts it into another data
// directory with the master key, checked first (a wrong key or none is
// refused, and so is a directory that has a database); a server on the
// restored data authenticates every key acknowledged before the backup
// began.
func TestBackupUnderLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startProcess(t, dir, rootEnv...)
	root := p.iam(rootKeyID, rootSecret)
	ctx := context.Background()

	type key struct{ id, secret string }
	var (
		mu      sync.Mutex
		acked   []key
		stop    = make(chan struct{})
		enough  = make(chan struct{})
		once    sync.Once
		workers sync.WaitGroup
	)
	for w := range 4 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("u%d-%d", w, i)
				if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
					t.Error(err)
					return
				}
				k, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, key{aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)})
				if len(acked) >= 40 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	// Let the load build up, then back up in the middle of it.
	<-enough
	mu.Lock()
	before := append([]key(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "keyward.backup")
	out, err := exec.Command(binary(t), "backup", "--data", dir, "--to", backup).CombinedOutput()
	if err != nil {
		t.Fatalf("keyward backup: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "master key") {
		t.Fatalf("the backup does not say it needs the master key:\n%s", out)
	}
	close(stop)
	workers.Wait()
	if out, err := exec.Command(binary(t), "backup", "--data", dir, "--to", backup).CombinedOutput(); err == nil {
		t.Fatalf("a backup overwrote a file:\n%s", out)
	}

	restore := func(target string, env ...string) (string, error) {
		cmd := exec.Command(binary(t), "restore", "--data", target, "--from", backup)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// Without the key, and with another one, nothing is restored.
	none := t.TempDir()
	if out, err := restore(none); err == nil || !strings.Contains(out, "master key") {
		t.Fatalf("restore without the master key: %v\n%s", err, out)
	}
	other := t.TempDir()
	must(t, os.WriteFile(filepath.Join(other, "master.key"), []byte(strings.Repeat("ab", 32)+"\n"), 0o600))
	if out, err := restore(other); err == nil || !strings.Contains(out, "does not open") {
		t.Fatalf("restore with another master key: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(other, "keyward.db")); err == nil {
		t.Fatal("a refused restore left a database")
	}

	target := t.TempDir()
	keyFile, err := os.ReadFile(filepath.Join(dir, "master.key"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(target, "master.key"), keyFile, 0o600))
	if out, err := restore(target); err != nil {
		t.Fatalf("keyward restore: %v\n%s", err, out)
	}
	if out, err := restore(target); err == nil {
		t.Fatalf("a restore over an existing database:\n%s", out)
	}
	q := startProcess(t, target, rootEnv...)
	for _, k := range before {
		c := sts.NewFromConfig(awsConfig("http://"+q.addr, k.id, k.secret, "us-east-1"))
		if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("key %s, acknowledged before the backup, after restore: %v", k.id, err)
		}
	}
	t.Logf("%d keys acknowledged before the backup, %d in all", len(before), len(acked))
}

// TestRestoreRefusesChangedBackup: someone who can write where backups are
// kept, but has no master key, opens a backup with SQLite and points their
// own low-privilege access key at the root user (an empty user_id), which a
// key's sealed secret, bound to its key ID only, does not notice. restore
// refuses that backup, the same one authenticated again under another
// master key, and a backup with no MAC at all (as earlier versions wrote
// them, SQLite's VACUUM INTO) unless told --unauthenticated; a refusal
// leaves the data directory as it was. The untouched backup is restored,
// with the master key or, after a rekey, the previous one. keyward backup
// refuses to back up without a master key to authenticate the backup.
func TestRestoreRefusesChangedBackup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	p := startProcess(t, dir, rootEnv...)
	root := p.iam(rootKeyID, rootSecret)
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory")}); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("mallory")})
	must(t, err)
	mallory := k.AccessKey

	backups := t.TempDir()
	backup := filepath.Join(backups, "keyward.backup")
	if out, err := exec.Command(binary(t), "backup", "--data", dir, "--to", backup).CombinedOutput(); err != nil {
		t.Fatalf("keyward backup: %v\n%s", err, out)
	}
	keyFile, err := os.ReadFile(filepath.Join(dir, masterKeyFile))
	must(t, err)
	otherKey := []byte(strings.Repeat("cd", 32) + "\n")

	// The attack: one UPDATE in a copy of the backup.
	changed := filepath.Join(backups, "changed.backup")
	copyFile(t, backup, changed)
	db, err := sql.Open("sqlite", "file:"+changed)
	must(t, err)
	res, err := db.Exec(`UPDATE access_keys SET user_id = '' WHERE id = ?`, aws.ToString(mallory.AccessKeyId))
	must(t, err)
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("the UPDATE changed %d rows", n)
	}
	must(t, db.Close())

	// The changed backup made again, by keyward backup, under a master key
	// the attacker has: a MAC, but not this installation's.
	theirs := t.TempDir()
	copyFile(t, changed, filepath.Join(theirs, "keyward.db"))
	reMACed := filepath.Join(backups, "remaced.backup")
	// Not without a master key, though: it is what authenticates a backup.
	noKey := filepath.Join(backups, "nokey.backup")
	if out, err := exec.Command(binary(t), "backup", "--data", theirs, "--to", noKey).CombinedOutput(); err == nil || !strings.Contains(string(out), "master key") {
		t.Errorf("keyward backup without a master key: %v\n%s", err, out)
	}
	if _, err := os.Lstat(noKey); err == nil {
		t.Error("keyward backup without a master key wrote a backup")
	}
	must(t, os.WriteFile(filepath.Join(theirs, masterKeyFile), otherKey, 0o600))
	if out, err := exec.Command(binary(t), "backup", "--data", theirs, "--to", reMACed).CombinedOutput(); err != nil {
		t.Fatalf("keyward backup under another master key: %v\n%s", err, out)
	}

	// A backup as earlier versions wrote it: SQLite's file and nothing else.
	old := filepath.Join(backups, "old.backup")
	live, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "keyward.db")+"?_pragma=busy_timeout(10000)")
	must(t, err)
	_, err = live.Exec(`VACUUM INTO ?`, old)
	must(t, err)
	must(t, live.Close())

	for _, c := range []struct {
		name, from string
		flags      []string
		// keys are the target's master key files; this installation's
		// master.key when nil.
		keys    map[string][]byte
		refused bool
		says    []string
	}{
		{name: "a key pointed at the root user", from: changed, refused: true,
			says: []string{"was changed", "not made under this installation's master key", "nothing was restored"}},
		{name: "authenticated again under another master key", from: reMACed, refused: true,
			says: []string{"was changed", "not made under this installation's master key", "nothing was restored"}},
		{name: "no MAC", from: old, refused: true, says: []string{"carries no MAC", "--unauthenticated", "nothing was restored"}},
		{name: "no MAC, --unauthenticated", from: old, flags: []string{"--unauthenticated"},
			says: []string{"carries no MAC", "restoring it unauthenticated"}},
		{name: "untouched", from: backup},
		{name: "untouched, made before a rekey", from: backup,
			keys: map[string][]byte{masterKeyFile: otherKey, prevMasterKeyFile: keyFile}},
	} {
		t.Run(c.name, func(t *testing.T) {
			target := t.TempDir()
			if c.keys == nil {
				c.keys = map[string][]byte{masterKeyFile: keyFile}
			}
			for name, key := range c.keys {
				must(t, os.WriteFile(filepath.Join(target, name), key, 0o600))
			}
			args := append([]string{"restore", "--data", target, "--from", c.from}, c.flags...)
			out, err := exec.Command(binary(t), args...).CombinedOutput()
			for _, want := range c.says {
				if !strings.Contains(string(out), want) {
					t.Errorf("keyward restore does not say %q:\n%s", want, out)
				}
			}
			if !c.refused {
				if err != nil {
					t.Fatalf("keyward restore: %v\n%s", err, out)
				}
				if _, err := os.Stat(filepath.Join(target, "keyward.db")); err != nil {
					t.Fatalf("restored, but: %v", err)
				}
				return
			}
			if err == nil {
				// Show what the restored store would have let the
				// attacker do.
				q := startProcess(t, target, rootEnv...)
				_, cerr := q.iam(aws.ToString(mallory.AccessKeyId), aws.ToString(mallory.SecretAccessKey)).
					CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory-was-here")})
				t.Fatalf("restored a backup that was %s (mallory's key creating a user afterwards: error %v):\n%s", c.name, cerr, out)
			}
			if entries, _ := os.ReadDir(target); len(entries) != len(c.keys) {
				t.Errorf("a refused restore left the data directory with %v", entries)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	must(t, err)
	must(t, os.WriteFile(to, b, 0o600))
}
