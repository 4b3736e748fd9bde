package sts

import (
	"context"
	"io"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/saml"
	"github.com/keyward/keyward/seal"
)

// Service is the Security Token Service: it issues sessions (temporary
// credentials sealed into their own token) and authenticates them, and
// signs callers in to the console. Every method a transport calls takes
// the caller from the context and decides access itself (package authz).
type Service struct {
	Store Store
	// Sealer seals session tokens and sign-in tokens under the master key.
	Sealer *seal.Sealer
	// Authz decides access and knows the caller's account.
	Authz *authz.Authorizer
	// IAM holds the roles sessions are of, with their compiled trust
	// policies, and the MFA devices codes are checked against.
	IAM *iam.Service
	// Policies is IAM's policy language, which checks session policies.
	Policies keyward.PolicyEngine
	// Now and Rand are the clock and the randomness for key IDs and secrets.
	Now  func() time.Time
	Rand io.Reader
	// Uses records each role's assumption, as a key's use; may be nil.
	Uses keyward.PendingUses
	// WebIdentity checks OpenID Connect ID tokens (package oidc); nil
	// refuses AssumeRoleWithWebIdentity.
	WebIdentity keyward.WebIdentityVerifier
	// SAML checks SAML responses for Keyward's own SAML endpoint; nil
	// refuses AssumeRoleWithSAML.
	SAML *saml.ServiceProvider

	samlMetadata metadataCache
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

// changing returns the store ctx's request's change is written through:
// its audit event commits with the change (keyward.Changing).
func (s *Service) changing(ctx context.Context) keyward.Store {
	return keyward.Changing(ctx, s.store(ctx))
}

// store is the view of the store of ctx's caller's account, which every
// read and write of the account's entities goes through.
func (s *Service) store(ctx context.Context) Store {
	return authz.View(ctx, s.Authz, s.Store)
}

// storeOf is the view of the store of the account with ID id, which need
// not be the caller's: the account a session token was issued in, whose
// role or root user it speaks for.
func (s *Service) storeOf(id string) Store {
	if id == "" || id == s.Authz.FirstAccount().ID {
		return s.Store
	}
	return s.Store.InAccount(id)
}

// Account is the account ctx's caller acts in (authz.Authorizer.Account).
func (s *Service) Account(ctx context.Context) keyward.Account { return s.Authz.Account(ctx) }
