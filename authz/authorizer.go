package authz

import (
	"context"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/seal"
)

// Authorizer decides who may do what: for the caller a request's context
// carries (keyward.WithCaller), it loads and compiles the principal's
// policies once, caches them, and evaluates each action on each resource
// with the condition keys of the request and of the resource.
type Authorizer struct {
	Store keyward.Store
	// Policies is IAM's policy language (package policy).
	Policies keyward.PolicyEngine
	// PolicySets caches each principal's compiled policies, a user's by
	// user ID and a session's by its key ID, so that a decision reads no
	// database; nil loads every time.
	PolicySets keyward.Cache[keyward.Policies]
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

// Account returns the account ctx's caller acts in. Every feature package
// asks this one accessor rather than keeping the account itself: there is
// one account per installation today, and when there are several the
// answer comes from the caller, here, and nowhere else changes.
func (a *Authorizer) Account(ctx context.Context) keyward.Account { return a.account }
