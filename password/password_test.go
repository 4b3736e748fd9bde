package password_test

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

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

// TestTopUp: after a hash of cheaper parameters than today's, the top-up
// makes up the difference in work (memory × passes over the lanes that run
// at once) with no more memory than today's hash takes; after a hash as
// dear or dearer, there is none.
func TestTopUp(t *testing.T) {
	type params struct {
		m, t uint32
		p    uint8
	}
	work := func(x params, procs int) uint64 {
		return uint64(x.m) * uint64(x.t) / uint64(max(min(int(x.p), procs), 1))
	}
	for _, tc := range []struct {
		name           string
		old, now       params
		procs          int
		memory, passes uint32 // the top-up expected
	}{
		{"more memory", params{8192, 1, 1}, params{16384, 1, 1}, 2, 8192, 1},
		{"more passes", params{8192, 1, 1}, params{8192, 3, 1}, 2, 8192, 2},
		{"both", params{8192, 1, 1}, params{16384, 3, 1}, 2, 13653, 3},
		{"the defaults after OWASP's smallest", params{7168, 5, 1}, params{65536, 3, 4}, 2, 62464, 2},
		{"more lanes than cores", params{65536, 3, 1}, params{65536, 3, 4}, 2, 0, 0},
		{"more lanes, cores enough", params{65536, 3, 1}, params{65536, 3, 4}, 4, 0, 0},
		{"same", params{65536, 3, 4}, params{65536, 3, 4}, 2, 0, 0},
		{"dearer than today's", params{131072, 4, 4}, params{65536, 3, 4}, 2, 0, 0},
		{"a difference below argon2's smallest memory", params{1024, 1, 1}, params{1028, 1, 1}, 2, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, p := password.TopUp(tc.old.m, tc.old.t, tc.old.p, tc.now.m, tc.now.t, tc.now.p, tc.procs)
			if m != tc.memory || p != tc.passes {
				t.Fatalf("top-up m=%d,t=%d, want m=%d,t=%d", m, p, tc.memory, tc.passes)
			}
			if m == 0 {
				return
			}
			if m > tc.now.m {
				t.Errorf("the top-up takes %d KiB, more than today's hash (%d)", m, tc.now.m)
			}
			got := work(tc.old, tc.procs) + work(params{m, p, tc.now.p}, tc.procs)
			if want := work(tc.now, tc.procs); got > want || want-got > uint64(p) {
				t.Errorf("a check with its top-up works %d, today's hash %d", got, want)
			}
		})
	}
}

// TestVerifyEvensOut: checking a hash made with cheaper parameters than
// today's computes the top-up beside it, a right password or a wrong one
// alike, and still answers rightly; a hash of today's parameters or of
// dearer ones is computed alone.
func TestVerifyEvensOut(t *testing.T) {
	type call struct {
		m, t uint32
		p    uint8
	}
	now := &password.Hasher{Memory: 4096, Time: 2, Threads: 1}
	var calls []call
	password.SetKey(now, func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		calls = append(calls, call{memory, time, threads})
		return argon2.IDKey(pw, salt, time, memory, threads, keyLen)
	})
	hashOf := func(h *password.Hasher) string {
		hash, err := h.Hash("Correct-Horse-1")
		if err != nil {
			t.Fatal(err)
		}
		return hash
	}
	cheap := hashOf(&password.Hasher{Memory: 1024, Time: 1, Threads: 1})
	dear := hashOf(&password.Hasher{Memory: 8192, Time: 2, Threads: 1})
	calls = nil
	current := hashOf(now)
	for _, tc := range []struct {
		name, hash string
		want       []call
	}{
		{"cheaper", cheap, []call{{1024, 1, 1}, {3584, 2, 1}}},
		{"today's", current, []call{{4096, 2, 1}}},
		{"dearer", dear, []call{{8192, 2, 1}}},
	} {
		for _, pw := range []string{"Correct-Horse-1", "Wrong-Horse-1"} {
			calls = nil
			ok, err := now.Verify(tc.hash, pw)
			if err != nil || ok != (pw == "Correct-Horse-1") {
				t.Errorf("%s: Verify(%q) = %v, %v", tc.name, pw, ok, err)
			}
			if !slices.Equal(calls, tc.want) {
				t.Errorf("%s: Verify(%q) hashed %v, want %v", tc.name, pw, calls, tc.want)
			}
		}
	}
}

// BenchmarkVerify checks a wrong password against a hash of today's
// parameters (as the decoy of an unknown user is), one of cheaper ones
// (OWASP's 19 MiB, 2 passes, 1 lane: a user who has not signed in since
// the parameters grew) and the same without its top-up, to compare their
// times. Today's are the defaults (64 MiB, 3 passes, 4 lanes), a quarter
// of the memory under -short.
func BenchmarkVerify(b *testing.B) {
	now := &password.Hasher{}
	old := &password.Hasher{Memory: 19 * 1024, Time: 2, Threads: 1}
	if testing.Short() {
		now.Memory, old.Memory = 16*1024, 19*1024/4
	}
	plain := &password.Hasher{Memory: old.Memory, Time: old.Time, Threads: old.Threads}
	hashOf := func(h *password.Hasher) string {
		hash, err := h.Hash("Correct-Horse-1")
		if err != nil {
			b.Fatal(err)
		}
		return hash
	}
	for _, bc := range []struct {
		name string
		h    *password.Hasher
		hash string
	}{
		{"today's", now, hashOf(now)},
		{"cheaper", now, hashOf(old)},
		{"cheaper without top-up", plain, hashOf(old)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if ok, err := bc.h.Verify(bc.hash, "Wrong-Horse-1"); ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}
