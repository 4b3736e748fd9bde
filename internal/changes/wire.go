package changes

import (
	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/cache"
	"github.com/keyward/keyward/sigv4"
)

// Wire makes the caches of the request path and subscribes each to the
// changes that touch it: the one place where a cache is wired, so that a
// new cache is a field here and one Subscribe. It gives s its key lists
// and roles, a its compiled policies, subscribes them and keys (the
// credentials of authentication, refused for a closed account through s's
// cache of closed accounts) to a new bus, and makes s publish its
// changes there. A shared store's watcher publishes the other replicas'
// changes on the bus it returns.
func Wire(s *iam.Service, a *authz.Authorizer, keys *sigv4.Keyring) *Bus {
	bus := &Bus{}
	keyLists := &cache.Cache[[]keyward.AccessKey]{}
	policySets := &cache.Cache[keyward.Policies]{}
	roles := &cache.Cache[*keyward.AssumableRole]{}
	standings := &cache.Cache[*authz.Standing]{}
	closed := &cache.Cache[bool]{}
	s.KeyLists, a.PolicySets, s.Roles, s.Changes = keyLists, policySets, roles, bus.Publish
	a.Organizations = standings
	s.AccountsClosed, keys.Closed = closed, s.AccountClosed
	bus.Subscribe(func(c keyward.Change) {
		if c.Kind == keyward.ChangedAccessKey {
			keys.Invalidate(c.AccessKeyID)
		} else {
			keys.InvalidateAll()
		}
	}, keyward.ChangedAccessKey)
	bus.Subscribe(func(keyward.Change) { keyLists.InvalidateAll() }, keyward.ChangedAccessKey, keyward.ChangedUsers)
	bus.Subscribe(func(keyward.Change) { policySets.InvalidateAll() }, keyward.ChangedPolicies, keyward.ChangedUsers)
	// An opened user's session holds the user's name and path as they
	// were: a rename or a deletion opens it again.
	bus.Subscribe(func(keyward.Change) { keys.InvalidateSessions() }, keyward.ChangedUsers)
	bus.Subscribe(func(keyward.Change) { roles.InvalidateAll() }, keyward.ChangedPolicies)
	bus.Subscribe(func(keyward.Change) { standings.InvalidateAll() }, keyward.ChangedOrganizations)
	// An account's closure is a change to organizations (CloseAccount):
	// opened session tokens are opened again, so that one assumed through
	// the closed account (its Via) is refused too.
	bus.Subscribe(func(keyward.Change) { closed.InvalidateAll(); keys.InvalidateSessions() }, keyward.ChangedOrganizations)
	return bus
}
