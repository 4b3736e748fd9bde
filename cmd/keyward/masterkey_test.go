package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/postgres/pgtest"
	"github.com/keyward/keyward/query"
	"github.com/keyward/keyward/seal"
	"github.com/keyward/keyward/sqlite"
	"github.com/keyward/keyward/webhook"
)

func hexKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (p *process) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Fatalf("keyward exited %d:\n%s", code, p.stderr.String())
	}
}

// userKeyWorks checks that an access key authenticates, through STS (which
// needs no permission).
func userKeyWorks(t *testing.T, p *process, id, secret string) {
	t.Helper()
	c := sts.NewFromConfig(awsConfig("http://"+p.addr, id, secret, "us-east-1"))
	if _, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("key %s no longer authenticates: %v", id, err)
	}
}

// refusesToStart checks that keyward will not start on dir with env.
func refusesToStart(t *testing.T, dir string, env ...string) {
	t.Helper()
	_, err := launch(t, dir, env...)
	if err == nil || !strings.Contains(err.Error(), "the master key cannot decrypt the stored secrets") {
		t.Fatalf("started with a wrong master key: %v", err)
	}
}

// TestWrongMasterKeyWithoutRootKey: with the root user's only key deleted,
// a wrong KEYWARD_MASTER_KEY used to start, answer ok on /healthz and fail
// every user-key request; with the root key given too, it sealed a new root
// secret under the wrong key. Now the account's check value refuses both.
func TestWrongMasterKeyWithoutRootKey(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	dir := t.TempDir()
	right, wrong := "KEYWARD_MASTER_KEY="+hexKey(t), "KEYWARD_MASTER_KEY="+hexKey(t)
	p := startProcess(t, dir, append(rootEnv, right)...)
	ctx := context.Background()
	id, secret := createUserKey(t, p.iam(rootKeyID, rootSecret), "alice")
	_, err := p.iam(rootKeyID, rootSecret).DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{AccessKeyId: aws.String(rootKeyID)})
	must(t, err)
	p.stop(t)

	refusesToStart(t, dir, wrong)
	refusesToStart(t, dir, append(rootEnv, wrong)...)

	// A store from before check values: a user's secret proves the key.
	st, err := sqlite.Open(ctx, filepath.Join(dir, "keyward.db"))
	must(t, err)
	must(t, st.SetKeyCheck(ctx, nil))
	st.Close()
	refusesToStart(t, dir, wrong)
	p = startProcess(t, dir, right)
	userKeyWorks(t, p, id, secret)
	p.stop(t)
	refusesToStart(t, dir, wrong) // the check value is back
}

// TestRekeyFiles: `keyward rekey` with the server stopped moves every secret
// to a new generated master key in the data directory.
func TestRekeyFiles(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	dir := t.TempDir()
	p := startProcess(t, dir, rootEnv...)
	id, secret := createUserKey(t, p.iam(rootKeyID, rootSecret), "alice")
	// A webhook subscription's secret and URL are sealed too.
	const hookURL = "https://hooks.example.com/T0123/rekey-url-token"
	form := url.Values{"Action": {"CreateWebhookSubscription"}, "Version": {query.IAMVersion}, "Url": {hookURL},
		"Secret": {"rekey-webhook-secret-0123"}, "Events.member.1": {webhook.AccessKeyCreated}}
	status, _, body := kwtest.RawDo(t, kwtest.SignedFor(t, "http://"+p.addr, form.Encode(), "iam", "us-east-1", rootKeyID, rootSecret))
	var sub struct {
		ID string `xml:"CreateWebhookSubscriptionResult>WebhookSubscription>Id"`
	}
	if status != http.StatusOK || xml.Unmarshal([]byte(body), &sub) != nil || sub.ID == "" {
		t.Fatalf("CreateWebhookSubscription: %d %s", status, body)
	}
	p.stop(t)
	old, err := os.ReadFile(filepath.Join(dir, masterKeyFile))
	must(t, err)

	res := runCommand(t, os.Environ(), binary(t), "rekey", "--data", dir)
	if res.code != 0 || !strings.Contains(res.stdout, "re-sealed 4 secrets") {
		t.Fatalf("rekey: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	now, _ := os.ReadFile(filepath.Join(dir, masterKeyFile))
	prev, _ := os.ReadFile(filepath.Join(dir, prevMasterKeyFile))
	if bytes.Equal(now, old) || !bytes.Equal(prev, old) || fileExists(filepath.Join(dir, newMasterKeyFile)) {
		t.Fatal("the key files were not rotated")
	}
	// The URL opens with the new key alone, as the subscription's URL.
	func() {
		st, err := sqlite.Open(context.Background(), filepath.Join(dir, "keyward.db"))
		must(t, err)
		defer st.Close()
		var sealedURL []byte
		must(t, st.DB.QueryRow(`SELECT url_sealed FROM webhook_subscriptions WHERE id = ?`, sub.ID).Scan(&sealedURL))
		newKey, err := readKeyFile(filepath.Join(dir, masterKeyFile))
		must(t, err)
		oldKey, err := readKeyFile(filepath.Join(dir, prevMasterKeyFile))
		must(t, err)
		for key, want := range map[string]bool{string(newKey): true, string(oldKey): false} {
			sealer, err := seal.New([]byte(key), rand.Reader)
			must(t, err)
			if got, err := sealer.Open(webhook.URLAssociatedData(sub.ID), sealedURL); (err == nil) != want || (want && got != hookURL) {
				t.Fatalf("url_sealed opens (%v) to %q, %v", want, got, err)
			}
		}
	}()
	p = startProcess(t, dir, rootEnv...)
	userKeyWorks(t, p, id, secret)
	userKeyWorks(t, p, rootKeyID, rootSecret)
	p.stop(t)
	// The old key alone no longer opens the store.
	refusesToStart(t, dir, append(rootEnv, "KEYWARD_MASTER_KEY="+strings.TrimSpace(string(old)))...)
}

// TestRekeyInterrupted: wherever a rekey stops, the store opens, with the
// files as they are, and the rekey can be finished.
func TestRekeyInterrupted(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	setup := func(t *testing.T) (dir, id, secret string, oldKey, newKey []byte) {
		dir = t.TempDir()
		p := startProcess(t, dir, rootEnv...)
		id, secret = createUserKey(t, p.iam(rootKeyID, rootSecret), "alice")
		p.stop(t)
		oldKey, err := readKeyFile(filepath.Join(dir, masterKeyFile))
		must(t, err)
		newKey = make([]byte, 32)
		rand.Read(newKey)
		must(t, writeFileSync(filepath.Join(dir, newMasterKeyFile), []byte(hex.EncodeToString(newKey)+"\n")))
		return dir, id, secret, oldKey, newKey
	}
	commit := func(t *testing.T, dir string, oldKey, newKey []byte) {
		ctx := context.Background()
		st, err := sqlite.Open(ctx, filepath.Join(dir, "keyward.db"))
		must(t, err)
		defer st.Close()
		sealer, err := seal.New(newKey, rand.Reader, oldKey)
		must(t, err)
		_, err = (&iam.Service{Store: st, Sealer: sealer}).Rekey(ctx)
		must(t, err)
	}
	t.Run("before the transaction committed", func(t *testing.T) {
		dir, id, secret, _, newKey := setup(t)
		p := startProcess(t, dir, rootEnv...)
		userKeyWorks(t, p, id, secret)
		p.stop(t)
		// Run again, the rekey moves to the key it had written.
		if res := runCommand(t, os.Environ(), binary(t), "rekey", "--data", dir); res.code != 0 {
			t.Fatalf("rekey: %s", res.stderr)
		}
		if k, _ := readKeyFile(filepath.Join(dir, masterKeyFile)); !bytes.Equal(k, newKey) {
			t.Fatal("the resumed rekey did not use its key")
		}
		p = startProcess(t, dir, rootEnv...)
		userKeyWorks(t, p, id, secret)
	})
	t.Run("after the commit, before the renames", func(t *testing.T) {
		dir, id, secret, oldKey, newKey := setup(t)
		commit(t, dir, oldKey, newKey)
		p := startProcess(t, dir, rootEnv...)
		userKeyWorks(t, p, id, secret)
		if !strings.Contains(p.stderr.String(), "finished an interrupted rekey") {
			t.Error("the server did not say it finished the rekey")
		}
		if k, _ := readKeyFile(filepath.Join(dir, masterKeyFile)); !bytes.Equal(k, newKey) {
			t.Fatal("master.key is not the new key")
		}
	})
	t.Run("between the renames", func(t *testing.T) {
		dir, id, secret, oldKey, newKey := setup(t)
		commit(t, dir, oldKey, newKey)
		must(t, os.Rename(filepath.Join(dir, masterKeyFile), filepath.Join(dir, prevMasterKeyFile)))
		p := startProcess(t, dir, rootEnv...)
		userKeyWorks(t, p, id, secret)
		if k, _ := readKeyFile(filepath.Join(dir, masterKeyFile)); !bytes.Equal(k, newKey) {
			t.Fatal("master.key is not the new key")
		}
	})
}

// TestRekeyOnline: on SQLite and on PostgreSQL, replicas given "NEW,OLD"
// keep serving while `keyward rekey` moves the secrets, then run on NEW.
func TestRekeyOnline(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			var db []string
			if store == "postgres" {
				db = []string{"KEYWARD_DATABASE_URL=" + pgtest.Schema(t)}
			}
			oldKey, newKey := hexKey(t), hexKey(t)
			env := func(keys string) []string {
				return append(append(append([]string{}, rootEnv...), db...), "KEYWARD_MASTER_KEY="+keys)
			}
			p := startProcess(t, dir, env(oldKey)...)
			id, secret := createUserKey(t, p.iam(rootKeyID, rootSecret), "alice")
			p.stop(t)

			p = startProcess(t, dir, env(newKey+","+oldKey)...)
			userKeyWorks(t, p, id, secret)
			res := runCommand(t, append(os.Environ(), env(newKey+","+oldKey)...), binary(t), "rekey", "--data", dir)
			if res.code != 0 {
				t.Fatalf("rekey while serving: exit %d\n%s", res.code, res.stderr)
			}
			userKeyWorks(t, p, id, secret)
			id2, secret2 := createUserKey(t, p.iam(rootKeyID, rootSecret), "bob")
			userKeyWorks(t, p, id2, secret2)
			p.stop(t)

			p = startProcess(t, dir, env(newKey)...)
			userKeyWorks(t, p, id, secret)
			userKeyWorks(t, p, id2, secret2)
			p.stop(t)
			refusesToStart(t, dir, env(oldKey)...)
		})
	}
}

// TestMissingMasterKeyWithData: started with master.key deleted while the
// store holds data sealed under it, keyward generated a new key, refused
// to start with it, and left it behind, so that the next start, with the
// right key put back or not, met a key file that was not the store's. Now
// it refuses before generating anything, saying what to do, on SQLite and
// on PostgreSQL (a replica whose data directory lost its key).
func TestMissingMasterKeyWithData(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			var url string
			if store == "postgres" {
				url = pgtest.Schema(t)
			}
			ts := startServerWith(t, dir, func(m *Main) { m.Config.DatabaseURL = url })
			id, secret := createUserKey(t, ts.rootIAM(), "alice")
			must(t, ts.Close())
			keyPath := filepath.Join(dir, masterKeyFile)
			key, err := os.ReadFile(keyPath)
			must(t, err)
			must(t, os.Remove(keyPath))

			m := NewMain()
			m.Config.Listen, m.Config.DataDir, m.Config.DatabaseURL = "127.0.0.1:0", dir, url
			m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			err = m.Run(context.Background())
			if err == nil {
				m.Close()
				t.Fatal("started without the store's master key")
			}
			if !strings.Contains(err.Error(), keyPath+" is missing") || !strings.Contains(err.Error(), "put that key back") {
				t.Fatalf("the refusal does not say what to do: %v", err)
			}
			if fileExists(keyPath) {
				t.Fatal("a new master key was left behind")
			}

			must(t, os.WriteFile(keyPath, key, 0o600))
			ts = startServerWith(t, dir, func(m *Main) { m.Config.DatabaseURL = url })
			if _, err := ts.sts(id, secret, "us-east-1").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
				t.Fatalf("alice's key after the key was put back: %v", err)
			}
		})
	}
}
