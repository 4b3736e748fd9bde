package iam

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/seal"
)

// Service applies IAM's rules to users and access keys on top of a Store.
// The API and the console both call it, so the rules live only here, who
// may do what included: every method a transport calls takes the caller
// from the context (WithCaller) and authorises it, on every resource it
// touches. Callers validate input against the model shapes; Service trusts
// its arguments to be well-formed.
type Service struct {
	Store  Store
	Sealer *seal.Sealer
	// Authz decides access (package authz); every method asks it first.
	// It also knows the account callers act in (account).
	Authz *authz.Authorizer
	// Policies is IAM's policy language (package policy).
	Policies keyward.PolicyEngine
	// Now and Rand are the clock and the randomness for IDs and secrets.
	Now  func() time.Time
	Rand io.Reader
	// Uses holds last-use data not yet flushed to the store; may be nil.
	Uses keyward.PendingUses
	// Changes, when set, is told of every change the Service makes, for
	// the caches it touches (the change bus).
	Changes func(keyward.Change)
	// KeyLists caches each owner's access keys (two at most) by folded user
	// name ("" for root), so that ListAccessKeys, among the most frequent
	// calls, reads no database; nil loads every time.
	KeyLists keyward.Cache[[]keyward.AccessKey]
	// Roles caches roles with their compiled trust policies by folded name,
	// for package sts (Assumable).
	Roles keyward.Cache[*keyward.AssumableRole]
	// AccountsClosed caches whether each account is closed, by ID, so
	// that authentication asks it of every request without reading the
	// store; a closure announces keyward.ChangedOrganizations, which
	// empties it on every replica.
	AccountsClosed keyward.Cache[bool]

	// Quotas are the account's IAM quotas; the zero value stands for
	// AWS's (keyward.DefaultQuotas).
	Quotas keyward.Quotas

	// WebhookAllowPrivate lets webhook subscriptions name loopback,
	// private and link-local addresses (--webhook-allow-private).
	WebhookAllowPrivate bool

	// Passwords hashes console passwords.
	Passwords keyward.PasswordHasher
	// Logger tells what start-up did (InitAccount).
	Logger *slog.Logger

	// decoy is the hash a refusal of an unknown user is checked against
	// (decoyRefusal).
	decoy atomic.Pointer[string]

	// oldPasswordGuesses limits ChangePassword's wrong old passwords
	// (passwordGuesses).
	oldPasswordGuesses passwordGuesses
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

// Account is the account ctx's caller acts in: the one place the Service
// learns it (see authz.Authorizer.Account).
func (s *Service) Account(ctx context.Context) keyward.Account { return s.Authz.Account(ctx) }

// encodeMarker makes an opaque pagination marker from the last item's key.
func encodeMarker(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + last))
}

func decodeMarker(m string) (string, error) {
	if m == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(m)
	if err != nil || len(b) < 4 || string(b[:3]) != "v1:" {
		return "", keyward.Errorf(keyward.EValidationError, "Invalid Marker.")
	}
	return string(b[3:]), nil
}

func valueOr(p *string, def string) string {
	if p != nil {
		return *p
	}
	return def
}

// pageBy runs one page of a listing after an opaque marker and returns the
// next marker.
func pageBy[T any](marker string, list func(after string) ([]T, bool, error), key func(T) string) ([]T, string, error) {
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	items, more, err := list(after)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more && len(items) > 0 {
		next = encodeMarker(key(items[len(items)-1]))
	}
	return items, next, nil
}

func orRoot(prefix string) string {
	if prefix == "" {
		return "/"
	}
	return prefix
}

// log returns the Service's logger, or one that discards.
func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// quotas returns the IAM quotas in force.
func (s *Service) quotas() keyward.Quotas {
	if s.Quotas == (keyward.Quotas{}) {
		return keyward.DefaultQuotas()
	}
	return s.Quotas
}

// entityQuotas returns how many managed policies an entity of kind may
// have attached, and the size its inline policies may have together.
func entityQuotas(q keyward.Quotas, kind string) (attached, inlineSize int) {
	switch kind {
	case keyward.EntityGroup:
		return q.AttachedPoliciesPerGroup, q.GroupPolicySize
	case keyward.EntityRole:
		return q.AttachedPoliciesPerRole, q.RolePolicySize
	}
	return q.AttachedPoliciesPerUser, q.UserPolicySize
}

// quotaError is AWS's answer when a store write would exceed the quota
// named, of max; other errors pass.
func quotaError(err error, quota string, max int) error {
	if errors.Is(err, keyward.ErrQuotaExceeded) {
		return keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for %s: %d", quota, max)
	}
	return err
}

// checkPolicySize refuses a document larger than max, as IAM counts it,
// with AWS's answer for the quota named.
func checkPolicySize(document, quota string, max int) error {
	if keyward.PolicySize(document) > max {
		return keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for %s: %d", quota, max)
	}
	return nil
}

// changing returns the store ctx's request's change is written through:
// its audit event commits with the change (keyward.Changing).
func (s *Service) changing(ctx context.Context) keyward.Store {
	return keyward.Changing(ctx, s.store(ctx))
}

// cacheKey is the key of a cache entry named by an entity's name: names
// are unique per account, so that another account's entry is keyed by its
// account besides (the first account's by the name alone, as before).
func (s *Service) cacheKey(ctx context.Context, name string) string {
	if id, other := s.Authz.InOtherAccount(ctx); other {
		return id + "\x00" + name
	}
	return name
}

// store is the view of the store of ctx's caller's account: every read
// and write of IAM's entities goes through it, so that a caller sees and
// changes its own account's alone.
func (s *Service) store(ctx context.Context) keyward.Store {
	// The operator's commands (keyward reset-root-mfa) run without an
	// Authorizer, on the installation's first account.
	if s.Authz == nil {
		return s.Store
	}
	return authz.View(ctx, s.Authz, s.Store)
}

// storeOf is the view of the store of the account whose ID is account,
// which need not be the caller's: the account a role ARN or a trust
// policy's principal names.
func (s *Service) storeOf(account string) keyward.Store {
	if account == s.Authz.FirstAccount().ID {
		return s.Store
	}
	return s.Store.InAccount(account)
}

// respond sets what ctx's pending event shows of the change's result, as
// CloudTrail's responseElements do for a created entity (never a secret):
// the Service knows it before the store writes the event with the change.
func respond(ctx context.Context, element string, fields map[string]any) {
	if pe, ok := keyward.EventFrom(ctx); ok && !pe.Claimed() {
		pe.Event.ResponseElements = map[string]any{element: fields}
	}
}

func eventTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// subject resolves the user an action names: userName when given,
// otherwise the caller itself ("" for the root user), as AWS does for
// access keys, login profiles and GetUser.
func (s *Service) subject(ctx context.Context, userName string) (string, error) {
	if userName != "" {
		return userName, nil
	}
	p, err := s.Authz.Principal(ctx)
	if err != nil || p.Root {
		return "", err
	}
	if !p.IsUser() {
		return "", errNotUser
	}
	return p.UserName, nil
}

// entityAction names the IAM action of an operation on a user or a group,
// such as iam:PutUserPolicy or iam:PutGroupPolicy.
func entityAction(verb string, e keyward.Entity, noun string) string {
	switch e.Kind {
	case keyward.EntityGroup:
		return "iam:" + verb + "Group" + noun
	case keyward.EntityRole:
		return "iam:" + verb + "Role" + noun
	}
	return "iam:" + verb + "User" + noun
}

// publish hands a change to the subscribers, if any.
func (s *Service) publish(c keyward.Change) {
	if s.Changes != nil {
		s.Changes(c)
	}
}
