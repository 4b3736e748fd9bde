package keyward

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"
)

// ConsoleUsers returns a page of users for the console's list.
func (s *Service) ConsoleUsers(ctx context.Context, q UserQuery) ([]UserSummary, int, error) {
	return s.Store.ConsoleUsers(ctx, q)
}

// TagUser sets one tag of a user.
func (s *Service) TagUser(ctx context.Context, user string, t Tag) error {
	if err := s.Store.PutUserTag(ctx, user, t); errors.Is(err, ErrNoSuchUser) {
		return UserNotFound(user)
	} else {
		return err
	}
}

// UntagUser removes a tag of a user.
func (s *Service) UntagUser(ctx context.Context, user, key string) error {
	if err := s.Store.DeleteUserTag(ctx, user, key); errors.Is(err, ErrNoSuchUser) {
		return UserNotFound(user)
	} else {
		return err
	}
}

// errSignIn is the one answer to every failed sign-in, so that it tells
// nothing of which part was wrong.
var errSignIn = Errorf(EAccessDenied, "Your authentication information is incorrect. Please try again.")

// SignInRoot checks the root user's console credentials: an active access
// key of the root user and its secret, compared in constant time.
func (s *Service) SignInRoot(ctx context.Context, keyID, secret string) (Principal, error) {
	c, err := s.Credential(ctx, keyID)
	if err != nil || !c.Principal.Root || !c.Active || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return Principal{}, errSignIn
	}
	return c.Principal, nil
}

// SignInUser checks an IAM user's console password and records its use;
// it also reports whether the password must be changed first.
func (s *Service) SignInUser(ctx context.Context, accountID, userName, password string) (Principal, bool, error) {
	if accountID != s.Account.ID {
		return Principal{}, false, errSignIn
	}
	u, err := s.Store.User(ctx, userName)
	var lp LoginProfile
	if err == nil {
		lp, err = s.Store.LoginProfile(ctx, userName)
	}
	if err != nil {
		// Hash anyway, so that how long a refusal takes does not tell which
		// user names have a password.
		s.Passwords.Verify(s.decoyHash(), password)
		return Principal{}, false, errSignIn
	}
	if ok, err := s.Passwords.Verify(lp.PasswordHash, password); err != nil || !ok {
		return Principal{}, false, errSignIn
	}
	if err := s.Store.RecordPasswordUse(ctx, userName, s.Now().UTC()); err != nil {
		return Principal{}, false, err
	}
	return Principal{AccountID: s.Account.ID, UserID: u.ID, UserName: u.Name, UserPath: u.Path}, lp.ResetRequired, nil
}

// DeleteUserAndAttachments deletes a user with everything that would make
// DeleteUser refuse: access keys, login profile, inline and attached
// policies, group memberships. The console does this after the
// administrator confirms, as AWS's does.
func (s *Service) DeleteUserAndAttachments(ctx context.Context, name string) error {
	keys, _, err := s.ListAccessKeys(ctx, name, "", MaxAccessKeysPerUser)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.DeleteAccessKey(ctx, name, k.ID); err != nil {
			return err
		}
	}
	if err := s.Store.DeleteLoginProfile(ctx, name, s.Now().UTC()); err != nil && !errors.Is(err, ErrNoLoginProfile) {
		return err
	}
	user := Entity{Kind: EntityUser, Name: name}
	for {
		names, _, err := s.Store.ListInlinePolicies(ctx, user, "", 100)
		if err != nil || len(names) == 0 {
			if err != nil {
				return err
			}
			break
		}
		for _, n := range names {
			if err := s.DeleteInlinePolicy(ctx, user, n); err != nil {
				return err
			}
		}
	}
	for {
		pols, _, err := s.Store.ListAttachedPolicies(ctx, user, "/", "", 100)
		if err != nil || len(pols) == 0 {
			if err != nil {
				return err
			}
			break
		}
		for _, p := range pols {
			if err := s.DetachPolicy(ctx, user, p.ARN); err != nil {
				return err
			}
		}
	}
	for {
		groups, _, err := s.Store.ListGroupsForUser(ctx, name, "", 100)
		if err != nil || len(groups) == 0 {
			if err != nil {
				return err
			}
			break
		}
		for _, g := range groups {
			if err := s.RemoveUserFromGroup(ctx, g.Name, name); err != nil {
				return err
			}
		}
	}
	return s.DeleteUser(ctx, name)
}

// RevokeSession ends a console session for good, on every replica.
func (s *Service) RevokeSession(ctx context.Context, id string, expires time.Time) error {
	return s.Store.RevokeSession(ctx, id, expires)
}

// SessionRevoked reports whether a console session was signed out.
func (s *Service) SessionRevoked(ctx context.Context, id string) (bool, error) {
	return s.Store.SessionRevoked(ctx, id)
}

// decoyHash is a hash of nothing in particular, made once, to verify
// against when there is no real one.
func (s *Service) decoyHash() string {
	s.decoyOnce.Do(func() { s.decoy, _ = s.Passwords.Hash("keyward decoy password") })
	return s.decoy
}
