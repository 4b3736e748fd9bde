package keyward

import "time"

// PasswordHasher hashes passwords with a memory-hard function. It is an
// interface so that the domain imports only the standard library; package
// password implements it with argon2id.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(hash, password string) (bool, error)
	// Current reports whether hash was made with the parameters Hash
	// uses now; a sign-in hashes a right password again when not.
	Current(hash string) bool
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

// NextRotation returns when a password set at changed must be changed, or
// the zero time when passwords do not expire.
func (pp PasswordPolicy) NextRotation(changed time.Time) time.Time {
	if pp.MaxPasswordAge == 0 {
		return time.Time{}
	}
	return changed.AddDate(0, 0, pp.MaxPasswordAge)
}
