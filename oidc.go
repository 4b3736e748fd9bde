package keyward

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"
)

// OpenID Connect identity providers (issue 14): the issuers whose tokens a
// role's trust policy may accept (AssumeRoleWithWebIdentity, to come). A
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

func oidcNotFound(arn string) *Error {
	return Errorf(ENoSuchEntity, "OpenIDConnect Provider not found for arn %s", Clip(arn))
}

// CreateOIDCProvider registers an issuer: an https URL without query or
// fragment, its client IDs and thumbprints (40 hex digits each).
func (s *Service) CreateOIDCProvider(ctx context.Context, rawURL string, clientIDs, thumbprints []string, tags []Tag) (OIDCProvider, error) {
	if err := checkDuplicateTags(tags); err != nil {
		return OIDCProvider{}, err
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return OIDCProvider{}, Errorf(EInvalidInput, "Invalid Url: %s. The URL must begin with https:// and have no query or fragment.", Clip(rawURL))
	}
	id := strings.TrimSuffix(u.Host+u.Path, "/")
	arn := "arn:aws:iam::" + s.Account.ID + ":oidc-provider/" + id
	if err := s.authorizeWith(ctx, "iam:CreateOpenIDConnectProvider", arn, requestTagKeys(tags)); err != nil {
		return OIDCProvider{}, err
	}
	if err := checkOIDCLists(clientIDs, thumbprints); err != nil {
		return OIDCProvider{}, err
	}
	p := OIDCProvider{ARN: arn, URL: id, ClientIDs: unique(clientIDs), Thumbprints: unique(lower(thumbprints)), CreatedAt: s.now(), Tags: tags}
	switch err := s.Store.CreateOIDCProvider(ctx, p, MaxOIDCProviders); {
	case errors.Is(err, ErrOIDCProviderExists):
		return p, Errorf(EEntityAlreadyExists, "Provider with url %s already exists.", Clip(rawURL))
	case errors.Is(err, ErrOIDCProviderQuota):
		return p, Errorf(ELimitExceeded, "Cannot exceed quota for OpenIdConnectProvidersPerAccount: %d", MaxOIDCProviders)
	default:
		return p, err
	}
}

func checkOIDCLists(clientIDs, thumbprints []string) error {
	if len(clientIDs) > MaxOIDCClientIDs {
		return Errorf(ELimitExceeded, "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", MaxOIDCClientIDs)
	}
	if len(thumbprints) > MaxOIDCThumbprint {
		return Errorf(ELimitExceeded, "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: %d", MaxOIDCThumbprint)
	}
	for _, t := range thumbprints {
		for _, c := range strings.ToLower(t) {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return Errorf(EInvalidInput, "Thumbprint %s is not a hex-encoded SHA-1 digest.", Clip(t))
			}
		}
	}
	return nil
}

func unique(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range list {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func lower(list []string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = strings.ToLower(v)
	}
	return out
}

// authorizeOIDCProvider authorises action on a provider, with its tags as
// aws:ResourceTag keys besides the request's keys.
func (s *Service) authorizeOIDCProvider(ctx context.Context, action, arn string, keys conditionKeys) error {
	tags, err := taggedKeys(ctx, func() ([]Tag, error) { p, err := s.Store.OIDCProvider(ctx, arn); return p.Tags, err }, ErrNoSuchOIDCProvider)
	if err != nil {
		return err
	}
	return s.authorizeWith(ctx, action, arn, tags.with(keys))
}

// OIDCProvider returns a provider.
func (s *Service) OIDCProvider(ctx context.Context, arn string) (OIDCProvider, error) {
	if err := s.authorizeOIDCProvider(ctx, "iam:GetOpenIDConnectProvider", arn, nil); err != nil {
		return OIDCProvider{}, err
	}
	p, err := s.Store.OIDCProvider(ctx, arn)
	if errors.Is(err, ErrNoSuchOIDCProvider) {
		return p, oidcNotFound(arn)
	}
	return p, err
}

// OIDCProviders lists the account's providers.
func (s *Service) OIDCProviders(ctx context.Context) ([]OIDCProvider, error) {
	if err := s.authorize(ctx, "iam:ListOpenIDConnectProviders", "*"); err != nil {
		return nil, err
	}
	return s.Store.OIDCProviders(ctx)
}

// updateOIDCProvider changes a provider under action, within the quotas.
func (s *Service) updateOIDCProvider(ctx context.Context, action, arn string, keys conditionKeys, fn func(*OIDCProvider) error) error {
	if err := s.authorizeOIDCProvider(ctx, action, arn, keys); err != nil {
		return err
	}
	err := s.Store.UpdateOIDCProvider(ctx, arn, func(p *OIDCProvider) error {
		if err := fn(p); err != nil {
			return err
		}
		return checkOIDCLists(p.ClientIDs, p.Thumbprints)
	})
	if errors.Is(err, ErrNoSuchOIDCProvider) {
		return oidcNotFound(arn)
	}
	return err
}

// DeleteOIDCProvider deletes a provider.
func (s *Service) DeleteOIDCProvider(ctx context.Context, arn string) error {
	if err := s.authorizeOIDCProvider(ctx, "iam:DeleteOpenIDConnectProvider", arn, nil); err != nil {
		return err
	}
	if err := s.Store.DeleteOIDCProvider(ctx, arn); errors.Is(err, ErrNoSuchOIDCProvider) {
		return oidcNotFound(arn)
	} else {
		return err
	}
}

// OIDCProviderTags returns a provider's tags.
func (s *Service) OIDCProviderTags(ctx context.Context, arn string) ([]Tag, error) {
	if err := s.authorizeOIDCProvider(ctx, "iam:ListOpenIDConnectProviderTags", arn, nil); err != nil {
		return nil, err
	}
	p, err := s.Store.OIDCProvider(ctx, arn)
	if errors.Is(err, ErrNoSuchOIDCProvider) {
		return nil, oidcNotFound(arn)
	}
	return p.Tags, err
}

// AddOIDCClientID adds an audience to a provider (again: no change).
func (s *Service) AddOIDCClientID(ctx context.Context, arn, clientID string) error {
	return s.updateOIDCProvider(ctx, "iam:AddClientIDToOpenIDConnectProvider", arn, nil, func(p *OIDCProvider) error {
		p.ClientIDs = unique(append(p.ClientIDs, clientID))
		return nil
	})
}

// RemoveOIDCClientID removes an audience (absent: no change, as AWS).
func (s *Service) RemoveOIDCClientID(ctx context.Context, arn, clientID string) error {
	return s.updateOIDCProvider(ctx, "iam:RemoveClientIDFromOpenIDConnectProvider", arn, nil, func(p *OIDCProvider) error {
		kept := p.ClientIDs[:0:0]
		for _, c := range p.ClientIDs {
			if c != clientID {
				kept = append(kept, c)
			}
		}
		p.ClientIDs = kept
		return nil
	})
}

// UpdateOIDCThumbprints replaces a provider's thumbprints.
func (s *Service) UpdateOIDCThumbprints(ctx context.Context, arn string, thumbprints []string) error {
	return s.updateOIDCProvider(ctx, "iam:UpdateOpenIDConnectProviderThumbprint", arn, nil, func(p *OIDCProvider) error {
		p.Thumbprints = unique(lower(thumbprints))
		return nil
	})
}

// TagOIDCProvider sets tags of a provider.
func (s *Service) TagOIDCProvider(ctx context.Context, arn string, tags []Tag) error {
	if err := checkDuplicateTags(tags); err != nil {
		return err
	}
	return s.updateOIDCProvider(ctx, "iam:TagOpenIDConnectProvider", arn, requestTagKeys(tags), func(p *OIDCProvider) error {
		var err error
		p.Tags, err = mergeTags(p.Tags, tags)
		return err
	})
}

// UntagOIDCProvider removes tags of a provider.
func (s *Service) UntagOIDCProvider(ctx context.Context, arn string, keys []string) error {
	return s.updateOIDCProvider(ctx, "iam:UntagOpenIDConnectProvider", arn, untagKeys(keys), func(p *OIDCProvider) error {
		p.Tags = removeTags(p.Tags, keys)
		return nil
	})
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
}
