package iam

import (
	"context"

	"github.com/keyward/keyward"
)

// decide is the one place where access is decided: AWS's evaluation of
// identity-based policies. The root user may do everything, as in AWS; an
// IAM user may do what the union of its own and its groups' policies allows
// and no statement denies. Each user's policies are compiled once and
// cached (PolicySets) until a change touches them, so that a decision
// costs no database read.
func (s *Service) decide(ctx context.Context, action, resource string, rc *keyward.RequestContext) error {
	if rc.Principal.Root {
		return nil
	}
	d, err := s.evaluate(ctx, action, resource, rc)
	if err != nil {
		return err
	}
	if d.Effect == keyward.DecisionAllowed {
		return nil
	}
	return denial(rc.Principal, action, resource, d)
}

// evaluate decides a request of a principal other than root against its
// policies.
func (s *Service) evaluate(ctx context.Context, action, resource string, rc *keyward.RequestContext) (keyward.Decision, error) {
	ps, err := s.compiledPolicies(ctx, rc.Principal)
	if err != nil {
		return keyward.Decision{}, err
	}
	return ps.Evaluate(action, resource, rc, false), nil
}

// denial is AWS's AccessDenied for a decision that does not allow, naming
// the kind of policy that refused.
func denial(p keyward.Principal, action, resource string, d keyward.Decision) error {
	if d.Effect == keyward.DecisionExplicitDeny {
		return keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s with an explicit deny in an identity-based policy",
			p.ARN(), action, resource)
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
// (aws:userid) are its own.
func (s *Service) compiledPolicies(ctx context.Context, p keyward.Principal) (keyward.Policies, error) {
	key := p.UserID
	if p.RoleID != "" || p.FederatedName != "" {
		key = "session\x00" + p.Session.AccessKeyID
	}
	if ps, ok := keyward.Cached(s.PolicySets, key); ok {
		return ps, nil
	}
	return keyward.LoadThrough(ctx, s.PolicySets, key, func(ctx context.Context) (keyward.Policies, error) {
		sources, err := s.PrincipalPolicies(ctx, p)
		if err != nil {
			return nil, err
		}
		return s.Policies.Compile(p, sources)
	})
}
