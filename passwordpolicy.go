package keyward

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// PasswordHasher hashes passwords with a memory-hard function. It is an
// interface so that the domain imports only the standard library; package
// password implements it with argon2id.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(hash, password string) (bool, error)
}

// PasswordPolicy is the account's password policy.
type PasswordPolicy struct {
	MinimumPasswordLength      int
	RequireSymbols             bool
	RequireNumbers             bool
	RequireUppercaseCharacters bool
	RequireLowercaseCharacters bool
	AllowUsersToChangePassword bool
	// MaxPasswordAge in days; 0 means passwords do not expire.
	MaxPasswordAge int
	// PasswordReusePrevention is how many earlier passwords may not be
	// used again; 0 means no rule.
	PasswordReusePrevention int
	HardExpiry              bool
}

// DefaultPasswordPolicy is what AWS applies when the account has no
// policy: at least 8 characters and three of the four kinds of character.
var DefaultPasswordPolicy = PasswordPolicy{MinimumPasswordLength: 8, AllowUsersToChangePassword: true}

// symbols are the characters AWS counts as symbols.
const symbols = "!@#$%^&*()_+-=[]{}|'"

// Check returns PasswordPolicyViolation, naming every rule the password
// breaks, or nil. isDefault applies AWS's default rule of three kinds of
// character out of four.
func (pp PasswordPolicy) Check(password string, isDefault bool) error {
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
	return Errorf(EPasswordPolicyViolation, "Password does not conform to the account password policy. %s.", strings.Join(broken, ". "))
}

// NextRotation returns when a password set at changed must be changed, or
// the zero time when passwords do not expire.
func (pp PasswordPolicy) NextRotation(changed time.Time) time.Time {
	if pp.MaxPasswordAge == 0 {
		return time.Time{}
	}
	return changed.AddDate(0, 0, pp.MaxPasswordAge)
}
