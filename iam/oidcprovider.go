package iam

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// The descriptors of OpenID Connect providers, and how they are tagged.
func init() {
	describe(map[string]keyward.Operation{
		"CreateOpenIDConnectProvider": keyward.Changes(keyward.ReqParam("Url", oidcURLShape), keyward.ListParam("ClientIDList", clientIDShape, false),
			keyward.ListParam("ThumbprintList", thumbprintShape, true), keyward.TagsParam(false)),
		"GetOpenIDConnectProvider":                keyward.Reads(oidcARNParam),
		"ListOpenIDConnectProviders":              keyward.Reads(),
		"DeleteOpenIDConnectProvider":             keyward.Changes(oidcARNParam),
		"AddClientIDToOpenIDConnectProvider":      keyward.Changes(oidcARNParam, keyward.ReqParam("ClientID", clientIDShape)),
		"RemoveClientIDFromOpenIDConnectProvider": keyward.Changes(oidcARNParam, keyward.ReqParam("ClientID", clientIDShape)),
		"UpdateOpenIDConnectProviderThumbprint":   keyward.Changes(oidcARNParam, keyward.ListParam("ThumbprintList", thumbprintShape, true)),
	})
	taggables[keyward.TaggedOIDCProvider] = taggable{
		by:        oidcARNParam,
		authorize: (*Service).authorizeOIDCProvider,
		read: func(s *Service, ctx context.Context, id string) ([]keyward.Tag, error) {
			p, err := s.store(ctx).OIDCProvider(ctx, id)
			return p.Tags, err
		},
		missing: keyward.ErrNoSuchOIDCProvider, notFound: func(id string) error { return oidcNotFound(id) },
	}
}

func oidcNotFound(arn string) *keyward.Error {
	return keyward.Errorf(keyward.ENoSuchEntity, "OpenIDConnect Provider not found for arn %s", keyward.Clip(arn))
}

// CreateOIDCProvider registers an issuer: an https URL without query or
// fragment, its client IDs and thumbprints (40 hex digits each).
func (s *Service) CreateOIDCProvider(ctx context.Context, rawURL string, clientIDs, thumbprints []string, tags []keyward.Tag) (keyward.OIDCProvider, error) {
	if err := CheckDuplicateTags(tags); err != nil {
		return keyward.OIDCProvider{}, err
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return keyward.OIDCProvider{}, keyward.Errorf(keyward.EInvalidInput, "Invalid Url: %s. The URL must begin with https:// and have no query or fragment.", keyward.Clip(rawURL))
	}
	id := strings.TrimSuffix(u.Host+u.Path, "/")
	arn := s.Account(ctx).OIDCProviderARN(id)
	if err := s.Authz.AuthorizeWith(ctx, "iam:CreateOpenIDConnectProvider", arn, authz.RequestTagKeys(tags)); err != nil {
		return keyward.OIDCProvider{}, err
	}
	if err := authorizeCreateTags(ctx, s.Authz, "iam:TagOpenIDConnectProvider", arn, tags); err != nil {
		return keyward.OIDCProvider{}, err
	}
	if err := checkOIDCLists(clientIDs, thumbprints); err != nil {
		return keyward.OIDCProvider{}, err
	}
	p := keyward.OIDCProvider{ARN: arn, URL: id, ClientIDs: unique(clientIDs), Thumbprints: unique(lower(thumbprints)), CreatedAt: s.now(), Tags: tags}
	switch err := s.changing(ctx).CreateOIDCProvider(ctx, p, keyward.MaxOIDCProviders); {
	case errors.Is(err, keyward.ErrOIDCProviderExists):
		return p, keyward.Errorf(keyward.EEntityAlreadyExists, "Provider with url %s already exists.", keyward.Clip(rawURL))
	case errors.Is(err, keyward.ErrOIDCProviderQuota):
		return p, keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for OpenIdConnectProvidersPerAccount: %d", keyward.MaxOIDCProviders)
	default:
		return p, err
	}
}

func checkOIDCLists(clientIDs, thumbprints []string) error {
	if len(clientIDs) > maxOIDCClientIDs {
		return keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", maxOIDCClientIDs)
	}
	if len(thumbprints) > maxOIDCThumbprint {
		return keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: %d", maxOIDCThumbprint)
	}
	for _, t := range thumbprints {
		for _, c := range strings.ToLower(t) {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return keyward.Errorf(keyward.EInvalidInput, "Thumbprint %s is not a hex-encoded SHA-1 digest.", keyward.Clip(t))
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
func (s *Service) authorizeOIDCProvider(ctx context.Context, action, arn string, keys authz.Keys) error {
	tags, err := authz.TaggedKeys(ctx, func() ([]keyward.Tag, error) { p, err := s.store(ctx).OIDCProvider(ctx, arn); return p.Tags, err }, keyward.ErrNoSuchOIDCProvider)
	if err != nil {
		return err
	}
	return s.Authz.AuthorizeWith(ctx, action, arn, tags.With(keys))
}

// OIDCProvider returns a provider.
func (s *Service) OIDCProvider(ctx context.Context, arn string) (keyward.OIDCProvider, error) {
	if err := s.authorizeOIDCProvider(ctx, "iam:GetOpenIDConnectProvider", arn, nil); err != nil {
		return keyward.OIDCProvider{}, err
	}
	p, err := s.store(ctx).OIDCProvider(ctx, arn)
	if errors.Is(err, keyward.ErrNoSuchOIDCProvider) {
		return p, oidcNotFound(arn)
	}
	return p, err
}

// OIDCProviders lists the account's providers.
func (s *Service) OIDCProviders(ctx context.Context) ([]keyward.OIDCProvider, error) {
	if err := s.Authz.Authorize(ctx, "iam:ListOpenIDConnectProviders", "*"); err != nil {
		return nil, err
	}
	return s.store(ctx).OIDCProviders(ctx)
}

// updateOIDCProvider changes a provider under action, within the quotas.
func (s *Service) updateOIDCProvider(ctx context.Context, action, arn string, keys authz.Keys, fn func(*keyward.OIDCProvider) error) error {
	if err := s.authorizeOIDCProvider(ctx, action, arn, keys); err != nil {
		return err
	}
	err := s.changing(ctx).UpdateOIDCProvider(ctx, arn, func(p *keyward.OIDCProvider) error {
		if err := fn(p); err != nil {
			return err
		}
		return checkOIDCLists(p.ClientIDs, p.Thumbprints)
	})
	if errors.Is(err, keyward.ErrNoSuchOIDCProvider) {
		return oidcNotFound(arn)
	}
	return err
}

// DeleteOIDCProvider deletes a provider.
func (s *Service) DeleteOIDCProvider(ctx context.Context, arn string) error {
	if err := s.authorizeOIDCProvider(ctx, "iam:DeleteOpenIDConnectProvider", arn, nil); err != nil {
		return err
	}
	if err := s.changing(ctx).DeleteOIDCProvider(ctx, arn); errors.Is(err, keyward.ErrNoSuchOIDCProvider) {
		return oidcNotFound(arn)
	} else {
		return err
	}
}

// AddOIDCClientID adds an audience to a provider (again: no change).
func (s *Service) AddOIDCClientID(ctx context.Context, arn, clientID string) error {
	return s.updateOIDCProvider(ctx, "iam:AddClientIDToOpenIDConnectProvider", arn, nil, func(p *keyward.OIDCProvider) error {
		p.ClientIDs = unique(append(p.ClientIDs, clientID))
		return nil
	})
}

// RemoveOIDCClientID removes an audience (absent: no change, as AWS).
func (s *Service) RemoveOIDCClientID(ctx context.Context, arn, clientID string) error {
	return s.updateOIDCProvider(ctx, "iam:RemoveClientIDFromOpenIDConnectProvider", arn, nil, func(p *keyward.OIDCProvider) error {
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
	return s.updateOIDCProvider(ctx, "iam:UpdateOpenIDConnectProviderThumbprint", arn, nil, func(p *keyward.OIDCProvider) error {
		p.Thumbprints = unique(lower(thumbprints))
		return nil
	})
}

// The shapes of an OpenID Connect provider's parameters, and of its
// console sign-in (a Keyward extension): the name is shown on the
// sign-in page; the secret is never echoed.
var (
	oidcURLShape          = keyward.NewStringShape("OpenIDConnectProviderUrlType", 1, 255, "")
	clientIDShape         = keyward.NewStringShape("clientIDType", 1, 255, "")
	thumbprintShape       = keyward.NewStringShape("thumbprintType", 40, 40, "")
	oidcSignInNameShape   = keyward.NewStringShape("oidcSignInNameType", 1, 64, `[\p{L}\p{N} _.,:()@&'+-]+`)
	oidcClientSecretShape = sensitive(keyward.NewStringShape("oidcClientSecretType", 1, keyward.MaxOIDCSignInSecretLen, `[\u0021-\u007E]+`))
)

// AWS's quotas on an OIDC provider's client IDs and thumbprints.
const (
	maxOIDCClientIDs  = 100
	maxOIDCThumbprint = 5
)
