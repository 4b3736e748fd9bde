package password_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/keyward/keyward/password"
)

func TestHasher(t *testing.T) {
	h := &password.Hasher{Memory: 8 * 1024, Time: 1, Threads: 1}
	hash, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, "correct") || !strings.HasPrefix(hash, "$argon2id$v=19$m=8192,t=1,p=1$") {
		t.Fatalf("hash %q", hash)
	}
	again, _ := h.Hash("correct horse battery staple")
	if again == hash {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse battery staple", true}, {"Correct horse battery staple", false}, {"", false}} {
		ok, err := h.Verify(hash, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("Verify(%q) = %v, %v", tc.pw, ok, err)
		}
	}
	// A hash made with other parameters still verifies.
	strong := &password.Hasher{Memory: 16 * 1024, Time: 2, Threads: 2}
	if ok, err := strong.Verify(hash, "correct horse battery staple"); !ok || err != nil {
		t.Fatalf("verify across parameters: %v %v", ok, err)
	}
	if _, err := h.Verify("$2a$10$notargon", "x"); err == nil {
		t.Fatal("accepted a foreign hash format")
	}
}

// TestCurrent: a hash is current only when made with the hasher's
// parameters now; one of other parameters, or no argon2id hash at all,
// is not.
func TestCurrent(t *testing.T) {
	old := &password.Hasher{Memory: 1024, Time: 1, Threads: 1}
	hash, err := old.Hash("Correct-Horse-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		h    *password.Hasher
		hash string
		want bool
	}{
		{"same parameters", &password.Hasher{Memory: 1024, Time: 1, Threads: 1}, hash, true},
		{"more memory", &password.Hasher{Memory: 2048, Time: 1, Threads: 1}, hash, false},
		{"more passes", &password.Hasher{Memory: 1024, Time: 2, Threads: 1}, hash, false},
		{"more lanes", &password.Hasher{Memory: 1024, Time: 1, Threads: 2}, hash, false},
		{"the defaults", &password.Hasher{}, hash, false},
		{"not a hash", old, "plain", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.Current(tc.hash); got != tc.want {
				t.Fatalf("Current = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestCollects: a hash of a sign-in's size (here 8 MiB) ends with a
// collection, so that its memory is not taken afresh by the next; a small
// one does not, a collection costing more than it would return early.
func TestCollects(t *testing.T) {
	forced := func() uint32 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.NumForcedGC
	}
	for _, tc := range []struct {
		memory uint32
		forced uint32 // collections forced by a hash and a check
	}{{1024, 0}, {8 * 1024, 2}} {
		h := &password.Hasher{Memory: tc.memory, Time: 1, Threads: 1}
		before := forced()
		hash, err := h.Hash("Correct-Horse-1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Verify(hash, "Correct-Horse-1"); err != nil {
			t.Fatal(err)
		}
		if got := forced() - before; got != tc.forced {
			t.Errorf("memory %d KiB: %d collections forced by a hash and a check, want %d", tc.memory, got, tc.forced)
		}
	}
}
