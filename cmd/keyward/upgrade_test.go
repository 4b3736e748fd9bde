package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/internal/sqlstore"
	"github.com/keyward/keyward/sqlite"
	"github.com/keyward/keyward/storetest"
)

// copyFixture copies a data directory of testdata/upgrade into a new
// temporary directory, which the test may change.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"keyward.db", "master.key"} {
		b, err := os.ReadFile(filepath.Join("testdata", "upgrade", name, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type fixtureSecret struct{ user, id, secret, password string }

func fixtureSecrets(t *testing.T, name string) []fixtureSecret {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "upgrade", name, "secrets.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []fixtureSecret
	for _, r := range rows[1:] {
		out = append(out, fixtureSecret{r[0], r[1], r[2], r[3]})
	}
	return out
}

func schemaVersionOf(t *testing.T, dir string) int {
	t.Helper()
	v, err := sqlite.SchemaVersionAt(context.Background(), filepath.Join(dir, "keyward.db"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestUpgradeFromOldSchemas starts today's server on data directories that
// old builds wrote (testdata/upgrade/README.md says how): the first
// schema, and the first with policies and passwords. Every key still
// authenticates as its user, every policy still decides, the password
// still signs in, and the store is at today's schema.
func TestUpgradeFromOldSchemas(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	for _, tc := range []struct {
		fixture  string
		version  int
		policies bool
	}{
		{"schema1", 1, false},
		{"schema3", 3, true},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			dir := copyFixture(t, tc.fixture)
			if v := schemaVersionOf(t, dir); v != tc.version {
				t.Fatalf("the fixture is at schema %d, want %d", v, tc.version)
			}
			ts := startServer(t, dir)
			if v := schemaVersionOf(t, dir); v != sqlstore.SchemaVersion() {
				t.Fatalf("after start the store is at schema %d, want %d", v, sqlstore.SchemaVersion())
			}
			ctx := context.Background()
			users, err := ts.rootIAM().ListUsers(ctx, &iam.ListUsersInput{})
			must(t, err)
			if len(users.Users) != 3 {
				t.Errorf("%d users after the upgrade, want 3", len(users.Users))
			}
			keys := 0
			for _, s := range fixtureSecrets(t, tc.fixture) {
				if s.id == "" {
					continue
				}
				keys++
				who, err := ts.sts(s.id, s.secret, "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				if err != nil {
					t.Errorf("%s's key %s: %v", s.user, s.id, err)
					continue
				}
				if want := "arn:aws:iam::" + accountID + ":user/" + s.user; aws.ToString(who.Arn) != want {
					t.Errorf("key %s is %s, want %s", s.id, aws.ToString(who.Arn), want)
				}
				// What each user may do: alice through her managed policy,
				// bob through his group's, but not on alice (his inline
				// deny); carol has no policy. Without policies in the
				// schema, no user may do anything.
				c := ts.iam(s.id, s.secret)
				_, listErr := c.ListUsers(ctx, &iam.ListUsersInput{})
				_, aliceErr := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
				allowed := map[string][2]bool{"alice": {true, true}, "bob": {true, false}, "carol": {false, false}}[s.user]
				if !tc.policies {
					allowed = [2]bool{}
				}
				for i, err := range []error{listErr, aliceErr} {
					if got := err == nil; got != allowed[i] {
						t.Errorf("%s (%s), %s: allowed %v, want %v (%v)", s.user, s.id, []string{"ListUsers", "GetUser alice"}[i], got, allowed[i], err)
					} else if err != nil && !strings.Contains(err.Error(), "AccessDenied") {
						t.Errorf("%s, %s: %v, want AccessDenied", s.user, []string{"ListUsers", "GetUser alice"}[i], err)
					}
				}
			}
			if keys != 6 {
				t.Errorf("%d keys in the fixture, want 6", keys)
			}
			for _, s := range fixtureSecrets(t, tc.fixture) {
				if s.password == "" {
					continue
				}
				web := newWebClient(t, ts)
				form := url.Values{"kind": {"user"}, "account": {accountID}, "username": {s.user}, "password": {s.password}}
				if resp := web.SignIn(form); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/") {
					t.Errorf("%s's password: sign-in answered %d → %s", s.user, resp.StatusCode, resp.Header.Get("Location"))
				}
				form.Set("password", s.password+"x")
				if resp := web.SignIn(form); resp.StatusCode == http.StatusSeeOther {
					t.Errorf("a wrong password signed %s in", s.user)
				}
			}
		})
	}
}

// TestNewerSchemaRefused: the binary refuses at start a store a newer
// build migrated, naming both versions and what to do; a running server
// whose store is migrated underneath is no longer ready; restore refuses
// a newer build's backup.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	known := sqlstore.SchemaVersion()
	t.Run("at start", func(t *testing.T) {
		dir := t.TempDir()
		startServer(t, dir).Close()
		storetest.SetSQLiteVersion(t, filepath.Join(dir, "keyward.db"), known+1)
		// Bounded: a keyward that serves the store does not exit by itself.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, binary(t), "serve", "--data", dir, "--listen", "127.0.0.1:0")
		cmd.Env = append(os.Environ(), rootEnv...)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("keyward served a store of schema %d: %v\n%s", known+1, err, out)
		}
		for _, want := range []string{fmt.Sprintf("version %d", known+1), fmt.Sprintf("up to %d", known), "newer keyward", "restore a backup"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("the refusal does not say %q:\n%s", want, out)
			}
		}
		if strings.Contains(string(out), "keyward serving") {
			t.Errorf("it said it was serving:\n%s", out)
		}
		if v := schemaVersionOf(t, dir); v != known+1 {
			t.Errorf("the refused store is now at %d", v)
		}
	})
	t.Run("readyz", func(t *testing.T) {
		dir := t.TempDir()
		ts := startServer(t, dir)
		get := func() int {
			resp, err := http.Get(ts.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := get(); code != http.StatusOK {
			t.Fatalf("readyz: %d", code)
		}
		storetest.SetSQLiteVersion(t, filepath.Join(dir, "keyward.db"), known+1)
		if code := get(); code != http.StatusServiceUnavailable {
			t.Errorf("readyz on a store a newer build migrated: %d, want 503", code)
		}
	})
	t.Run("restore", func(t *testing.T) {
		dir := t.TempDir()
		startServer(t, dir).Close()
		// A newer build's backup is made by it, authenticated: the store
		// is migrated first, then backed up.
		storetest.SetSQLiteVersion(t, filepath.Join(dir, "keyward.db"), known+1)
		backup := filepath.Join(t.TempDir(), "newer.db")
		var stdout, stderr bytes.Buffer
		must(t, run(context.Background(), []string{"backup", "--data", dir, "--to", backup}, noEnv, &stdout, &stderr))
		target := t.TempDir()
		key, err := os.ReadFile(filepath.Join(dir, masterKeyFile))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(target, masterKeyFile), key, 0o600))
		err = run(context.Background(), []string{"restore", "--data", target, "--from", backup}, noEnv, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("version %d", known+1)) || !strings.Contains(err.Error(), "newer keyward") {
			t.Fatalf("restoring a newer build's backup: %v", err)
		}
		if _, err := os.Stat(filepath.Join(target, "keyward.db")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the refused backup was put in place: %v", err)
		}
	})
}

func noEnv(string) string { return "" }

// TestMigrateCommand: serve --no-migrate refuses an older store unchanged;
// keyward migrate status lists what up applies; then --no-migrate serves.
func TestMigrateCommand(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	ctx := context.Background()
	dir := copyFixture(t, "schema1")
	m := NewMain()
	m.Config.DataDir, m.Config.Listen, m.Config.NoMigrate = dir, "127.0.0.1:0", true
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	err := m.Run(ctx)
	if err == nil {
		m.Close()
		t.Fatal("serve --no-migrate served a store of the first schema")
	}
	if !errors.Is(err, sqlstore.ErrSchemaTooOld) || !strings.Contains(err.Error(), "keyward migrate up") {
		t.Errorf("serve --no-migrate: %v", err)
	}
	if v := schemaVersionOf(t, dir); v != 1 {
		t.Fatalf("serve --no-migrate moved the store to %d", v)
	}

	var out bytes.Buffer
	must(t, run(ctx, []string{"migrate", "status", "--data", dir}, noEnv, &out, io.Discard))
	for _, want := range []string{"schema version: 1", fmt.Sprintf("schema version %d", sqlstore.SchemaVersion()), "0002_policies.sql", "0015_events.sql"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("migrate status does not say %q:\n%s", want, out.String())
		}
	}
	if v := schemaVersionOf(t, dir); v != 1 {
		t.Fatalf("migrate status moved the store to %d", v)
	}
	out.Reset()
	must(t, run(ctx, []string{"migrate", "up", "--data", dir}, noEnv, &out, io.Discard))
	if v := schemaVersionOf(t, dir); v != sqlstore.SchemaVersion() {
		t.Fatalf("migrate up left the store at %d:\n%s", v, out.String())
	}
	out.Reset()
	must(t, run(ctx, []string{"migrate", "status", "--data", dir}, noEnv, &out, io.Discard))
	if !strings.Contains(out.String(), "up to date") {
		t.Errorf("after migrate up:\n%s", out.String())
	}
	startServerWith(t, dir, func(m *Main) { m.Config.NoMigrate = true })
}
