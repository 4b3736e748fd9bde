package keyward

import "context"

// Change tells caches what a write changed. Package iam publishes every
// change it makes (iam.Service.Changes); a store shared by replicas
// delivers the changes other replicas make to the same subscribers. Each
// cache subscribes once, in changes.Wire, to the kinds of change that
// touch it.
type Change struct {
	Kind ChangeKind
	// AccessKeyID is the key created, changed or deleted, for
	// ChangedAccessKey.
	AccessKeyID string
}

// ChangeKind is what a change touches.
type ChangeKind int

// Kinds of change.
const (
	// ChangedAccessKey: one key's status, secret or existence, and so its
	// owner's list of keys.
	ChangedAccessKey ChangeKind = iota + 1
	// ChangedPolicies: a policy, a version, an attachment or a group
	// membership, and so somebody's compiled policies.
	ChangedPolicies
	// ChangedUsers: a user renamed, moved or deleted, which key lists and
	// compiled policies (${aws:username}) name.
	ChangedUsers
	// ChangedEverything: changes may have been missed (a replica lost its
	// notifications): every cache starts again.
	ChangedEverything
	// ChangedOrganizations: an organization's policy types, an SCP's
	// content or attachments, or an account's place in it, and so what
	// decisions read of organizations.
	ChangedOrganizations
)

// Cache keeps values loaded from the store for the request path, and
// forgets them when a change touches them; package internal/cache
// implements it. A feature package without one loads every time
// (cache.LoadThrough, cache.Cached).
type Cache[V any] interface {
	// Lookup returns the value for key, if the cache has it; the request
	// path asks this first, so that a hit makes no loader.
	Lookup(key string) (V, bool)
	// Get returns the value for key, calling load on a miss.
	Get(ctx context.Context, key string, load func(ctx context.Context) (V, error)) (V, error)
}
