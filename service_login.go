package keyward

import (
	"context"
	"errors"
)

// LoginProfileNotFound is AWS's NoSuchEntity for a user without a password.
func LoginProfileNotFound(user string) *Error {
	return Errorf(ENoSuchEntity, "Login Profile for User %s cannot be found.", user)
}

// effectivePolicy returns the account's password policy, or AWS's default
// and true when it has none.
func (s *Service) effectivePolicy(ctx context.Context) (PasswordPolicy, bool, error) {
	pp, err := s.Store.PasswordPolicy(ctx)
	if errors.Is(err, ErrNoPasswordPolicy) {
		return DefaultPasswordPolicy, true, nil
	}
	return pp, false, err
}

// checkPassword applies the password policy, including reuse prevention
// against the user's earlier hashes.
func (s *Service) checkPassword(ctx context.Context, password string, history []string) (PasswordPolicy, error) {
	pp, isDefault, err := s.effectivePolicy(ctx)
	if err != nil {
		return pp, err
	}
	if err := pp.Check(password, isDefault); err != nil {
		return pp, err
	}
	for i, h := range history {
		if i >= pp.PasswordReusePrevention {
			break
		}
		if ok, err := s.Passwords.Verify(h, password); err == nil && ok {
			return pp, Errorf(EPasswordPolicyViolation, "Password does not conform to the account password policy. Password should not be one of your last %d passwords.", pp.PasswordReusePrevention)
		}
	}
	return pp, nil
}

// CreateLoginProfile gives a user a console password.
func (s *Service) CreateLoginProfile(ctx context.Context, user, password string, resetRequired bool) (LoginProfile, error) {
	if _, err := s.Store.User(ctx, user); errors.Is(err, ErrNoSuchUser) {
		return LoginProfile{}, UserNotFound(user)
	}
	if _, err := s.checkPassword(ctx, password, nil); err != nil {
		return LoginProfile{}, err
	}
	hash, err := s.Passwords.Hash(password)
	if err != nil {
		return LoginProfile{}, err
	}
	now := s.now()
	p := LoginProfile{UserName: user, PasswordHash: hash, ResetRequired: resetRequired, CreatedAt: now, ChangedAt: now}
	switch err := s.Store.CreateLoginProfile(ctx, user, p); {
	case errors.Is(err, ErrNoSuchUser):
		return p, UserNotFound(user)
	case errors.Is(err, ErrLoginProfileExists):
		return p, Errorf(EEntityAlreadyExists, "Login Profile for user %s already exists.", user)
	case err != nil:
		return p, err
	}
	if u, err := s.Store.User(ctx, user); err == nil {
		p.UserName = u.Name
	}
	return p, nil
}

// LoginProfile returns a user's login profile.
func (s *Service) LoginProfile(ctx context.Context, user string) (LoginProfile, error) {
	p, err := s.Store.LoginProfile(ctx, user)
	return p, loginProfileError(user, err)
}

// loginProfileError turns the store's sentinels for a user's login profile
// into AWS's errors.
func loginProfileError(user string, err error) error {
	switch {
	case errors.Is(err, ErrNoSuchUser):
		return UserNotFound(user)
	case errors.Is(err, ErrNoLoginProfile):
		return LoginProfileNotFound(user)
	}
	return err
}

// UpdateLoginProfile sets a new password and/or whether it must be reset.
func (s *Service) UpdateLoginProfile(ctx context.Context, user string, password *string, resetRequired *bool) error {
	p, err := s.LoginProfile(ctx, user)
	if err != nil {
		return err
	}
	if password != nil {
		if err := s.setPassword(ctx, &p, *password); err != nil {
			return err
		}
	}
	if resetRequired != nil {
		p.ResetRequired = *resetRequired
	}
	return s.saveLoginProfile(ctx, user, p)
}

// setPassword checks, hashes and records a new password in p.
func (s *Service) setPassword(ctx context.Context, p *LoginProfile, password string) error {
	pp, err := s.checkPassword(ctx, password, append([]string{p.PasswordHash}, p.History...))
	if err != nil {
		return err
	}
	hash, err := s.Passwords.Hash(password)
	if err != nil {
		return err
	}
	keep := max(pp.PasswordReusePrevention, 0)
	history := append([]string{p.PasswordHash}, p.History...)
	if len(history) > keep {
		history = history[:keep]
	}
	p.PasswordHash, p.History, p.ChangedAt = hash, history, s.now()
	return nil
}

func (s *Service) saveLoginProfile(ctx context.Context, user string, p LoginProfile) error {
	return loginProfileError(user, s.Store.SetLoginProfile(ctx, user, p))
}

// DeleteLoginProfile removes a user's console password.
func (s *Service) DeleteLoginProfile(ctx context.Context, user string) error {
	return loginProfileError(user, s.Store.DeleteLoginProfile(ctx, user))
}

// ChangePassword changes the calling IAM user's own password, given the
// current one. The root user's password is not Keyward's to change.
func (s *Service) ChangePassword(ctx context.Context, p Principal, oldPassword, newPassword string) error {
	if p.Root {
		return Errorf(EInvalidUserType, "The root user cannot change its password with ChangePassword.")
	}
	lp, err := s.LoginProfile(ctx, p.UserName)
	if err != nil {
		return err
	}
	if ok, err := s.Passwords.Verify(lp.PasswordHash, oldPassword); err != nil {
		return err
	} else if !ok {
		return Errorf(EInvalidUserType, "The old password is incorrect.")
	}
	if err := s.setPassword(ctx, &lp, newPassword); err != nil {
		return err
	}
	lp.ResetRequired = false
	return s.saveLoginProfile(ctx, p.UserName, lp)
}

// PasswordPolicy returns the account's password policy.
func (s *Service) PasswordPolicy(ctx context.Context) (PasswordPolicy, error) {
	pp, err := s.Store.PasswordPolicy(ctx)
	if errors.Is(err, ErrNoPasswordPolicy) {
		return pp, Errorf(ENoSuchEntity, "The Password Policy with domain name %s cannot be found.", s.Account.ID)
	}
	return pp, err
}

// PutPasswordPolicy sets the account's password policy.
func (s *Service) PutPasswordPolicy(ctx context.Context, pp PasswordPolicy) error {
	return s.Store.PutPasswordPolicy(ctx, pp)
}

// DeletePasswordPolicy removes it; AWS's default applies again.
func (s *Service) DeletePasswordPolicy(ctx context.Context) error {
	err := s.Store.DeletePasswordPolicy(ctx)
	if errors.Is(err, ErrNoPasswordPolicy) {
		return Errorf(ENoSuchEntity, "The account policy with name PasswordPolicy cannot be found.")
	}
	return err
}
