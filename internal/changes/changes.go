// Package changes carries keyward.Change from whoever makes or learns of a
// change (package iam, a replica's watcher) to every cache it touches.
// Caches are made and subscribed once, in Wire; nothing else calls them,
// so a new cache is one field and one Subscribe there. (Package
// internal/cache is the cache itself.)
package changes

import (
	"slices"
	"sync"

	"github.com/keyward/keyward"
)

// Bus delivers changes to subscribers, synchronously: when Publish
// returns, every cache the change touches has forgotten what it changed.
type Bus struct {
	mu   sync.RWMutex
	subs []subscription
}

type subscription struct {
	kinds []keyward.ChangeKind
	fn    func(keyward.Change)
}

// Subscribe calls fn with every change of the given kinds, and with every
// keyward.ChangedEverything.
func (b *Bus) Subscribe(fn func(keyward.Change), kinds ...keyward.ChangeKind) {
	b.mu.Lock()
	b.subs = append(b.subs, subscription{kinds: kinds, fn: fn})
	b.mu.Unlock()
}

// Publish delivers c.
func (b *Bus) Publish(c keyward.Change) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, s := range b.subs {
		if c.Kind == keyward.ChangedEverything || slices.Contains(s.kinds, c.Kind) {
			s.fn(c)
		}
	}
}

// Remote turns a change as a shared store announces it (an access key ID,
// or keyward.PoliciesChanged, keyward.UsersChanged or
// keyward.OrganizationsChanged; "" when changes may have been missed) into
// a Change.
func Remote(announced string) keyward.Change {
	switch announced {
	case "":
		return keyward.Change{Kind: keyward.ChangedEverything}
	case keyward.PoliciesChanged:
		return keyward.Change{Kind: keyward.ChangedPolicies}
	case keyward.UsersChanged:
		return keyward.Change{Kind: keyward.ChangedUsers}
	case keyward.OrganizationsChanged:
		return keyward.Change{Kind: keyward.ChangedOrganizations}
	}
	return keyward.Change{Kind: keyward.ChangedAccessKey, AccessKeyID: announced}
}
