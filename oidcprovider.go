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

// MaxOIDCProviders is AWS's quota of an account's OIDC providers.
const MaxOIDCProviders = 100

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
	// DeleteOIDCProvider deletes one, and its console sign-in with it;
	// ErrNoSuchOIDCProvider.
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

// OIDCSignIn is the console sign-in through one of the account's OpenID
// Connect providers, a Keyward extension (AWS needs IAM Identity Center
// for it): the console's client at the provider, its secret sealed under
// the master key, the name the sign-in page shows, and the roles offered.
// A provider has one at most; deleting the provider deletes it.
type OIDCSignIn struct {
	// ProviderARN is the provider's ARN, and the secret's associated data
	// when sealed.
	ProviderARN string
	// ClientID is one of the provider's client IDs.
	ClientID string
	// SealedSecret is the client's secret, sealed (package seal); it never
	// leaves the feature packages opened but to the provider's token
	// endpoint.
	SealedSecret []byte
	// Name is shown on the sign-in page: "Sign in with <Name>".
	Name string
	// Roles are the ARNs of the roles offered; none offers every role
	// whose trust policy admits the ID token.
	Roles     []string
	UpdatedAt time.Time
}

// Bounds of an OIDC sign-in's setting.
const (
	MaxOIDCSignInRoles     = 50
	MaxOIDCSignInSecretLen = 1024
)

// ErrNoSuchOIDCSignIn means the provider has no console sign-in set.
var ErrNoSuchOIDCSignIn = errors.New("keyward: no OIDC sign-in for that provider")

// OIDCSignInStore persists the console sign-ins of OIDC providers.
type OIDCSignInStore interface {
	// PutOIDCSignIn sets the sign-in of the provider arn to what fn makes
	// of the one it has (ProviderARN set and nothing else when it has
	// none), fn seeing the provider as it is, atomically with the
	// provider's own changes; ErrNoSuchOIDCProvider, or fn's error.
	PutOIDCSignIn(ctx context.Context, arn string, fn func(p OIDCProvider, si *OIDCSignIn) error) error
	// OIDCSignIn returns the sign-in of a provider; ErrNoSuchOIDCSignIn.
	OIDCSignIn(ctx context.Context, arn string) (OIDCSignIn, error)
	// OIDCSignIns returns every one, by provider ARN.
	OIDCSignIns(ctx context.Context) ([]OIDCSignIn, error)
	// DeleteOIDCSignIn deletes one; ErrNoSuchOIDCSignIn.
	DeleteOIDCSignIn(ctx context.Context, arn string) error
}

// OIDCProviderARN returns the ARN of an OpenID Connect provider, named by
// its issuer's host and path.
func (a Account) OIDCProviderARN(url string) string { return a.iamARN("oidc-provider/", "", url) }

// TaggedOIDCProvider is the tag kind of OpenID Connect providers,
// each named by its ARN in their tagging operations.
const TaggedOIDCProvider TagKind = "OpenIDConnectProvider"
