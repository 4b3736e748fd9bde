package keyward

import (
	"context"
	"errors"
	"time"
)

// SAML 2.0 identity providers: the issuers whose signed responses a role's
// trust policy may accept (AssumeRoleWithSAML, console sign-in). A
// provider is a name in the account and the metadata document its
// administrator imported, which names the issuer and its signing
// certificates.

// MaxSAMLProviders is AWS's quota of SAML providers per account.
const MaxSAMLProviders = 100

// SAMLProvider is a SAML identity provider of the account.
type SAMLProvider struct {
	ARN, Name string
	// Metadata is the metadata document as the administrator sent it; it
	// is parsed again (package saml) wherever a response is checked.
	Metadata string
	// ValidUntil is the metadata's validUntil, or CreatedAt plus a
	// hundred years when the document sets none, as AWS reports it.
	ValidUntil time.Time
	CreatedAt  time.Time
	Tags       []Tag
}

// Store errors of SAML providers.
var (
	ErrNoSuchSAMLProvider = errors.New("keyward: no such SAML provider")
	ErrSAMLProviderExists = errors.New("keyward: SAML provider exists")
	ErrSAMLProviderQuota  = errors.New("keyward: SAML provider quota exceeded")
)

// SAMLStore persists SAML providers.
type SAMLStore interface {
	// CreateSAMLProvider stores one unless the account has max;
	// ErrSAMLProviderExists (the name compared case-insensitively),
	// ErrSAMLProviderQuota.
	CreateSAMLProvider(ctx context.Context, p SAMLProvider, max int) error
	// SAMLProvider returns one by ARN; ErrNoSuchSAMLProvider.
	SAMLProvider(ctx context.Context, arn string) (SAMLProvider, error)
	// SAMLProviders returns every one, by ARN.
	SAMLProviders(ctx context.Context) ([]SAMLProvider, error)
	// UpdateSAMLProvider replaces one with what fn makes of it (metadata,
	// validity, tags), atomically; ErrNoSuchSAMLProvider, or fn's error.
	UpdateSAMLProvider(ctx context.Context, arn string, fn func(*SAMLProvider) error) error
	// DeleteSAMLProvider deletes one; ErrNoSuchSAMLProvider.
	DeleteSAMLProvider(ctx context.Context, arn string) error
}

// SAMLProviderARN returns the ARN of a SAML provider.
func (a Account) SAMLProviderARN(name string) string { return a.iamARN("saml-provider/", "", name) }

// TaggedSAMLProvider is the tag kind of SAML providers,
// each named by its ARN in their tagging operations.
const TaggedSAMLProvider TagKind = "SAMLProvider"
