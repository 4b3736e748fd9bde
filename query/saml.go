package query

import (
	"context"

	"github.com/keyward/keyward"
)

var samlARN = req("SAMLProviderArn", keyward.ARNShape)

// SAML 2.0 identity providers.
var samlActions = map[string]action{
	"CreateSAMLProvider": row([]param{req("Name", keyward.SAMLProviderNameShape), req("SAMLMetadataDocument", keyward.SAMLMetadataShape), tags(false)},
		func(ctx context.Context, s *Services, in *input) (keyward.SAMLProvider, error) {
			return s.IAM.CreateSAMLProvider(ctx, in.str("Name"), in.str("SAMLMetadataDocument"), in.tags)
		},
		func(w *xmlWriter, _ keyward.Account, p keyward.SAMLProvider) {
			w.elem("SAMLProviderArn", p.ARN)
			if len(p.Tags) > 0 {
				w.tags(p.Tags)
			}
		}),
	"GetSAMLProvider": row([]param{samlARN},
		func(ctx context.Context, s *Services, in *input) (keyward.SAMLProvider, error) {
			return s.IAM.SAMLProvider(ctx, in.str("SAMLProviderArn"))
		},
		func(w *xmlWriter, _ keyward.Account, p keyward.SAMLProvider) {
			w.elem("SAMLMetadataDocument", p.Metadata)
			w.time("CreateDate", p.CreatedAt)
			w.time("ValidUntil", p.ValidUntil)
			if len(p.Tags) > 0 {
				w.tags(p.Tags)
			}
		}),
	"ListSAMLProviders": row(nil,
		func(ctx context.Context, s *Services, _ *input) ([]keyward.SAMLProvider, error) {
			return s.IAM.SAMLProviders(ctx)
		},
		func(w *xmlWriter, _ keyward.Account, ps []keyward.SAMLProvider) {
			members(w, "SAMLProviderList", ps, func(p keyward.SAMLProvider) {
				w.elem("Arn", p.ARN)
				w.time("ValidUntil", p.ValidUntil)
				w.time("CreateDate", p.CreatedAt)
			})
		}),
	"UpdateSAMLProvider": row([]param{samlARN, req("SAMLMetadataDocument", keyward.SAMLMetadataShape)},
		func(ctx context.Context, s *Services, in *input) (string, error) {
			return in.str("SAMLProviderArn"), s.IAM.UpdateSAMLProvider(ctx, in.str("SAMLProviderArn"), in.str("SAMLMetadataDocument"))
		},
		func(w *xmlWriter, _ keyward.Account, arn string) { w.elem("SAMLProviderArn", arn) }),
	"DeleteSAMLProvider": do([]param{samlARN}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteSAMLProvider(ctx, in.str("SAMLProviderArn"))
	}),
	"TagSAMLProvider": do([]param{samlARN, tags(true)}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.TagSAMLProvider(ctx, in.str("SAMLProviderArn"), in.tags)
	}),
	"UntagSAMLProvider": do([]param{samlARN, strList("TagKeys", keyward.TagKeyShape, true)}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UntagSAMLProvider(ctx, in.str("SAMLProviderArn"), in.list("TagKeys"))
	}),
	"ListSAMLProviderTags": row([]param{samlARN, marker, maxItems},
		func(ctx context.Context, s *Services, in *input) ([]keyward.Tag, error) {
			return s.IAM.SAMLProviderTags(ctx, in.str("SAMLProviderArn"))
		},
		func(w *xmlWriter, _ keyward.Account, tags []keyward.Tag) {
			w.tags(tags)
			w.bool("IsTruncated", false)
		}),
}
