// Package cache is the bounded in-memory cache of values loaded from the
// store that the request path reads instead: credentials, compiled
// policies, key lists. It implements keyward.Cache.
package cache

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
)

// Cache is a bounded in-memory cache of values loaded from the store.
// Every change to what a value was loaded from must invalidate it (the
// change bus does, once subscribed); a load that races with an
// invalidation is returned but not kept, so a cache never holds a value
// older than the last invalidation.
type Cache[V any] struct {
	// Max bounds the entries kept (0: 100,000); past it an arbitrary entry
	// is evicted, which costs O(1) and suits caches whose working set fits.
	Max int

	mu  sync.RWMutex
	m   map[string]V
	gen uint64

	// hits counts the lookups answered from the cache, loads the misses
	// that called a loader: the hit ratio of the metrics.
	hits, loads atomic.Uint64
}

// Stats returns the hits and the loads (misses) so far.
func (c *Cache[V]) Stats() (hits, loads uint64) { return c.hits.Load(), c.loads.Load() }

// Lookup returns the value for key, if the cache holds it.
func (c *Cache[V]) Lookup(key string) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		c.hits.Add(1)
	}
	return v, ok
}

// Get returns the value for key, calling load on a miss.
func (c *Cache[V]) Get(ctx context.Context, key string, load func(ctx context.Context) (V, error)) (V, error) {
	c.mu.RLock()
	v, ok := c.m[key]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		c.hits.Add(1)
		return v, nil
	}
	c.loads.Add(1)
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.m == nil {
			c.m = make(map[string]V)
		}
		max := c.Max
		if max <= 0 {
			max = 100000
		}
		if len(c.m) >= max {
			for k := range c.m { // map order is arbitrary
				delete(c.m, k)
				break
			}
		}
		// The key is often a substring of a request; a copy keeps the
		// entry from pinning the request's memory.
		c.m[strings.Clone(key)] = v
	}
	c.mu.Unlock()
	return v, nil
}

// Invalidate drops key.
func (c *Cache[V]) Invalidate(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.gen++
	c.mu.Unlock()
}

// InvalidateAll drops every entry.
func (c *Cache[V]) InvalidateAll() {
	c.mu.Lock()
	c.m = nil
	c.gen++
	c.mu.Unlock()
}

// Len returns the number of entries.
func (c *Cache[V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
