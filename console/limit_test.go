package console

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kwtest"
)

// allowed fails the test unless each of the n attempts what names, try(0)
// to try(n-1), goes on.
func allowed(t *testing.T, what string, n int, try func(i int) (attempt, bool)) {
	t.Helper()
	for i := range n {
		if _, ok := try(i); !ok {
			t.Fatalf("%s: attempt %d of %d refused", what, i, n)
		}
	}
}

func TestLimiter(t *testing.T) {
	t.Run("wrong secrets of the root user's key lock no one out", func(t *testing.T) {
		l := newLimiter(kwtest.NewClock(time.Unix(1e9, 0)).Now)
		const attacker, owner = "198.51.100.66", "203.0.113.5"
		// Each wrong secret its own budget: the attacker's address runs
		// out, never the root user's.
		allowed(t, "guesses within the address's budget", l.perAddress, func(i int) (attempt, bool) { return l.beginRoot(fmt.Sprintf("root:AKIAROOT:guess%d", i), attacker) })
		if _, ok := l.beginRoot("root:AKIAROOT:guess-next", attacker); ok {
			t.Fatal("the address tried another secret past its budget")
		}
		if _, ok := l.beginRoot("root:AKIAROOT:right", attacker); ok {
			t.Fatal("the address past its budget tried the right secret")
		}
		a, ok := l.beginRoot("root:AKIAROOT:right", owner)
		if !ok {
			t.Fatal("the root user was locked out by another address's wrong secrets")
		}
		l.succeed(a)
		// The right secret with wrong codes: five, from anywhere, then it waits.
		allowed(t, "wrong codes within the root user's budget", l.perUser, func(i int) (attempt, bool) { return l.beginRoot("root:AKIAROOT:right", fmt.Sprintf("192.0.2.%d", i)) })
		if _, ok := l.beginRoot("root:AKIAROOT:right", owner); ok {
			t.Fatal("a sixth code for the right secret went on")
		}
	})
	t.Run("simultaneous attempts are counted before hashing", func(t *testing.T) {
		l := newLimiter(kwtest.NewClock(time.Unix(1e9, 0)).Now)
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, ok := l.begin("user:123456789012/alice", "198.51.100.7"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if allowed != l.perUser {
			t.Fatalf("%d of 40 simultaneous attempts went on to hashing, want %d", allowed, l.perUser)
		}
	})

	t.Run("a busy address does not lock out another user", func(t *testing.T) {
		l := newLimiter(kwtest.NewClock(time.Unix(1e9, 0)).Now)
		const lb = "10.0.0.1" // everyone behind one load balancer
		allowed(t, "names behind one address", 20, func(i int) (attempt, bool) { return l.begin(fmt.Sprintf("user:123456789012/victim%d", i), lb) })
		// The address is past its limit: names that failed there are refused…
		if _, ok := l.begin("user:123456789012/victim0", lb); ok {
			t.Fatal("a name that already failed from the busy address may try again")
		}
		// …but a colleague with the right password signs in.
		a, ok := l.begin("user:123456789012/bob", lb)
		if !ok {
			t.Fatal("bob, behind the same address, was refused")
		}
		l.succeed(a)
		if _, ok := l.begin("user:123456789012/bob", lb); !ok {
			t.Fatal("bob's success counted against him")
		}
	})

	t.Run("per user from anywhere", func(t *testing.T) {
		l := newLimiter(kwtest.NewClock(time.Unix(1e9, 0)).Now)
		allowed(t, "guesses at carol's password", 5, func(i int) (attempt, bool) { return l.begin("user:123456789012/carol", fmt.Sprintf("203.0.113.%d", i)) })
		if _, ok := l.begin("user:123456789012/carol", "203.0.113.99"); ok {
			t.Fatal("a sixth guess at carol's password was allowed")
		}
	})

	t.Run("entries expire and memory is bounded", func(t *testing.T) {
		clock := kwtest.NewClock(time.Unix(1e9, 0))
		l := newLimiter(clock.Now)
		l.maxKeys = 300
		huge := strings.Repeat("x", 64<<10) // 400 times maxKey
		for i := range 200 {
			l.begin(fmt.Sprintf("user:%d/%s", i, huge), fmt.Sprintf("192.0.2.%d", i%250))
		}
		if n := l.size(); n > l.maxKeys {
			t.Fatalf("%d keys held, bound %d", n, l.maxKeys)
		}
		held := 0
		l.mu.Lock()
		for k := range l.failures {
			held += len(k)
		}
		l.mu.Unlock()
		if held > l.maxKeys*(2*maxKey+8) {
			t.Fatalf("%d bytes of keys held for 64 KiB names", held)
		}
		clock.Add(16 * time.Minute)
		for i := range 1100 { // sweeps run every so often
			a, _ := l.begin("user:x/y", fmt.Sprintf("198.51.100.%d", i%200))
			l.succeed(a)
		}
		if n := l.size(); n > 50 {
			t.Fatalf("%d keys left 16 minutes later", n)
		}
	})
}
