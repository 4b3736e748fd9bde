// Package sts is Keyward's Security Token Service: sessions, the
// temporary credentials that stand for a principal for a while.
//
// GetSessionToken gives a user (or the root user) its own permissions for
// a while, MFA-backed when it gives a code. AssumeRole gives a trusted
// caller a role's session, whose permissions are the role's policies
// limited by its permissions boundary and by the session's own policies;
// AssumeRoleWithWebIdentity does so for the bearer of an ID token of one
// of the account's OpenID Connect providers (package oidc checks the
// token), and GetFederationToken makes a federated user's session of the
// caller's permissions, limited to its session policies. GetCallerIdentity,
// GetAccessKeyInfo and DecodeAuthorizationMessage answer what a caller may
// learn of itself, of a key, and of a refusal.
//
// A session's credentials are an access key ID beginning ASIA, a secret,
// and a session token that holds everything evaluation needs (principal,
// session policies, tags, source identity, MFA time), sealed under the
// master key (issue, OpenSession). No replica reads the database to
// accept one, and nothing of a session is stored; the key ID carries a
// MAC, so that GetAccessKeyInfo knows Keyward's session keys from others
// without a record. A session is revoked through policies (the role's
// inline deny of sessions issued before now), which every replica's
// compiled policies pick up at once.
//
// Trust is decided as AWS decides a resource-based policy within one
// account (trusts): the role's trust policy must allow the caller, and the
// caller's own policies must not deny it; where the trust policy names
// only the caller's account they must allow it too, and where it names
// the role of the caller's session, that session's boundary and session
// policies still limit it. A user's or a role's ARN in the trust policy
// names the identity it was bound to when the policy was saved (its
// unique ID, kept with the role and compared with the caller's own),
// never another deleted and made again under the name. A role of another
// account of the installation is read in its own account
// (iam.Service.AssumableIn), and across accounts both sides must allow,
// as on AWS: the trust policy, and the caller's own policies in its
// account with its account's SCPs. The session is of the role's account,
// which its sealed token names, so that everything it does afterwards is
// decided and kept there. The decision itself is authz's.
//
// The console's sessions are here too: SessionPrincipal checks that a
// session cookie still holds (the root key still active, the user the
// same one, its sessions not ended since), RevokeSession signs one out on
// every replica, and SigninToken and OpenSigninToken exchange a role's or
// a federated user's session for a single-use console sign-in token, as
// AWS's federation endpoint does.
//
// The package imports iam for roles with their compiled trust policies
// (iam.Service.Assumable) and for MFA codes (MFACodeOf); iam never imports
// it.
package sts
