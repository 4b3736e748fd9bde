package sts

import (
	"context"
	"strings"

	"github.com/keyward/keyward"
)

// CallerIdentity returns who is calling. It needs no permission, as in
// AWS: a caller can always learn who it is.
func (s *Service) CallerIdentity(ctx context.Context) (keyward.Principal, error) {
	return s.Authz.Principal(ctx)
}

// AccessKeyAccount returns the account an access key belongs to
// (sts:GetAccessKeyInfo). AWS decodes it from any key ID; Keyward reads a
// session key's from its ID as AWS does, and of long-term keys knows only
// its own, and says so for others, as AWS may for a deleted key.
func (s *Service) AccessKeyAccount(ctx context.Context, id string) (string, error) {
	if err := s.Authz.Authorize(ctx, "sts:GetAccessKeyInfo", "*"); err != nil {
		return "", err
	}
	if strings.HasPrefix(id, "ASIA") {
		// A session key's account is in its ID, as in AWS's.
		if acct, ok := s.sessionKeyAccount(id); ok {
			return acct, nil
		}
		if !s.isLegacySessionKeyID(id) {
			return "", keyward.AccessKeyNotFound(id)
		}
		return s.Account(ctx).ID, nil
	}
	// The key's own account, which AWS tells of any key: never the
	// caller's for another account's key.
	k, err := s.Store.AccessKey(ctx, id)
	if err != nil {
		if err == keyward.ErrNoSuchAccessKey {
			return "", keyward.AccessKeyNotFound(id)
		}
		return "", err
	}
	return k.AccountID, nil
}

// DecodeAuthorizationMessage returns the details of a refusal from its
// encoded message (sts:DecodeAuthorizationMessage).
func (s *Service) DecodeAuthorizationMessage(ctx context.Context, encoded string) (string, error) {
	if err := s.Authz.Authorize(ctx, "sts:DecodeAuthorizationMessage", "*"); err != nil {
		return "", err
	}
	return s.Authz.OpenMessage(ctx, encoded)
}
