package tick_test

import (
	"context"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/tick"
)

// TestOn: fn runs once per tick, in order, and On returns once its
// context ends, without running fn again.
func TestOn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time)
	ran := make(chan int)
	returned := make(chan struct{})
	n := 0
	go func() {
		defer close(returned)
		tick.On(ctx, ticks, func() { n++; ran <- n })
	}()
	for want := 1; want <= 3; want++ {
		ticks <- time.Time{}
		if got := <-ran; got != want {
			t.Fatalf("run %d reported as %d", want, got)
		}
	}
	cancel()
	<-returned
	select {
	case ticks <- time.Time{}:
		t.Fatal("a tick was taken after the context ended")
	default:
	}
}
