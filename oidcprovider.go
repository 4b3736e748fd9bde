package keyward

import (
	"context"
	"errors"
	"time"
)

// OpenID Connect identity providers: the issuers whose tokens a
// role's trust policy may accept (AssumeRoleWithWebIdentity). A
// provider is its issuer URL, the audiences (client IDs) it issues for, and
// its certificates' thumbprints.

// AWS's quotas on OIDC providers.
const (
	MaxOIDCProviders  = 100
	MaxOIDCClientIDs  = 100
	MaxOIDCThumbprint = 5
)

// OIDCProvider is an OpenID Connect provider of the account.
type OIDCProvider struct {
	ARN, URL    string
	ClientIDs   []string
	Thumbprints []string
	CreatedAt   time.Time
	Tags        []Tag
}

// Store errors of OIDC providers.
var (
	ErrNoSuchOIDCProvider = errors.New("keyward: no such OIDC provider")
	ErrOIDCProviderExists = errors.New("keyward: OIDC provider exists")
	ErrOIDCProviderQuota  = errors.New("keyward: OIDC provider quota exceeded")
)

// OIDCStore persists OIDC providers.
type OIDCStore interface {
	// CreateOIDCProvider stores one unless the account has max;
	// ErrOIDCProviderExists, ErrOIDCProviderQuota.
	CreateOIDCProvider(ctx context.Context, p OIDCProvider, max int) error
	// OIDCProvider returns one by ARN; ErrNoSuchOIDCProvider.
	OIDCProvider(ctx context.Context, arn string) (OIDCProvider, error)
	// OIDCProviders returns every one, by ARN.
	OIDCProviders(ctx context.Context) ([]OIDCProvider, error)
	// UpdateOIDCProvider replaces one with what fn makes of it (client IDs,
	// thumbprints, tags), atomically; ErrNoSuchOIDCProvider, or fn's error.
	UpdateOIDCProvider(ctx context.Context, arn string, fn func(*OIDCProvider) error) error
	// DeleteOIDCProvider deletes one; ErrNoSuchOIDCProvider.
	DeleteOIDCProvider(ctx context.Context, arn string) error
}

// WebIdentityVerifier checks the ID tokens of OpenID Connect providers
// (package oidc): their signatures against the keys the provider's issuer
// publishes, their issuer and expiry.
type WebIdentityVerifier interface {
	// Issuer returns a token's iss claim, unverified, to find its provider;
	// InvalidIdentityToken if it has none or is no JWT.
	Issuer(token string) (string, error)
	// Verify checks a token issued by p and returns its claims; the error
	// is InvalidIdentityToken, ExpiredTokenException or
	// IDPCommunicationError.
	Verify(ctx context.Context, p OIDCProvider, token string) (WebIdentityClaims, error)
}

// WebIdentityClaims are what a verified ID token says.
type WebIdentityClaims struct {
	Issuer, Subject string
	Audience        []string
	// AuthorizedParty is the azp claim, AMR the amr claim.
	AuthorizedParty string
	AMR             []string
	Expiry          time.Time
	// Nonce is the nonce claim, which binds a token to the sign-in that
	// asked for it (the console's OpenID Connect sign-in).
	Nonce string
}
