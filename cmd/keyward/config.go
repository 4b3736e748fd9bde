package main

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/saml"

	"github.com/keyward/keyward/internal/clientip"
)

// Config is everything `keyward serve` can be told. Every setting is a
// flag, an environment variable of the flag's name (KEYWARD_LOG_LEVEL for
// --log-level) and a key of the --config file (log-level); flags win over
// the environment, which wins over the file, which wins over the defaults.
// Secrets are never flags (a process listing would show them) nor keys of
// the file: they come from the environment, or from files named by a
// setting (the *_FILE convention of Docker and Kubernetes secrets).
type Config struct {
	Listen string
	// PublicURL is where clients reach Keyward (--public-url); empty for
	// the scheme and address of Listen.
	PublicURL     string
	DataDir       string
	AccountID     string
	LogLevel      string
	LogFormat     string
	LastUseFlush  time.Duration
	KeyCacheSize  int
	ShutdownGrace time.Duration
	DebugListen   string
	ReportMaxAge  time.Duration
	// RequestTimeout bounds each request, waiting for the store (and for
	// a pooled connection to it) included: past it the request is answered
	// ServiceUnavailable.
	RequestTimeout time.Duration
	// MaxConnections bounds the client connections held at once (0: from
	// the file descriptor limit).
	MaxConnections int
	// TrustedProxies lists the reverse proxies (addresses or CIDR
	// prefixes, comma-separated) whose X-Forwarded-For and
	// X-Forwarded-Proto are believed.
	TrustedProxies string
	// TLSCert and TLSKey serve the API and the console over TLS; they are
	// loaded again on SIGHUP or when either file changes.
	TLSCert, TLSKey string
	// MetricsListen serves Prometheus's /metrics, and nothing else.
	MetricsListen string
	// AuditLog streams every audit event as a JSON line to a file ("-":
	// stdout); AuditRetention is how long events are kept.
	AuditLog       string
	AuditRetention time.Duration

	// The verifier protocol of other services (Versity S3 Gateway, package
	// guard): on a unix socket, and on TCP with mutual TLS.
	VerifierSocket   string
	VerifierListen   string
	VerifierTLSCert  string
	VerifierTLSKey   string
	VerifierClientCA string

	// OIDCAllowPrivate lets OpenID Connect providers' endpoints be at
	// loopback or private addresses (single-host setups, tests).
	OIDCAllowPrivate bool
	// WebhookAllowPrivate lets webhook subscriptions and their deliveries
	// reach loopback, private and link-local addresses (single-host
	// setups, tests).
	WebhookAllowPrivate bool
	// Quotas changes IAM's quotas from AWS's defaults: comma-separated
	// name=value pairs (quotaSettings), parsed into IAMQuotas by Validate.
	Quotas    string
	IAMQuotas keyward.Quotas
	// MaxOrganizationAccounts bounds how many accounts, its management
	// account included, an organization holds, for every organization
	// but the one whose management account is the installation's first
	// account, which MaxFirstOrganizationAccounts bounds; 0 is no bound.
	MaxOrganizationAccounts, MaxFirstOrganizationAccounts int
	// WebhookTimeout bounds one webhook delivery; a delivery cut short by
	// a crash goes out again once its lease ends, three times this (at
	// least this plus five seconds) after it began.
	WebhookTimeout time.Duration

	// Console sign-in through OpenID Connect (a Keyward extension): the
	// issuer URL of one of the account's OIDC providers, the console's
	// client ID there, its secret (ConsoleOIDCClientSecret, from the
	// environment or ConsoleOIDCClientSecretFile) and the role ARNs
	// offered, comma-separated.
	ConsoleOIDCProvider, ConsoleOIDCClientID, ConsoleOIDCClientSecretFile, ConsoleOIDCRoles string
	ConsoleOIDCClientSecret                                                                 string

	// PostgreSQL, for several replicas on one database.
	DatabaseURL        string
	DBMaxConns         int
	DBStatementTimeout time.Duration
	DBRetries          int
	ResyncInterval     time.Duration
	// NoMigrate refuses a store whose schema is older than this build's
	// instead of migrating it (keyward migrate up does, explicitly).
	NoMigrate bool

	// RootAccessKeyID is the root user's key ID at first start.
	RootAccessKeyID string
	// Files holding the secrets below (and DatabaseURL), read at start.
	MasterKeyFile, RootSecretAccessKeyFile, DatabaseFile string

	// Secrets: from the environment or the files above only.
	RootSecretAccessKey string
	MasterKey           string

	// ConfigFile is the YAML file read (--config, $KEYWARD_CONFIG).
	ConfigFile string
	// PrintConfig prints the configuration, secrets masked, instead of
	// serving.
	PrintConfig bool
	// sources tells, by setting, where its value came from.
	sources map[string]source
}

// DefaultConfig returns the configuration `keyward serve` starts with.
func DefaultConfig() Config {
	return Config{
		Listen:         "127.0.0.1:8080",
		DataDir:        "./keyward-data",
		LogLevel:       "info",
		LogFormat:      "text",
		LastUseFlush:   2 * time.Second,
		WebhookTimeout: 10 * time.Second,
		KeyCacheSize:   100000,
		ShutdownGrace:  10 * time.Second,
		ReportMaxAge:   4 * time.Hour,
		// AWS's quota for a tenant's organization; the operator's own, the
		// first account's, holds every tenant and is not bounded.
		MaxOrganizationAccounts: organizations.DefaultMaxAccounts,
		// Twice the statement timeout: a request makes a few statements.
		RequestTimeout: 10 * time.Second,
		// CloudTrail's event history keeps 90 days.
		AuditRetention: 90 * 24 * time.Hour,

		DBMaxConns:         10,
		DBStatementTimeout: 5 * time.Second,
		DBRetries:          5,
		ResyncInterval:     2 * time.Second,
	}
}

// source is where a setting's value came from, ranked: a higher rank wins.
type source struct {
	rank int    // sourceDefault … sourceFlag
	from string // "default", "$KEYWARD_X", "--x", "file PATH"
}

const (
	sourceDefault = iota
	sourceFile
	sourceEnv
	sourceFlag
)

// flagSpec ties a flag to its environment variable and help text, so that
// both are documented from one place.
type flagSpec struct {
	name, env, usage string
	// group heads the flag's section of keyward serve --help.
	group string
	// aliases are older environment variables still read, after env.
	aliases []string
	bind    func(fs *flag.FlagSet, name, usage string)
}

// Sections of keyward serve --help, in order.
const (
	groupServing  = "Serving"
	groupStore    = "Data and stores"
	groupSecrets  = "Root user and secrets"
	groupTLS      = "TLS"
	groupVerifier = "The verifier protocol (other services asking Keyward)"
	groupObserve  = "Audit, metrics and logs"
	groupPostgres = "PostgreSQL"
)

var groupOrder = []string{groupServing, groupStore, groupSecrets, groupTLS, groupVerifier, groupObserve, groupPostgres}

// specs returns the settings of `keyward serve` bound to c.
func (c *Config) specs() []flagSpec {
	str := func(p *string) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.StringVar(p, n, *p, u) }
	}
	intFlag := func(p *int) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.IntVar(p, n, *p, u) }
	}
	dur := func(p *time.Duration) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.DurationVar(p, n, *p, u) }
	}
	boolFlag := func(p *bool) func(*flag.FlagSet, string, string) {
		return func(fs *flag.FlagSet, n, u string) { fs.BoolVar(p, n, *p, u) }
	}
	return []flagSpec{
		{"listen", "KEYWARD_LISTEN", "address to serve the API and the console on", groupServing, nil, str(&c.Listen)},
		{"max-connections", "KEYWARD_MAX_CONNECTIONS", "client connections held at once; at the limit the stalest idle one is closed (0: the file descriptor limit less 512)", groupServing, nil, intFlag(&c.MaxConnections)},
		{"public-url", "KEYWARD_PUBLIC_URL", "the URL clients and browsers reach Keyward at, without a path: its SAML endpoint is <public-url>/saml, the audience and recipient SAML assertions must name (default: http or https on --listen)", groupServing, nil, str(&c.PublicURL)},
		{"trusted-proxies", "KEYWARD_TRUSTED_PROXIES", "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (none when empty)", groupServing, nil, str(&c.TrustedProxies)},
		{"request-timeout", "KEYWARD_REQUEST_TIMEOUT", "how long a request may take, waiting for the store included; past it the answer is ServiceUnavailable (503)", groupServing, nil, dur(&c.RequestTimeout)},
		{"shutdown-grace", "KEYWARD_SHUTDOWN_GRACE", "how long a shutdown waits for requests in flight", groupServing, nil, dur(&c.ShutdownGrace)},
		{"key-cache-size", "KEYWARD_KEY_CACHE_SIZE", "access keys kept in memory for authentication", groupServing, nil, intFlag(&c.KeyCacheSize)},
		{"last-use-flush", "KEYWARD_LAST_USE_FLUSH", "how often access key last-use data is written to the store", groupServing, nil, dur(&c.LastUseFlush)},
		{"credential-report-max-age", "KEYWARD_CREDENTIAL_REPORT_MAX_AGE", "how long a credential report is served before a new one is generated (0: a new one every time)", groupServing, nil, dur(&c.ReportMaxAge)},
		{"console-oidc-provider", "KEYWARD_CONSOLE_OIDC_PROVIDER", "issuer URL of one of the account's OpenID Connect providers whose users may sign in to the console (a Keyward extension; off when empty), besides those set through the API (keyward oidc put-sign-in), overriding that provider's; register <public URL>/console/oidc/callback as the client's redirect URI", groupServing, nil, str(&c.ConsoleOIDCProvider)},
		{"console-oidc-client-id", "KEYWARD_CONSOLE_OIDC_CLIENT_ID", "the console's client ID at --console-oidc-provider, one of the provider's client IDs in IAM", groupServing, nil, str(&c.ConsoleOIDCClientID)},
		{"console-oidc-client-secret-file", "KEYWARD_CONSOLE_OIDC_CLIENT_SECRET_FILE", "file holding the console's client secret at --console-oidc-provider (instead of $KEYWARD_CONSOLE_OIDC_CLIENT_SECRET)", groupSecrets, nil, str(&c.ConsoleOIDCClientSecretFile)},
		{"console-oidc-roles", "KEYWARD_CONSOLE_OIDC_ROLES", "comma-separated ARNs of the roles offered for sign-in through --console-oidc-provider; each role's trust policy decides as for AssumeRoleWithWebIdentity", groupServing, nil, str(&c.ConsoleOIDCRoles)},
		{"webhook-allow-private", "KEYWARD_WEBHOOK_ALLOW_PRIVATE", "let webhook subscriptions name, and deliveries connect to, loopback, private or link-local addresses (refused by default, when a subscription is created and on the address each delivery connects to)", groupServing, nil, boolFlag(&c.WebhookAllowPrivate)},
		{"webhook-timeout", "KEYWARD_WEBHOOK_TIMEOUT", "how long one webhook delivery may take, connecting to reading the answer; one cut short by a crash is sent again after three times this", groupServing, nil, dur(&c.WebhookTimeout)},
		{"quotas", "KEYWARD_QUOTAS", "IAM quotas other than AWS's defaults, as comma-separated name=value pairs, e.g. users=20000,roles=5000 (names: " + quotaNames() + ")", groupServing, nil, str(&c.Quotas)},
		{"max-organization-accounts", "KEYWARD_MAX_ORGANIZATION_ACCOUNTS", "the most accounts, its management account included, an organization holds, for every organization but the first account's: past it CreateAccount fails with ACCOUNT_LIMIT_EXCEEDED (0: no bound)", groupServing, nil, intFlag(&c.MaxOrganizationAccounts)},
		{"max-first-organization-accounts", "KEYWARD_MAX_FIRST_ORGANIZATION_ACCOUNTS", "the most accounts, its management account included, the organization of the installation's first account holds (0: no bound)", groupServing, nil, intFlag(&c.MaxFirstOrganizationAccounts)},
		{"oidc-allow-private", "KEYWARD_OIDC_ALLOW_PRIVATE", "let OpenID Connect providers' discovery documents and jwks_uri be at loopback, private or link-local addresses (refused by default, checked on the address connected to)", groupServing, nil, boolFlag(&c.OIDCAllowPrivate)},

		{"data", "KEYWARD_DATA", "directory of the SQLite database, master key and root credentials", groupStore, nil, str(&c.DataDir)},
		{"database", "KEYWARD_DATABASE", "postgres://… URL of a PostgreSQL database shared by replicas (default: embedded SQLite in --data)", groupStore, []string{"KEYWARD_DATABASE_URL"}, str(&c.DatabaseURL)},
		{"database-file", "KEYWARD_DATABASE_FILE", "file holding --database's URL, for a URL with a password", groupStore, []string{"KEYWARD_DATABASE_URL_FILE"}, str(&c.DatabaseFile)},
		{"no-migrate", "KEYWARD_NO_MIGRATE", "refuse to start on a store whose schema is older than this build's instead of migrating it (migrate with keyward migrate up)", groupStore, nil, boolFlag(&c.NoMigrate)},

		{"account-id", "KEYWARD_ACCOUNT_ID", "12-digit account ID to create at first start (random when empty)", groupSecrets, nil, str(&c.AccountID)},
		{"root-access-key-id", "KEYWARD_ROOT_ACCESS_KEY_ID", "the root user's access key ID at first start, with its secret in $KEYWARD_ROOT_SECRET_ACCESS_KEY (both generated into <data>/root-credentials.csv when unset)", groupSecrets, nil, str(&c.RootAccessKeyID)},
		{"root-secret-access-key-file", "KEYWARD_ROOT_SECRET_ACCESS_KEY_FILE", "file holding the root user's secret access key (instead of $KEYWARD_ROOT_SECRET_ACCESS_KEY)", groupSecrets, nil, str(&c.RootSecretAccessKeyFile)},
		{"master-key-file", "KEYWARD_MASTER_KEY_FILE", "file holding the master key, as $KEYWARD_MASTER_KEY would (default: <data>/master.key, generated at first start)", groupSecrets, nil, str(&c.MasterKeyFile)},

		{"tls-cert", "KEYWARD_TLS_CERT", "PEM certificate (chain) to serve the API and the console over TLS; reloaded on SIGHUP or when it changes (plain HTTP when empty)", groupTLS, nil, str(&c.TLSCert)},
		{"tls-key", "KEYWARD_TLS_KEY", "PEM private key of --tls-cert", groupTLS, nil, str(&c.TLSKey)},

		{"verifier-socket", "KEYWARD_VERIFIER_SOCKET", "unix socket (mode 0600) serving the verifier protocol to other services: Versity S3 Gateway's --iam-standalone-endpoint, package guard (off when empty)", groupVerifier, nil, str(&c.VerifierSocket)},
		{"verifier-listen", "KEYWARD_VERIFIER_LISTEN", "TCP address serving the verifier protocol with mutual TLS; needs --verifier-tls-cert, --verifier-tls-key and --verifier-client-ca (off when empty)", groupVerifier, nil, str(&c.VerifierListen)},
		{"verifier-tls-cert", "KEYWARD_VERIFIER_TLS_CERT", "PEM certificate (chain) of --verifier-listen", groupVerifier, nil, str(&c.VerifierTLSCert)},
		{"verifier-tls-key", "KEYWARD_VERIFIER_TLS_KEY", "PEM private key of --verifier-tls-cert", groupVerifier, nil, str(&c.VerifierTLSKey)},
		{"verifier-client-ca", "KEYWARD_VERIFIER_CLIENT_CA", "PEM CA bundle that --verifier-listen's clients' certificates must chain to", groupVerifier, nil, str(&c.VerifierClientCA)},

		{"audit-log", "KEYWARD_AUDIT_LOG", "file to append every audit event to as a JSON line, for log shippers (\"-\": stdout; off when empty); events are kept in the store regardless", groupObserve, nil, str(&c.AuditLog)},
		{"audit-retention", "KEYWARD_AUDIT_RETENTION", "how long audit events are kept in the store (0: forever)", groupObserve, nil, dur(&c.AuditRetention)},
		{"metrics-listen", "KEYWARD_METRICS_LISTEN", "address serving Prometheus metrics at /metrics, and nothing else (off when empty; keep it private)", groupObserve, nil, str(&c.MetricsListen)},
		{"debug-listen", "KEYWARD_DEBUG_LISTEN", "address for Go's /debug/pprof profiles (off when empty; keep it private)", groupObserve, nil, str(&c.DebugListen)},
		{"log-level", "KEYWARD_LOG_LEVEL", "debug, info, warn or error", groupObserve, nil, str(&c.LogLevel)},
		{"log-format", "KEYWARD_LOG_FORMAT", "text or json", groupObserve, nil, str(&c.LogFormat)},

		{"db-max-conns", "KEYWARD_DB_MAX_CONNS", "PostgreSQL connection pool size", groupPostgres, nil, intFlag(&c.DBMaxConns)},
		{"db-statement-timeout", "KEYWARD_DB_STATEMENT_TIMEOUT", "PostgreSQL statement_timeout", groupPostgres, nil, dur(&c.DBStatementTimeout)},
		{"db-retries", "KEYWARD_DB_RETRIES", "retries of a PostgreSQL transaction after a serialization failure or deadlock", groupPostgres, nil, intFlag(&c.DBRetries)},
		{"resync-interval", "KEYWARD_RESYNC_INTERVAL", "how often a replica re-reads the key change log, in case a notification was missed", groupPostgres, nil, dur(&c.ResyncInterval)},
	}
}

// secretVars are the secrets taken from the environment alone, each also
// from a file named by a setting.
var secretVars = []struct{ env, fileSetting string }{
	{"KEYWARD_MASTER_KEY", "master-key-file"},
	{"KEYWARD_ROOT_SECRET_ACCESS_KEY", "root-secret-access-key-file"},
	{"KEYWARD_CONSOLE_OIDC_CLIENT_SECRET", "console-oidc-client-secret-file"},
}

// maxSecretFile bounds what is read from a secret's file.
const maxSecretFile = 64 << 10

// ParseServe fills c from, in increasing precedence, the --config file,
// the environment and args. With --help it prints the help to stdout and
// returns flag.ErrHelp.
func (c *Config) ParseServe(args []string, getenv func(string) string, stdout io.Writer) error {
	specs := c.specs()
	byName := map[string]flagSpec{}
	for _, s := range specs {
		byName[s.name] = s
	}

	// The command line first, into a scratch configuration: which flags
	// were given, and where the file is.
	scratch := DefaultConfig()
	cmdline := flag.NewFlagSet("keyward serve", flag.ContinueOnError)
	cmdline.SetOutput(io.Discard)
	for _, s := range scratch.specs() {
		s.bind(cmdline, s.name, s.usage)
	}
	cmdline.StringVar(&scratch.ConfigFile, "config", "", "")
	cmdline.BoolVar(&scratch.PrintConfig, "print-config", false, "")
	if err := cmdline.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.usage(stdout)
			return err
		}
		return fmt.Errorf("%w (keyward serve --help lists the flags)", err)
	}
	if cmdline.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(cmdline.Args(), " "))
	}
	given := map[string]string{}
	cmdline.Visit(func(f *flag.Flag) { given[f.Name] = f.Value.String() })

	fs := flag.NewFlagSet("keyward serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, s := range specs {
		s.bind(fs, s.name, s.usage)
	}
	c.sources = map[string]source{}
	set := func(name, value string, src source) error {
		if err := fs.Set(name, value); err != nil {
			return fmt.Errorf("%s: invalid value %q for %s: %w", src.from, value, name, err)
		}
		c.sources[name] = src
		return nil
	}

	c.ConfigFile, c.PrintConfig = scratch.ConfigFile, scratch.PrintConfig
	if c.ConfigFile == "" {
		c.ConfigFile = getenv("KEYWARD_CONFIG")
	}
	if c.ConfigFile != "" {
		settings, err := readConfigFile(c.ConfigFile, byName)
		if err != nil {
			return err
		}
		for _, kv := range settings {
			if err := set(kv.key, kv.value, source{sourceFile, fmt.Sprintf("%s:%d", c.ConfigFile, kv.line)}); err != nil {
				return err
			}
		}
	}
	for _, s := range specs {
		for _, env := range append([]string{s.env}, s.aliases...) {
			if v := getenv(env); v != "" {
				if err := set(s.name, v, source{sourceEnv, "$" + env}); err != nil {
					return err
				}
				break
			}
		}
	}
	for _, s := range specs {
		if v, ok := given[s.name]; ok {
			if err := set(s.name, v, source{sourceFlag, "--" + s.name}); err != nil {
				return err
			}
		}
	}
	return c.readSecrets(getenv)
}

// readSecrets takes each secret from the environment or from its file,
// whichever source ranks higher; the same rank for both is ambiguous.
func (c *Config) readSecrets(getenv func(string) string) error {
	targets := map[string]*string{"KEYWARD_MASTER_KEY": &c.MasterKey, "KEYWARD_ROOT_SECRET_ACCESS_KEY": &c.RootSecretAccessKey,
		"KEYWARD_CONSOLE_OIDC_CLIENT_SECRET": &c.ConsoleOIDCClientSecret}
	files := map[string]*string{"master-key-file": &c.MasterKeyFile, "root-secret-access-key-file": &c.RootSecretAccessKeyFile,
		"console-oidc-client-secret-file": &c.ConsoleOIDCClientSecretFile}
	for _, sv := range secretVars {
		value, file := getenv(sv.env), *files[sv.fileSetting]
		fileSrc := c.sources[sv.fileSetting]
		switch {
		case value != "" && file != "" && fileSrc.rank == sourceEnv:
			return fmt.Errorf("both $%s and %s are set: give one", sv.env, fileSrc.from)
		case value != "" && fileSrc.rank < sourceEnv:
			*targets[sv.env] = value
			*files[sv.fileSetting] = ""
			c.sources[sv.env] = source{sourceEnv, "$" + sv.env}
		case file != "":
			b, err := readSecretFile(file)
			if err != nil {
				return fmt.Errorf("%s: %w", fileSrc.from, err)
			}
			*targets[sv.env] = b
			c.sources[sv.env] = source{fileSrc.rank, fileSrc.from + " (" + file + ")"}
		}
	}
	// --database and --database-file are one setting in two forms.
	db, dbFile := c.sources["database"], c.sources["database-file"]
	switch {
	case c.DatabaseURL != "" && c.DatabaseFile != "" && db.rank == dbFile.rank:
		return fmt.Errorf("both %s and %s are set: give one", db.from, dbFile.from)
	case c.DatabaseURL != "" && db.rank > dbFile.rank:
		c.DatabaseFile = ""
	case c.DatabaseFile != "":
		b, err := readSecretFile(c.DatabaseFile)
		if err != nil {
			return fmt.Errorf("%s: %w", dbFile.from, err)
		}
		c.DatabaseURL = b
		c.sources["database"] = source{dbFile.rank, dbFile.from + " (" + c.DatabaseFile + ")"}
	}
	return nil
}

// readSecretFile reads a secret kept in a file, without its final newline.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("%s is larger than %d bytes", path, maxSecretFile)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return v, nil
}

// usage prints keyward serve --help: the flags by section, each with its
// environment variable.
func (c *Config) usage(w io.Writer) {
	fmt.Fprint(w, `Usage: keyward serve [--config FILE] [--flag value ...]

Serves the AWS IAM and STS Query API, the web console and the verifier
protocol. Every setting below is a flag, an environment variable (shown
under it) and a key of the --config file (the flag's name, without its
dashes); flags win over the environment, which wins over the file, which
wins over the defaults.

  --config FILE
        YAML file of settings, such as "listen: 0.0.0.0:8080" ($KEYWARD_CONFIG)
  --print-config
        print the configuration and where each value came from, secrets
        masked, and exit
`)
	defaults := DefaultConfig()
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	specs := defaults.specs()
	for _, s := range specs {
		s.bind(fs, s.name, s.usage)
	}
	for _, g := range groupOrder {
		fmt.Fprintf(w, "\n%s:\n", g)
		for _, s := range specs {
			if s.group != g {
				continue
			}
			f := fs.Lookup(s.name)
			typ, usage := flag.UnquoteUsage(f)
			line := "  --" + s.name
			if typ != "" {
				line += " " + typ
			}
			fmt.Fprintln(w, line)
			for _, l := range wrap(usage, 70) {
				fmt.Fprintln(w, "        "+l)
			}
			env := "$" + s.env
			for _, a := range s.aliases {
				env += ", or $" + a
			}
			if def := f.DefValue; def != "" && def != "0" && def != "0s" && def != "false" {
				fmt.Fprintf(w, "        %s (default %s)\n", env, def)
			} else {
				fmt.Fprintf(w, "        %s\n", env)
			}
		}
	}
	fmt.Fprint(w, `
Secrets, from the environment only (never flags or the file), or from the
file a setting above names:
  $KEYWARD_ROOT_SECRET_ACCESS_KEY  (or --root-secret-access-key-file)
        the root user's secret access key at first start, with
        --root-access-key-id
  $KEYWARD_MASTER_KEY  (or --master-key-file)
        32-byte key encrypting secrets at rest, base64 or hex (else
        <data>/master.key); NEW,OLD seals under NEW and opens both, while
        keyward rekey moves secrets to NEW
  $KEYWARD_CONSOLE_OIDC_CLIENT_SECRET  (or --console-oidc-client-secret-file)
        the console's client secret at --console-oidc-provider
`)
}

// wrap breaks s into lines of at most width characters.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	keyIDPattern     = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
)

// quotaSetting is a name --quotas takes and the quota it sets.
type quotaSetting struct {
	name  string
	quota func(*keyward.Quotas) *int
}

// quotaSettings are the names --quotas takes.
var quotaSettings = []quotaSetting{
	{"users", func(q *keyward.Quotas) *int { return &q.Users }},
	{"groups", func(q *keyward.Quotas) *int { return &q.Groups }},
	{"roles", func(q *keyward.Quotas) *int { return &q.Roles }},
	{"policies", func(q *keyward.Quotas) *int { return &q.Policies }},
	{"instance-profiles", func(q *keyward.Quotas) *int { return &q.InstanceProfiles }},
	{"groups-per-user", func(q *keyward.Quotas) *int { return &q.GroupsPerUser }},
	{"attached-policies-per-user", func(q *keyward.Quotas) *int { return &q.AttachedPoliciesPerUser }},
	{"attached-policies-per-group", func(q *keyward.Quotas) *int { return &q.AttachedPoliciesPerGroup }},
	{"attached-policies-per-role", func(q *keyward.Quotas) *int { return &q.AttachedPoliciesPerRole }},
	{"user-policy-size", func(q *keyward.Quotas) *int { return &q.UserPolicySize }},
	{"group-policy-size", func(q *keyward.Quotas) *int { return &q.GroupPolicySize }},
	{"role-policy-size", func(q *keyward.Quotas) *int { return &q.RolePolicySize }},
	{"policy-size", func(q *keyward.Quotas) *int { return &q.PolicySize }},
	{"role-trust-policy-size", func(q *keyward.Quotas) *int { return &q.RoleTrustPolicySize }},
}

// quotaNames lists the names --quotas takes.
func quotaNames() string {
	names := make([]string, len(quotaSettings))
	for i, s := range quotaSettings {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// parseQuotas reads --quotas over AWS's defaults.
func parseQuotas(s string) (keyward.Quotas, error) {
	q := keyward.DefaultQuotas()
	for pair := range strings.SplitSeq(s, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		i := slices.IndexFunc(quotaSettings, func(s quotaSetting) bool { return s.name == strings.TrimSpace(name) })
		if i < 0 {
			return q, fmt.Errorf("--quotas: unknown quota %q (names: %s)", name, quotaNames())
		}
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < 1 || n > 1<<30 {
			return q, fmt.Errorf("--quotas: %s must be a whole number from 1, got %q", quotaSettings[i].name, value)
		}
		*quotaSettings[i].quota(&q) = n
	}
	return q, nil
}

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	q, err := parseQuotas(c.Quotas)
	if err != nil {
		return err
	}
	c.IAMQuotas = q
	switch {
	case c.Listen == "":
		return errors.New("--listen must not be empty")
	case c.DataDir == "":
		return errors.New("--data must not be empty")
	case c.AccountID != "" && !accountIDPattern.MatchString(c.AccountID):
		return fmt.Errorf("--account-id must be 12 digits, got %q", c.AccountID)
	case c.ReportMaxAge < 0:
		return errors.New("--credential-report-max-age must not be negative")
	case c.LastUseFlush <= 0:
		return errors.New("--last-use-flush must be positive")
	case c.WebhookTimeout <= 0:
		return errors.New("--webhook-timeout must be positive")
	case c.RequestTimeout <= 0:
		return errors.New("--request-timeout must be positive")
	case c.MaxConnections < 0:
		return errors.New("--max-connections must not be negative")
	case c.MaxOrganizationAccounts < 0:
		return errors.New("--max-organization-accounts must not be negative (0: no bound)")
	case c.MaxFirstOrganizationAccounts < 0:
		return errors.New("--max-first-organization-accounts must not be negative (0: no bound)")
	case c.KeyCacheSize < 1:
		return errors.New("--key-cache-size must be at least 1")
	case (c.RootAccessKeyID == "") != (c.RootSecretAccessKey == ""):
		return errors.New("--root-access-key-id (KEYWARD_ROOT_ACCESS_KEY_ID) and KEYWARD_ROOT_SECRET_ACCESS_KEY must be set together")
	case c.RootAccessKeyID != "" && !keyIDPattern.MatchString(c.RootAccessKeyID):
		return errors.New("--root-access-key-id (KEYWARD_ROOT_ACCESS_KEY_ID) must be 16 to 128 upper-case letters and digits")
	case c.RootSecretAccessKey != "" && len(c.RootSecretAccessKey) < 16:
		// The secret itself is never echoed.
		return errors.New("KEYWARD_ROOT_SECRET_ACCESS_KEY must be at least 16 characters")
	case c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://"):
		return errors.New("--database must be a postgres:// URL")
	case c.DBMaxConns < 1 || c.DBRetries < 0 || c.DBStatementTimeout <= 0 || c.ResyncInterval <= 0:
		return errors.New("--db-max-conns must be at least 1, --db-retries at least 0, --db-statement-timeout and --resync-interval positive")
	case c.VerifierListen != "" && (c.VerifierTLSCert == "" || c.VerifierTLSKey == "" || c.VerifierClientCA == ""):
		return errors.New("--verifier-listen serves only mutual TLS: it needs --verifier-tls-cert, --verifier-tls-key and --verifier-client-ca")
	case c.VerifierListen == "" && (c.VerifierTLSCert != "" || c.VerifierTLSKey != "" || c.VerifierClientCA != ""):
		return errors.New("--verifier-tls-cert, --verifier-tls-key and --verifier-client-ca need --verifier-listen")
	case c.ConsoleOIDCProvider != "" && (!strings.HasPrefix(c.ConsoleOIDCProvider, "https://") || c.ConsoleOIDCClientID == "" ||
		c.ConsoleOIDCClientSecret == "" || c.ConsoleOIDCRoles == ""):
		return errors.New("--console-oidc-provider must be an https:// issuer URL, given with --console-oidc-client-id, --console-oidc-roles and the client secret ($KEYWARD_CONSOLE_OIDC_CLIENT_SECRET or --console-oidc-client-secret-file)")
	case c.ConsoleOIDCProvider == "" && (c.ConsoleOIDCClientID != "" || c.ConsoleOIDCClientSecret != "" || c.ConsoleOIDCRoles != ""):
		return errors.New("--console-oidc-client-id, --console-oidc-roles and the client secret need --console-oidc-provider")
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("--tls-cert and --tls-key must be given together")
	case c.AuditRetention < 0:
		return errors.New("--audit-retention must not be negative")
	case c.LogFormat != "text" && c.LogFormat != "json":
		return fmt.Errorf("--log-format must be text or json, got %q", c.LogFormat)
	}
	if _, err := c.level(); err != nil {
		return err
	}
	if _, err := saml.NewServiceProvider(c.publicURL()); err != nil {
		return fmt.Errorf("--public-url must be an http or https URL without query: %q", c.PublicURL)
	}
	if _, err := clientip.Parse(c.TrustedProxies); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	if c.MasterKey != "" {
		if _, err := parseMasterKeys(c.MasterKey); err != nil {
			return fmt.Errorf("KEYWARD_MASTER_KEY: %w", err)
		}
	}
	return nil
}

func (c *Config) level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return l, fmt.Errorf("--log-level: %w", err)
	}
	return l, nil
}

// decodeMasterKey accepts 32 bytes as 64 hex digits or as base64.
func decodeMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("must be 32 bytes, as 64 hex digits or base64")
}

func (c *Config) logger() *slog.Logger {
	l, _ := c.level()
	opts := &slog.HandlerOptions{Level: l}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// publicURL is --public-url, or the scheme and address Keyward listens on.
func (c *Config) publicURL() string {
	if c.PublicURL != "" {
		return c.PublicURL
	}
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + c.Listen
}
