package main

import (
	"context"
	"crypto/tls"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/keyward/keyward/internal/tick"
	"github.com/keyward/keyward/saml"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/awsjson"
	"github.com/keyward/keyward/console"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/buildinfo"
	"github.com/keyward/keyward/internal/changes"
	"github.com/keyward/keyward/internal/clientip"
	"github.com/keyward/keyward/internal/connguard"
	"github.com/keyward/keyward/internal/lastuse"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/metrics"
	"github.com/keyward/keyward/oidc"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/password"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/postgres"
	"github.com/keyward/keyward/query"
	"github.com/keyward/keyward/report"
	"github.com/keyward/keyward/seal"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/sqlite"
	"github.com/keyward/keyward/sts"
	"github.com/keyward/keyward/verify"
	"github.com/keyward/keyward/verify/wire"
	"github.com/keyward/keyward/webhook"
)

// Main is the whole server, wired: tests run it in-process on port 0.
type Main struct {
	Config Config
	// Now and Rand default to the system's; tests inject their own.
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger

	// Store is the backend, which every service is wired with: an
	// organizations.Store, keyward.Store with AWS Organizations' own
	// port, is what the backends implement of every feature package's
	// port (iam's, report's and authz's included).
	Store organizations.Store
	// IAM is the IAM application, Authz the access decision every feature
	// package and the verifier ask.
	IAM     *iam.Service
	STS     *sts.Service
	Reports *report.Service
	// Lifecycle enforces the key lifecycle policy and keys' expiry dates.
	Lifecycle *lifecycle.Service
	Authz     *authz.Authorizer

	// Organizations is AWS Organizations, served by its JSON protocol and
	// by the console.
	Organizations *organizations.Service
	// SignInDelay slows each failed console sign-in (tests set it to 0).
	SignInDelay time.Duration
	// Passwords hashes console passwords; tests set cheaper parameters.
	Passwords keyward.PasswordHasher
	Keys      *sigv4.Keyring
	Uses      *lastuse.Recorder
	// Changes carries every change to the caches it touches, from this
	// replica's Service and, on PostgreSQL, from the others.
	Changes *changes.Bus
	// API is the Query API's handler.
	API *query.Server
	// Conns bounds the client connections; VerifierConns those of
	// --verifier-listen, before its clients' certificates are checked.
	Conns         *connguard.Guard
	VerifierConns *connguard.Guard
	// Protocol serves the verifier protocol on --verifier-socket and
	// --verifier-listen; Proxy answers reverse proxies on AuthorizePath.
	Protocol *verify.Protocol
	Proxy    *verify.Proxy
	// Timeouts of client connections; tests shorten them.
	Timeouts Timeouts

	// Addr is the address actually listened on, known after Run;
	// VerifierAddr is --verifier-listen's; URL the API's, http or https.
	Addr, VerifierAddr, URL string
	// Audit records the audit trail's events.
	Audit *audit.Recorder
	// Metrics are Prometheus's collectors, with --metrics-listen; nil
	// without. MetricsAddr is where they are served.
	Metrics     *metrics.Metrics
	MetricsAddr string
	// TLS serves --tls-cert and --tls-key, reloaded by ReloadTLS (SIGHUP)
	// or when they change; nil without TLS.
	TLS *certReloader
	// RootCredentialsPath is where a generated root key was written, if one
	// was.
	RootCredentialsPath string
	// Webhooks delivers the outbox's webhook events, from start until Close.
	Webhooks *webhook.Engine

	server    *http.Server
	verifier  *http.Server
	auditFile *os.File
	stopped   chan struct{}
	cancel    context.CancelFunc
	done      sync.WaitGroup
	closeMu   sync.Mutex
	closed    bool
}

// Timeouts bound how long a client may take: a request's headers and body
// (1 MB at most) must arrive in time, a response must be taken, an idle
// connection is closed. No client holds a connection for free: past
// BodyGrace a body must also arrive at MinBodyRate bytes a second at
// least, so that a trickled body gives its connection up well before Read.
type Timeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
	BodyGrace                     time.Duration
	MinBodyRate                   int64
	// StallGrace is how long an answer may wait for its client to take any
	// of it before its connection may be closed to make room at the
	// connection limit: Write bounds an answer being taken, not one left.
	StallGrace time.Duration
}

// DefaultTimeouts are the timeouts of `keyward serve`.
var DefaultTimeouts = Timeouts{
	ReadHeader:  10 * time.Second,
	Read:        30 * time.Second,
	Write:       2 * time.Minute, // a credential report of a million users
	Idle:        90 * time.Second,
	BodyGrace:   5 * time.Second,
	MinBodyRate: 1 << 10, // 1 KiB/s: IAM's bodies are a few KiB
	StallGrace:  5 * time.Second,
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	return &Main{Config: DefaultConfig(), Now: time.Now, Rand: randReader, SignInDelay: time.Second, Timeouts: DefaultTimeouts}
}

// Run validates the configuration, opens the store, prepares the account
// and starts serving in the background. Close stops it.
func (m *Main) Run(ctx context.Context) (err error) {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	if m.Logger == nil {
		m.Logger = m.Config.logger()
	}
	bi := buildinfo.Get()
	m.Logger.Info("keyward starting", "version", bi.Version, "commit", bi.Commit, "go", bi.GoVersion)
	defer func() {
		if err != nil && m.Store != nil {
			m.Store.Close()
		}
	}()
	mk, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	if err := m.newService(ctx, &mk); err != nil {
		return err
	}
	handler, err := m.handler(sessionKey(mk.keys[0]))
	if err != nil {
		return err
	}
	if err := m.newWebhooks(); err != nil {
		return err
	}
	ln, err := m.listen(handler)
	if err != nil {
		return err
	}
	vlns, err := m.listenVerifier()
	if err != nil {
		ln.Close()
		return err
	}
	m.start(ln, vlns)
	return m.announce()
}

// openStore reads the master keys and opens the store the configuration
// names. A master key is generated only for a store that holds nothing
// yet: one that holds data was sealed under a key that is missing, and a
// new key would neither open it nor be the key to keep.
func (m *Main) openStore(ctx context.Context) (masterKeys, error) {
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return masterKeys{}, err
	}
	mk, _, err := loadMasterKeys(m.Config, m.Rand, false)
	missing := m.Config.MasterKey == "" && errors.Is(err, os.ErrNotExist)
	if err != nil && !missing {
		return mk, err
	}
	where := "the PostgreSQL database"
	if m.Config.DatabaseURL != "" {
		st, err := postgres.Open(ctx, m.Config.DatabaseURL, postgres.Options{
			MaxConns:         int32(m.Config.DBMaxConns),
			StatementTimeout: m.Config.DBStatementTimeout,
			Retries:          m.Config.DBRetries,
			NoMigrate:        m.Config.NoMigrate,
		})
		if err != nil {
			return mk, schemaAdvice(err)
		}
		m.Store = st
	} else {
		where = filepath.Join(m.Config.DataDir, "keyward.db")
		st, err := sqlite.OpenWith(ctx, where, sqlite.Options{NoMigrate: m.Config.NoMigrate})
		if err != nil {
			return mk, schemaAdvice(err)
		}
		m.Store = st
	}
	if !missing {
		return mk, nil
	}
	keyPath := filepath.Join(m.Config.DataDir, masterKeyFile)
	switch held, err := holdsData(ctx, m.Store); {
	case err != nil:
		return mk, err
	case held:
		return mk, fmt.Errorf("%s is missing, but %s already holds data sealed under a master key: put that key back in %s "+
			"(or give it as KEYWARD_MASTER_KEY) and start again; a new key would not open the data, so none was generated", keyPath, where, keyPath)
	}
	mk, generated, err := loadMasterKeys(m.Config, m.Rand, true)
	if err != nil {
		return mk, err
	}
	if generated {
		m.Logger.Info("generated a master key", "path", keyPath)
	}
	return mk, nil
}

// holdsData reports whether st holds an account or any sealed secret.
func holdsData(ctx context.Context, st keyward.Store) (bool, error) {
	if _, err := st.Account(ctx); err == nil {
		return true, nil
	} else if !errors.Is(err, keyward.ErrNoAccount) {
		return false, err
	}
	found := false
	errFound := errors.New("found")
	err := st.SealedSecrets(ctx, func(string, []byte) error {
		found = true
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return false, err
	}
	return found, nil
}

// newService makes the feature packages, prepares the account and wires
// the caches.
func (m *Main) newService(ctx context.Context, mk *masterKeys) error {
	m.Uses = &lastuse.Recorder{Store: m.Store, Logger: m.Logger}
	m.Authz = &authz.Authorizer{Store: m.Store, Policies: policy.Engine{}, Now: m.Now}
	m.IAM = &iam.Service{Store: m.Store, Authz: m.Authz, Policies: policy.Engine{}, Now: m.Now, Rand: m.Rand, Uses: m.Uses, Logger: m.Logger,
		Passwords: m.Passwords}
	m.STS = &sts.Service{Store: m.Store, Authz: m.Authz, IAM: m.IAM, Policies: policy.Engine{}, Now: m.Now, Rand: m.Rand, Uses: m.Uses,
		WebIdentity: &oidc.Verifier{Now: m.Now, AllowPrivate: m.Config.OIDCAllowPrivate}}
	sp, err := saml.NewServiceProvider(m.Config.publicURL())
	if err != nil {
		return err
	}
	sp.Now, sp.Rand = m.Now, m.Rand
	m.STS.SAML = sp
	m.Reports = &report.Service{Store: m.Store, Authz: m.Authz, Policies: policy.Engine{}, Now: m.Now, Rand: m.Rand, Uses: m.Uses,
		Logger: m.Logger, CredentialReportMaxAge: m.Config.ReportMaxAge}
	if m.IAM.Passwords == nil {
		m.IAM.Passwords = &password.Hasher{Rand: m.Rand}
	}
	if _, err := m.initAccount(ctx, mk); err != nil {
		return err
	}
	m.IAM.WebhookAllowPrivate = m.Config.WebhookAllowPrivate
	m.IAM.Quotas = m.Config.IAMQuotas
	m.Keys = sigv4.NewKeyring(m.IAM.Credential, m.Config.KeyCacheSize)
	m.Keys.OpenSession, m.Keys.Now = m.STS.OpenSession, m.Now
	m.Changes = changes.Wire(m.IAM, m.Authz, m.Keys)
	m.Lifecycle = &lifecycle.Service{Store: m.Store, Authz: m.Authz, Now: m.Now, Rand: m.Rand, Uses: m.Uses, Changes: m.Changes.Publish,
		Logger: m.Logger, Closed: m.IAM.AccountClosed}
	return m.IAM.InstallAWSManagedPolicies(keyward.Internal(ctx))
}

// webhookStore is the store as the webhook engine's outbox, with the hooks
// that tell the engine of deliveries written: both of Keyward's stores.
type webhookStore interface {
	webhook.Outbox
	WireWebhooks(host string, notify func())
}

// newWebhooks makes the delivery engine on the store's outbox, with the
// metrics (instrument) when served; start starts it and Close stops it. Each write transaction that wrote
// deliveries notifies it once committed; it also polls, for retries and
// for what other replicas wrote.
func (m *Main) newWebhooks() error {
	st, ok := m.Store.(webhookStore)
	if !ok {
		return fmt.Errorf("the store %T keeps no webhook outbox", m.Store)
	}
	timeout := m.Config.WebhookTimeout
	cfg := webhook.Config{Outbox: st, Secrets: m.IAM.Sealer, AllowPrivate: m.Config.WebhookAllowPrivate, Now: m.Now,
		Logger: m.Logger, UserAgent: "Keyward-Webhooks/" + buildinfo.Get().Version,
		Timeout: timeout, Lease: max(3*timeout, timeout+5*time.Second)}
	if m.Metrics != nil {
		cfg.Metrics = m.Metrics.Webhooks()
	}
	eng, err := webhook.New(cfg)
	if err != nil {
		return err
	}
	m.Webhooks = eng
	host := m.Config.publicURL()
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = u.Host
	}
	st.WireWebhooks(host, eng.Notify)
	return nil
}

// sessionKey derives the console's session-signing key from the master
// key: every replica has it, and it never leaves the process.
func sessionKey(masterKey []byte) []byte {
	return seal.DeriveKey(masterKey, "keyward console sessions v1")
}

// handler routes the API, the console and the health check.
func (m *Main) handler(sessions []byte) (http.Handler, error) {
	clients, err := clientip.Parse(m.Config.TrustedProxies)
	if err != nil {
		return nil, err
	}
	m.Audit = &audit.Recorder{Store: m.Store, Logger: m.Logger}
	switch m.Config.AuditLog {
	case "":
	case "-":
		m.Audit.Stream = os.Stdout
	default:
		f, err := os.OpenFile(m.Config.AuditLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("--audit-log: %w", err)
		}
		m.auditFile = f
		m.Audit.Stream = f
	}
	m.API = &query.Server{Clients: clients, Services: query.Services{IAM: m.IAM, STS: m.STS, Reports: m.Reports, Lifecycle: m.Lifecycle}, Verifier: &sigv4.Verifier{Now: m.Now}, Keys: m.Keys,
		Uses: m.Uses, Logger: m.Logger, Now: m.Now, Rand: m.Rand, Audit: m.Audit}
	// AWS Organizations, served by its JSON protocol and by the console.
	orgs := &organizations.Service{Store: m.Store, Authz: m.Authz, Policies: policy.Engine{}, Now: m.Now, Rand: m.Rand, Changes: m.Changes.Publish,
		MaxAccounts: m.Config.MaxOrganizationAccounts, MaxFirstAccounts: m.Config.MaxFirstOrganizationAccounts}
	m.Organizations = orgs
	webConfig := console.Config{IAM: m.IAM, STS: m.STS, Reports: m.Reports, Lifecycle: m.Lifecycle, Organizations: orgs, Logger: m.Logger, Now: m.Now, Rand: m.Rand,
		SessionKey: sessions, SignInDelay: m.SignInDelay, Clients: clients, Audit: m.Audit, Version: buildinfo.Get().Version}
	// The console's OpenID Connect sign-in is set per provider through the
	// API (PutOpenIDConnectSignIn); the flags add one more client, which
	// overrides a provider's stored setting.
	webConfig.OIDC, _ = m.STS.WebIdentity.(*oidc.Verifier)
	if c := m.Config; c.ConsoleOIDCProvider != "" {
		var roles []string
		for _, r := range strings.Split(c.ConsoleOIDCRoles, ",") {
			if r = strings.TrimSpace(r); r != "" {
				roles = append(roles, r)
			}
		}
		webConfig.OIDCSignIn = []console.OIDCClient{{Provider: strings.TrimSuffix(strings.TrimPrefix(c.ConsoleOIDCProvider, "https://"), "/"),
			ClientID: c.ConsoleOIDCClientID, ClientSecret: c.ConsoleOIDCClientSecret, Roles: roles}}
	}
	m.instrument(&webConfig)
	web, err := console.New(webConfig)
	if err != nil {
		return nil, err
	}
	verifier := &sigv4.Verifier{Now: m.Now}
	m.Protocol = &verify.Protocol{Authz: m.Authz, Verifier: verifier, Keys: m.Keys, Uses: m.Uses, Logger: m.Logger,
		Clients: clients, Now: m.Now}
	m.Proxy = &verify.Proxy{Protocol: m.Protocol, Rand: m.Rand}
	mux := http.NewServeMux()
	mux.Handle(wire.AuthorizePath, m.Proxy)
	mux.Handle(wire.AuthorizePath+"/", m.Proxy) // Envoy appends the client's path
	// Liveness: the process answers. Readiness: the store answers too, in
	// time (a replica whose database is away is taken out of rotation).
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := m.Store.Account(ctx); err != nil {
			m.Logger.Warn("not ready: the store does not answer", "err", err)
			http.Error(w, "the store does not answer", http.StatusServiceUnavailable)
			return
		}
		// A newer build may have migrated the store since this one opened
		// it: this one must not be sent requests it would answer wrongly.
		if sc, ok := m.Store.(interface{ CheckSchema(context.Context) error }); ok {
			if err := sc.CheckSchema(ctx); err != nil {
				m.Logger.Error("not ready: the store's schema changed", "err", schemaAdvice(err))
				http.Error(w, "the store's schema is not this build's", http.StatusServiceUnavailable)
				return
			}
		}
		io.WriteString(w, "ok\n")
	})
	mux.Handle("/console/", web)
	mux.Handle("GET /favicon.ico", web)
	mux.Handle("POST /saml", web)
	mux.Handle("GET /saml/metadata", web)
	// AWS's account sign-in URL, /console?account=<ID or alias>: the
	// console keeps the account for its sign-in form.
	mux.Handle("GET /console", web)
	// AWS Organizations' JSON protocol is told from the Query API by its
	// X-Amz-Target, before the Query API parses anything.
	api := &awsjson.Server{Organizations: orgs, Auth: m.API, Next: m.API, Logger: m.Logger, Clients: clients, Audit: m.Audit, Now: m.Now, Rand: m.Rand,
		Observe: m.API.Observe}
	mux.Handle("/", console.Home(api)) // a browser at / is sent to the console
	return withDeadline(m.Config.RequestTimeout, hsts(clients.Secure, mux)), nil
}

// withDeadline gives every request one deadline, for all it asks of the
// store: each statement is bounded by the database, but a request makes
// several, and may first wait for a pooled connection; without this a
// request lasted as long as all of them together (21 s in a 40 s freeze of
// PostgreSQL with more clients than pooled connections). Past the deadline
// the store's calls fail at once and the request is answered
// ServiceUnavailable.
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// instrument makes the metrics, with --metrics-listen, and gives every part
// its hooks.
func (m *Main) instrument(web *console.Config) {
	if m.Config.MetricsListen == "" {
		return
	}
	mt := metrics.New()
	m.Metrics = mt
	bi := buildinfo.Get()
	mt.BuildInfo(bi.Version, bi.Commit, bi.GoVersion)
	m.API.Observe, m.API.AuthFailed = mt.Request, mt.AuthFailure
	web.SignedIn = mt.SignIn
	m.Reports.ReportGenerated = mt.ReportGenerated
	mt.KeyLifecycle(func() metrics.KeyCounts {
		st := m.Lifecycle.Stats()
		return metrics.KeyCounts{ByAge: st.ByAge, PastPolicy: st.PastPolicy, ExpiringSoon: st.ExpiringSoon}
	})
	mt.Cache("credentials", m.Keys.Stats)
	type counted interface{ Stats() (uint64, uint64) }
	for name, c := range map[string]any{"policies": m.Authz.PolicySets, "key_lists": m.IAM.KeyLists, "roles": m.IAM.Roles} {
		if c, ok := c.(counted); ok {
			mt.Cache(name, c.Stats)
		}
	}
	mt.Gauge("keyward_last_use_flush_age_seconds", "Seconds since last-use data was last written to the store.", func() float64 {
		if t := m.Uses.LastFlush(); !t.IsZero() {
			return time.Since(t).Seconds()
		}
		return 0
	})
	if pg, ok := m.Store.(*postgres.Store); ok {
		mt.Gauge("keyward_postgres_change_log_lag_seconds", "How long the changes last read from the shared change log had waited there.", pg.ChangeLogLag)
	}
}

// serveMetrics serves /metrics, and nothing else, on --metrics-listen.
func (m *Main) serveMetrics() error {
	ln, err := net.Listen("tcp", m.Config.MetricsListen)
	if err != nil {
		return err
	}
	m.MetricsAddr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	m.background(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("serving metrics", "err", err)
		}
	})
	m.background(func() {
		<-m.stopped
		srv.Close()
	})
	return nil
}

// listen opens the listener, bounded in connections, and the server with
// its timeouts.
func (m *Main) listen(handler http.Handler) (net.Listener, error) {
	ln, err := net.Listen("tcp", m.Config.Listen)
	if err != nil {
		return nil, err
	}
	m.Addr, m.URL = ln.Addr().String(), "http://"+ln.Addr().String()
	maxConns := m.Config.MaxConnections
	if maxConns == 0 {
		maxConns = connguard.DefaultMax()
	}
	m.Conns = &connguard.Guard{Max: maxConns, MinBodyRate: m.Timeouts.MinBodyRate, BodyGrace: m.Timeouts.BodyGrace,
		ReadTimeout: m.Timeouts.Read, StallGrace: m.Timeouts.StallGrace}
	m.server = &http.Server{
		Handler:           m.Conns.Handler(handler),
		ReadHeaderTimeout: m.Timeouts.ReadHeader,
		ReadTimeout:       m.Timeouts.Read,
		WriteTimeout:      m.Timeouts.Write,
		IdleTimeout:       m.Timeouts.Idle,
		MaxHeaderBytes:    64 << 10,
		ConnState:         m.Conns.ConnState,
		ConnContext:       m.Conns.ConnContext,
		ErrorLog:          m.serverErrorLog(),
	}
	guarded := m.Conns.Listener(ln)
	if m.Config.TLSCert == "" {
		return guarded, nil
	}
	if m.TLS, err = newCertReloader(m.Config.TLSCert, m.Config.TLSKey); err != nil {
		ln.Close()
		return nil, err
	}
	m.URL = "https://" + m.Addr
	m.server.TLSConfig = m.TLS.tlsConfig()
	return tls.NewListener(guarded, m.server.TLSConfig), nil
}

// ReloadTLS loads --tls-cert and --tls-key again (SIGHUP); the one in use
// stays if they fail to load.
func (m *Main) ReloadTLS() error {
	if m.TLS == nil {
		return nil
	}
	err := m.TLS.Reload()
	m.reportTLSReload(err)
	return err
}

func (m *Main) reportTLSReload(err error) {
	if err != nil {
		m.Logger.Error("reloading the TLS certificate; keeping the one in use", "err", err)
		return
	}
	m.Logger.Info("reloaded the TLS certificate", "cert", m.Config.TLSCert)
}

// start serves and runs the background work until Close: last-use
// flushes, the summary of failed authentications, and with PostgreSQL the
// changes of other replicas and the pruning of the change log.
func (m *Main) start(ln net.Listener, verifiers []net.Listener) {
	bg, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.stopped = make(chan struct{})
	m.Reports.Start(bg)
	m.Lifecycle.Start(bg)
	m.Webhooks.Start()
	m.background(func() { m.Uses.Run(bg, m.Config.LastUseFlush) })
	m.background(func() { m.Audit.Run(bg, time.Second, m.Config.AuditRetention, m.Now) })
	m.background(func() { every(bg, 5*time.Second, m.API.FlushAuthLog) })
	if m.TLS != nil {
		m.background(func() { m.TLS.watch(bg, 2*time.Second, m.reportTLSReload) })
	}
	if pg, ok := m.Store.(*postgres.Store); ok {
		m.background(func() {
			pg.WatchAccessKeys(bg, m.Config.ResyncInterval, m.Logger, func(announced string) {
				m.Changes.Publish(changes.Remote(announced))
			})
		})
		m.background(func() { pg.PruneKeyChanges(bg, m.Logger) })
	}
	m.background(func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("serving", "err", err)
		}
	})
	m.verifier = m.verifierServer(m.Protocol)
	for _, vln := range verifiers {
		m.background(func() {
			if err := m.verifier.Serve(vln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				m.Logger.Error("serving the verifier protocol", "err", err)
			}
		})
	}
}

// background runs fn until Close.
func (m *Main) background(fn func()) {
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		fn()
	}()
}

// every calls fn every interval, and once more when ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) {
	tick.Every(ctx, interval, fn)
	fn()
}

// announce logs where everything is.
func (m *Main) announce() error {
	attrs := []any{"api", m.URL, "account", m.Authz.Account(context.Background()).ID, "data", m.Config.DataDir, "version", buildinfo.Get().Version}
	if creds := filepath.Join(m.Config.DataDir, "root-credentials.csv"); fileExists(creds) {
		attrs = append(attrs, "root_credentials", creds)
	}
	if m.Metrics != nil {
		if err := m.serveMetrics(); err != nil {
			return err
		}
		attrs = append(attrs, "metrics", "http://"+m.MetricsAddr+"/metrics")
	}
	if m.Config.DebugListen != "" {
		addr, err := m.serveDebug()
		if err != nil {
			return err
		}
		attrs = append(attrs, "debug", "http://"+addr+"/debug/pprof/")
	}
	if m.Config.VerifierSocket != "" {
		attrs = append(attrs, "verifier_socket", m.Config.VerifierSocket)
	}
	if m.VerifierAddr != "" {
		attrs = append(attrs, "verifier_mtls", m.VerifierAddr)
	}
	attrs = append(attrs, "console", m.URL+"/console/")
	m.Logger.Info("keyward serving", attrs...)
	return nil
}

// serveDebug serves Go's profiles on their own address, never on the
// API's, and returns the address it listens on.
func (m *Main) serveDebug() (string, error) {
	ln, err := net.Listen("tcp", m.Config.DebugListen)
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// Profiles take as long as asked (?seconds=), so no write timeout.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 90 * time.Second}
	m.background(func() { srv.Serve(ln) })
	m.background(func() {
		<-m.stopped
		srv.Close()
	})
	return ln.Addr().String(), nil
}

// Close stops accepting requests, lets those in flight finish, flushes
// last-use data and closes the store.
func (m *Main) Close() error {
	m.closeMu.Lock()
	defer m.closeMu.Unlock()
	if m.closed || m.server == nil {
		return nil
	}
	m.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownGrace)
	defer cancel()
	err := m.server.Shutdown(ctx)
	if verr := m.verifier.Shutdown(ctx); err == nil {
		err = verr
	}
	// A credential report being written finishes within the grace, or
	// stops; one left unfinished is taken for abandoned and made again.
	m.Reports.Shutdown(ctx)
	m.Lifecycle.Close()
	m.cancel() // the recorder flushes once more as it stops
	close(m.stopped)
	m.done.Wait()
	// After the last writes (the recorders' final flushes): deliveries cut
	// short are released for the next start or another replica.
	m.Webhooks.Close()
	if m.auditFile != nil {
		m.auditFile.Close()
	}
	if cerr := m.Store.Close(); err == nil {
		err = cerr
	}
	m.Logger.Info("keyward stopped")
	return err
}

// initAccount prepares the account (iam's bootstrap) with the
// configured root key and the master key's files. In the data directory's
// files, the key that opens the store seals; an interrupted rekey that
// committed is finished here.
func (m *Main) initAccount(ctx context.Context, mk *masterKeys) (keyward.Account, error) {
	sealer, err := mk.sealer(m.Rand)
	if err != nil {
		return keyward.Account{}, err
	}
	m.IAM.Sealer, m.STS.Sealer, m.Authz.Sealer = sealer, sealer, sealer
	credentials := filepath.Join(m.Config.DataDir, "root-credentials.csv")
	account, opener, err := m.IAM.InitAccount(ctx, iam.Bootstrap{
		AccountID: m.Config.AccountID, RootKeyID: m.Config.RootAccessKeyID, RootSecret: m.Config.RootSecretAccessKey,
		SaveGenerated: func(id, secret string) error {
			if err := writeCredentialsCSV(credentials, id, secret); err != nil {
				return err
			}
			m.RootCredentialsPath = credentials
			m.Logger.Info("the root user's access key is in " + credentials)
			return nil
		},
		DiscardGenerated: func() {
			os.Remove(credentials)
			m.RootCredentialsPath = ""
		},
	})
	switch {
	case errors.Is(err, iam.ErrWrongMasterKey):
		return account, mk.wrongKey()
	case err != nil && m.Config.AccountID != "" && account.ID != "" && account.ID != m.Config.AccountID:
		return account, fmt.Errorf("--account-id %s given, but %s already holds account %s", m.Config.AccountID, m.Config.DataDir, account.ID)
	case err != nil:
		return account, err
	}
	if mk.dir != "" && opener > 0 {
		if mk.pending != nil && opener == len(mk.keys) {
			// The rekey's transaction committed; its files were not renamed.
			if err := finishRekey(mk.dir); err != nil {
				return account, err
			}
			m.Logger.Info("finished an interrupted rekey: master.key is the new key", "data", mk.dir)
			mk.keys, mk.pending = append([][]byte{mk.pending}, mk.keys[0]), nil
		} else {
			// The store is under an earlier key (a restored backup): seal
			// under the key that opens it.
			mk.keys[0], mk.keys[opener] = mk.keys[opener], mk.keys[0]
		}
		if err := sealer.Reload(append(append([][]byte{}, mk.keys...), pendingList(*mk)...)); err != nil {
			return account, err
		}
	}
	if m.Config.RootAccessKeyID != "" {
		if err := m.IAM.EnsureRootKey(keyward.Internal(ctx), m.Config.RootAccessKeyID, m.Config.RootSecretAccessKey); err != nil {
			return account, fmt.Errorf("KEYWARD_ROOT_ACCESS_KEY_ID: %w", err)
		}
	}
	return account, nil
}

func pendingList(mk masterKeys) [][]byte {
	if mk.pending == nil {
		return nil
	}
	return [][]byte{mk.pending}
}

// writeCredentialsCSV writes a key in the console's .csv format, readable
// only by its owner.
func writeCredentialsCSV(path, id, secret string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".root-credentials-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	w := csv.NewWriter(f)
	w.Write([]string{"Access key ID", "Secret access key"})
	w.Write([]string{id, secret})
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// writeFileSync writes a new file of mode 0600 durably.
func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
