package query

import (
	"context"

	"github.com/keyward/keyward"
)

var oidcARN = req("OpenIDConnectProviderArn", keyward.ARNShape)

// OpenID Connect identity providers.
var oidcActions = map[string]action{
	"CreateOpenIDConnectProvider": row([]param{req("Url", keyward.OIDCURLShape), strList("ClientIDList", keyward.ClientIDShape, false),
		strList("ThumbprintList", keyward.ThumbprintShape, true), tags(false)},
		func(ctx context.Context, s *Services, in *input) (keyward.OIDCProvider, error) {
			return s.IAM.CreateOIDCProvider(ctx, in.str("Url"), in.list("ClientIDList"), in.list("ThumbprintList"), in.tags)
		},
		func(w *xmlWriter, _ keyward.Account, p keyward.OIDCProvider) {
			w.elem("OpenIDConnectProviderArn", p.ARN)
			if len(p.Tags) > 0 {
				w.tags(p.Tags)
			}
		}),
	"GetOpenIDConnectProvider": row([]param{oidcARN},
		func(ctx context.Context, s *Services, in *input) (keyward.OIDCProvider, error) {
			return s.IAM.OIDCProvider(ctx, in.str("OpenIDConnectProviderArn"))
		},
		func(w *xmlWriter, _ keyward.Account, p keyward.OIDCProvider) {
			w.elem("Url", p.URL)
			members(w, "ClientIDList", p.ClientIDs, func(c string) { w.text(c) })
			members(w, "ThumbprintList", p.Thumbprints, func(t string) { w.text(t) })
			w.time("CreateDate", p.CreatedAt)
			if len(p.Tags) > 0 {
				w.tags(p.Tags)
			}
		}),
	"ListOpenIDConnectProviders": row(nil,
		func(ctx context.Context, s *Services, _ *input) ([]keyward.OIDCProvider, error) {
			return s.IAM.OIDCProviders(ctx)
		},
		func(w *xmlWriter, _ keyward.Account, ps []keyward.OIDCProvider) {
			members(w, "OpenIDConnectProviderList", ps, func(p keyward.OIDCProvider) { w.elem("Arn", p.ARN) })
		}),
	"DeleteOpenIDConnectProvider": do([]param{oidcARN}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteOIDCProvider(ctx, in.str("OpenIDConnectProviderArn"))
	}),
	"AddClientIDToOpenIDConnectProvider": do([]param{oidcARN, req("ClientID", keyward.ClientIDShape)}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.AddOIDCClientID(ctx, in.str("OpenIDConnectProviderArn"), in.str("ClientID"))
	}),
	"RemoveClientIDFromOpenIDConnectProvider": do([]param{oidcARN, req("ClientID", keyward.ClientIDShape)}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.RemoveOIDCClientID(ctx, in.str("OpenIDConnectProviderArn"), in.str("ClientID"))
	}),
	"UpdateOpenIDConnectProviderThumbprint": do([]param{oidcARN, strList("ThumbprintList", keyward.ThumbprintShape, true)},
		func(ctx context.Context, s *Services, in *input) error {
			return s.IAM.UpdateOIDCThumbprints(ctx, in.str("OpenIDConnectProviderArn"), in.list("ThumbprintList"))
		}),
	"TagOpenIDConnectProvider": do([]param{oidcARN, tags(true)}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.TagOIDCProvider(ctx, in.str("OpenIDConnectProviderArn"), in.tags)
	}),
	"UntagOpenIDConnectProvider": do([]param{oidcARN, tagKeys}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UntagOIDCProvider(ctx, in.str("OpenIDConnectProviderArn"), in.list("TagKeys"))
	}),
	"ListOpenIDConnectProviderTags": row([]param{oidcARN, marker, maxItems},
		func(ctx context.Context, s *Services, in *input) ([]keyward.Tag, error) {
			return s.IAM.OIDCProviderTags(ctx, in.str("OpenIDConnectProviderArn"))
		},
		func(w *xmlWriter, _ keyward.Account, tags []keyward.Tag) {
			w.tags(tags)
			w.bool("IsTruncated", false)
		}),
}
