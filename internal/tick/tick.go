// Package tick runs a function at an interval until a context ends, the
// loop that background work in the server and the stores shares.
package tick

import (
	"context"
	"time"
)

// Every calls fn every interval until ctx ends; it returns then, without
// calling fn again.
func Every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	On(ctx, t.C, fn)
}

// On calls fn at each tick of ticks until ctx ends; it returns then,
// without calling fn again. Tests drive it with a channel of their own.
func On(ctx context.Context, ticks <-chan time.Time, fn func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			fn()
		}
	}
}
