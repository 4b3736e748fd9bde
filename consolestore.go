package keyward

import (
	"context"
	"time"
)

// UserQuery selects a page of users for the console.
type UserQuery struct {
	// Filter keeps users whose name contains it, case-insensitively.
	Filter string
	// Sort is a column of the console's users table: "name", "path",
	// "created", "activity", "passwordage", "signin", "keyage", "keyused"
	// or "mfa"; Desc reverses it.
	Sort   string
	Desc   bool
	Offset int
	Limit  int
}

// UserSummary is a user as the console's list shows it.
type UserSummary struct {
	User   User
	Keys   []AccessKey
	Groups []string
	// Login is the user's login profile without its hash, nil without one.
	Login *LoginProfile
	// MFADevices is how many MFA devices the user has.
	MFADevices int
	// Shown says which of the parts above the caller may read; package
	// iam sets it and empties the others (a store leaves it zero).
	Shown UserColumns
}

// UserColumns are the parts of a user the console's list shows, each
// readable only with the API action that reads it.
type UserColumns struct {
	Keys   bool // iam:ListAccessKeys: key IDs, status, creation
	KeyUse bool // and iam:GetAccessKeyLastUsed: each key's last use
	Groups bool // iam:ListGroupsForUser
	Login  bool // iam:GetLoginProfile: password age, last sign-in
	MFA    bool // iam:ListMFADevices
}

// ConsoleStore serves the web console's pages.
type ConsoleStore interface {
	// ConsoleUsers returns one page of users, each with its tags and
	// boundary (what the caller's access to it is decided with), its keys,
	// groups and login profile, and how many users match the filter.
	ConsoleUsers(ctx context.Context, q UserQuery) ([]UserSummary, int, error)
	// EndConsoleSessions ends the user's console sessions begun before at;
	// ErrNoSuchUser.
	EndConsoleSessions(ctx context.Context, userName string, at time.Time) error
	// RecordPasswordUse notes a console sign-in with the user's password;
	// ErrNoSuchUser, ErrNoLoginProfile.
	RecordPasswordUse(ctx context.Context, userName string, at time.Time) error
	// RevokeSession refuses a console session from now until it expires.
	RevokeSession(ctx context.Context, id string, expires time.Time) error
	// SessionRevoked reports whether a console session was revoked.
	SessionRevoked(ctx context.Context, id string) (bool, error)
	// UseOnce records a use of the single-use token with this ID, kept
	// until expires, and reports whether it was the first: on a shared
	// store, the first on any replica. Uses expired by now are forgotten.
	UseOnce(ctx context.Context, id string, now, expires time.Time) (first bool, err error)
}
