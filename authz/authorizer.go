package authz

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/seal"
)

// Authorizer decides who may do what: for the caller a request's context
// carries (keyward.WithCaller), it loads and compiles the principal's
// policies once, caches them, and evaluates each action on each resource
// with the condition keys of the request and of the resource.
type Authorizer struct {
	Store Store
	// Policies is IAM's policy language (package policy).
	Policies keyward.PolicyEngine
	// PolicySets caches each principal's compiled policies, a user's by
	// user ID and a session's by its key ID, so that a decision reads no
	// database; nil loads every time.
	PolicySets keyward.Cache[keyward.Policies]
	// Organizations caches, by account ID, what decisions read of the
	// account's organization (Standing): its SCPs, compiled, and its
	// condition keys; dropped on every Organizations change. Nil reads
	// every time.
	Organizations keyward.Cache[*Standing]
	// Sealer seals the details of a refusal into the authorization message
	// only sts:DecodeAuthorizationMessage opens.
	Sealer *seal.Sealer
	// Now is the clock of the decisions made for other services.
	Now func() time.Time

	// account is the installation's one account (SetAccount).
	account keyward.Account
}

// SetAccount sets the account the installation serves, once, at start-up
// (iam.Service.InitAccount), before any request.
func (a *Authorizer) SetAccount(acct keyward.Account) { a.account = acct }

// Account returns the account ctx's caller acts in: its principal's
// (which authentication took from the key's account), or for the
// service's own work and a caller of the first account the installation's
// first account (SetAccount). Every feature package asks this one
// accessor rather than keeping the account itself. Of another account it
// knows the ID, which is what ARNs and events name, and reads nothing.
func (a *Authorizer) Account(ctx context.Context) keyward.Account {
	rc, internal, ok := keyward.Caller(ctx)
	if !ok || internal || rc.Principal.AccountID == "" || rc.Principal.AccountID == a.account.ID {
		return a.account
	}
	return keyward.Account{ID: rc.Principal.AccountID, Status: keyward.AccountActive}
}

// FirstAccount returns the installation's first account (SetAccount),
// whose entities the store as opened serves: what is read of any other
// account is read through the store's view of it (InAccount), such as the
// role of another account a cross-account AssumeRole names.
func (a *Authorizer) FirstAccount() keyward.Account { return a.account }

// InOtherAccount returns the ID of ctx's caller's account when it is not
// the installation's first account, whose entities the store as opened
// serves: the feature packages read and write through the store's view of
// that account then, and through the store itself otherwise.
func (a *Authorizer) InOtherAccount(ctx context.Context) (string, bool) {
	id := a.Account(ctx).ID
	return id, id != "" && id != a.account.ID
}

// accountScoped is a store that gives views scoped to one account
// (keyward.Store's InAccount).
type accountScoped interface {
	InAccount(id string) keyward.Store
}

// View is the view of store of ctx's caller's account, which every read
// and write of a feature package's entities goes through: store itself in
// the installation's first account, its InAccount view in another. S is
// the feature package's port. InAccount gives a keyward.Store, which need
// not declare every port's methods (a port such as organizations.Store
// adds its own), but the view it returns is the backend's own, which
// implements every port the backend does: the conformance suite checks
// that the views assert to the feature packages' ports
// (storetest/ports.go).
func View[S accountScoped](ctx context.Context, a *Authorizer, store S) S {
	if id, other := a.InOtherAccount(ctx); other {
		return store.InAccount(id).(S)
	}
	return store
}

// store returns the view of the store of ctx's caller's account, where
// the store gives one; a name read here is the caller's account's.
func (a *Authorizer) store(ctx context.Context) Store {
	if sc, ok := a.Store.(accountScoped); ok {
		if id, other := a.InOtherAccount(ctx); other {
			// The view is the backend's own, which implements Store as
			// the backend does (OrgStanding is no method of
			// keyward.Store's): see View.
			return sc.InAccount(id).(Store)
		}
	}
	return a.Store
}

// AuthorizeExternal decides whether ctx's caller may perform another
// service's action (such as "s3:GetObject") on resource, and returns AWS's
// AccessDenied if not. The feature packages decide their own actions with
// Authorize; this is for what other services ask of Keyward. A refusal of
// another service's action carries an encoded authorization message, as
// some AWS services' do, which sts:DecodeAuthorizationMessage reads
// (OpenMessage).
func (a *Authorizer) AuthorizeExternal(ctx context.Context, action, resource string) error {
	err := a.Authorize(ctx, action, resource)
	var e *keyward.Error
	if errors.As(err, &e) && e.Code == keyward.EAccessDenied && !strings.HasPrefix(action, "iam:") && !strings.HasPrefix(action, "sts:") {
		if msg, encErr := a.encodeDenial(ctx, action, resource); encErr == nil {
			return keyward.Errorf(keyward.EAccessDenied, "%s. Encoded authorization failure message: %s", e.Message, msg)
		}
	}
	return err
}

// Authorize decides whether ctx's caller may perform action on resource,
// and returns AWS's AccessDenied if not.
func (a *Authorizer) Authorize(ctx context.Context, action, resource string) error {
	return a.AuthorizeWith(ctx, action, resource, nil)
}

// Principal returns ctx's calling principal; the service's own work acts
// as the root user.
func (a *Authorizer) Principal(ctx context.Context) (keyward.Principal, error) {
	rc, internal, ok := keyward.Caller(ctx)
	switch {
	case !ok:
		return keyward.Principal{}, keyward.ErrNoCaller
	case internal:
		return keyward.Principal{AccountID: a.Account(ctx).ID, Root: true}, nil
	}
	return rc.Principal, nil
}
