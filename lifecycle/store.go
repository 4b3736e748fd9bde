package lifecycle

import (
	"context"
	"time"

	"github.com/keyward/keyward"
)

// Store is what the lifecycle keeps and reads.
type Store interface {
	// Recorder gives the view a request's change is written through,
	// with the request's audit event.
	keyward.Recorder
	// InAccount is the view of the store scoped to one account of the
	// installation; the store itself is the first account's.
	InAccount(id string) keyward.Store
	// AccessKeyPolicies pages every account's policy (those that have
	// one), in order of account ID after the ID after, and whether more
	// follow.
	AccessKeyPolicies(ctx context.Context, after string, max int) ([]keyward.AccountKeyPolicy, bool, error)
	// AccessKeyPolicy returns the account's policy;
	// keyward.ErrNoAccessKeyPolicy when it has none.
	AccessKeyPolicy(ctx context.Context) (keyward.AccessKeyPolicy, error)
	// PutAccessKeyPolicy sets it.
	PutAccessKeyPolicy(ctx context.Context, p keyward.AccessKeyPolicy) error
	// DeleteAccessKeyPolicy removes it; keyward.ErrNoAccessKeyPolicy.
	DeleteAccessKeyPolicy(ctx context.Context) error
	// DueAccessKeys returns the keys q selects with their owner's name
	// and path, in the order of their IDs, and whether more follow.
	DueAccessKeys(ctx context.Context, q keyward.DueKeys) ([]keyward.AccessKey, bool, error)
	// TransitionAccessKey makes t if the key is still due, in one
	// conditional statement with t's event in the same transaction, and
	// reports whether it did: of replicas racing, exactly one does.
	TransitionAccessKey(ctx context.Context, t keyward.KeyTransition) (bool, error)
	// UsersTagged returns the IDs of the account's users with the tag
	// key (of value value, or any when empty).
	UsersTagged(ctx context.Context, key, value string) (map[string]bool, error)
	// CountAccessKeys counts the installation's active keys by age (created after each of
	// bounds, newest first; the last count is the rest) and those whose
	// expiry date is at or before soon.
	CountAccessKeys(ctx context.Context, bounds []time.Time, soon time.Time) (byAge []int, expiring int, err error)
}

// keyward.Store, which a view of another account (InAccount) is, holds
// every port: authz.View relies on it.
var _ Store = keyward.Store(nil)
