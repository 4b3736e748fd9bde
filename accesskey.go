package keyward

import (
	"context"
	"time"
)

// MaxAccessKeysPerUser is AWS's quota of access keys per user, root included.
const MaxAccessKeysPerUser = 2

// Access key statuses, as the API spells them.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// AccessKey is a long-term access key. The secret is never held here in
// plaintext except in the value CreateAccessKey returns once.
type AccessKey struct {
	// ID is "AKIA" followed by 16 characters of A-Z and 2-7.
	ID string
	// UserID is the owning user's ID, or empty for the root user's keys.
	UserID string
	// AccountID is the account of the key and its owner, filled in on
	// reads.
	AccountID string
	// UserName is the owner's current name (empty for root); stores fill it
	// in on reads.
	UserName  string
	Status    string
	CreatedAt time.Time
	// SealedSecret is the secret encrypted with the master key, bound to ID.
	SealedSecret []byte
	// UserPath is the owner's current path, filled in on reads.
	UserPath string
	// LastUsed is the latest recorded use, or the zero value if never used.
	LastUsed LastUse
	// ExpiresAt is when the key stops working (a Keyward extension), or
	// the zero value for a key that never expires.
	ExpiresAt time.Time
	// InactiveSince is when the key was last deactivated; zero while it is
	// active (and for keys deactivated before Keyward recorded it).
	InactiveSince time.Time
	// WarnedFor is the end of life the key's owner was last warned of
	// (AccessKeyExpiring), so that each warning window warns once.
	WarnedFor time.Time
}

// Expired reports whether the key's expiry date has passed at now.
func (k AccessKey) Expired(now time.Time) bool {
	return !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)
}

// Root reports whether the key belongs to the account's root user.
func (k AccessKey) Root() bool { return k.UserID == "" }

// LastUse is one successful authentication with an access key: when, and
// the service and region of the request's signing scope.
type LastUse struct {
	Time    time.Time
	Service string
	Region  string
}

// IsZero reports whether the key was never used.
func (u LastUse) IsZero() bool { return u.Time.IsZero() }

// AccessKeyUse pairs a use with the key it was made with; stores record
// these in batches.
type AccessKeyUse struct {
	AccessKeyID string
	LastUse
}

// Credential is what authentication needs to know of an access key: its
// plaintext secret, whether it may sign, and whose it is.
type Credential struct {
	AccessKeyID string
	Secret      string
	Active      bool
	Principal   Principal
	// Expiration is a temporary credential's end, MFAAt when its session
	// was authenticated with MFA; zero for long-term keys.
	Expiration, MFAAt time.Time
	// ExpiresAt is a long-term key's expiry date, zero when it has none:
	// authentication refuses the key from that moment, before the
	// lifecycle sweep deactivates it.
	ExpiresAt time.Time
}

// PendingUses are the uses of keys recorded in memory but not yet written
// to the store; package internal/lastuse implements it.
type PendingUses interface {
	// Record notes a use of an access key, or of a role by its ID.
	Record(id string, u LastUse)
	// Pending returns the latest use of a key not yet written.
	Pending(id string) (LastUse, bool)
	// Flush writes what is pending.
	Flush(ctx context.Context) error
}
