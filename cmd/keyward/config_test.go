package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// envOf is a getenv over a map.
func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	must(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// TestServeConfigPrecedence: flags win over the environment, which wins
// over the --config file, which wins over the defaults; each value's
// source is recorded for --print-config.
func TestServeConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "keyward.yaml", `# every setting is a flag's name
listen: 0.0.0.0:9000
data: /from/file
log-level: debug
db-max-conns: 20
last-use-flush: 5s
no-migrate: true
audit-log: "-"
`)
	c := DefaultConfig()
	env := map[string]string{"KEYWARD_LOG_LEVEL": "warn", "KEYWARD_DATA": "/from/env", "KEYWARD_SHUTDOWN_GRACE": "3s"}
	must(t, c.ParseServe([]string{"--config", file, "--data", "/from/flag"}, envOf(env), &bytes.Buffer{}))
	for _, tc := range []struct {
		name      string
		got, want any
		source    string
	}{
		{"listen", c.Listen, "0.0.0.0:9000", file + ":2"},
		{"data", c.DataDir, "/from/flag", "--data"},
		{"log-level", c.LogLevel, "warn", "$KEYWARD_LOG_LEVEL"},
		{"db-max-conns", c.DBMaxConns, 20, file + ":5"},
		{"last-use-flush", c.LastUseFlush, 5 * time.Second, file + ":6"},
		{"no-migrate", c.NoMigrate, true, file + ":7"},
		{"audit-log", c.AuditLog, "-", file + ":8"},
		{"shutdown-grace", c.ShutdownGrace, 3 * time.Second, "$KEYWARD_SHUTDOWN_GRACE"},
		{"log-format", c.LogFormat, "text", ""},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
		if got := c.sources[tc.name].from; got != tc.source {
			t.Errorf("%s came from %q, want %q", tc.name, got, tc.source)
		}
	}
	// $KEYWARD_CONFIG names the file when --config does not.
	c = DefaultConfig()
	must(t, c.ParseServe(nil, envOf(map[string]string{"KEYWARD_CONFIG": file}), &bytes.Buffer{}))
	if c.Listen != "0.0.0.0:9000" {
		t.Errorf("$KEYWARD_CONFIG: listen %s", c.Listen)
	}
}

// TestServeConfigFileErrors: a misspelt or repeated setting, a secret's
// value, a non-scalar or a malformed file is an error naming the line.
func TestServeConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, content, want string }{
		{"unknown", "listen: x\nlisen: y\n", `:2: unknown setting "lisen"`},
		{"twice", "listen: x\nlisten: y\n", "listen"},
		{"secret", "master-key: 00112233\n", "master-key is a secret"},
		{"root secret", "root-secret-access-key: abc\n", "root-secret-access-key is a secret"},
		{"list", "listen:\n  - a\n  - b\n", "listen needs a single value"},
		{"null", "listen:\n", "listen needs a single value"},
		{"bad duration", "last-use-flush: soon\n", "invalid value"},
		{"not a mapping", "- listen\n", "a mapping of settings expected"},
		{"two documents", "listen: a\n---\nlisten: b\n", "one YAML document"},
		{"the flag's own", "config: other.yaml\n", `unknown setting "config"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml", tc.content)
			c := DefaultConfig()
			err := c.ParseServe([]string{"--config", file}, noEnv, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
	c := DefaultConfig()
	if err := c.ParseServe([]string{"--config", filepath.Join(dir, "missing.yaml")}, noEnv, &bytes.Buffer{}); err == nil {
		t.Error("a missing --config file was accepted")
	}
	c = DefaultConfig()
	must(t, c.ParseServe([]string{"--config", writeFile(t, dir, "empty.yaml", "# nothing yet\n")}, noEnv, &bytes.Buffer{}))
}

// TestServeSecretsFromFiles: each secret comes from its variable or from
// the file its *_FILE variable (or setting) names; KEYWARD_DATABASE_URL
// still works; both forms from one source is refused, and a higher
// source's form wins over a lower one's.
func TestServeSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	key := strings.Repeat("ab", 32)
	keyFile := writeFile(t, dir, "master", key+"\n")
	rootFile := writeFile(t, dir, "root", "fromFileSecret0000000000\n")
	dbFile := writeFile(t, dir, "db", "postgres://kw:pw@db/kw\n")
	parse := func(args []string, env map[string]string) (Config, error) {
		c := DefaultConfig()
		err := c.ParseServe(args, envOf(env), &bytes.Buffer{})
		return c, err
	}
	c, err := parse(nil, map[string]string{"KEYWARD_MASTER_KEY_FILE": keyFile, "KEYWARD_ROOT_SECRET_ACCESS_KEY_FILE": rootFile,
		"KEYWARD_ROOT_ACCESS_KEY_ID": rootKeyID, "KEYWARD_DATABASE_URL_FILE": dbFile})
	must(t, err)
	if c.MasterKey != key || c.RootSecretAccessKey != "fromFileSecret0000000000" || c.DatabaseURL != "postgres://kw:pw@db/kw" || c.RootAccessKeyID != rootKeyID {
		t.Errorf("from files: %q %q %q %q", c.MasterKey, c.RootSecretAccessKey, c.DatabaseURL, c.RootAccessKeyID)
	}
	must(t, c.Validate())

	for _, tc := range []struct {
		name   string
		args   []string
		env    map[string]string
		wantDB string
		err    string
	}{
		{"old name", nil, map[string]string{"KEYWARD_DATABASE_URL": "postgres://old"}, "postgres://old", ""},
		{"new name first", nil, map[string]string{"KEYWARD_DATABASE": "postgres://new", "KEYWARD_DATABASE_URL": "postgres://old"}, "postgres://new", ""},
		{"new file name", nil, map[string]string{"KEYWARD_DATABASE_FILE": dbFile}, "postgres://kw:pw@db/kw", ""},
		{"flag over the environment's file", []string{"--database", "postgres://flag"}, map[string]string{"KEYWARD_DATABASE_FILE": dbFile}, "postgres://flag", ""},
		{"both from the environment", nil, map[string]string{"KEYWARD_DATABASE": "postgres://x", "KEYWARD_DATABASE_FILE": dbFile}, "", "give one"},
		{"master key twice", nil, map[string]string{"KEYWARD_MASTER_KEY": key, "KEYWARD_MASTER_KEY_FILE": keyFile}, "", "give one"},
		{"missing file", nil, map[string]string{"KEYWARD_MASTER_KEY_FILE": filepath.Join(dir, "nope")}, "", "no such file"},
		{"empty file", nil, map[string]string{"KEYWARD_ROOT_SECRET_ACCESS_KEY_FILE": writeFile(t, dir, "empty", "\n")}, "", "is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(tc.args, tc.env)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error with %q", err, tc.err)
				}
				return
			}
			must(t, err)
			if c.DatabaseURL != tc.wantDB {
				t.Errorf("database %q, want %q", c.DatabaseURL, tc.wantDB)
			}
		})
	}
	// The file's setting yields to the environment's value.
	c, err = parse([]string{"--config", writeFile(t, dir, "k.yaml", "master-key-file: "+keyFile+"\n")}, map[string]string{"KEYWARD_MASTER_KEY": strings.Repeat("cd", 32)})
	must(t, err)
	if c.MasterKey != strings.Repeat("cd", 32) {
		t.Errorf("the environment's master key lost to the file's setting")
	}
}

// TestPrintConfig: --print-config shows every setting with its source,
// reads back as a --config file, and never shows a secret.
func TestPrintConfig(t *testing.T) {
	dir := t.TempDir()
	secrets := []string{"s3cretDbPassword", strings.Repeat("9f", 32), "rootSecretNeverShown000"}
	file := writeFile(t, dir, "keyward.yaml", "listen: 127.0.0.1:9999\ndatabase: postgres://kw:"+secrets[0]+"@db/kw?sslmode=disable\n")
	keyFile := writeFile(t, dir, "mk", secrets[1])
	c := DefaultConfig()
	env := map[string]string{"KEYWARD_MASTER_KEY_FILE": keyFile, "KEYWARD_ROOT_SECRET_ACCESS_KEY": secrets[2], "KEYWARD_ROOT_ACCESS_KEY_ID": rootKeyID}
	must(t, c.ParseServe([]string{"--config", file, "--print-config", "--log-level", "debug"}, envOf(env), &bytes.Buffer{}))
	if !c.PrintConfig {
		t.Fatal("--print-config not seen")
	}
	var out bytes.Buffer
	must(t, c.printConfig(&out))
	for _, s := range secrets {
		if strings.Contains(out.String(), s) {
			t.Errorf("--print-config shows a secret %q:\n%s", s, out.String())
		}
	}
	for _, want := range []string{
		"listen: 127.0.0.1:9999 # " + file + ":1\n",
		"database: postgres://kw:xxxxx@db/kw?sslmode=disable # " + file + ":2\n",
		"log-level: debug # --log-level\n",
		"trusted-proxies: \"\" # default\n",
		"master key: set, from $KEYWARD_MASTER_KEY_FILE (" + keyFile + ")",
		"root secret access key: set, from $KEYWARD_ROOT_SECRET_ACCESS_KEY",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--print-config lacks %q:\n%s", want, out.String())
		}
	}
	// What it prints is a --config file giving the same configuration.
	again := DefaultConfig()
	must(t, again.ParseServe([]string{"--config", writeFile(t, dir, "printed.yaml", out.String())}, noEnv, &bytes.Buffer{}))
	if again.Listen != c.Listen || again.LogLevel != c.LogLevel || again.AuditRetention != c.AuditRetention || again.TrustedProxies != "" {
		t.Errorf("the printed configuration reads back as %+v", again)
	}
}

// TestReportMaxAgeWired: --credential-report-max-age reaches the reports'
// service, whose rules report's tests hold.
func TestReportMaxAgeWired(t *testing.T) {
	t.Parallel()
	for _, age := range []time.Duration{0, 10 * time.Second} {
		ts := startServerWith(t, "", func(m *Main) { cheapPasswords(m); m.Config.ReportMaxAge = age })
		if got := ts.Reports.CredentialReportMaxAge; got != age {
			t.Fatalf("--credential-report-max-age %v: the service serves reports for %v", age, got)
		}
	}
}

// TestServeConsoleOIDCConfig: the console's OpenID Connect client takes
// its secret from the environment or a file, never a flag, and is whole
// or absent.
func TestServeConsoleOIDCConfig(t *testing.T) {
	dir := t.TempDir()
	secretFile := writeFile(t, dir, "oidc-secret", "client-secret-from-file\n")
	parse := func(args []string, env map[string]string) (Config, error) {
		c := DefaultConfig()
		if err := c.ParseServe(args, envOf(env), &bytes.Buffer{}); err != nil {
			return c, err
		}
		return c, c.Validate()
	}
	full := []string{"--console-oidc-provider", "https://idp.example.com", "--console-oidc-client-id", "keyward",
		"--console-oidc-roles", "arn:aws:iam::123456789012:role/Dev, arn:aws:iam::123456789012:role/Ops"}
	c, err := parse(append(full, "--console-oidc-client-secret-file", secretFile), nil)
	must(t, err)
	if c.ConsoleOIDCClientSecret != "client-secret-from-file" {
		t.Errorf("secret from the file: %q", c.ConsoleOIDCClientSecret)
	}
	c, err = parse(full, map[string]string{"KEYWARD_CONSOLE_OIDC_CLIENT_SECRET": "from-env"})
	must(t, err)
	if c.ConsoleOIDCClientSecret != "from-env" {
		t.Errorf("secret from the environment: %q", c.ConsoleOIDCClientSecret)
	}
	var out bytes.Buffer
	must(t, c.printConfig(&out))
	if strings.Contains(out.String(), "from-env") {
		t.Errorf("--print-config shows the client secret:\n%s", out.String())
	}
	for name, args := range map[string][]string{
		"no secret":        full,
		"http issuer":      {"--console-oidc-provider", "http://idp.example.com", "--console-oidc-client-id", "k", "--console-oidc-roles", "arn:aws:iam::123456789012:role/Dev", "--console-oidc-client-secret-file", secretFile},
		"no provider":      {"--console-oidc-client-id", "k"},
		"no roles":         {"--console-oidc-provider", "https://idp.example.com", "--console-oidc-client-id", "k", "--console-oidc-client-secret-file", secretFile},
		"secret as a flag": {"--console-oidc-client-secret", "s"},
	} {
		if _, err := parse(args, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestQuotasSetting: --quotas changes the quotas it names over AWS's
// defaults, reaches the IAM service, and refuses unknown names and
// values that are not positive whole numbers.
func TestQuotasSetting(t *testing.T) {
	c := DefaultConfig()
	must(t, c.ParseServe([]string{"--quotas", "users=20000, policy-size=8000,attached-policies-per-role=20"}, envOf(nil), &bytes.Buffer{}))
	must(t, c.Validate())
	want := keyward.DefaultQuotas()
	want.Users, want.PolicySize, want.AttachedPoliciesPerRole = 20000, 8000, 20
	if c.IAMQuotas != want {
		t.Fatalf("quotas %+v, want %+v", c.IAMQuotas, want)
	}
	ts := startServerWith(t, "", func(m *Main) { cheapPasswords(m); m.Config.Quotas = "roles=7" })
	if got := ts.IAM.Quotas.Roles; got != 7 {
		t.Fatalf("the IAM service has a roles quota of %d", got)
	}
	for _, bad := range []string{"humans=3", "users=0", "users=-1", "users=many", "users"} {
		c := DefaultConfig()
		must(t, c.ParseServe([]string{"--quotas", bad}, envOf(nil), &bytes.Buffer{}))
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--quotas") {
			t.Errorf("--quotas %s: %v", bad, err)
		}
	}
}

// TestMaxOrganizationAccountsSetting: --max-organization-accounts is
// AWS's quota by default, --max-first-organization-accounts none; both
// are read from the flags and the environment, reach the Organizations
// service keyward serve runs, and refuse a negative number.
func TestMaxOrganizationAccountsSetting(t *testing.T) {
	c := DefaultConfig()
	must(t, c.ParseServe(nil, envOf(nil), &bytes.Buffer{}))
	must(t, c.Validate())
	if c.MaxOrganizationAccounts != 10 || c.MaxFirstOrganizationAccounts != 0 {
		t.Fatalf("by default: %d and %d, want 10 and 0", c.MaxOrganizationAccounts, c.MaxFirstOrganizationAccounts)
	}
	for _, tt := range []struct {
		name          string
		args          []string
		env           map[string]string
		tenant, first int
	}{
		{"flags", []string{"--max-organization-accounts", "3", "--max-first-organization-accounts", "50000"}, nil, 3, 50000},
		{"environment", nil, map[string]string{"KEYWARD_MAX_ORGANIZATION_ACCOUNTS": "0", "KEYWARD_MAX_FIRST_ORGANIZATION_ACCOUNTS": "7"}, 0, 7},
	} {
		c := DefaultConfig()
		must(t, c.ParseServe(tt.args, envOf(tt.env), &bytes.Buffer{}))
		must(t, c.Validate())
		if c.MaxOrganizationAccounts != tt.tenant || c.MaxFirstOrganizationAccounts != tt.first {
			t.Errorf("%s: %d and %d, want %d and %d", tt.name, c.MaxOrganizationAccounts, c.MaxFirstOrganizationAccounts, tt.tenant, tt.first)
		}
	}
	for _, bad := range [][]string{{"--max-organization-accounts", "-1"}, {"--max-first-organization-accounts", "-5"}} {
		c := DefaultConfig()
		must(t, c.ParseServe(bad, envOf(nil), &bytes.Buffer{}))
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s %s: %v", bad[0], bad[1], err)
		}
	}
	ts := startServerWith(t, "", func(m *Main) {
		cheapPasswords(m)
		m.Config.MaxOrganizationAccounts, m.Config.MaxFirstOrganizationAccounts = 4, 40
	})
	if o := ts.Organizations; o.MaxAccounts != 4 || o.MaxFirstAccounts != 40 {
		t.Fatalf("the Organizations service's quotas: %d and %d, want 4 and 40", o.MaxAccounts, o.MaxFirstAccounts)
	}
}

// TestServeFromConfigFile: a server configured by its --config file alone,
// with its master key in a file the configuration names, serves: the
// settings reach the running process, not only the parser.
func TestServeFromConfigFile(t *testing.T) {
	t.Parallel() // its own process and data
	dir, data := t.TempDir(), t.TempDir()
	key := writeFile(t, dir, "master.key", hexKey(t)+"\n")
	cfg := writeFile(t, dir, "keyward.yaml", "listen: "+kwtest.AnyPort+"\ndata: "+data+"\nmaster-key-file: "+key+
		"\naccount-id: \"210987654321\"\nroot-access-key-id: AKIACONFIGFILEROOT01\n")
	p, err := spawn(t, []string{"KEYWARD_ROOT_SECRET_ACCESS_KEY=configFileRootSecret0000000000000000000"}, "serve", "--config", cfg)
	must(t, err)
	attrs, err := p.serving()
	must(t, err)
	c := sts.NewFromConfig(awsConfig(attrs["api"], "AKIACONFIGFILEROOT01", "configFileRootSecret0000000000000000000", "us-east-1"))
	who, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Account) != "210987654321" {
		t.Fatalf("the server of the config file: %v %+v\n%s", err, who, p.stderr.String())
	}
	// The master key is the file's: none was generated in the data directory.
	if _, err := os.Stat(filepath.Join(data, "master.key")); !os.IsNotExist(err) {
		t.Fatalf("a master key was generated beside the one the configuration names: %v", err)
	}
}
