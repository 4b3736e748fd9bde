package authz

import (
	"context"
	"errors"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/cache"
)

// Decide is the one place where access is decided: AWS's evaluation of
// identity-based policies under the service control policies of the
// principal's organization. The root user may do everything, as in AWS,
// but what the SCPs of a member account do not allow; an IAM user may do
// what the union of its own and its groups' policies allows, no statement
// denies and the SCPs allow. Each user's policies are compiled once and
// cached (PolicySets) until a change touches them, and each account's
// SCPs (Organizations), so that a decision costs no database read.
func (a *Authorizer) Decide(ctx context.Context, action, resource string, rc *keyward.RequestContext) error {
	d, err := a.evaluate(ctx, action, resource, rc)
	if err != nil {
		return err
	}
	if d.Effect == keyward.DecisionAllowed {
		return nil
	}
	return Denial(rc.Principal, action, resource, d)
}

// Evaluate decides a request against the principal's policies and the
// SCPs that limit its account, with the organization's condition keys.
func (a *Authorizer) Evaluate(ctx context.Context, action, resource string, rc *keyward.RequestContext) (keyward.Decision, error) {
	return a.evaluate(ctx, action, resource, rc)
}

// Denial is AWS's AccessDenied for a decision that does not allow, naming
// the kind of policy that refused.
func Denial(p keyward.Principal, action, resource string, d keyward.Decision) error {
	if d.Effect == keyward.DecisionExplicitDeny && d.DeniedBySCP {
		return keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s with an explicit deny in a service control policy",
			p.ARN(), action, resource)
	}
	if d.Effect == keyward.DecisionExplicitDeny {
		return keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s with an explicit deny in an identity-based policy",
			p.ARN(), action, resource)
	}
	if d.BySCP {
		return keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s because no service control policy allows the %s action",
			p.ARN(), action, resource, action)
	}
	if d.BySession {
		return keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s because no session policy allows the %s action",
			p.ARN(), action, resource, action)
	}
	if d.ByBoundary {
		return keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s because no permissions boundary allows the %s action",
			p.ARN(), action, resource, action)
	}
	return keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		p.ARN(), action, resource, action)
}

// compiledPolicies returns the compiled policies of a principal, from the
// cache when it has them: a user's by user ID; a role's or a federated
// user's session by its key ID, since its session policies and variables
// (aws:userid) are its own. They hold the identity's IAM tags too, which
// every decision then sees as the principal's (identityPolicies).
func (a *Authorizer) compiledPolicies(ctx context.Context, p keyward.Principal) (keyward.Policies, error) {
	key, user := p.UserID, true
	if key == "" && p.AccountID != a.account.ID {
		key = "root\x00" + p.AccountID // user IDs are global; the root users' is ""
	}
	if p.RoleID != "" || p.FederatedName != "" {
		key, user = "session\x00"+p.Session.AccessKeyID+"\x00"+p.Session.Ref, false
	}
	if ps, ok := cache.Cached(a.PolicySets, key); ok {
		// A user's tags are read by its name: a session issued before a
		// rename, which still carries the old name, neither uses nor
		// leaves in the cache what was read for another name.
		if ip, ok := ps.(identityPolicies); !user || ok && ip.name == p.UserName {
			return ps, nil
		}
		return a.loadPolicies(ctx, p, false)
	}
	ps, err := cache.LoadThrough(ctx, a.PolicySets, key, func(ctx context.Context) (keyward.Policies, error) {
		return a.loadPolicies(ctx, p, user)
	})
	if errors.Is(err, errStaleName) {
		return a.loadPolicies(ctx, p, false)
	}
	return ps, err
}

// errStaleName refuses to cache the policies of a user read under a name
// the user no longer has.
var errStaleName = errors.New("authz: the user has another name now")

// loadPolicies reads and compiles a principal's policies with its
// identity's tags. With cached, the result is for the cache, and a user
// principal whose name no longer names it is errStaleName.
func (a *Authorizer) loadPolicies(ctx context.Context, p keyward.Principal, cached bool) (keyward.Policies, error) {
	tags, current, err := a.identityTags(ctx, p)
	if err != nil {
		return nil, err
	}
	if cached && !current {
		return nil, errStaleName
	}
	p.Tags = tags // for the policy variables bound at compilation
	sources, err := a.PrincipalPolicies(ctx, p)
	if err != nil {
		return nil, err
	}
	ps, err := a.Policies.Compile(p, sources)
	if err != nil {
		return nil, err
	}
	return identityPolicies{Policies: ps, tags: tags, name: p.UserName}, nil
}

// identityTags are the IAM tags of the identity behind p, as stored: a
// role session's role's, or the user's (for its sessions and federated
// users too); none for the root user, or for an identity deleted (or
// replaced by another of its name) since it authenticated. A tag condition
// is the usual way to quarantine an identity with a Deny: deciding
// without its tags would pass that Deny. current is false for a user
// principal whose name is no longer the user's.
func (a *Authorizer) identityTags(ctx context.Context, p keyward.Principal) (tags []keyward.Tag, current bool, err error) {
	switch {
	case p.RoleID != "":
		r, err := a.store(ctx).Role(ctx, p.RoleName)
		if errors.Is(err, keyward.ErrNoSuchRole) || err == nil && r.ID != p.RoleID {
			return nil, true, nil
		}
		return r.Tags, true, err
	case p.UserID != "":
		u, err := a.store(ctx).User(ctx, p.UserName)
		if errors.Is(err, keyward.ErrNoSuchUser) || err == nil && u.ID != p.UserID {
			return nil, false, nil
		}
		return u.Tags, true, err
	}
	return nil, true, nil
}

// identityPolicies are a principal's compiled policies with its identity's
// tags, which each decision's principal takes (the transports know the
// principal's name, not its tags), and the user name they were read for.
type identityPolicies struct {
	keyward.Policies
	tags []keyward.Tag
	name string
}

// Evaluate implements keyward.Policies.
func (t identityPolicies) Evaluate(action, resource string, rc *keyward.RequestContext, explain bool) keyward.Decision {
	if len(t.tags) > 0 && rc.Principal.Tags == nil {
		c := *rc
		c.Principal.Tags = t.tags
		rc = &c
	}
	return t.Policies.Evaluate(action, resource, rc, explain)
}

// PrincipalTags returns the principal's IAM tags as decisions see them,
// for the trust policies the caller is held to.
func (a *Authorizer) PrincipalTags(ctx context.Context, p keyward.Principal) ([]keyward.Tag, error) {
	if p.Root {
		return nil, nil
	}
	ps, err := a.compiledPolicies(ctx, p)
	if err != nil {
		return nil, err
	}
	if t, ok := ps.(identityPolicies); ok {
		return t.tags, nil
	}
	return nil, nil
}

// AuthorizePolicy authorises action on a managed policy, with its tags as
// aws:ResourceTag keys besides the request's keys.
func (a *Authorizer) AuthorizePolicy(ctx context.Context, action, arn string, keys Keys) error {
	tags, err := TaggedKeys(ctx, func() ([]keyward.Tag, error) { p, err := a.store(ctx).Policy(ctx, arn); return p.Tags, err }, keyward.ErrNoSuchPolicy)
	if err != nil {
		return err
	}
	return a.AuthorizeWith(ctx, action, arn, tags.With(keys))
}

// PrincipalPolicies loads the policies that apply to an IAM user, for the
// Authorizer.
func (a *Authorizer) PrincipalPolicies(ctx context.Context, p keyward.Principal) ([]keyward.PolicySource, error) {
	var sources []keyward.PolicySource
	var err error
	switch {
	case p.RoleID != "":
		sources, err = a.store(ctx).PrincipalPolicies(ctx, keyward.EntityRole, p.RoleID)
	case p.FederatedName != "" && p.UserID == "":
		// The root user's federated user: the root user may do everything,
		// its session only what its session policies allow.
		sources = []keyward.PolicySource{{ID: "root", Type: "user", Document: rootPolicy}}
	default:
		sources, err = a.store(ctx).PrincipalPolicies(ctx, keyward.EntityUser, p.UserID)
	}
	if err != nil || p.Session == nil || (p.RoleID == "" && p.FederatedName == "") {
		return sources, err
	}
	// A session's own policies: each limits what the identity policies
	// allow. A federated user's session without any allows nothing.
	if p.Session.Policy != "" {
		sources = append(sources, keyward.PolicySource{ID: "session-policy", Type: keyward.PolicySourceSession, Document: p.Session.Policy})
	}
	for _, arn := range p.Session.PolicyARNs {
		mp, err := a.store(ctx).Policy(ctx, arn)
		if errors.Is(err, keyward.ErrNoSuchPolicy) {
			continue // deleted since: it allows nothing, and the gate stays
		} else if err != nil {
			return nil, err
		}
		v, err := a.store(ctx).PolicyVersion(ctx, arn, mp.DefaultVersion)
		if err != nil {
			return nil, err
		}
		sources = append(sources, keyward.PolicySource{ID: mp.ARN, Type: keyward.PolicySourceSession, Document: v.Document})
	}
	if p.FederatedName != "" || len(p.Session.PolicyARNs) > 0 {
		// The gate stays even with no document: a federated user's session
		// without a policy, or one whose named policies were all deleted,
		// may do nothing.
		sources = append(sources, keyward.PolicySource{ID: "session-policy", Type: keyward.PolicySourceSession})
	}
	return sources, nil
}

// rootPolicy stands for the root user's permissions where they must be
// evaluated as a policy.
const rootPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
