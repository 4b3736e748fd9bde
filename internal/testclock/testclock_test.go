package testclock_test

import (
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testclock"
)

// TestClockMovesOnlyByHand: the clock reads what it was set to, moves by
// what Add says, and nothing else moves it.
func TestClockMovesOnlyByHand(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	c := testclock.New(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("new clock reads %v, want %v", got, t0)
	}
	c.Add(90 * time.Second)
	if got, want := c.Now(), t0.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after Add: %v, want %v", got, want)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("after Set: %v, want %v", got, t0)
	}
}
