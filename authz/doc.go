// Package authz decides access: who is calling, in which account, and
// whether IAM's policy evaluation lets them perform an action on a
// resource. It is the one place a decision is made, for every feature
// package (iam, sts, report) and for what other services ask through the
// verifier protocol (package verify).
//
// A request's caller travels in its context (keyward.WithCaller, set by
// the transport that authenticated it; keyward.Internal for Keyward's own
// work). A feature package method asks the Authorizer once, first, with
// the action it performs and the resource it touches:
//
//	if err := s.Authz.AuthorizeUser(ctx, "iam:DeleteUser", name); err != nil {
//		return err
//	}
//
// The Authorizer loads the principal's policies (a user's own, its
// groups', attached managed policies at their default version, its
// permissions boundary; a role session's role policies and session
// policies), compiles them once with the policy engine and caches them
// (PolicySets, dropped on every change that touches them), and evaluates
// as AWS does: an explicit Deny wins, then an Allow, limited by the
// boundary and the session policies; otherwise an implicit deny. The
// principals of a member account of an organization, its root user
// included, are held to the service control policies of every level
// above the account (organizations.go): what decisions read of an
// account's organization is compiled once and cached (Organizations),
// dropped on every Organizations change. Keyward's own work, and the root
// user of an account no SCP limits, may do everything.
//
// Condition keys are Keyward's to set, never the caller's: the request's
// (aws:RequestTag, aws:TagKeys, iam:PolicyARN, iam:PermissionsBoundary…)
// come with the call as Keys, and the resource's (its tags, its boundary)
// are read from the store by AuthorizeUser, AuthorizeRole, AuthorizeARN,
// AuthorizePolicy or TaggedKeys before the decision. A resource that does
// not exist is decided at the ARN its name would have, so that a caller
// without the right learns nothing of what exists.
//
// Refusals are AWS's AccessDenied, naming the kind of policy that refused
// (Denial). A refusal of another service's action (AuthorizeExternal)
// carries an authorization message sealed under the master key, which only
// a caller allowed sts:DecodeAuthorizationMessage opens (OpenMessage).
//
// For other services, EvaluateFor decides batches for a principal with the
// condition keys the asking service observed (CheckObservedKey refuses
// those only Keyward may establish), and PrincipalExists answers whether a
// bucket policy's principal names anything.
//
// Account is the one accessor of the account a caller acts in: its
// principal's, which authentication took from the key, or the
// installation's first account for the service's own work. The decision
// reads names (users, groups, roles) in that account.
package authz
