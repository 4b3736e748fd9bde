package main

import (
	"context"
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
