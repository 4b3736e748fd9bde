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
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
