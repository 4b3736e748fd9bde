package keyward

import "context"

// Authorizer is the one place where access is decided: AWS's evaluation of
// identity-based policies. The root user may do everything, as in AWS; an
// IAM user may do what the union of its own and its groups' policies allows
// and no statement denies.
//
// Each user's policies are compiled once and kept until Invalidate, which
// every change to a policy, an attachment or a group membership must call,
// so that a decision costs no database read.
type Authorizer struct {
	// Policies loads the policies that apply to an IAM user.
	Policies func(ctx context.Context, p Principal) ([]PolicySource, error)
	// Compile compiles them (the policy language's).
	Compile func(p Principal, sources []PolicySource) (Policies, error)

	// sets holds each user's compiled policies, by user ID.
	sets Cache[Policies]
}

// Authorize decides whether rc.Principal may perform action (such as
// "iam:CreateAccessKey") on resource, and returns AWS's AccessDenied if not.
func (a *Authorizer) Authorize(ctx context.Context, action, resource string, rc *RequestContext) error {
	p := rc.Principal
	if p.Root {
		return nil
	}
	ps, err := a.PolicySet(ctx, p)
	if err != nil {
		return err
	}
	switch ps.Evaluate(action, resource, rc, false).Effect {
	case DecisionAllowed:
		return nil
	case DecisionExplicitDeny:
		return Errorf(EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s with an explicit deny in an identity-based policy",
			p.ARN(), action, resource)
	}
	return Errorf(EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		p.ARN(), action, resource, action)
}

// PolicySet returns the compiled policies of an IAM user, from the cache
// when it has them.
func (a *Authorizer) PolicySet(ctx context.Context, p Principal) (Policies, error) {
	return a.sets.Get(ctx, p.UserID, func(ctx context.Context) (Policies, error) {
		sources, err := a.Policies(ctx, p)
		if err != nil {
			return nil, err
		}
		return a.Compile(p, sources)
	})
}

// Invalidate drops every compiled policy set. Policy changes are rare and
// one change (to a group, a managed policy) can touch many users, so all go.
func (a *Authorizer) Invalidate() { a.sets.InvalidateAll() }
