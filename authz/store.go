package authz

import (
	"context"

	"github.com/keyward/keyward"
)

// Store is what the Authorizer reads: a principal and the policies that
// apply to it. Every backend's store, and each of its views, is one; a
// decision never writes.
type Store interface {
	User(ctx context.Context, name string) (keyward.User, error)
	Group(ctx context.Context, name string) (keyward.Group, error)
	Role(ctx context.Context, name string) (keyward.Role, error)
	Policy(ctx context.Context, arn string) (keyward.ManagedPolicy, error)
	PolicyVersion(ctx context.Context, arn, version string) (keyward.PolicyVersion, error)
	// PrincipalPolicies returns a user's or a role's policies, a user's
	// groups' included.
	PrincipalPolicies(ctx context.Context, kind, id string) ([]keyward.PolicySource, error)
	// OrgStanding returns an account's place in its organization, with
	// the SCPs that limit it.
	OrgStanding(ctx context.Context, accountID string) (keyward.OrgStanding, error)
}
