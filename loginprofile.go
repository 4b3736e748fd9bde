package keyward

import (
	"context"
	"time"
)

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

// LoginStore persists login profiles, the account's password policy and
// the credential report.
type LoginStore interface {
	// CreateLoginProfile gives a user a login profile; ErrNoSuchUser,
	// ErrLoginProfileExists.
	CreateLoginProfile(ctx context.Context, userName string, p LoginProfile) error
	// LoginProfile returns a user's login profile, with the user's name as
	// stored; ErrNoSuchUser, ErrNoLoginProfile.
	LoginProfile(ctx context.Context, userName string) (LoginProfile, error)
	// UpdateLoginProfile replaces a user's login profile with what fn
	// makes of it, atomically: no other change to it comes between the
	// read fn is given and the write; ErrNoSuchUser, ErrNoLoginProfile, or
	// fn's error (nothing changes then). A non-zero sessionsAfter ends, in
	// the same transaction, the user's console sessions begun before it.
	UpdateLoginProfile(ctx context.Context, userName string, fn func(LoginProfile) (LoginProfile, error), sessionsAfter time.Time) error
	// DeleteLoginProfile deletes it and ends the user's console sessions
	// begun before at; ErrNoSuchUser, ErrNoLoginProfile.
	DeleteLoginProfile(ctx context.Context, userName string, at time.Time) error

	// PasswordPolicy returns the account's password policy;
	// ErrNoPasswordPolicy.
	PasswordPolicy(ctx context.Context) (PasswordPolicy, error)
	// PutPasswordPolicy sets it.
	PutPasswordPolicy(ctx context.Context, p PasswordPolicy) error
	// DeletePasswordPolicy removes it; ErrNoPasswordPolicy.
	DeletePasswordPolicy(ctx context.Context) error

	// CredentialReport returns the latest report; ErrNoReport.
	CredentialReport(ctx context.Context) (CredentialReport, error)
	// PutCredentialReport replaces it; a report in progress replaces only
	// State and StartedAt, keeping the last complete report's content.
	PutCredentialReport(ctx context.Context, r CredentialReport) error
	// ScanCredentials calls fn for every user in order of name, with its
	// login profile and keys, streaming from the store: the calls share no
	// memory beyond one user's.
	ScanCredentials(ctx context.Context, fn func(*UserCredentials) error) error
	// Exclusive runs fn unless work of the same name is running, in this
	// process or, for a shared store, in any replica; it reports whether fn
	// ran.
	Exclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error)
}
