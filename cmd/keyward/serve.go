package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/console"
	"github.com/keyward/keyward/internal/cache"
	"github.com/keyward/keyward/internal/changes"
	"github.com/keyward/keyward/internal/clientip"
	"github.com/keyward/keyward/internal/connguard"
	"github.com/keyward/keyward/internal/lastuse"
	"github.com/keyward/keyward/password"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/postgres"
	"github.com/keyward/keyward/query"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/sqlite"
)

// Main is the whole server, wired: tests run it in-process on port 0.
type Main struct {
	Config Config
	// Now and Rand default to the system's; tests inject their own.
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger

	Store   keyward.Store
	Service *keyward.Service
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
	// Conns bounds the client connections.
	Conns *connguard.Guard
	// Timeouts of client connections; tests shorten them.
	Timeouts Timeouts

	// Addr is the address actually listened on, known after Run.
	Addr string
	// RootCredentialsPath is where a generated root key was written, if one
	// was.
	RootCredentialsPath string

	server  *http.Server
	stopped chan struct{}
	cancel  context.CancelFunc
	done    sync.WaitGroup
	closeMu sync.Mutex
	closed  bool
}

// Timeouts bound how long a client may take: a request's headers and body
// (1 MB at most) must arrive in time, a response must be taken, an idle
// connection is closed. No client holds a connection for free.
type Timeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// DefaultTimeouts are the timeouts of `keyward serve`.
var DefaultTimeouts = Timeouts{
	ReadHeader: 10 * time.Second,
	Read:       30 * time.Second,
	Write:      2 * time.Minute, // a credential report of a million users
	Idle:       90 * time.Second,
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
	defer func() {
		if err != nil && m.Store != nil {
			m.Store.Close()
		}
	}()
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return err
	}
	mk, generated, err := loadMasterKeys(m.Config, m.Rand, true)
	if err != nil {
		return err
	}
	if generated {
		m.Logger.Info("generated a master key", "path", filepath.Join(m.Config.DataDir, masterKeyFile))
	}
	if m.Config.DatabaseURL != "" {
		m.Store, err = postgres.Open(ctx, m.Config.DatabaseURL, postgres.Options{
			MaxConns:         int32(m.Config.DBMaxConns),
			StatementTimeout: m.Config.DBStatementTimeout,
			Retries:          m.Config.DBRetries,
		})
	} else {
		m.Store, err = sqlite.Open(ctx, filepath.Join(m.Config.DataDir, "keyward.db"))
	}
	if err != nil {
		return err
	}
	m.Uses = &lastuse.Recorder{Store: m.Store, Logger: m.Logger}
	m.Service = &keyward.Service{Store: m.Store, Policies: policy.Engine{}, Now: m.Now, Rand: m.Rand, Uses: m.Uses, Logger: m.Logger,
		CredentialReportMaxAge: m.Config.ReportMaxAge, Passwords: m.Passwords}
	if m.Service.Passwords == nil {
		m.Service.Passwords = &password.Hasher{Rand: m.Rand}
	}
	account, err := m.initAccount(ctx, &mk)
	if err != nil {
		return err
	}
	m.Service.Account = account

	m.Keys = sigv4.NewKeyring(m.Service.Credential, m.Config.KeyCacheSize)
	m.wireCaches()
	if err := m.Service.InstallAWSManagedPolicies(ctx); err != nil {
		return err
	}
	clients, err := clientip.Parse(m.Config.TrustedProxies)
	if err != nil {
		return err
	}
	api := &query.Server{
		Clients:  clients,
		Service:  m.Service,
		Verifier: &sigv4.Verifier{Now: m.Now},
		Keys:     m.Keys,
		Uses:     m.Uses,
		Logger:   m.Logger,
		Now:      m.Now,
		Rand:     m.Rand,
	}
	m.API = api
	// The console's sessions are signed with a key derived from the master
	// key: every replica has it, and it never leaves the process.
	mac := hmac.New(sha256.New, mk.keys[0])
	mac.Write([]byte("keyward console sessions v1"))
	web, err := console.New(console.Config{Service: m.Service, Logger: m.Logger, Now: m.Now, Rand: m.Rand,
		SessionKey: mac.Sum(nil), SignInDelay: m.SignInDelay, Clients: clients})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.Handle("/console/", web)
	mux.Handle("GET /favicon.ico", web)
	mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	mux.Handle("/", api)

	ln, err := net.Listen("tcp", m.Config.Listen)
	if err != nil {
		return err
	}
	m.Addr = ln.Addr().String()
	maxConns := m.Config.MaxConnections
	if maxConns == 0 {
		maxConns = connguard.DefaultMax()
	}
	m.Conns = &connguard.Guard{Max: maxConns}
	ln = m.Conns.Listener(ln)
	m.server = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: m.Timeouts.ReadHeader,
		ReadTimeout:       m.Timeouts.Read,
		WriteTimeout:      m.Timeouts.Write,
		IdleTimeout:       m.Timeouts.Idle,
		MaxHeaderBytes:    64 << 10,
		ConnState:         m.Conns.ConnState,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	bg, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.stopped = make(chan struct{})
	if pg, ok := m.Store.(*postgres.Store); ok {
		m.watchReplicas(bg, pg)
	}
	m.done.Add(3)
	go func() {
		defer m.done.Done()
		m.Uses.Run(bg, m.Config.LastUseFlush)
	}()
	go func() {
		defer m.done.Done()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-bg.Done():
				api.FlushAuthLog()
				return
			case <-t.C:
				api.FlushAuthLog()
			}
		}
	}()
	go func() {
		defer m.done.Done()
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("serving", "err", err)
		}
	}()
	attrs := []any{"api", "http://" + m.Addr, "account", account.ID, "data", m.Config.DataDir}
	if creds := filepath.Join(m.Config.DataDir, "root-credentials.csv"); fileExists(creds) {
		attrs = append(attrs, "root_credentials", creds)
	}
	if m.Config.DebugListen != "" {
		if err := m.serveDebug(); err != nil {
			return err
		}
		attrs = append(attrs, "debug", "http://"+m.Config.DebugListen+"/debug/pprof/")
	}
	attrs = append(attrs, "console", "http://"+m.Addr+"/console/")
	m.Logger.Info("keyward serving", attrs...)
	return nil
}

// serveDebug serves Go's profiles on their own address, never on the API's.
func (m *Main) serveDebug() error {
	ln, err := net.Listen("tcp", m.Config.DebugListen)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// Profiles take as long as asked (?seconds=), so no write timeout.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 90 * time.Second}
	go srv.Serve(ln)
	go func() { <-m.stopped; srv.Close() }()
	return nil
}

// wireCaches makes the caches of the request path and subscribes each to
// the changes that touch it: the one place a cache is wired.
func (m *Main) wireCaches() {
	m.Changes = &changes.Bus{}
	keyLists := &cache.Cache[[]keyward.AccessKey]{}
	policySets := &cache.Cache[keyward.Policies]{}
	m.Service.KeyLists, m.Service.PolicySets, m.Service.Changes = keyLists, policySets, m.Changes.Publish
	m.Changes.Subscribe(func(c keyward.Change) {
		if c.Kind == keyward.ChangedAccessKey {
			m.Keys.Invalidate(c.AccessKeyID)
		} else {
			m.Keys.InvalidateAll()
		}
	}, keyward.ChangedAccessKey)
	m.Changes.Subscribe(func(keyward.Change) { keyLists.InvalidateAll() }, keyward.ChangedAccessKey, keyward.ChangedUsers)
	m.Changes.Subscribe(func(keyward.Change) { policySets.InvalidateAll() }, keyward.ChangedPolicies, keyward.ChangedUsers)
}

// watchReplicas delivers the changes other replicas make to this one's
// caches, and prunes the change log (one replica at a time).
func (m *Main) watchReplicas(ctx context.Context, pg *postgres.Store) {
	m.done.Add(2)
	go func() {
		defer m.done.Done()
		pg.WatchAccessKeys(ctx, m.Config.ResyncInterval, m.Logger, func(announced string) {
			m.Changes.Publish(changes.Remote(announced))
		})
	}()
	go func() {
		defer m.done.Done()
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := pg.PruneKeyChanges(ctx, keyChangeRetention); err != nil && ctx.Err() == nil {
					m.Logger.Warn("pruning the key change log", "err", err)
				}
			}
		}
	}()
}

// keyChangeRetention is how long the key change log is kept: far longer
// than any resync interval, so a replica never misses a change to pruning.
const keyChangeRetention = 10 * time.Minute

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
	m.cancel() // the recorder flushes once more as it stops
	close(m.stopped)
	m.done.Wait()
	m.Service.Wait() // a credential report being written
	if cerr := m.Store.Close(); err == nil {
		err = cerr
	}
	m.Logger.Info("keyward stopped")
	return err
}

// initAccount creates the account and the root user's access key at first
// start, and checks at every start that the master key opens the store.
// It sets the service's sealer: in the data directory's files, the key
// that opens the store seals; an interrupted rekey that committed is
// finished here.
func (m *Main) initAccount(ctx context.Context, mk *masterKeys) (keyward.Account, error) {
	sealer, err := mk.sealer(m.Rand)
	if err != nil {
		return keyward.Account{}, err
	}
	m.Service.Sealer = sealer
	account, err := m.Store.Account(ctx)
	if errors.Is(err, keyward.ErrNoAccount) {
		account, err = m.createAccount(ctx, sealer)
	}
	if err != nil {
		return account, err
	}
	if m.Config.AccountID != "" && m.Config.AccountID != account.ID {
		return account, fmt.Errorf("--account-id %s given, but %s already holds account %s", m.Config.AccountID, m.Config.DataDir, account.ID)
	}
	m.Service.Account = account
	opener, err := m.Service.CheckMasterKey(ctx)
	if errors.Is(err, keyward.ErrWrongMasterKey) {
		return account, mk.wrongKey()
	}
	if err != nil {
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
		if err := m.ensureRootKey(ctx, sealer); err != nil {
			return account, err
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

func (m *Main) createAccount(ctx context.Context, sealer *keyward.Sealer) (keyward.Account, error) {
	id := m.Config.AccountID
	if id == "" {
		var err error
		if id, err = keyward.NewAccountID(m.Rand); err != nil {
			return keyward.Account{}, err
		}
	}
	check, err := sealer.SealKeyCheck()
	if err != nil {
		return keyward.Account{}, err
	}
	account := keyward.Account{ID: id, CreatedAt: m.Now().UTC().Truncate(time.Second), KeyCheck: check}
	keyID, secret := m.Config.RootAccessKeyID, m.Config.RootSecretAccessKey
	generated := keyID == ""
	if generated {
		var err error
		if keyID, err = keyward.NewAccessKeyID(m.Rand); err != nil {
			return account, err
		}
		if secret, err = keyward.NewSecretAccessKey(m.Rand); err != nil {
			return account, err
		}
		// Written before the account is committed: a crash in between leaves
		// a file that the next start overwrites, never a key nobody has.
		path := filepath.Join(m.Config.DataDir, "root-credentials.csv")
		if err := writeCredentialsCSV(path, keyID, secret); err != nil {
			return account, err
		}
		m.RootCredentialsPath = path
	}
	sealed, err := sealer.Seal(keyID, secret)
	if err != nil {
		return account, err
	}
	root := keyward.AccessKey{ID: keyID, Status: keyward.StatusActive, CreatedAt: account.CreatedAt, SealedSecret: sealed}
	got, err := m.Store.InitAccount(ctx, account, &root)
	if err != nil {
		return account, err
	}
	if _, err := m.Store.AccessKey(ctx, root.ID); errors.Is(err, keyward.ErrNoSuchAccessKey) {
		// Another replica created the account first; the key written above
		// was never stored.
		if generated {
			os.Remove(m.RootCredentialsPath)
			m.RootCredentialsPath = ""
		}
		m.Logger.Info("the account was created by another replica", "account", got.ID)
		return got, nil
	} else if err != nil {
		return got, err
	}
	m.Logger.Info("created the account", "account", got.ID, "root_arn", got.RootARN())
	if generated {
		m.Logger.Info("the root user's access key is in " + m.RootCredentialsPath)
	}
	return got, nil
}

// ensureRootKey makes the root key named in the environment exist with the
// secret given there.
func (m *Main) ensureRootKey(ctx context.Context, sealer *keyward.Sealer) error {
	id, secret := m.Config.RootAccessKeyID, m.Config.RootSecretAccessKey
	k, err := m.Store.AccessKey(ctx, id)
	if errors.Is(err, keyward.ErrNoSuchAccessKey) {
		sealed, err := sealer.Seal(id, secret)
		if err != nil {
			return err
		}
		_, err = m.Store.CreateAccessKey(ctx, "", keyward.AccessKey{ID: id, Status: keyward.StatusActive,
			CreatedAt: m.Now().UTC().Truncate(time.Second), SealedSecret: sealed})
		if errors.Is(err, keyward.ErrAccessKeyQuota) {
			return errors.New("KEYWARD_ROOT_ACCESS_KEY_ID is new, but the root user already has two access keys")
		}
		return err
	}
	if err != nil {
		return err
	}
	if !k.Root() {
		return errors.New("KEYWARD_ROOT_ACCESS_KEY_ID belongs to an IAM user, not to the root user")
	}
	stored, err := sealer.Open(k.ID, k.SealedSecret)
	if err != nil {
		return err
	}
	if stored != secret {
		return errors.New("KEYWARD_ROOT_SECRET_ACCESS_KEY does not match the stored secret of KEYWARD_ROOT_ACCESS_KEY_ID")
	}
	return nil
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
