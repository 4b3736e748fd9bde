// Package kwtest gives package tests a real Keyward without the whole
// server: the feature packages (iam, sts, report, authz) on a SQLite store
// in a temporary directory, and the Query API and the verifier protocol in
// front of them, so that the feature packages, query, console, cli, verify
// and guard test their own code against real parts; a clock the test
// moves, and the AWS SDK's clients for the API.
package kwtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/awsjson"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/changes"
	"github.com/keyward/keyward/internal/lastuse"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/oidc"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/password"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/query"
	"github.com/keyward/keyward/report"
	"github.com/keyward/keyward/saml"
	"github.com/keyward/keyward/seal"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/sqlite"
	"github.com/keyward/keyward/sts"
	"github.com/keyward/keyward/verify"
	"github.com/keyward/keyward/webhook"
)

// Root credentials of the test account.
const (
	AccountID  = "123456789012"
	RootKeyID  = "AKIAKEYWARDPKGTEST01"
	RootSecret = "keywardPackageTestRootSecretKey000000000"
)

// Keyward is the feature packages with their store, keyring, Query API
// and verifier protocol.
type Keyward struct {
	IAM     *iam.Service
	STS     *sts.Service
	Reports *report.Service
	// Lifecycle is the key lifecycle, not started: a test sweeps with
	// Lifecycle.Run at the moments its clock is set to.
	Lifecycle *lifecycle.Service
	Authz     *authz.Authorizer
	// Organizations is AWS Organizations, served by package awsjson in
	// front of the Query API on URL.
	Organizations *organizations.Service
	Keys          *sigv4.Keyring
	API           *query.Server
	// Store is the SQLite store under the feature packages.
	Store *sqlite.Store
	// Uses records last use; Flush writes it, as the server's loop would.
	Uses *lastuse.Recorder
	// Audit receives the API's audit events; Flush writes them to the
	// store, where LookupEvents reads them.
	Audit *audit.Recorder
	// AuditStream is every event streamed as JSON lines, as --audit-log
	// writes them. When the test ends, unless it failed, none may hold a
	// secret (SecretInEvents).
	AuditStream *Buffer
	// Log is everything the feature packages and the API logged.
	Log *Buffer
	// Dir is the data directory, holding the database keyward.db.
	Dir string
	// Webhooks is the webhook delivery engine on the store's outbox,
	// notified by the store as keyward serve's is; StartWebhooks starts
	// it, or a test that drives the clock calls its DeliverDue.
	Webhooks *webhook.Engine

	opts Options
	// URL is the Query API's, served by an httptest server.
	URL string
	// Socket is the unix socket of the verifier protocol.
	Socket string
}

// New makes a Keyward for the test, closed when it ends.
func New(t testing.TB) *Keyward {
	t.Helper()
	return NewWithClock(t, time.Now)
}

// NewWithClock is New with the feature packages' and the API's clock
// injected (the signature check keeps the real one: SDKs sign with it).
func NewWithClock(t testing.TB, now func() time.Time) *Keyward {
	t.Helper()
	return NewWithOptions(t, Options{Now: now})
}

// Options are what keyward serve lets an operator configure that tests
// change.
type Options struct {
	// Now is the feature packages' and the API's clock (time.Now when nil).
	Now func() time.Time
	// ReportMaxAge is how long a credential report is served (0: a new
	// one every time, as report.Service's CredentialReportMaxAge).
	ReportMaxAge time.Duration
	// Rand is the randomness of IDs, keys, seals and request IDs
	// (crypto/rand when nil): a seeded one makes responses repeatable.
	Rand io.Reader
	// SignatureNow is the clock signatures are checked against (time.Now
	// when nil, since SDKs sign with the real time); a test that signs at
	// a fixed time sets it to that time.
	SignatureNow func() time.Time
	// RootKeyID and RootSecret are the root user's key (RootKeyID and
	// RootSecret when empty).
	RootKeyID, RootSecret string
	// OIDCAllowPrivate lets web identity providers be on private
	// addresses, as a test's issuer on loopback is.
	OIDCAllowPrivate bool
	// Quotas are IAM's quotas (AWS's when zero).
	Quotas keyward.Quotas
	// WebhookAllowPrivate lets webhook subscriptions and deliveries reach
	// private addresses, as a test's receiver on loopback is.
	WebhookAllowPrivate bool
	// MaxOrganizationAccounts is keyward serve's
	// --max-organization-accounts: its default, AWS's quota, when zero;
	// no bound when negative. MaxFirstOrganizationAccounts is its
	// --max-first-organization-accounts: no bound when zero, as its
	// default.
	MaxOrganizationAccounts, MaxFirstOrganizationAccounts int
}

// NewWithOptions is New with options.
func NewWithOptions(t testing.TB, o Options) *Keyward {
	t.Helper()
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.SignatureNow == nil {
		o.SignatureNow = time.Now
	}
	if o.RootKeyID == "" {
		o.RootKeyID, o.RootSecret = RootKeyID, RootSecret
	}
	return open(t, t.TempDir(), o)
}

// Replica is another Keyward on k's database and clock, as another
// replica of keyward serve, or the same one restarted, would be: it shares
// nothing with k in memory.
func (k *Keyward) Replica(t testing.TB) *Keyward {
	t.Helper()
	return open(t, k.Dir, k.opts)
}

// open makes a Keyward on the database in dir, made when new.
func open(t testing.TB, dir string, o Options) *Keyward {
	t.Helper()
	now, rnd := o.Now, o.Rand
	ctx := context.Background()
	path := filepath.Join(dir, "keyward.db")
	CopyMigrated(t, path)
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := seal.New(make([]byte, seal.KeySize), rnd)
	if err != nil {
		t.Fatal(err)
	}
	log := &Buffer{}
	logger := slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	uses := &lastuse.Recorder{Store: st, Logger: logger}
	a := &authz.Authorizer{Store: st, Policies: policy.Engine{}, Sealer: sealer, Now: now}
	s := &iam.Service{Store: st, Sealer: sealer, Authz: a, Policies: policy.Engine{}, Now: now, Rand: rnd, Uses: uses,
		Logger: logger, Passwords: &password.Hasher{Memory: 1024, Time: 1, Threads: 1, Rand: rnd}, WebhookAllowPrivate: o.WebhookAllowPrivate,
		Quotas: o.Quotas}
	if _, _, err := s.InitAccount(ctx, iam.Bootstrap{AccountID: AccountID, RootKeyID: o.RootKeyID, RootSecret: o.RootSecret}); err != nil {
		t.Fatal(err)
	}
	if err := s.InstallAWSManagedPolicies(keyward.Internal(ctx)); err != nil {
		t.Fatal(err)
	}
	t2 := &sts.Service{Store: st, Sealer: sealer, Authz: a, IAM: s, Policies: policy.Engine{}, Now: now, Rand: rnd, Uses: uses,
		WebIdentity: &oidc.Verifier{Now: now, AllowPrivate: o.OIDCAllowPrivate}}
	r := &report.Service{Store: st, Authz: a, Policies: policy.Engine{}, Now: now, Rand: rnd, Uses: uses, Logger: logger,
		CredentialReportMaxAge: o.ReportMaxAge}
	r.Start(ctx)
	t.Cleanup(func() { r.Close() })
	k := &Keyward{IAM: s, STS: t2, Reports: r, Authz: a, Keys: sigv4.NewKeyring(s.Credential, 0), Store: st, Uses: uses,
		AuditStream: &Buffer{}, Log: log, Dir: dir, opts: o}
	k.Audit = &audit.Recorder{Store: st, Logger: logger, Stream: k.AuditStream}
	k.Webhooks, err = webhook.New(webhook.Config{Outbox: st, Secrets: sealer, AllowPrivate: o.WebhookAllowPrivate, Now: now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	st.WireWebhooks("keyward.test", k.Webhooks.Notify)
	t.Cleanup(func() { k.Webhooks.Close() })
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		if _, err := SecretInEvents(k.AuditStream.String()); err != nil {
			t.Errorf("the audit trail of the test: %v", err)
		}
	})
	k.Keys.OpenSession, k.Keys.Now = t2.OpenSession, now
	changes.Wire(s, a, k.Keys)
	k.Lifecycle = &lifecycle.Service{Store: st, Authz: a, Now: now, Rand: rnd, Uses: uses, Changes: s.Changes, Logger: logger, Closed: s.AccountClosed}
	t.Cleanup(func() { k.Lifecycle.Close() })
	k.API = &query.Server{Services: query.Services{IAM: s, STS: t2, Reports: r, Lifecycle: k.Lifecycle}, Verifier: &sigv4.Verifier{Now: o.SignatureNow}, Keys: k.Keys, Uses: uses, Logger: logger,
		Now: now, Rand: rnd, Audit: k.Audit}
	k.Organizations = &organizations.Service{Store: st, Authz: a, Policies: policy.Engine{}, Now: now, Rand: rnd, Changes: s.Changes,
		MaxAccounts: max(o.MaxOrganizationAccounts, 0), MaxFirstAccounts: o.MaxFirstOrganizationAccounts}
	if o.MaxOrganizationAccounts == 0 {
		k.Organizations.MaxAccounts = organizations.DefaultMaxAccounts
	}
	srv := httptest.NewServer(&awsjson.Server{Organizations: k.Organizations, Auth: k.API, Next: k.API, Logger: logger, Audit: k.Audit, Now: now, Rand: rnd})
	t.Cleanup(srv.Close)
	k.URL = srv.URL
	// Keyward's SAML endpoint is the test server's: <URL>/saml.
	t2.SAML = &saml.ServiceProvider{BaseURL: srv.URL, Now: now}

	// The verifier protocol, on a unix socket as keyward serve offers it.
	sockDir, err := os.MkdirTemp("", "kw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	k.Socket = filepath.Join(sockDir, "verify.sock") // short: a socket path has at most 107 bytes
	ln, err := net.Listen("unix", k.Socket)
	if err != nil {
		t.Fatal(err)
	}
	vs := &http.Server{Handler: &verify.Protocol{Authz: a, Verifier: &sigv4.Verifier{Now: o.SignatureNow}, Keys: k.Keys, Uses: uses,
		Logger: logger, Now: o.SignatureNow}}
	go vs.Serve(ln)
	t.Cleanup(func() { vs.Close() })
	return k
}

// migrated is a SQLite database at the schema this build writes, holding
// nothing, made once for the test binary.
var migrated struct {
	once sync.Once
	db   []byte
	err  error
}

// CopyMigrated puts a copy of migrated at path (making its directory)
// when there is no database there yet: running every migration was most
// of what a Keyward, or a keyward process of cmd/keyward's tests, cost to
// start, and a package's tests start hundreds. sqlite.Open still opens
// the copy as any database, finding it at its schema; what migrating does
// is the sqlite and postgres packages' tests'.
func CopyMigrated(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return
	}
	migrated.once.Do(func() {
		tmp, err := os.MkdirTemp("", "keyward-migrated")
		if err != nil {
			migrated.err = err
			return
		}
		defer os.RemoveAll(tmp)
		st, err := sqlite.Open(context.Background(), filepath.Join(tmp, "keyward.db"))
		if err != nil {
			migrated.err = err
			return
		}
		if err := st.Close(); err != nil {
			migrated.err = err
			return
		}
		migrated.db, migrated.err = os.ReadFile(filepath.Join(tmp, "keyward.db"))
	})
	if migrated.err != nil {
		t.Fatal(migrated.err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, migrated.db, 0o600); err != nil {
		t.Fatal(err)
	}
}

// OpenStore opens a SQLite store in a temporary directory, closed when
// the test ends: the store of the tests that build a feature package's
// Service by hand rather than a whole Keyward.
func OpenStore(t testing.TB) *sqlite.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "k.db")
	CopyMigrated(t, path)
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// InitAccount makes the test account in st, created at now(), and returns
// an authorizer of it on that clock, sealing refusals' details with
// sealer (none when nil).
func InitAccount(t testing.TB, st *sqlite.Store, sealer *seal.Sealer, now func() time.Time) *authz.Authorizer {
	t.Helper()
	a, err := st.InitAccount(context.Background(), keyward.Account{ID: AccountID, CreatedAt: now()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	az := &authz.Authorizer{Store: st, Policies: policy.Engine{}, Sealer: sealer, Now: now}
	az.SetAccount(a)
	return az
}

// StartWebhooks starts delivering webhook events in the background, as
// keyward serve does, until the test ends.
func (k *Keyward) StartWebhooks() { k.Webhooks.Start() }

// AsRoot returns ctx with the root user as the caller.
func AsRoot(ctx context.Context) context.Context { return AsRootOf(ctx, AccountID) }

// AsRootOf returns ctx with the root user of the account whose ID is
// account as the caller.
func AsRootOf(ctx context.Context, account string) context.Context {
	return keyward.WithCaller(ctx, &keyward.RequestContext{Principal: keyward.Principal{AccountID: account, Root: true}, CurrentTime: time.Now()})
}

// User makes an IAM user with an inline policy (none when empty) and an
// access key, and returns the key's ID and secret.
func (k *Keyward) User(t testing.TB, name, policy string) (id, secret string) {
	t.Helper()
	return k.UserIn(t, AccountID, name, policy)
}

// Account makes another account of the installation, active and in no
// organization (a tenant the operator made), with an access key of its
// root user, as keyward create-root-key gives it; it returns the key's ID
// and secret.
func (k *Keyward) Account(t testing.TB, id string) (rootID, rootSecret string) {
	t.Helper()
	ctx := context.Background()
	if err := k.Store.CreateAccount(ctx, keyward.Account{ID: id, Status: keyward.AccountActive, CreatedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	key, secret, err := k.IAM.CreateAccountRootKey(keyward.Internal(ctx), id)
	if err != nil {
		t.Fatal(err)
	}
	return key.ID, secret
}

// UserIn is User in the account of the installation whose ID is account.
func (k *Keyward) UserIn(t testing.TB, account, name, policy string) (id, secret string) {
	t.Helper()
	ctx := AsRootOf(context.Background(), account)
	if _, err := k.IAM.CreateUser(ctx, name, "/", nil); err != nil {
		t.Fatal(err)
	}
	if policy != "" {
		if err := k.IAM.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: name}, "p", policy); err != nil {
			t.Fatal(err)
		}
	}
	key, secret, err := k.IAM.CreateAccessKey(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return key.ID, secret
}

// RoleSessionIn makes a role named role in the account of the
// installation whose ID is account, trusting the first account (trust:
// its ID, or its root user's ARN, as a trust policy names it) and holding
// policy inline, and returns the session of it that the first account's
// user userName assumes, named session.
func (k *Keyward) RoleSessionIn(t testing.TB, account, role, trust, policy, userName, session string) keyward.AssumedRole {
	t.Helper()
	ctx := context.Background()
	asAccount := AsRootOf(ctx, account)
	if _, err := k.IAM.CreateRole(asAccount, keyward.Role{Name: role,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + trust + `"},"Action":"sts:AssumeRole"}]}`}); err != nil {
		t.Fatal(err)
	}
	if err := k.IAM.PutInlinePolicy(asAccount, keyward.Entity{Kind: keyward.EntityRole, Name: role}, "p", policy); err != nil {
		t.Fatal(err)
	}
	u, err := k.IAM.User(AsRoot(ctx), userName)
	if err != nil {
		t.Fatal(err)
	}
	asUser := keyward.WithCaller(ctx, &keyward.RequestContext{CurrentTime: time.Now(),
		Principal: keyward.Principal{AccountID: AccountID, UserID: u.ID, UserName: u.Name, UserPath: u.Path}})
	s, err := k.STS.AssumeRole(asUser, keyward.AssumeRoleInput{RoleARN: "arn:aws:iam::" + account + ":role/" + role, SessionName: session})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Buffer is a log the test reads while the server writes it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
