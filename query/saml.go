package query

import (
	"context"

	"github.com/keyward/keyward"
)

func init() { serveIAM(samlActions) }

// SAML 2.0 identity providers; their tags are rows of tags.go.
var samlActions = map[string]action{
	"CreateSAMLProvider": row(func(ctx context.Context, s *Services, in *input) (keyward.SAMLProvider, error) {
		return s.IAM.CreateSAMLProvider(ctx, in.str("Name"), in.str("SAMLMetadataDocument"), in.tags)
	}, func(w *xmlWriter, _ keyward.Account, p keyward.SAMLProvider) {
		w.elem("SAMLProviderArn", p.ARN)
		if len(p.Tags) > 0 {
			w.tags(p.Tags)
		}
	}),
	"GetSAMLProvider": row(func(ctx context.Context, s *Services, in *input) (keyward.SAMLProvider, error) {
		return s.IAM.SAMLProvider(ctx, in.str("SAMLProviderArn"))
	}, func(w *xmlWriter, _ keyward.Account, p keyward.SAMLProvider) {
		w.elem("SAMLMetadataDocument", p.Metadata)
		w.time("CreateDate", p.CreatedAt)
		w.time("ValidUntil", p.ValidUntil)
		if len(p.Tags) > 0 {
			w.tags(p.Tags)
		}
	}),
	"ListSAMLProviders": row(func(ctx context.Context, s *Services, _ *input) ([]keyward.SAMLProvider, error) {
		return s.IAM.SAMLProviders(ctx)
	}, func(w *xmlWriter, _ keyward.Account, ps []keyward.SAMLProvider) {
		members(w, "SAMLProviderList", ps, func(p keyward.SAMLProvider) {
			w.elem("Arn", p.ARN)
			w.time("ValidUntil", p.ValidUntil)
			w.time("CreateDate", p.CreatedAt)
		})
	}),
	"UpdateSAMLProvider": row(func(ctx context.Context, s *Services, in *input) (string, error) {
		return in.str("SAMLProviderArn"), s.IAM.UpdateSAMLProvider(ctx, in.str("SAMLProviderArn"), in.str("SAMLMetadataDocument"))
	}, func(w *xmlWriter, _ keyward.Account, arn string) { w.elem("SAMLProviderArn", arn) }),
	"DeleteSAMLProvider": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteSAMLProvider(ctx, in.str("SAMLProviderArn"))
	}),
}
