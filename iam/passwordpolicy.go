package iam

import (
	"context"
	"errors"

	"github.com/keyward/keyward"
)

// effectivePolicy returns the account's password policy, or AWS's default
// and true when it has none.
func (s *Service) effectivePolicy(ctx context.Context) (keyward.PasswordPolicy, bool, error) {
	pp, err := s.Store.PasswordPolicy(ctx)
	if errors.Is(err, keyward.ErrNoPasswordPolicy) {
		return keyward.DefaultPasswordPolicy, true, nil
	}
	return pp, false, err
}

// checkPassword applies the password policy, including reuse prevention
// against the user's earlier hashes.
func (s *Service) checkPassword(ctx context.Context, password string, history []string) (keyward.PasswordPolicy, error) {
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
			return pp, keyward.Errorf(keyward.EPasswordPolicyViolation, "Password does not conform to the account password policy. Password should not be one of your last %d passwords.", pp.PasswordReusePrevention)
		}
	}
	return pp, nil
}

// PasswordPolicy returns the account's password policy.
func (s *Service) PasswordPolicy(ctx context.Context) (keyward.PasswordPolicy, error) {
	if err := s.Authz.Authorize(ctx, "iam:GetAccountPasswordPolicy", "*"); err != nil {
		return keyward.PasswordPolicy{}, err
	}
	pp, err := s.Store.PasswordPolicy(ctx)
	if errors.Is(err, keyward.ErrNoPasswordPolicy) {
		return pp, keyward.Errorf(keyward.ENoSuchEntity, "The Password Policy with domain name %s cannot be found.", s.Account(ctx).ID)
	}
	return pp, err
}

// PutPasswordPolicy sets the account's password policy.
func (s *Service) PutPasswordPolicy(ctx context.Context, pp keyward.PasswordPolicy) error {
	if err := s.Authz.Authorize(ctx, "iam:UpdateAccountPasswordPolicy", "*"); err != nil {
		return err
	}
	return s.changing(ctx).PutPasswordPolicy(ctx, pp)
}

// DeletePasswordPolicy removes it; AWS's default applies again.
func (s *Service) DeletePasswordPolicy(ctx context.Context) error {
	if err := s.Authz.Authorize(ctx, "iam:DeleteAccountPasswordPolicy", "*"); err != nil {
		return err
	}
	err := s.changing(ctx).DeletePasswordPolicy(ctx)
	if errors.Is(err, keyward.ErrNoPasswordPolicy) {
		return keyward.Errorf(keyward.ENoSuchEntity, "The account policy with name PasswordPolicy cannot be found.")
	}
	return err
}
