package keyward

import (
	"context"
	"time"
)

// Store persists the account, its users and their access keys. Every
// backend runs the conformance suite in package storetest.
//
// Rules that must hold under concurrency (unique user names, the access key
// quota) are enforced inside the store's transactions, never by a read
// followed by a write in Go.
type Store interface {
	// Account returns the account, or ErrNoAccount before InitAccount.
	Account(ctx context.Context) (Account, error)
	// InitAccount creates the account with the given ID and its root
	// access key if no account exists yet, and returns the account that
	// exists afterwards; rootKey may be nil. It is safe to call from
	// several processes at once.
	InitAccount(ctx context.Context, a Account, rootKey *AccessKey) (Account, error)

	// CreateUser stores a new user; ErrUserExists if the name is taken,
	// compared case-insensitively.
	CreateUser(ctx context.Context, u User) error
	// User returns the user with the given name (exact match), or
	// ErrNoSuchUser.
	User(ctx context.Context, name string) (User, error)
	// ListUsers returns up to max users whose path starts with pathPrefix,
	// in order of name, after the name marker (exclusive; "" for the first
	// page), and whether more follow.
	ListUsers(ctx context.Context, pathPrefix, after string, max int) ([]User, bool, error)
	// UpdateUser renames or moves a user and returns it as updated;
	// ErrNoSuchUser, or ErrUserExists if the new name is taken.
	UpdateUser(ctx context.Context, name string, upd UserUpdate) (User, error)
	// DeleteUser deletes a user and its tags; ErrNoSuchUser, or
	// ErrUserHasAccessKey while it has access keys.
	DeleteUser(ctx context.Context, name string) error

	// CreateAccessKey stores a key for the user named userName (root when
	// empty) and returns it with UserID filled in; ErrNoSuchUser,
	// ErrAccessKeyQuota when the owner already has MaxAccessKeysPerUser
	// keys, ErrAccessKeyExists on an ID collision.
	CreateAccessKey(ctx context.Context, userName string, k AccessKey) (AccessKey, error)
	// AccessKey returns the key with the given ID, its owner's name and its
	// last use; ErrNoSuchAccessKey.
	AccessKey(ctx context.Context, id string) (AccessKey, error)
	// ListAccessKeys returns the keys of userName (root when empty) in
	// order of creation, after the key ID marker (exclusive), up to max,
	// and whether more follow; ErrNoSuchUser.
	ListAccessKeys(ctx context.Context, userName, after string, max int) ([]AccessKey, bool, error)
	// UpdateAccessKey sets the status of a key owned by userName (root when
	// empty); ErrNoSuchUser, or ErrNoSuchAccessKey when the key does not
	// exist or belongs to someone else.
	UpdateAccessKey(ctx context.Context, userName, id, status string) error
	// DeleteAccessKey deletes a key owned by userName (root when empty),
	// with the same errors as UpdateAccessKey.
	DeleteAccessKey(ctx context.Context, userName, id string) error
	// RecordAccessKeyUses merges a batch of uses, keeping for each key the
	// latest; uses of keys deleted meanwhile are ignored.
	RecordAccessKeyUses(ctx context.Context, uses []AccessKeyUse) error

	// Close releases the store's resources.
	Close() error
}

// Clock returns the current time; injected so tests control it.
type Clock func() time.Time
