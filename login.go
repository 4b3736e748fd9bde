package keyward

import (
	"time"
)

// LoginProfileNotFound is AWS's NoSuchEntity for a user without a password.
func LoginProfileNotFound(user string) *Error {
	return Errorf(ENoSuchEntity, "Login Profile for User %s cannot be found.", user)
}

// LoginProfile is a user's console password.
type LoginProfile struct {
	UserName string
	// PasswordHash is the password hashed by the PasswordHasher; the
	// password itself is never stored.
	PasswordHash  string
	ResetRequired bool
	CreatedAt     time.Time
	// ChangedAt is when the password was last set.
	ChangedAt time.Time
	// LastUsed is the last console sign-in with it, zero if none.
	LastUsed time.Time
	// History holds hashes of earlier passwords, newest first, as many as
	// the password policy's PasswordReusePrevention asks to refuse again.
	History []string
}
