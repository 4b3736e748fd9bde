package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/keyward/keyward"
)

// The descriptors of the account's password policy.
func init() {
	describe(map[string]keyward.Operation{
		"UpdateAccountPasswordPolicy": keyward.Changes(keyward.IntParam("MinimumPasswordLength", 6, 128), keyward.BoolParam("RequireSymbols"), keyward.BoolParam("RequireNumbers"),
			keyward.BoolParam("RequireUppercaseCharacters"), keyward.BoolParam("RequireLowercaseCharacters"), keyward.BoolParam("AllowUsersToChangePassword"),
			keyward.IntParam("MaxPasswordAge", 1, 1095), keyward.IntParam("PasswordReusePrevention", 1, 24), keyward.BoolParam("HardExpiry")),
		"GetAccountPasswordPolicy":    keyward.Reads(),
		"DeleteAccountPasswordPolicy": keyward.Changes(),
	})
}

// effectivePolicy returns the account's password policy, or AWS's default
// and true when it has none.
func (s *Service) effectivePolicy(ctx context.Context) (keyward.PasswordPolicy, bool, error) {
	pp, err := s.store(ctx).PasswordPolicy(ctx)
	if errors.Is(err, keyward.ErrNoPasswordPolicy) {
		return defaultPasswordPolicy, true, nil
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
	if err := checkPolicy(pp, password, isDefault); err != nil {
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
	pp, err := s.store(ctx).PasswordPolicy(ctx)
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

// symbols are the characters AWS counts as symbols.
const symbols = "!@#$%^&*()_+-=[]{}|'"

// checkPolicy returns PasswordPolicyViolation, naming every rule the password
// breaks, or nil. isDefault applies AWS's default rule of three kinds of
// character out of four.
func checkPolicy(pp keyward.PasswordPolicy, password string, isDefault bool) error {
	var upper, lower, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case strings.ContainsRune(symbols, r):
			symbol = true
		}
	}
	var broken []string
	if n := len([]rune(password)); n < pp.MinimumPasswordLength {
		broken = append(broken, fmt.Sprintf("Password should have a minimum length of %d", pp.MinimumPasswordLength))
	}
	if isDefault {
		kinds := 0
		for _, ok := range []bool{upper, lower, digit, symbol} {
			if ok {
				kinds++
			}
		}
		if kinds < 3 {
			broken = append(broken, "Password should have at least three of these types of characters: uppercase letters, lowercase letters, numbers, and symbols")
		}
	}
	if pp.RequireUppercaseCharacters && !upper {
		broken = append(broken, "Password should have at least one uppercase letter")
	}
	if pp.RequireLowercaseCharacters && !lower {
		broken = append(broken, "Password should have at least one lowercase letter")
	}
	if pp.RequireNumbers && !digit {
		broken = append(broken, "Password should have at least one number")
	}
	if pp.RequireSymbols && !symbol {
		broken = append(broken, "Password should have at least one symbol")
	}
	if len(broken) == 0 {
		return nil
	}
	return keyward.Errorf(keyward.EPasswordPolicyViolation, "Password does not conform to the account password policy. %s.", strings.Join(broken, ". "))
}

// defaultPasswordPolicy is what AWS applies when the account has no
// policy: at least 8 characters and three of the four kinds of character.
var defaultPasswordPolicy = keyward.PasswordPolicy{MinimumPasswordLength: 8, AllowUsersToChangePassword: true}
