package query

import (
	"context"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
)

func init() { serveIAM(oidcSignInActions) }

// The console's sign-in through OpenID Connect providers: Keyward's own
// actions (iam.KeywardOperations), on the IAM endpoint and in its XML namespace.
// No answer carries the client secret, only whether one is set.
var oidcSignInActions = map[string]action{
	"PutOpenIDConnectSignIn": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.PutOIDCSignIn(ctx, in.str("OpenIDConnectProviderArn"), in.str("ClientID"), in.str("ClientSecret"), in.str("DisplayName"), in.list("RoleArns"))
	}),
	"GetOpenIDConnectSignIn": row(func(ctx context.Context, s *Services, in *input) (iam.OIDCSignInSetting, error) {
		return s.IAM.GetOIDCSignIn(ctx, in.str("OpenIDConnectProviderArn"))
	}, func(w *xmlWriter, _ keyward.Account, si iam.OIDCSignInSetting) { writeOIDCSignIn(w, si) }),
	"ListOpenIDConnectSignIns": row(func(ctx context.Context, s *Services, _ *input) ([]iam.OIDCSignInSetting, error) {
		return s.IAM.ListOIDCSignIns(ctx)
	}, func(w *xmlWriter, _ keyward.Account, list []iam.OIDCSignInSetting) {
		members(w, "OpenIDConnectSignIns", list, func(si iam.OIDCSignInSetting) { writeOIDCSignIn(w, si) })
	}),
	"DeleteOpenIDConnectSignIn": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteOIDCSignIn(ctx, in.str("OpenIDConnectProviderArn"))
	}),
}

func writeOIDCSignIn(w *xmlWriter, si iam.OIDCSignInSetting) {
	w.elem("OpenIDConnectProviderArn", si.ProviderARN)
	w.elem("Url", si.URL)
	w.elem("ClientID", si.ClientID)
	w.bool("ClientSecretSet", si.ClientSecretSet)
	w.elem("DisplayName", si.Name)
	members(w, "RoleArns", si.Roles, func(r string) { w.text(r) })
	w.time("UpdateDate", si.UpdatedAt)
}
