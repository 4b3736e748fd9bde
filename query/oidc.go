package query

import (
	"context"

	"github.com/keyward/keyward"
)

func init() { serveIAM(oidcActions) }

// OpenID Connect identity providers.
var oidcActions = map[string]action{
	"CreateOpenIDConnectProvider": row(func(ctx context.Context, s *Services, in *input) (keyward.OIDCProvider, error) {
		return s.IAM.CreateOIDCProvider(ctx, in.str("Url"), in.list("ClientIDList"), in.list("ThumbprintList"), in.tags)
	},
		func(w *xmlWriter, _ keyward.Account, p keyward.OIDCProvider) {
			w.elem("OpenIDConnectProviderArn", p.ARN)
			if len(p.Tags) > 0 {
				w.tags(p.Tags)
			}
		}),
	"GetOpenIDConnectProvider": row(func(ctx context.Context, s *Services, in *input) (keyward.OIDCProvider, error) {
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
	"ListOpenIDConnectProviders": row(func(ctx context.Context, s *Services, _ *input) ([]keyward.OIDCProvider, error) {
		return s.IAM.OIDCProviders(ctx)
	},
		func(w *xmlWriter, _ keyward.Account, ps []keyward.OIDCProvider) {
			members(w, "OpenIDConnectProviderList", ps, func(p keyward.OIDCProvider) { w.elem("Arn", p.ARN) })
		}),
	"DeleteOpenIDConnectProvider": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteOIDCProvider(ctx, in.str("OpenIDConnectProviderArn"))
	}),
	"AddClientIDToOpenIDConnectProvider": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.AddOIDCClientID(ctx, in.str("OpenIDConnectProviderArn"), in.str("ClientID"))
	}),
	"RemoveClientIDFromOpenIDConnectProvider": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.RemoveOIDCClientID(ctx, in.str("OpenIDConnectProviderArn"), in.str("ClientID"))
	}),
	"UpdateOpenIDConnectProviderThumbprint": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UpdateOIDCThumbprints(ctx, in.str("OpenIDConnectProviderArn"), in.list("ThumbprintList"))
	}),
}
