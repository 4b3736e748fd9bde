package keyward

import (
	"context"
	"errors"
	"time"
)

// The access key lifecycle, a Keyward extension: an account's policy of
// how long keys live, and the transitions it makes. AWS access keys never
// expire; Keyward's may, by a date set on the key when it is made and by
// this policy.

// ExemptTag is the user tag that exempts all of a user's keys from the
// account's key lifecycle policy (not from a key's own expiry date).
const (
	ExemptTagKey   = "keyward:lifecycle"
	ExemptTagValue = "exempt"
)

// Lifecycle rule names: the reasons transitions give.
const (
	RuleExpired        = "expired"
	RuleMaxAge         = "max-age"
	RuleUnused         = "unused"
	RuleDeleteInactive = "inactive"
)

// KeyDurationShape is the shape of the key lifecycle's durations, as
// lifecycle.ParseKeyDuration reads them.
var KeyDurationShape = NewStringShape("keyDurationType", 2, 16, `[0-9]+d|([0-9]+(\.[0-9]+)?(h|m|s))+`)

// Rule returns the policy's rule of a reason (max-age, unused, inactive).
func (p *AccessKeyPolicy) Rule(reason string) *KeyRule {
	switch reason {
	case RuleMaxAge:
		return &p.MaxAge
	case RuleUnused:
		return &p.Unused
	case RuleDeleteInactive:
		return &p.DeleteInactive
	}
	return nil
}

// KeyRule is one rule of the key lifecycle policy: after how long it
// applies (0: the rule is off), whether it is only reported, and which
// keys it covers (every key when both scopes are empty).
type KeyRule struct {
	After      time.Duration `json:"After,omitempty"`
	ReportOnly bool          `json:"ReportOnly,omitempty"`
	// PathPrefix limits the rule to users whose path starts with it.
	PathPrefix string `json:"PathPrefix,omitempty"`
	// TagKey and TagValue limit it to users with this tag (any value
	// when TagValue is empty).
	TagKey   string `json:"TagKey,omitempty"`
	TagValue string `json:"TagValue,omitempty"`
}

// On reports whether the rule applies at all.
func (r KeyRule) On() bool { return r.After > 0 }

// AccessKeyPolicy is an account's key lifecycle policy.
type AccessKeyPolicy struct {
	// MaxAge deactivates active keys this old.
	MaxAge KeyRule `json:"MaxAge"`
	// Warn is how long before a key's end of life (its expiry date or
	// its maximum age) its owner is warned (AccessKeyExpiring).
	Warn time.Duration `json:"Warn,omitempty"`
	// Unused deactivates active keys not used for this long (counted from
	// creation for a key never used).
	Unused KeyRule `json:"Unused"`
	// DeleteInactive deletes keys inactive for this long.
	DeleteInactive KeyRule `json:"DeleteInactive"`
	// UpdatedAt is when it was last put.
	UpdatedAt time.Time `json:"UpdatedAt"`
}

// ErrNoAccessKeyPolicy is the store's error for an account without a key
// lifecycle policy.
var ErrNoAccessKeyPolicy = errors.New("keyward: no access key policy")

// KeyTransition is one change the lifecycle makes to a key: deactivate it
// (Reason expired, max-age or unused), delete it (inactive), or warn of its
// end of life (Warn set). The store makes it only if the key is still due
// at Cutoff, with Event in the same transaction.
type KeyTransition struct {
	AccessKeyID string
	Reason      string
	// Cutoff is the rule's boundary: the key must still be past it
	// (expires_at, created_at or its last use at or before it; inactive
	// since at or before it).
	Cutoff time.Time
	// At is when the transition is made.
	At time.Time
	// Warn, when set, makes the transition a warning of the end of life
	// Warn, written once per key and end of life.
	Warn  time.Time
	Event StoredEvent
}

// DueKeys selects the keys a rule makes due: Reason's keys past Cutoff
// (for warnings, Reason expired or max-age with Cutoff the latest end of
// life to warn of), up to Max, after the key ID After in the order the
// store reads them.
type DueKeys struct {
	Reason string
	Cutoff time.Time
	// Since, when set, selects only the keys that became due after it
	// (the rule's date past Since): an incremental sweep reads the keys
	// that crossed the boundary since the last one, not all past it.
	Since time.Time
	// Warn selects keys not yet warned of their end of life instead;
	// MaxAge is then the age that ends a key's life (Reason max-age).
	Warn   bool
	MaxAge time.Duration
	// AllAccounts selects the keys of every account of the installation
	// rather than the view's: the sweep reads the keys past their own
	// expiry dates, which every account enforces, in one pass.
	AllAccounts bool
	After       string
	Max         int
}

// AccountKeyPolicy is an account's key lifecycle policy, as the sweep
// pages through the accounts that have one.
type AccountKeyPolicy struct {
	AccountID string
	Policy    AccessKeyPolicy
}

// KeyLifecycleStore is the part of the store for the key lifecycle
// (package lifecycle declares what it uses of it).
type KeyLifecycleStore interface {
	// AccessKeyPolicy returns the account's policy; ErrNoAccessKeyPolicy.
	AccessKeyPolicy(ctx context.Context) (AccessKeyPolicy, error)
	// PutAccessKeyPolicy sets it, with the request's event.
	PutAccessKeyPolicy(ctx context.Context, p AccessKeyPolicy) error
	// DeleteAccessKeyPolicy removes it; ErrNoAccessKeyPolicy.
	DeleteAccessKeyPolicy(ctx context.Context) error
	// AccessKeyPolicies pages the policies of every account of the
	// installation that has one, in order of account ID after the ID
	// after (exclusive; "" for the first page), up to max, and whether
	// more follow.
	AccessKeyPolicies(ctx context.Context, after string, max int) ([]AccountKeyPolicy, bool, error)
	// DueAccessKeys returns the keys q selects, reading only those (by
	// index), in the order of their IDs, and whether more follow.
	DueAccessKeys(ctx context.Context, q DueKeys) ([]AccessKey, bool, error)
	// TransitionAccessKey makes t if the key is still due, in one
	// conditional statement with t's event in the same transaction, and
	// reports whether it did: of replicas racing, exactly one does.
	TransitionAccessKey(ctx context.Context, t KeyTransition) (bool, error)
	// UsersTagged returns the IDs of the account's users with the tag
	// key (of value value, or any when empty).
	UsersTagged(ctx context.Context, key, value string) (map[string]bool, error)
	// CountAccessKeys counts the installation's active keys, of every
	// account, created after each of bounds (newest first; the last count
	// is the rest) and active keys whose expiry date is at or before soon.
	CountAccessKeys(ctx context.Context, bounds []time.Time, soon time.Time) (byAge []int, expiring int, err error)
}
