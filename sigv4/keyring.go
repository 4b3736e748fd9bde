package sigv4

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/cache"
)

// Key is a cached access key: its owner, whether it may sign, and the
// signing keys derived from its secret.
type Key struct {
	ID        string
	Active    bool
	Principal keyward.Principal
	// Session is set for temporary credentials: when they expire, and when
	// their session was authenticated with MFA (zero without).
	Session    bool
	MFAAt      time.Time
	Expiration time.Time
	// ExpiresAt is a long-term key's expiry date (zero: none); from then
	// Get yields the key inactive.
	ExpiresAt time.Time
	// ARN is the principal's ARN, made once rather than per request.
	ARN string
	// Owner is the account the key's ID was found in: a stored key's,
	// or the account a session token Keyward sealed names, whether the
	// key may sign or not (deactivated, past its expiry date, of a
	// closed account, a session past its expiration); "" for an ID that
	// names no key Keyward made. A failed authentication is recorded in
	// this account's audit trail.
	Owner  string
	secret string

	mu      sync.RWMutex
	derived map[string]*SigningKey // by credential scope
}

// UseID names what a use of the key is recorded against: a role
// session's use is its role's (RoleLastUsed), a key's its own.
func (k *Key) UseID() string {
	if k.Principal.IsRoleSession() {
		return k.Principal.RoleID
	}
	return k.ID
}

// maxDerived bounds the signing keys kept per access key; a client rarely
// signs for more than a few (date, region, service) scopes at once.
const maxDerived = 16

// Derive returns the signing key (kSigning) of this access key for one
// credential scope, for a service that checks signatures itself: the key,
// never the secret. Like SigningKey, it derives once per scope.
func (k *Key) Derive(date, region, service string) [32]byte {
	return k.signingKey(date+"/"+region+"/"+service+"/aws4_request", date, region, service).raw
}

// SigningKey returns the signing key for a's scope, deriving it once.
func (k *Key) SigningKey(a *Auth) *SigningKey {
	return k.signingKey(a.Scope, a.Date, a.Region, a.Service)
}

func (k *Key) signingKey(scope, date, region, service string) *SigningKey {
	k.mu.RLock()
	d := k.derived[scope]
	k.mu.RUnlock()
	if d != nil {
		return d
	}
	d = NewSigningKey(k.secret, date, region, service)
	k.mu.Lock()
	if len(k.derived) >= maxDerived || k.derived == nil {
		k.derived = make(map[string]*SigningKey)
	}
	k.derived[strings.Clone(scope)] = d
	k.mu.Unlock()
	return d
}

// Keyring is a bounded in-memory cache of access keys, so authentication
// does not read the database per request. Every change to a key must call
// Invalidate; it is then reloaded on its next use.
type Keyring struct {
	// Load reads a key's credential from the store; it returns an error
	// matching keyward.ErrNoSuchAccessKey for an unknown ID.
	Load func(ctx context.Context, id string) (keyward.Credential, error)
	// OpenSession authenticates a session token for a temporary access key
	// ID (iam.Service.OpenSession); nil refuses every session token. A
	// token it refuses though it sealed it (expired, of a closed account)
	// comes with a Credential whose Principal names only the account.
	OpenSession func(ctx context.Context, id, token string) (keyward.Credential, error)
	// Now is the clock a cached session's expiration is checked against.
	Now func() time.Time
	// Closed reports whether an account was closed
	// (iam.Service.AccountClosed, cached): every key and session of a
	// closed account's principals is refused, from the request after the
	// closure on, though the key or the opened token is cached. Nil
	// closes none.
	Closed func(ctx context.Context, accountID string) (bool, error)

	keys cache.Cache[*Key]
	// sessions caches opened session tokens, by key ID and token, so that a
	// session's requests cost what a long-term key's do: the token is
	// opened, and its signing keys derived, once.
	sessions cache.Cache[*Key]
}

// maxSessions bounds the opened session tokens kept.
const maxSessions = 10000

// NewKeyring returns a keyring of at most max keys (0: 100,000).
func NewKeyring(load func(ctx context.Context, id string) (keyward.Credential, error), max int) *Keyring {
	r := &Keyring{Load: load}
	r.keys.Max = max
	r.sessions.Max = maxSessions
	return r
}

// Get returns the cached key for id, loading it on a miss. A key past
// its expiry date yields an inactive Key at once, on every replica, before
// the lifecycle sweep deactivates it in the store. An unknown ID
// yields a Key with Active false and no secret, cached so that a flood of
// requests with made-up IDs costs no database reads, and refused like an
// inactive key. An ID that is not well formed is never looked up nor
// cached: it yields an inactive Key at once.
//
// id is usually a substring of a request header; what the cache keeps is a
// copy, so that no entry pins the memory of the request it came from.
func (r *Keyring) Get(ctx context.Context, id string) (*Key, error) {
	if !keyward.WellFormedAccessKeyID(id) {
		return &Key{}, nil
	}
	k, err := r.keys.Get(ctx, id, func(ctx context.Context) (*Key, error) {
		id := strings.Clone(id) // the Key outlives the request too
		cred, err := r.Load(ctx, id)
		switch {
		case errors.Is(err, keyward.ErrNoSuchAccessKey):
			return &Key{ID: id}, nil
		case err != nil:
			return nil, err
		}
		return &Key{ID: cred.AccessKeyID, Active: cred.Active, Principal: cred.Principal, ARN: cred.Principal.ARN(), secret: cred.Secret,
			ExpiresAt: cred.ExpiresAt, Owner: cred.Principal.AccountID}, nil
	})
	if err == nil && k.Active && !k.ExpiresAt.IsZero() && !r.now().Before(k.ExpiresAt) {
		return &Key{ID: k.ID, Owner: k.Owner}, nil
	}
	if err == nil && k.Active {
		return r.open(ctx, k)
	}
	return k, err
}

// open returns k, or an inactive Key when its principal's account is
// closed, refused as an unknown key is: a closed account's principals are
// nobody.
func (r *Keyring) open(ctx context.Context, k *Key) (*Key, error) {
	if r.Closed == nil {
		return k, nil
	}
	closed, err := r.Closed(ctx, k.Principal.AccountID)
	switch {
	case err != nil:
		return nil, err
	case closed:
		return &Key{ID: k.ID, Owner: k.Owner}, nil
	}
	return k, nil
}

// Invalidate drops id from the cache.
func (r *Keyring) Invalidate(id string) { r.keys.Invalidate(id) }

// InvalidateAll empties the cache.
func (r *Keyring) InvalidateAll() { r.keys.InvalidateAll() }

// InvalidateSessions forgets every opened session token, so that each is
// opened, and its accounts checked, again on its next use.
func (r *Keyring) InvalidateSessions() { r.sessions.InvalidateAll() }

// Stats returns the hits and loads of the keyring's caches: long-term keys
// and opened session tokens together.
func (r *Keyring) Stats() (hits, loads uint64) {
	kh, kl := r.keys.Stats()
	sh, sl := r.sessions.Stats()
	return kh + sh, kl + sl
}

// Len returns the number of cached entries.
func (r *Keyring) Len() int { return r.keys.Len() }

// Authenticate parses and verifies r's signature against the keyring and
// returns the key that signed it. Unknown and inactive keys are refused with
// InvalidClientTokenId, as AWS does. The Auth it returns names, refused
// or not, the account the key ID was found in (KeyAccount).
func (v *Verifier) Authenticate(ctx context.Context, r *http.Request, body []byte, ring *Keyring) (*Key, Auth, error) {
	a, err := Parse(r)
	if err != nil {
		return nil, a, err
	}
	var k *Key
	if a.SecurityToken != "" {
		k, err = ring.Session(ctx, a.AccessKeyID, a.SecurityToken)
	} else {
		k, err = ring.Get(ctx, a.AccessKeyID)
	}
	if k != nil {
		a.KeyAccount = k.Owner
	}
	if err != nil {
		return nil, a, err
	}
	if !k.Active {
		return nil, a, keyward.Errorf(keyward.EInvalidClientTokenID, "The security token included in the request is invalid.")
	}
	if err := v.Verify(r, body, &a, k.SigningKey(&a)); err != nil {
		return nil, a, err
	}
	return k, a, nil
}

// Session authenticates temporary credentials from their token: nothing
// is read, the token holds it all (opened tokens are cached). A token that
// is not valid for the key yields an inactive Key, refused like an unknown
// key; an expired one AWS's ExpiredToken, with a Key that only names its
// Owner.
func (r *Keyring) Session(ctx context.Context, id, token string) (*Key, error) {
	if r.OpenSession == nil || !keyward.WellFormedAccessKeyID(id) || !strings.HasPrefix(id, "ASIA") {
		return &Key{}, nil
	}
	expired := keyward.Errorf(keyward.EExpiredToken, "The security token included in the request is expired")
	// owner is the account of a token Keyward sealed that is refused
	// (expired, of a closed account); a forged token names none.
	var owner string
	k, err := r.sessions.Get(ctx, id+"\x00"+token, func(ctx context.Context) (*Key, error) {
		cred, err := r.OpenSession(ctx, id, token)
		owner = cred.Principal.AccountID
		switch {
		case errors.Is(err, keyward.ErrExpiredToken):
			return nil, expired
		case err != nil:
			return nil, err // not cached: a forged token costs one open each time
		}
		return &Key{ID: strings.Clone(id), Active: true, Principal: cred.Principal, ARN: cred.Principal.ARN(), secret: cred.Secret,
			Session: true, MFAAt: cred.MFAAt, Expiration: cred.Expiration, Owner: cred.Principal.AccountID}, nil
	})
	switch {
	case errors.Is(err, expired):
		return &Key{Owner: owner}, err
	case err != nil:
		return &Key{Owner: owner}, nil
	}
	if now := r.now(); !now.Before(k.Expiration) {
		r.sessions.Invalidate(id + "\x00" + token)
		return &Key{Owner: k.Owner}, expired
	}
	// A session is of its role's or its user's account, which the token
	// names: a session of a closed account's role is refused whoever
	// assumed it.
	return r.open(ctx, k)
}

func (r *Keyring) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
