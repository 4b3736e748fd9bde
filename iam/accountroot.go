package iam

import (
	"context"
	"errors"
	"time"

	"github.com/keyward/keyward"
)

// CreateAccountRootKey gives an account of the installation an access key
// of its root user, for a tenant that administers its account itself: the
// accounts AWS Organizations' CreateAccount makes have no root
// credentials, as on AWS, where the owner of the account's email recovers
// the root user's password. It is the operator's (an internal caller's)
// alone, audited in that account as keyward.operator's CreateAccessKey;
// the root user's two keys are its quota, as for any user.
func (s *Service) CreateAccountRootKey(ctx context.Context, accountID string) (keyward.AccessKey, string, error) {
	if _, internal, _ := keyward.Caller(ctx); !internal {
		return keyward.AccessKey{}, "", keyward.ErrNoCaller
	}
	acct, err := s.Store.AccountByID(ctx, accountID)
	if errors.Is(err, keyward.ErrNoAccount) {
		return keyward.AccessKey{}, "", keyward.Errorf(keyward.ENoSuchEntity, "The account %s does not exist.", keyward.Clip(accountID))
	} else if err != nil {
		return keyward.AccessKey{}, "", err
	}
	if acct.Status != "" && acct.Status != keyward.AccountActive {
		return keyward.AccessKey{}, "", keyward.Errorf(keyward.EInvalidInput, "The account %s is %s.", acct.ID, acct.Status)
	}
	for attempt := 0; ; attempt++ {
		k, secret, err := s.newKey("", time.Time{})
		if err != nil {
			return keyward.AccessKey{}, "", err
		}
		id := k.ID
		pe, err := s.operatorEvent(acct, "CreateAccessKey", map[string]any{})
		if err != nil {
			return keyward.AccessKey{}, "", err
		}
		pe.Event.ResponseElements = map[string]any{"accessKey": map[string]any{"accessKeyId": id, "status": keyward.StatusActive, "createDate": eventTime(k.CreatedAt)}}
		k, err = s.Store.InAccount(acct.ID).Recording(pe).CreateAccessKey(ctx, "", k)
		switch {
		case errors.Is(err, keyward.ErrAccessKeyQuota):
			return keyward.AccessKey{}, "", accessKeyQuotaExceeded()
		case errors.Is(err, keyward.ErrAccessKeyExists) && attempt < 3:
			continue
		case err != nil:
			return keyward.AccessKey{}, "", err
		}
		s.changed(id)
		return k, secret, nil
	}
}

// AccountClosed reports whether the account with ID id was closed
// (Organizations' CloseAccount): then none of its principals may do
// anything, whatever their credentials. "" is the installation's first
// account, as a principal naming no account is. An account the
// installation does not have is not closed: it has no principals. The
// answer is cached (AccountsClosed) until the next change to
// organizations, and a closed account never reopens.
func (s *Service) AccountClosed(ctx context.Context, id string) (bool, error) {
	if id == "" {
		id = s.Authz.FirstAccount().ID
	}
	if closed, ok := keyward.Cached(s.AccountsClosed, id); ok {
		return closed, nil
	}
	// An ID that names no account is not kept: the role ARNs of unsigned
	// requests (AssumeRoleWithWebIdentity) name any account, and would
	// push the accounts of every request out of the cache.
	closed, err := keyward.LoadThrough(ctx, s.AccountsClosed, id, func(ctx context.Context) (bool, error) {
		a, err := s.Store.AccountByID(ctx, id)
		return a.Closed(), err
	})
	if errors.Is(err, keyward.ErrNoAccount) {
		return false, nil
	}
	return closed, err
}
