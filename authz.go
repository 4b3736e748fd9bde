package keyward

import (
	"context"
	"sync"
)

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
	// Max bounds the users whose compiled policies are kept (0: 100,000).
	Max int

	mu   sync.RWMutex
	sets map[string]*PolicySet // by user ID
	gen  uint64
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
func (a *Authorizer) PolicySet(ctx context.Context, p Principal) (*PolicySet, error) {
	a.mu.RLock()
	ps := a.sets[p.UserID]
	gen := a.gen
	a.mu.RUnlock()
	if ps != nil {
		return ps, nil
	}
	sources, err := a.Policies(ctx, p)
	if err != nil {
		return nil, err
	}
	ps, err = CompilePolicies(p, sources)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if a.gen == gen { // no change raced with the load
		if a.sets == nil {
			a.sets = make(map[string]*PolicySet)
		}
		max := a.Max
		if max <= 0 {
			max = 100000
		}
		if len(a.sets) >= max {
			for k := range a.sets {
				delete(a.sets, k)
				break
			}
		}
		a.sets[p.UserID] = ps
	}
	a.mu.Unlock()
	return ps, nil
}

// Invalidate drops every compiled policy set. Policy changes are rare and
// one change (to a group, a managed policy) can touch many users, so all go.
func (a *Authorizer) Invalidate() {
	a.mu.Lock()
	a.sets = nil
	a.gen++
	a.mu.Unlock()
}
