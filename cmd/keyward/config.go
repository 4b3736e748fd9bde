package main

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/clientip"
)

// Config is everything `keyward serve` can be told. Every flag has an
// environment variable; secrets come only from the environment, so that
// they never show in a process listing.
type Config struct {
	Listen        string
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

	// PostgreSQL, for several replicas on one database.
	DatabaseURL        string
	DBMaxConns         int
	DBStatementTimeout time.Duration
	DBRetries          int
	ResyncInterval     time.Duration

	// From the environment only.
	RootAccessKeyID     string
	RootSecretAccessKey string
	MasterKey           string
}

// DefaultConfig returns the configuration `keyward serve` starts with.
func DefaultConfig() Config {
	return Config{
		Listen:        "127.0.0.1:8080",
		DataDir:       "./keyward-data",
		LogLevel:      "info",
		LogFormat:     "text",
		LastUseFlush:  2 * time.Second,
		KeyCacheSize:  100000,
		ShutdownGrace: 10 * time.Second,
		ReportMaxAge:  4 * time.Hour,
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

// flagSpec ties a flag to its environment variable and help text, so that
// both are documented from one place.
type flagSpec struct {
	name, env, usage string
	bind             func(fs *flag.FlagSet, name, usage string)
}

// specs returns the flags of `keyward serve` bound to c.
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
	return []flagSpec{
		{"listen", "KEYWARD_LISTEN", "address to serve the API on", str(&c.Listen)},
		{"data", "KEYWARD_DATA", "directory of the SQLite database, master key and root credentials", str(&c.DataDir)},
		{"account-id", "KEYWARD_ACCOUNT_ID", "12-digit account ID to create at first start (random when empty)", str(&c.AccountID)},
		{"log-level", "KEYWARD_LOG_LEVEL", "debug, info, warn or error", str(&c.LogLevel)},
		{"log-format", "KEYWARD_LOG_FORMAT", "text or json", str(&c.LogFormat)},
		{"last-use-flush", "KEYWARD_LAST_USE_FLUSH", "how often access key last-use data is written to the store", dur(&c.LastUseFlush)},
		{"key-cache-size", "KEYWARD_KEY_CACHE_SIZE", "access keys kept in memory for authentication", intFlag(&c.KeyCacheSize)},
		{"shutdown-grace", "KEYWARD_SHUTDOWN_GRACE", "how long a shutdown waits for requests in flight", dur(&c.ShutdownGrace)},
		{"credential-report-max-age", "KEYWARD_CREDENTIAL_REPORT_MAX_AGE", "how long a credential report is served before a new one is generated (0: a new one every time)", dur(&c.ReportMaxAge)},
		{"request-timeout", "KEYWARD_REQUEST_TIMEOUT", "how long a request may take, waiting for the store included; past it the answer is ServiceUnavailable (503)", dur(&c.RequestTimeout)},
		{"max-connections", "KEYWARD_MAX_CONNECTIONS", "client connections held at once; at the limit the stalest idle one is closed (0: the file descriptor limit less 512)", intFlag(&c.MaxConnections)},
		{"tls-cert", "KEYWARD_TLS_CERT", "PEM certificate (chain) to serve the API and the console over TLS; reloaded on SIGHUP or when it changes (plain HTTP when empty)", str(&c.TLSCert)},
		{"tls-key", "KEYWARD_TLS_KEY", "PEM private key of --tls-cert", str(&c.TLSKey)},
		{"trusted-proxies", "KEYWARD_TRUSTED_PROXIES", "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (none when empty)", str(&c.TrustedProxies)},
		{"verifier-socket", "KEYWARD_VERIFIER_SOCKET", "unix socket (mode 0600) serving the verifier protocol to other services: Versity S3 Gateway's --iam-standalone-endpoint, package guard (off when empty)", str(&c.VerifierSocket)},
		{"verifier-listen", "KEYWARD_VERIFIER_LISTEN", "TCP address serving the verifier protocol with mutual TLS; needs --verifier-tls-cert, --verifier-tls-key and --verifier-client-ca (off when empty)", str(&c.VerifierListen)},
		{"verifier-tls-cert", "KEYWARD_VERIFIER_TLS_CERT", "PEM certificate (chain) of --verifier-listen", str(&c.VerifierTLSCert)},
		{"verifier-tls-key", "KEYWARD_VERIFIER_TLS_KEY", "PEM private key of --verifier-tls-cert", str(&c.VerifierTLSKey)},
		{"verifier-client-ca", "KEYWARD_VERIFIER_CLIENT_CA", "PEM CA bundle that --verifier-listen's clients' certificates must chain to", str(&c.VerifierClientCA)},
		{"audit-log", "KEYWARD_AUDIT_LOG", "file to append every audit event to as a JSON line, for log shippers (\"-\": stdout; off when empty); events are kept in the store regardless", str(&c.AuditLog)},
		{"audit-retention", "KEYWARD_AUDIT_RETENTION", "how long audit events are kept in the store (0: forever)", dur(&c.AuditRetention)},
		{"metrics-listen", "KEYWARD_METRICS_LISTEN", "address serving Prometheus metrics at /metrics, and nothing else (off when empty; keep it private)", str(&c.MetricsListen)},
		{"debug-listen", "KEYWARD_DEBUG_LISTEN", "address for Go's /debug/pprof profiles (off when empty; keep it private)", str(&c.DebugListen)},
		{"database", "KEYWARD_DATABASE_URL", "postgres://… URL of a PostgreSQL database shared by replicas (default: embedded SQLite in --data)", str(&c.DatabaseURL)},
		{"db-max-conns", "KEYWARD_DB_MAX_CONNS", "PostgreSQL connection pool size", intFlag(&c.DBMaxConns)},
		{"db-statement-timeout", "KEYWARD_DB_STATEMENT_TIMEOUT", "PostgreSQL statement_timeout", dur(&c.DBStatementTimeout)},
		{"db-retries", "KEYWARD_DB_RETRIES", "retries of a PostgreSQL transaction after a serialization failure or deadlock", intFlag(&c.DBRetries)},
		{"resync-interval", "KEYWARD_RESYNC_INTERVAL", "how often a replica re-reads the key change log, in case a notification was missed", dur(&c.ResyncInterval)},
	}
}

// ParseServe fills c from the environment, then from args, which override.
func (c *Config) ParseServe(args []string, getenv func(string) string) error {
	fs := flag.NewFlagSet("keyward serve", flag.ContinueOnError)
	specs := c.specs()
	for _, s := range specs {
		s.bind(fs, s.name, s.usage+" ($"+s.env+")")
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: keyward serve [flags]\n\nServes the AWS IAM and STS Query API.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\nEnvironment only:\n  KEYWARD_ROOT_ACCESS_KEY_ID, KEYWARD_ROOT_SECRET_ACCESS_KEY\n    \tthe root user's access key at first start (generated when unset)\n  KEYWARD_MASTER_KEY\n    \t32-byte key encrypting secrets at rest, base64 or hex (else <data>/master.key);\n    \tNEW,OLD seals under NEW and opens both, while keyward rekey moves secrets to NEW\n")
	}
	for _, s := range specs {
		if v := getenv(s.env); v != "" {
			if err := fs.Set(s.name, v); err != nil {
				return fmt.Errorf("$%s: %w", s.env, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	c.RootAccessKeyID = getenv("KEYWARD_ROOT_ACCESS_KEY_ID")
	c.RootSecretAccessKey = getenv("KEYWARD_ROOT_SECRET_ACCESS_KEY")
	c.MasterKey = getenv("KEYWARD_MASTER_KEY")
	return nil
}

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	keyIDPattern     = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
)

// Validate reports the first problem with c.
func (c *Config) Validate() error {
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
	case c.RequestTimeout <= 0:
		return errors.New("--request-timeout must be positive")
	case c.MaxConnections < 0:
		return errors.New("--max-connections must not be negative")
	case c.KeyCacheSize < 1:
		return errors.New("--key-cache-size must be at least 1")
	case (c.RootAccessKeyID == "") != (c.RootSecretAccessKey == ""):
		return errors.New("KEYWARD_ROOT_ACCESS_KEY_ID and KEYWARD_ROOT_SECRET_ACCESS_KEY must be set together")
	case c.RootAccessKeyID != "" && !keyIDPattern.MatchString(c.RootAccessKeyID):
		return errors.New("KEYWARD_ROOT_ACCESS_KEY_ID must be 16 to 128 upper-case letters and digits")
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
