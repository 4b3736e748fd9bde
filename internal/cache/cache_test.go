package cache_test

import (
	"context"
	"testing"

	"github.com/keyward/keyward/internal/cache"
)

func TestCache(t *testing.T) {
	var c cache.Cache[int]
	ctx := context.Background()
	loads := 0
	load := func(v int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) { loads++; return v, nil }
	}
	if v, _ := c.Get(ctx, "a", load(1)); v != 1 {
		t.Fatal(v)
	}
	if v, _ := c.Get(ctx, "a", load(2)); v != 1 || loads != 1 {
		t.Fatalf("cached %d after %d loads", v, loads)
	}
	c.Invalidate("a")
	if v, _ := c.Get(ctx, "a", load(3)); v != 3 {
		t.Fatalf("after Invalidate: %d", v)
	}
	// A load that an invalidation overtakes is returned but not kept: it may
	// have read the state from before the change.
	v, _ := c.Get(ctx, "b", func(context.Context) (int, error) {
		c.InvalidateAll()
		return 4, nil
	})
	if v != 4 || c.Len() != 0 {
		t.Fatalf("raced load: %d, %d entries kept", v, c.Len())
	}
	small := cache.Cache[int]{Max: 2}
	for _, k := range []string{"x", "y", "z"} {
		small.Get(ctx, k, load(0))
	}
	if small.Len() != 2 {
		t.Fatalf("bounded cache holds %d", small.Len())
	}
}
