package query

import (
	"context"

	"github.com/keyward/keyward"
)

var stsActions = map[string]action{
	"GetCallerIdentity": row(nil,
		func(ctx context.Context, s *keyward.Service, in *input) (keyward.Principal, error) {
			return s.CallerIdentity(ctx)
		},
		func(w *xmlWriter, _ keyward.Account, p keyward.Principal) {
			w.elem("UserId", p.ID())
			w.elem("Account", p.AccountID)
			w.elem("Arn", p.ARN())
		}),
	"GetAccessKeyInfo": row([]param{req("AccessKeyId", keyward.STSAccessKeyIDShape)},
		func(ctx context.Context, s *keyward.Service, in *input) (string, error) {
			return s.AccessKeyAccount(ctx, in.str("AccessKeyId"))
		},
		func(w *xmlWriter, _ keyward.Account, account string) { w.elem("Account", account) }),
	"GetSessionToken": row([]param{integer("DurationSeconds", keyward.MinSessionDuration, keyward.MaxUserSessionDuration),
		str("SerialNumber", stsSerialShape), str("TokenCode", stsTokenCodeShape)},
		func(ctx context.Context, s *keyward.Service, in *input) (keyward.Session, error) {
			if in.has("SerialNumber") != in.has("TokenCode") {
				return keyward.Session{}, keyward.Errorf(keyward.EAccessDenied, "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.")
			}
			return s.GetSessionToken(ctx, in.int("DurationSeconds"), in.str("SerialNumber"), in.str("TokenCode"))
		},
		func(w *xmlWriter, _ keyward.Account, c keyward.Session) {
			w.open("Credentials")
			w.elem("AccessKeyId", c.AccessKeyID)
			w.elem("SecretAccessKey", c.Secret)
			w.elem("SessionToken", c.Token)
			w.time("Expiration", c.Expiration)
			w.close("Credentials")
		}),
}

// STS's shapes of GetSessionToken's MFA parameters.
var (
	stsSerialShape    = keyward.STSSerialNumberShape
	stsTokenCodeShape = keyward.STSTokenCodeShape
)
