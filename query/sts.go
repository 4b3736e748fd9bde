package query

import (
	"context"
	"strconv"

	"github.com/keyward/keyward"
)

var stsActions = map[string]action{
	"GetCallerIdentity": row(func(ctx context.Context, s *Services, in *input) (keyward.Principal, error) {
		return s.STS.CallerIdentity(ctx)
	},
		func(w *xmlWriter, _ keyward.Account, p keyward.Principal) {
			w.elem("UserId", p.ID())
			w.elem("Account", p.AccountID)
			w.elem("Arn", p.ARN())
		}),
	"GetAccessKeyInfo": row(func(ctx context.Context, s *Services, in *input) (string, error) {
		return s.STS.AccessKeyAccount(ctx, in.str("AccessKeyId"))
	},
		func(w *xmlWriter, _ keyward.Account, account string) { w.elem("Account", account) }),
	"DecodeAuthorizationMessage": row(func(ctx context.Context, s *Services, in *input) (string, error) {
		return s.STS.DecodeAuthorizationMessage(ctx, in.str("EncodedMessage"))
	},
		func(w *xmlWriter, _ keyward.Account, msg string) { w.elem("DecodedMessage", msg) }),
	"GetSessionToken": row(func(ctx context.Context, s *Services, in *input) (keyward.Session, error) {
		if in.has("SerialNumber") != in.has("TokenCode") {
			return keyward.Session{}, keyward.Errorf(keyward.EAccessDenied, "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.")
		}
		return s.STS.GetSessionToken(ctx, in.int("DurationSeconds"), in.str("SerialNumber"), in.str("TokenCode"))
	},
		func(w *xmlWriter, _ keyward.Account, c keyward.Session) { writeCredentials(w, c) }),
	"AssumeRole": row(func(ctx context.Context, s *Services, in *input) (keyward.AssumedRole, error) {
		return s.STS.AssumeRole(ctx, keyward.AssumeRoleInput{RoleARN: in.str("RoleArn"), SessionName: in.str("RoleSessionName"),
			DurationSeconds: in.int("DurationSeconds"), ExternalID: in.str("ExternalId"), Policy: in.str("Policy"),
			PolicyARNs: in.list("PolicyArns"), Tags: in.tags, TransitiveTagKeys: in.list("TransitiveTagKeys"),
			SerialNumber: in.str("SerialNumber"), TokenCode: in.str("TokenCode"), SourceIdentity: in.str("SourceIdentity")})
	}, writeAssumedRole),
	"GetFederationToken": row(func(ctx context.Context, s *Services, in *input) (keyward.AssumedRole, error) {
		return s.STS.GetFederationToken(ctx, in.str("Name"), in.int("DurationSeconds"), in.str("Policy"), in.list("PolicyArns"), in.tags)
	},
		func(w *xmlWriter, _ keyward.Account, r keyward.AssumedRole) {
			writeCredentials(w, r.Session)
			writeSessionUser(w, "FederatedUser", "FederatedUserId", r)
			w.elem("PackedPolicySize", strconv.Itoa(r.PackedPolicySize))
		}),
	"AssumeRoleWithWebIdentity": row(func(ctx context.Context, s *Services, in *input) (keyward.AssumedRole, error) {
		return s.STS.AssumeRoleWithWebIdentity(ctx, keyward.AssumeRoleInput{RoleARN: in.str("RoleArn"), SessionName: in.str("RoleSessionName"),
			DurationSeconds: in.int("DurationSeconds"), Policy: in.str("Policy"), PolicyARNs: in.list("PolicyArns")}, in.str("WebIdentityToken"))
	}, writeAssumedRole),
	"AssumeRoleWithSAML": row(func(ctx context.Context, s *Services, in *input) (keyward.AssumedRole, error) {
		return s.STS.AssumeRoleWithSAML(ctx, keyward.AssumeRoleInput{RoleARN: in.str("RoleArn"), DurationSeconds: in.int("DurationSeconds"),
			Policy: in.str("Policy"), PolicyARNs: in.list("PolicyArns")}, in.str("PrincipalArn"), in.str("SAMLAssertion"))
	}, writeSAMLRole),
}

// writeSAMLRole writes AssumeRoleWithSAML's result: a role session and who
// the assertion says signed in, in the model's order.
func writeSAMLRole(w *xmlWriter, _ keyward.Account, r keyward.AssumedRole) {
	writeCredentials(w, r.Session)
	writeSessionUser(w, "AssumedRoleUser", "AssumedRoleId", r)
	w.elem("PackedPolicySize", strconv.Itoa(r.PackedPolicySize))
	if s := r.SAML; s != nil {
		w.elem("Subject", s.Subject)
		w.elem("SubjectType", s.SubjectType)
		w.elem("Issuer", s.Issuer)
		w.elem("Audience", s.Audience)
		w.elem("NameQualifier", s.NameQualifier)
	}
	if r.SourceIdentity != "" {
		w.elem("SourceIdentity", r.SourceIdentity)
	}
}

func writeCredentials(w *xmlWriter, c keyward.Session) {
	w.open("Credentials")
	w.elem("AccessKeyId", c.AccessKeyID)
	w.elem("SecretAccessKey", c.Secret)
	w.elem("SessionToken", c.Token)
	w.time("Expiration", c.Expiration)
	w.close("Credentials")
}

// writeAssumedRole writes a role session: AssumeRole's result and that of
// AssumeRoleWithWebIdentity, which adds the token's subject, audience and
// issuer.
func writeAssumedRole(w *xmlWriter, _ keyward.Account, r keyward.AssumedRole) {
	if r.Subject != "" {
		w.elem("SubjectFromWebIdentityToken", r.Subject)
		w.elem("Audience", r.Audience)
	}
	if r.SourceIdentity != "" {
		w.elem("SourceIdentity", r.SourceIdentity)
	}
	writeSessionUser(w, "AssumedRoleUser", "AssumedRoleId", r)
	writeCredentials(w, r.Session)
	if r.Provider != "" {
		w.elem("Provider", r.Provider)
	}
	w.elem("PackedPolicySize", strconv.Itoa(r.PackedPolicySize))
}

// writeSessionUser writes who a session is, in the element and with the
// ID element AWS names it by: AssumedRoleUser and AssumedRoleId for a
// role's session, FederatedUser and FederatedUserId for a federated
// user's.
func writeSessionUser(w *xmlWriter, elem, idElem string, r keyward.AssumedRole) {
	w.open(elem)
	w.elem(idElem, r.AssumedRoleID)
	w.elem("Arn", r.ARN)
	w.close(elem)
}
