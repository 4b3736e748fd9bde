package console

import (
	"sync"
	"time"
)

// limiter slows password guessing at the sign-in form without letting an
// attacker lock everyone out. It counts failures in a sliding window per
// user name (from any address), per address, and per pair of the two:
//
//   - a user name with perUser failures is refused, from anywhere;
//   - an address with perAddress failures is refused only for the user
//     names that already failed from it, so that people behind the same
//     load balancer or NAT can still sign in with the right password while
//     an attacker there can try each other name once;
//   - an attempt is counted before its password is hashed (begin), so that
//     simultaneous attempts cannot all pass the check, and uncounted if it
//     succeeds (succeed).
//
// Its memory is bounded: names are cut to maxKey bytes, each key keeps at
// most its limit of timestamps, and past maxKeys keys expired ones are
// swept, then arbitrary ones dropped (which only forgets failures).
type limiter struct {
	now        func() time.Time
	window     time.Duration
	perUser    int
	perAddress int
	maxKeys    int

	mu       sync.Mutex
	failures map[string][]time.Time
	ops      int
}

// maxKey bounds the part of a key a client chose: user names are at most 64
// characters and access key IDs 128, so nothing longer is a real one.
const maxKey = 160

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, window: 15 * time.Minute, perUser: 5, perAddress: 20, maxKeys: 100000}
}

func clipKey(s string) string {
	if len(s) > maxKey {
		return s[:maxKey]
	}
	return s
}

// attempt is one sign-in attempt under way, counted already.
type attempt struct {
	keys [3]string
	at   time.Time
}

// begin decides whether user may try to sign in from addr now, and if so
// counts the attempt as a failure until succeed says otherwise.
func (l *limiter) begin(user, addr string) (attempt, bool) {
	return l.start(user, addr, false)
}

// beginRoot is begin for the root user's sign-in, whose key ID is no
// secret (the audit trail shows it): its failures count per secret tried
// (secret names the key and a keyed tag of the secret), so that others'
// wrong secrets never lock the root user out, while right secrets with
// wrong codes share one budget; and an address with perAddress failures
// tries no more secrets at all, since guessing one is what it would do.
func (l *limiter) beginRoot(secret, addr string) (attempt, bool) {
	return l.start(secret, addr, true)
}

func (l *limiter) start(user, addr string, wholeAddress bool) (attempt, bool) {
	user, addr = clipKey(user), clipKey(addr)
	a := attempt{keys: [3]string{"u\x00" + user, "a\x00" + addr, "p\x00" + addr + "\x00" + user}, at: l.now()}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures == nil {
		l.failures = make(map[string][]time.Time)
	}
	cut := a.at.Add(-l.window)
	if l.recent(a.keys[0], cut) >= l.perUser {
		return a, false
	}
	if n := l.recent(a.keys[1], cut); n >= l.perAddress && (wholeAddress || l.recent(a.keys[2], cut) > 0) {
		return a, false
	}
	l.sweep(cut)
	l.add(a.keys[0], a.at, l.perUser)
	l.add(a.keys[1], a.at, l.perAddress)
	l.add(a.keys[2], a.at, l.perUser)
	return a, true
}

// succeed uncounts an attempt that signed in, and forgets the user's
// failures from that address: the right password proves the earlier ones
// were typing mistakes.
func (l *limiter) succeed(a attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.remove(a.keys[0], a.at)
	l.remove(a.keys[1], a.at)
	delete(l.failures, a.keys[2])
}

// recent returns how many failures of key fall after cut, dropping older
// ones.
func (l *limiter) recent(key string, cut time.Time) int {
	times := l.failures[key]
	i := 0
	for i < len(times) && !times[i].After(cut) {
		i++
	}
	if i == len(times) {
		delete(l.failures, key)
		return 0
	}
	if i > 0 {
		l.failures[key] = times[i:]
	}
	return len(times) - i
}

// add records a failure, keeping at most limit (only so many are ever
// compared).
func (l *limiter) add(key string, at time.Time, limit int) {
	times := append(l.failures[key], at)
	if len(times) > limit {
		times = times[len(times)-limit:]
	}
	l.failures[key] = times
}

func (l *limiter) remove(key string, at time.Time) {
	times := l.failures[key]
	for i := len(times) - 1; i >= 0; i-- {
		if times[i].Equal(at) {
			times = append(times[:i], times[i+1:]...)
			break
		}
	}
	if len(times) == 0 {
		delete(l.failures, key)
	} else {
		l.failures[key] = times
	}
}

// sweep drops expired keys every so often, and arbitrary ones when the map
// is full even so.
func (l *limiter) sweep(cut time.Time) {
	l.ops++
	full := len(l.failures) > l.maxKeys-3 // begin adds up to three keys
	if l.ops%1024 != 0 && !full {
		return
	}
	for k, times := range l.failures {
		if len(times) == 0 || !times[len(times)-1].After(cut) {
			delete(l.failures, k)
		}
	}
	for k := range l.failures {
		if len(l.failures) < l.maxKeys-3 {
			break
		}
		delete(l.failures, k)
	}
}

// size returns the number of keys held, for tests.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.failures)
}
