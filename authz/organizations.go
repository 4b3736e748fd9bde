package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/cache"
	"github.com/keyward/keyward/policy"
)

// Service control policies in every decision. A principal of a member
// account of an organization (its root user included; never a principal of
// the management account) may do only what the SCPs of every level from
// the organization's root through each OU to the account allow, whatever
// its own policies say, and nothing any of them denies. What a decision
// needs of an account's organization is read once per account (Standing)
// and cached (Organizations) until an Organizations change: the SCPs,
// compiled, and the organization's condition keys.

// Standing is what decisions read of one account's place in an
// organization.
type Standing struct {
	// OrgID and Path are the account's organization and its path in it
	// (aws:PrincipalOrgID and aws:PrincipalOrgPaths of its principals,
	// aws:ResourceOrgID and aws:ResourceOrgPaths of its resources); ""
	// for an account in no organization.
	OrgID, Path string
	// SCPs limit every principal of the account, compiled with a policy
	// that allows everything as the identity's, so that they allow exactly
	// what the SCPs do; nil when nothing limits the account (no
	// organization, SCPs not enabled, the management account).
	SCPs keyward.Policies
	// Sources are the SCPs as policy sources, one level each (a level
	// without an SCP as a source without a document): what a simulation
	// adds to a principal's own policies.
	Sources []keyward.PolicySource
}

// standalone is the Standing of an account in no organization.
var standalone = &Standing{}

// standing returns what decisions read of accountID's organization, from
// the cache when it has it.
func (a *Authorizer) standing(ctx context.Context, accountID string) (*Standing, error) {
	if st, ok := cache.Cached(a.Organizations, accountID); ok {
		return st, nil
	}
	return cache.LoadThrough(ctx, a.Organizations, accountID, func(ctx context.Context) (*Standing, error) {
		return a.loadStanding(ctx, accountID)
	})
}

// loadStanding reads and compiles an account's standing. A level without
// an SCP (never left so by the store while SCPs are enabled) allows
// nothing; more levels than a decision takes fail every decision of the
// account rather than drop one.
func (a *Authorizer) loadStanding(ctx context.Context, accountID string) (*Standing, error) {
	o, err := a.Store.OrgStanding(ctx, accountID)
	if errors.Is(err, keyward.ErrNotInOrganization) {
		return standalone, nil
	} else if err != nil {
		return nil, err
	}
	st := &Standing{OrgID: o.Organization.ID, Path: o.Path}
	if o.SCPs == nil || o.Organization.MasterAccountID == accountID {
		return st, nil
	}
	if len(o.SCPs) > keyward.MaxSCPLevels {
		return nil, fmt.Errorf("authz: account %s is %d levels deep in its organization (at most %d)", accountID, len(o.SCPs), keyward.MaxSCPLevels)
	}
	sources := []keyward.PolicySource{{ID: "root", Type: "user", Document: rootPolicy}}
	for level, scps := range o.SCPs {
		if len(scps) == 0 {
			sources = append(sources, keyward.PolicySource{ID: "none", Type: keyward.PolicySourceSCP, Level: level})
		}
		for _, p := range scps {
			sources = append(sources, keyward.PolicySource{ID: o.Organization.PolicyARN(p), Type: keyward.PolicySourceSCP, Level: level, Document: p.Content})
		}
	}
	// Compiled for no principal: the policies' variables are resolved
	// from each request's.
	if st.SCPs, err = a.Policies.Compile(keyward.Principal{}, sources); err != nil {
		return nil, err
	}
	st.Sources = sources[1:]
	return st, nil
}

// Organization returns what decisions read of accountID's organization:
// for a simulation, which decides a principal's policies beside them.
func (a *Authorizer) Organization(ctx context.Context, accountID string) (*Standing, error) {
	return a.standing(ctx, accountID)
}

// Limited reports whether service control policies limit the principals
// of accountID: it is a member account of an organization with SCPs
// enabled.
func (a *Authorizer) Limited(ctx context.Context, accountID string) (bool, error) {
	st, err := a.standing(ctx, accountID)
	return err == nil && st.SCPs != nil, err
}

// Unlimited reports whether ctx's caller may do everything without a
// decision: Keyward's own work, or the root user of an account no SCP
// limits. A caller for whom it is false is decided (and its resource read
// for their condition keys); a failure to read its organization counts as
// limited, so that the decision that follows reports it.
func (a *Authorizer) Unlimited(ctx context.Context) bool {
	rc, internal, ok := keyward.Caller(ctx)
	switch {
	case !ok:
		return false
	case internal:
		return true
	case !rc.Principal.Root:
		return false
	}
	limited, err := a.Limited(ctx, rc.Principal.AccountID)
	return err == nil && !limited
}

// withOrganizations returns rc with the organization's condition keys of
// its principal's account (st) and of the account that owns resource, as
// the store has them; rc itself when neither is in an organization.
func (a *Authorizer) withOrganizations(ctx context.Context, rc *keyward.RequestContext, st *Standing, resource string) (*keyward.RequestContext, error) {
	res := standalone
	switch acct := arnAccount(resource); {
	case acct == rc.Principal.AccountID:
		res = st
	case acct != "":
		var err error
		if res, err = a.standing(ctx, acct); err != nil {
			return nil, err
		}
	}
	if st.OrgID == rc.PrincipalOrgID && st.Path == rc.PrincipalOrgPath && res.OrgID == rc.ResourceOrgID && res.Path == rc.ResourceOrgPath {
		return rc, nil
	}
	c := *rc
	c.PrincipalOrgID, c.PrincipalOrgPath, c.ResourceOrgID, c.ResourceOrgPath = st.OrgID, st.Path, res.OrgID, res.Path
	return &c, nil
}

// arnAccount returns the account an ARN names: twelve digits in its fifth
// field, or "" (an S3 bucket's ARN, "*").
func arnAccount(arn string) string {
	acct := policy.ARNAccount(arn)
	if len(acct) != 12 || strings.Trim(acct, "0123456789") != "" {
		return ""
	}
	return acct
}

// evaluate decides a request of any principal, the root user included:
// the service control policies of its account first (an explicit deny in
// one, or a level that does not allow, refuses whatever else), then its
// own policies, with the organization's condition keys.
func (a *Authorizer) evaluate(ctx context.Context, action, resource string, rc *keyward.RequestContext) (keyward.Decision, error) {
	st, err := a.standing(ctx, rc.Principal.AccountID)
	if err != nil {
		return keyward.Decision{}, err
	}
	if rc, err = a.withOrganizations(ctx, rc, st, resource); err != nil {
		return keyward.Decision{}, err
	}
	scpAllows := true
	if st.SCPs != nil {
		switch d := st.SCPs.Evaluate(action, resource, rc, false); d.Effect {
		case keyward.DecisionExplicitDeny:
			return keyward.Decision{Effect: keyward.DecisionExplicitDeny, DeniedBySCP: true}, nil
		case keyward.DecisionImplicitDeny:
			scpAllows = false
		}
	}
	d := keyward.Decision{Effect: keyward.DecisionAllowed}
	if !rc.Principal.Root {
		ps, err := a.compiledPolicies(ctx, rc.Principal)
		if err != nil {
			return keyward.Decision{}, err
		}
		d = ps.Evaluate(action, resource, rc, false)
	}
	if !scpAllows && d.Effect != keyward.DecisionExplicitDeny {
		// AWS evaluates the organization's policies first: a level that
		// does not allow is the reason, whatever the identity's say.
		return keyward.Decision{Effect: keyward.DecisionImplicitDeny, BySCP: true, LimitedBy: keyward.PolicySourceSCP}, nil
	}
	return d, nil
}

// WithOrganizations returns rc with the organization's condition keys of
// its principal's account and of the account that owns resource, as the
// store has them: for a decision made outside the Authorizer (a role's
// trust policy).
func (a *Authorizer) WithOrganizations(ctx context.Context, rc *keyward.RequestContext, resource string) (*keyward.RequestContext, error) {
	st, err := a.standing(ctx, rc.Principal.AccountID)
	if err != nil {
		return nil, err
	}
	return a.withOrganizations(ctx, rc, st, resource)
}
