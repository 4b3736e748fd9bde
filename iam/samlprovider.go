package iam

import (
	"context"
	"errors"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/saml"
)

// The descriptors of SAML providers, and how they are tagged.
func init() {
	describe(map[string]keyward.Operation{
		"CreateSAMLProvider": keyward.Changes(keyward.ReqParam("SAMLMetadataDocument", samlMetadataShape), keyward.ReqParam("Name", samlProviderNameShape), keyward.TagsParam(false)),
		"GetSAMLProvider":    keyward.Reads(samlARNParam),
		"ListSAMLProviders":  keyward.Reads(),
		"UpdateSAMLProvider": keyward.Changes(keyward.ReqParam("SAMLMetadataDocument", samlMetadataShape), samlARNParam),
		"DeleteSAMLProvider": keyward.Changes(samlARNParam),
	})
	taggables[keyward.TaggedSAMLProvider] = taggable{
		by:        samlARNParam,
		authorize: (*Service).authorizeSAMLProvider,
		read: func(s *Service, ctx context.Context, id string) ([]keyward.Tag, error) {
			p, err := s.store(ctx).SAMLProvider(ctx, id)
			return p.Tags, err
		},
		missing: keyward.ErrNoSuchSAMLProvider, notFound: func(id string) error { return samlNotFound(id) },
	}
}

// samlARNParam names a SAML provider.
var samlARNParam = keyward.ReqParam("SAMLProviderArn", keyward.ARNShape)

// noValidUntil is how long AWS reports a provider valid whose metadata
// sets no validUntil.
const noValidUntil = 100 * 365 * 24 * time.Hour

func samlNotFound(arn string) *keyward.Error {
	return keyward.Errorf(keyward.ENoSuchEntity, "Manifest not found for arn %s", keyward.Clip(arn))
}

// metadataError turns package saml's refusal of a document into IAM's
// answer, which names the check that failed no further than AWS does.
func metadataError(err error) error {
	var se *saml.Error
	if errors.As(err, &se) {
		return keyward.Errorf(keyward.EInvalidInput, "%s", se.Message)
	}
	return err
}

// parseSAMLMetadata checks a metadata document as IAM does and returns
// the validity AWS reports for it.
func (s *Service) parseSAMLMetadata(doc string) (time.Time, error) {
	now := s.now()
	md, err := saml.ParseMetadata(doc, now)
	if err != nil {
		return time.Time{}, metadataError(err)
	}
	if md.ValidUntil.IsZero() {
		return now.Add(noValidUntil), nil
	}
	return md.ValidUntil.UTC(), nil
}

// CreateSAMLProvider registers an identity provider by its metadata
// document: an entity ID, signing certificates and, if it says so, the
// date until which it is valid.
func (s *Service) CreateSAMLProvider(ctx context.Context, name, metadata string, tags []keyward.Tag) (keyward.SAMLProvider, error) {
	arn := s.Account(ctx).SAMLProviderARN(name)
	if err := CheckDuplicateTags(tags); err != nil {
		return keyward.SAMLProvider{}, err
	}
	if err := s.Authz.AuthorizeWith(ctx, "iam:CreateSAMLProvider", arn, authz.RequestTagKeys(tags)); err != nil {
		return keyward.SAMLProvider{}, err
	}
	if err := authorizeCreateTags(ctx, s.Authz, "iam:TagSAMLProvider", arn, tags); err != nil {
		return keyward.SAMLProvider{}, err
	}
	validUntil, err := s.parseSAMLMetadata(metadata)
	if err != nil {
		return keyward.SAMLProvider{}, err
	}
	p := keyward.SAMLProvider{ARN: arn, Name: name, Metadata: metadata, ValidUntil: validUntil, CreatedAt: s.now(), Tags: tags}
	switch err := s.changing(ctx).CreateSAMLProvider(ctx, p, keyward.MaxSAMLProviders); {
	case errors.Is(err, keyward.ErrSAMLProviderExists):
		return p, keyward.Errorf(keyward.EEntityAlreadyExists, "SAMLProvider %s already exists.", keyward.Clip(name))
	case errors.Is(err, keyward.ErrSAMLProviderQuota):
		return p, keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for SamlProvidersPerAccount: %d", keyward.MaxSAMLProviders)
	default:
		return p, err
	}
}

// authorizeSAMLProvider authorises action on a provider, with its tags as
// aws:ResourceTag keys besides the request's keys.
func (s *Service) authorizeSAMLProvider(ctx context.Context, action, arn string, keys authz.Keys) error {
	tags, err := authz.TaggedKeys(ctx, func() ([]keyward.Tag, error) { p, err := s.store(ctx).SAMLProvider(ctx, arn); return p.Tags, err }, keyward.ErrNoSuchSAMLProvider)
	if err != nil {
		return err
	}
	return s.Authz.AuthorizeWith(ctx, action, arn, tags.With(keys))
}

// SAMLProvider returns a provider with its metadata document.
func (s *Service) SAMLProvider(ctx context.Context, arn string) (keyward.SAMLProvider, error) {
	return s.samlProviderFor(ctx, "iam:GetSAMLProvider", arn)
}

// SAMLProviders lists the account's providers.
func (s *Service) SAMLProviders(ctx context.Context) ([]keyward.SAMLProvider, error) {
	if err := s.Authz.Authorize(ctx, "iam:ListSAMLProviders", "*"); err != nil {
		return nil, err
	}
	return s.store(ctx).SAMLProviders(ctx)
}

// UpdateSAMLProvider replaces a provider's metadata document, checked as
// at creation: a rotated signing certificate, a new validity.
func (s *Service) UpdateSAMLProvider(ctx context.Context, arn, metadata string) error {
	if err := s.authorizeSAMLProvider(ctx, "iam:UpdateSAMLProvider", arn, nil); err != nil {
		return err
	}
	validUntil, err := s.parseSAMLMetadata(metadata)
	if err != nil {
		return err
	}
	err = s.changing(ctx).UpdateSAMLProvider(ctx, arn, func(p *keyward.SAMLProvider) error {
		p.Metadata, p.ValidUntil = metadata, validUntil
		return nil
	})
	if errors.Is(err, keyward.ErrNoSuchSAMLProvider) {
		return samlNotFound(arn)
	}
	return err
}

// DeleteSAMLProvider deletes a provider. Sessions it vouched for stay
// valid until they expire, as on AWS; no new one is issued.
func (s *Service) DeleteSAMLProvider(ctx context.Context, arn string) error {
	if err := s.authorizeSAMLProvider(ctx, "iam:DeleteSAMLProvider", arn, nil); err != nil {
		return err
	}
	if err := s.changing(ctx).DeleteSAMLProvider(ctx, arn); errors.Is(err, keyward.ErrNoSuchSAMLProvider) {
		return samlNotFound(arn)
	} else {
		return err
	}
}

// samlProviderFor returns a provider after authorising action on it.
func (s *Service) samlProviderFor(ctx context.Context, action, arn string) (keyward.SAMLProvider, error) {
	if err := s.authorizeSAMLProvider(ctx, action, arn, nil); err != nil {
		return keyward.SAMLProvider{}, err
	}
	p, err := s.store(ctx).SAMLProvider(ctx, arn)
	if errors.Is(err, keyward.ErrNoSuchSAMLProvider) {
		return p, samlNotFound(arn)
	}
	return p, err
}

// The shapes of a SAML provider's parameters.
var (
	samlProviderNameShape = keyward.NewStringShape("SAMLProviderNameType", 1, 128, `[\w._-]+`)
	samlMetadataShape     = keyward.NewStringShape("SAMLMetadataDocumentType", 1000, 10000000, "")
)
