package password_test

import (
	"encoding/base64"
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
// one does not, a collection costing more than it would return early. A
// check whose top-up could not fit beside the checked hash's memory
// collects that first.
func TestCollects(t *testing.T) {
	forced := func() uint32 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.NumForcedGC
	}
	for _, tc := range []struct {
		name        string
		made, check *password.Hasher
		forced      uint32 // collections forced by a hash and a check
	}{
		{"1 MiB", &password.Hasher{Memory: 1024, Time: 1, Threads: 1}, &password.Hasher{Memory: 1024, Time: 1, Threads: 1}, 0},
		{"8 MiB", &password.Hasher{Memory: 8 * 1024, Time: 1, Threads: 1}, &password.Hasher{Memory: 8 * 1024, Time: 1, Threads: 1}, 2},
		{"8 MiB, topped up to more passes", &password.Hasher{Memory: 8 * 1024, Time: 1, Threads: 1}, &password.Hasher{Memory: 8 * 1024, Time: 2, Threads: 1}, 3},
		{"8 MiB, topped up to more memory", &password.Hasher{Memory: 8 * 1024, Time: 1, Threads: 1}, &password.Hasher{Memory: 16 * 1024, Time: 1, Threads: 1}, 2},
	} {
		before := forced()
		hash, err := tc.made.Hash("Correct-Horse-1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tc.check.Verify(hash, "Correct-Horse-1"); err != nil {
			t.Fatal(err)
		}
		if got := forced() - before; got != tc.forced {
			t.Errorf("%s: %d collections forced by a hash and a check, want %d", tc.name, got, tc.forced)
		}
	}
}

// TestTopUp: after a hash of cheaper parameters than today's, the top-up
// makes up the difference in work (memory × passes × ceil(lanes/cores) /
// lanes, as argon2 runs a slice's lanes at once) without the two hashes
// holding more memory at once than today's one; after a hash as dear or
// dearer, there is none.
func TestTopUp(t *testing.T) {
	type params struct {
		m, t uint32
		p    uint8
	}
	work := func(x params, procs int) uint64 {
		rounds := (int(x.p) + procs - 1) / procs
		return uint64(x.m) * uint64(x.t) * uint64(rounds) / uint64(x.p)
	}
	defaults := params{65536, 3, 4}
	owasp := params{19456, 2, 1} // OWASP's 19 MiB, 2 passes, 1 lane
	for _, tc := range []struct {
		name           string
		old, now       params
		procs          int
		memory, passes uint32 // the top-up expected
		collect        bool
	}{
		{"more memory", params{8192, 1, 1}, params{16384, 1, 1}, 2, 8192, 1, false},
		{"more passes", params{8192, 1, 1}, params{8192, 3, 1}, 2, 8192, 2, true},
		{"both", params{8192, 1, 1}, params{16384, 3, 1}, 2, 8192, 5, false},
		{"the defaults after OWASP's", owasp, defaults, 2, 39594, 3, false},
		{"the defaults after OWASP's, 3 cores for 4 lanes", owasp, defaults, 3, 39594, 3, false},
		{"the defaults after OWASP's, 4 cores", owasp, defaults, 4, 40960, 1, false},
		{"nearly today's memory, fewer passes", params{61440, 1, 4}, defaults, 2, 45056, 3, true},
		{"nearly today's memory, half the passes", params{50000, 2, 1}, params{65536, 4, 1}, 2, 40536, 4, true},
		{"more lanes than cores", params{65536, 3, 1}, defaults, 2, 0, 0, false},
		{"more lanes, cores enough", params{65536, 3, 1}, defaults, 4, 0, 0, false},
		{"same", defaults, defaults, 2, 0, 0, false},
		{"dearer than today's", params{131072, 4, 4}, defaults, 2, 0, 0, false},
		{"a difference below argon2's smallest memory", params{1024, 1, 1}, params{1028, 1, 1}, 2, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, p, collect := password.TopUp(tc.old.m, tc.old.t, tc.old.p, tc.now.m, tc.now.t, tc.now.p, tc.procs)
			if m != tc.memory || p != tc.passes || collect != tc.collect {
				t.Fatalf("top-up m=%d,t=%d, collect %v; want m=%d,t=%d, collect %v", m, p, collect, tc.memory, tc.passes, tc.collect)
			}
			if m == 0 {
				return
			}
			if !collect && m+tc.old.m > tc.now.m {
				t.Errorf("the top-up holds %d KiB beside the checked hash's %d, more than today's hash (%d)", m, tc.old.m, tc.now.m)
			}
			if collect && (m > tc.now.m || m > tc.old.m) {
				t.Errorf("the top-up takes %d KiB, more than the checked hash frees (%d) or today's takes (%d)", m, tc.old.m, tc.now.m)
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
	now := &password.Hasher{Memory: 4096, Time: 2, Threads: 2}
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
	// The top-up is made with today's lanes, for the cores here.
	m, passes, _ := password.TopUp(1024, 1, 1, 4096, 2, 2, runtime.GOMAXPROCS(0))
	if m == 0 {
		t.Fatal("no top-up after a hash of a quarter of today's memory and half its passes")
	}
	for _, tc := range []struct {
		name, hash string
		want       []call
	}{
		{"cheaper", hashOf(&password.Hasher{Memory: 1024, Time: 1, Threads: 1}), []call{{1024, 1, 1}, {m, passes, 2}}},
		{"today's", hashOf(now), []call{{4096, 2, 2}}},
		{"dearer", hashOf(&password.Hasher{Memory: 8192, Time: 2, Threads: 2}), []call{{8192, 2, 2}}},
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

// TestVerifyRefusesMalformed: a stored hash outside the bounds Keyward
// writes is refused unhashed, as no argon2id hash: zero passes or lanes
// (argon2 would panic holding the hashing's turn), too little memory for
// its lanes, absurd memory or work, a short or long salt or key (an empty
// key would match every password). One at the bounds is hashed. The
// hasher goes on answering.
func TestVerifyRefusesMalformed(t *testing.T) {
	h := &password.Hasher{Memory: 1024, Time: 1, Threads: 1}
	good, err := h.Hash("Correct-Horse-1")
	if err != nil {
		t.Fatal(err)
	}
	hashed := 0
	password.SetKey(h, func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		hashed++
		if uint64(memory)*uint64(time) > 1<<24 {
			t.Fatalf("hashing m=%d,t=%d", memory, time)
		}
		return argon2.IDKey(pw, salt, time, memory, threads, keyLen)
	})
	with := func(params string, salt, key int) string {
		b64 := func(n int) string { return base64.RawStdEncoding.EncodeToString(make([]byte, n)) }
		return strings.Join([]string{"", "argon2id", "v=19", params, b64(salt), b64(key)}, "$")
	}
	for _, tc := range []struct {
		name   string
		hash   string
		hashed bool
	}{
		{"no passes", with("m=1024,t=0,p=1", 16, 32), false},
		{"no lanes", with("m=1024,t=1,p=0", 16, 32), false},
		{"less memory than its lanes take", with("m=31,t=1,p=4", 16, 32), false},
		{"the least memory for its lanes", with("m=32,t=1,p=4", 16, 32), true},
		{"8 GiB", with("m=8388608,t=1,p=1", 16, 32), false},
		{"work beyond the bound", with("m=1048576,t=17,p=4", 16, 32), false},
		{"more lanes than a byte", with("m=4096,t=1,p=256", 16, 32), false},
		{"a short salt", with("m=1024,t=1,p=1", 7, 32), false},
		{"the shortest salt", with("m=1024,t=1,p=1", 8, 32), true},
		{"a long salt", with("m=1024,t=1,p=1", 65, 32), false},
		{"no key", with("m=1024,t=1,p=1", 16, 0), false},
		{"a short key", with("m=1024,t=1,p=1", 16, 15), false},
		{"the shortest key", with("m=1024,t=1,p=1", 16, 16), true},
		{"the longest key", with("m=1024,t=1,p=1", 16, 64), true},
		{"a long key", with("m=1024,t=1,p=1", 16, 65), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hashed = 0
			ok, err := h.Verify(tc.hash, "Correct-Horse-1")
			if ok || (err == nil) != tc.hashed || (hashed > 0) != tc.hashed {
				t.Fatalf("Verify(%s) = %v, %v after %d hashes; want hashed: %v", tc.hash, ok, err, hashed, tc.hashed)
			}
			if ok, err := h.Verify(good, "Correct-Horse-1"); !ok || err != nil {
				t.Fatalf("after it, the right password: %v, %v", ok, err)
			}
		})
	}
}

// TestHasherBounds: a hasher set beyond the bounds a check accepts makes
// hashes within them, which it can check, rather than hashes every check
// would refuse. (The key is not derived here: 4 GiB.)
func TestHasherBounds(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    *password.Hasher
		want string
	}{
		{"8 GiB", &password.Hasher{Memory: 8 << 20, Time: 1, Threads: 4}, "m=4194304,t=1,p=4"},
		{"work beyond the bound", &password.Hasher{Memory: 1 << 20, Time: 20, Threads: 4}, "m=1048576,t=16,p=4"},
		{"less memory than its lanes take", &password.Hasher{Memory: 8, Time: 1, Threads: 4}, "m=32,t=1,p=4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			password.SetKey(tc.h, func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
				return make([]byte, keyLen)
			})
			hash, err := tc.h.Hash("Correct-Horse-1")
			if err != nil || !strings.Contains(hash, "$"+tc.want+"$") {
				t.Fatalf("Hash = %q, %v; want %s", hash, err, tc.want)
			}
			if _, err := tc.h.Verify(hash, "Correct-Horse-1"); err != nil || !tc.h.Current(hash) {
				t.Fatalf("its own hash refused: %v, current %v", err, tc.h.Current(hash))
			}
		})
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
