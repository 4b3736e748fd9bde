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
}
