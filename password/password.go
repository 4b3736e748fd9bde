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
	"strings"

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
	return m, t, p
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
	key := argon2.IDKey([]byte(password), salt, t, m, p, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errFormat = errors.New("password: not an argon2id hash")

// Verify reports whether password matches hash, comparing in constant time
// with the parameters the hash was made with.
func (h *Hasher) Verify(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errFormat
	}
	var version int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errFormat
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errFormat
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false, errFormat
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
