// Package password hashes console passwords with argon2id, the
// memory-hard function RFC 9106 recommends, in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash) so that parameters can change
// without invalidating stored hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/keyward/keyward"
)

// Hasher implements keyward.PasswordHasher.
type Hasher struct {
	// Memory in KiB, Time (passes) and Threads are argon2id's parameters;
	// zero values take RFC 9106's second recommendation (64 MiB, 3 passes,
	// 4 lanes).
	Memory  uint32
	Time    uint32
	Threads uint8
	// Rand is the source of salts (crypto/rand when nil).
	Rand io.Reader
	// MaxConcurrent bounds the hashes computed at once (0: 1). Each takes
	// Memory KiB, 64 MiB by default, so this bounds the memory that
	// sign-in attempts can make the server use, whoever sends them.
	MaxConcurrent int
	// MaxWait is how long a hash waits for its turn (0: 10 s) before
	// failing with ErrBusy.
	MaxWait time.Duration

	semOnce sync.Once
	sem     chan struct{}
	// key is argon2.IDKey when nil; tests see through it which hashes are
	// computed.
	key func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
}

// ErrBusy means too many hashes were waiting for their turn.
var ErrBusy = keyward.Errorf(keyward.EServiceUnavailable, "Too many sign-in attempts are being checked. Try again in a moment.")

// MaxPasswordLength is AWS's limit on a password; a longer one is refused
// without being hashed.
const MaxPasswordLength = 128

// collectFrom is the memory (KiB) of a hash after which its turn ends
// with a collection (see turn): OWASP's smallest argon2id setting takes
// 7 MiB. A smaller hash's memory is within the heap's ordinary growth,
// and a collection, whose cost grows with the live heap rather than with
// the hash, would cost more than it returns early.
const collectFrom = 4 << 10

// turn waits until a hash may run and returns the function that ends it,
// to be called with the memory (KiB) the hash used.
//
// Ending a turn collects garbage before the next hash may start: the
// hash's memory (64 MiB by default) is garbage by then, and without a
// collection the next hash would take fresh pages while the runtime's heap
// goal, doubled by the last hash, still allows it, so that the process
// grows by a hash's memory per sign-in before shrinking. A collection
// of a server's heap costs milliseconds next to a hash's hundreds.
func (h *Hasher) turn() (func(memory uint32), error) {
	h.semOnce.Do(func() { h.sem = make(chan struct{}, max(h.MaxConcurrent, 1)) })
	done := func(memory uint32) {
		if memory >= collectFrom {
			runtime.GC()
		}
		<-h.sem
	}
	select {
	case h.sem <- struct{}{}:
		return done, nil
	default:
	}
	wait := h.MaxWait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return done, nil
	case <-t.C:
		return nil, ErrBusy
	}
}

var _ keyward.PasswordHasher = (*Hasher)(nil)

const (
	saltLen = 16
	keyLen  = 32
)

func (h *Hasher) params() (m, t uint32, p uint8) {
	m, t, p = h.Memory, h.Time, h.Threads
	if m == 0 {
		m = 64 * 1024
	}
	if t == 0 {
		t = 3
	}
	if p == 0 {
		p = 4
	}
	// Within the bounds parse accepts, or every hash made would be
	// refused when checked.
	m = min(max(m, 8*uint32(p)), maxMemory)
	t = min(t, uint32(maxWork/m))
	return m, t, p
}

// derive returns the key derivation: argon2.IDKey, unless a test sees
// through it.
func (h *Hasher) derive() func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	if h.key != nil {
		return h.key
	}
	return argon2.IDKey
}

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of a new salted hash of password.
func (h *Hasher) Hash(password string) (string, error) {
	r := h.Rand
	if r == nil {
		r = rand.Reader
	}
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(r, salt); err != nil {
		return "", err
	}
	m, t, p := h.params()
	done, err := h.turn()
	if err != nil {
		return "", err
	}
	key := h.derive()([]byte(password), salt, t, m, p, keyLen)
	done(m)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errFormat = errors.New("password: not an argon2id hash")

// The bounds of a hash parse accepts. Keyward writes only hashes of its
// own parameters, but a stored hash is checked for whoever names its user,
// before anyone has signed in: one of zero passes or lanes would make
// argon2 panic while holding the hashing's turn, one of absurd memory or
// work would take the process's memory or the turn for minutes, and an
// empty key would match every password.
const (
	// maxWork is the most memory × passes (KiB) of a hash: 2^24, 85 times
	// the default's (64 MiB, 3 passes).
	maxWork = 1 << 24
	// maxMemory is the most memory of a hash: 4 GiB, twice RFC 9106's
	// largest recommendation.
	maxMemory = 4 << 20
	minSalt   = 8
	minKey    = 16
	maxBytes  = 64
)

// phc is a hash's PHC string read: its parameters, salt and key.
type phc struct {
	m, t       uint32
	p          uint8
	salt, want []byte
}

// parse reads a hash's PHC string, refusing parameters and lengths
// outside the bounds above.
func parse(hash string) (phc, error) {
	var h phc
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return h, errFormat
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return h, errFormat
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.m, &h.t, &h.p); err != nil {
		return h, errFormat
	}
	if h.t < 1 || h.p < 1 || h.m < 8*uint32(h.p) || h.m > maxMemory || uint64(h.m)*uint64(h.t) > maxWork {
		return h, errFormat
	}
	var err1, err2 error
	h.salt, err1 = b64.DecodeString(parts[4])
	h.want, err2 = b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(h.salt) < minSalt || len(h.salt) > maxBytes || len(h.want) < minKey || len(h.want) > maxBytes {
		return h, errFormat
	}
	return h, nil
}

// Current reports whether hash was made with the parameters Hash uses
// now. A sign-in hashes a right password whose hash is not current again,
// so that hashes of other parameters go as their users sign in: checking
// one takes the work of today's only with a top-up (see Verify), and a
// dearer one takes longer than the decoy a refusal of an unknown user is
// checked against, which would tell that the user exists.
func (h *Hasher) Current(hash string) bool {
	got, err := parse(hash)
	m, t, p := h.params()
	return err == nil && got.m == m && got.t == t && got.p == p && len(got.salt) == saltLen && len(got.want) == keyLen
}

// Verify reports whether password matches hash, comparing in constant time
// with the parameters the hash was made with. A hash made with cheaper
// parameters than today's is checked in about the time of one made with
// today's (see topUp).
func (h *Hasher) Verify(hash, password string) (bool, error) {
	ph, err := parse(hash)
	if err != nil {
		return false, err
	}
	if len(password) > MaxPasswordLength {
		return false, nil
	}
	done, err := h.turn()
	if err != nil {
		return false, err
	}
	used := ph.m
	defer func() { done(used) }()
	key := h.derive()
	got := key([]byte(password), ph.salt, ph.t, ph.m, ph.p, uint32(len(ph.want)))
	m, t, p := h.params()
	if tm, tt, collect := topUp(ph, m, t, p, runtime.GOMAXPROCS(0)); tm > 0 {
		if collect {
			// The checked hash's memory is garbage: collected, it is
			// not held beside the top-up's. The collection's time (a
			// few milliseconds of a server's heap) is not counted.
			runtime.GC()
		}
		key([]byte(password), ph.salt, tt, tm, p, keyLen)
		used = max(used, tm)
	}
	return subtle.ConstantTimeCompare(got, ph.want) == 1, nil
}

// topUp returns the memory (KiB) and passes of the hash that Verify
// computes, and throws away, after checking a hash made with cheaper
// parameters than today's, or zero memory when none is needed. Together
// the two take about as long as one hash with today's parameters, which
// is what a refusal of an unknown user is checked against (a decoy made
// with them): if the parameters are raised, a user who has not signed in
// since would otherwise be told apart by a quicker refusal.
//
// The time is modelled on golang.org/x/crypto/argon2, which computes
// each of a pass's four slices with one goroutine a lane and waits for
// them all: with procs cores, a slice takes ceil(lanes/procs) segments'
// time, a segment being memory/(4×lanes) blocks, so that a hash's time
// grows with memory × passes × ceil(lanes/procs) / lanes. The model
// assumes the cores are free: under other hashing, or on hyper-threads,
// a hash of many lanes gains less from them than it counts on.
//
// The two hashes together take no more memory than today's one: the
// top-up's memory is what the checked hash leaves of today's, with the
// passes to make up the work, unless that leaves less than a quarter of
// today's (the top-up would then be many passes over little memory,
// faster a block than the hash it stands for); then it takes up to the
// checked hash's memory (no more than today's), in the pages that hash
// frees, and collect reports that its memory must be collected first.
// A hash dearer than today's is not evened out (the decoy cannot know
// it); it is hashed again with today's parameters when its user next
// signs in.
func topUp(have phc, m, t uint32, p uint8, procs int) (memory, passes uint32, collect bool) {
	procs = max(procs, 1)
	// rounds is how many segments' time a slice of p lanes takes.
	rounds := func(p uint8) uint64 { return (uint64(p) + uint64(procs) - 1) / uint64(procs) }
	work := func(m, t uint32, p uint8) uint64 { return uint64(m) * uint64(t) * rounds(p) / uint64(p) }
	want, got := work(m, t, p), work(have.m, have.t, have.p)
	if got >= want {
		return 0, 0, false
	}
	mt := (want - got) * uint64(p) / rounds(p)
	limit := uint64(min(m, have.m)) // collected first: in the pages it frees
	if have.m < m && m-have.m >= m/4 {
		limit = uint64(m - have.m)
	} else {
		collect = true
	}
	passes = uint32((mt + limit - 1) / limit)
	memory = uint32(mt / uint64(passes))
	if memory < 8*uint32(p) {
		// Below argon2's smallest memory the difference is microseconds.
		return 0, 0, false
	}
	return memory, passes, collect
}
