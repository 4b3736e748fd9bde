package keyward

import "context"

// decide is the one place where access is decided: AWS's evaluation of
// identity-based policies. The root user may do everything, as in AWS; an
// IAM user may do what the union of its own and its groups' policies allows
// and no statement denies. Each user's policies are compiled once and
// cached (PolicySets) until a change touches them, so that a decision
// costs no database read.
func (s *Service) decide(ctx context.Context, action, resource string, rc *RequestContext) error {
	p := rc.Principal
	if p.Root {
		return nil
	}
	ps, err := s.compiledPolicies(ctx, p)
	if err != nil {
		return err
	}
	d := ps.Evaluate(action, resource, rc, false)
	switch d.Effect {
	case DecisionAllowed:
		return nil
	case DecisionExplicitDeny:
		return Errorf(EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s with an explicit deny in an identity-based policy",
			p.ARN(), action, resource)
	}
	if d.ByBoundary {
		return Errorf(EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s because no permissions boundary allows the %s action",
			p.ARN(), action, resource, action)
	}
	return Errorf(EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		p.ARN(), action, resource, action)
}

// compiledPolicies returns the compiled policies of an IAM user, from the
// cache when it has them.
func (s *Service) compiledPolicies(ctx context.Context, p Principal) (Policies, error) {
	if ps, ok := cached(s.PolicySets, p.UserID); ok {
		return ps, nil
	}
	return load(ctx, s.PolicySets, p.UserID, func(ctx context.Context) (Policies, error) {
		sources, err := s.PrincipalPolicies(ctx, p)
		if err != nil {
			return nil, err
		}
		return s.Policies.Compile(p, sources)
	})
}
