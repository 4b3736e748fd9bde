package cache

import (
	"context"

	"github.com/keyward/keyward"
)

// LoadThrough gets a value through c when there is a cache, else loads it:
// a feature package's cache is optional.
func LoadThrough[V any](ctx context.Context, c keyward.Cache[V], key string, fn func(ctx context.Context) (V, error)) (V, error) {
	if c == nil {
		return fn(ctx)
	}
	return c.Get(ctx, key, fn)
}

// Cached returns what c holds for key, if there is a cache and it does.
func Cached[V any](c keyward.Cache[V], key string) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	return c.Lookup(key)
}
