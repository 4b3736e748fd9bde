// Package seal encrypts secrets at rest under the master key: access key
// secrets, MFA seeds, service-specific passwords, server certificates'
// private keys, and the tokens Keyward hands out sealed (sessions, sign-in
// tokens, authorization messages). AES-256-GCM, with what a sealed value
// belongs to bound as associated data, so that a value copied elsewhere
// does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// KeySize is the size of the master key: AES-256.
const KeySize = 32

// sealVersion prefixes every sealed secret so that the format can change.
const sealVersion = 1

// ErrUnsealFailed means a sealed secret could not be decrypted: the master
// key is not the one it was sealed with, or the data was altered.
var ErrUnsealFailed = errors.New("keyward: secret cannot be decrypted with this master key")

// Sealer encrypts access key secrets at rest with AES-256-GCM under the
// master key. The access key ID is bound as associated data, so a sealed
// secret copied onto another key's row does not decrypt.
//
// A Sealer may hold earlier master keys besides the current one, while
// secrets are being sealed again under a new key (keyward rekey): it seals
// under the current key and opens under any. Its keys can be replaced
// while it is in use (Reload).
type Sealer struct {
	keys atomic.Pointer[[]cipher.AEAD] // the current key first
	// macKeys are keys for MAC, derived from each master key, in the same
	// order.
	macKeys atomic.Pointer[[][]byte]
	rand    io.Reader
}

// New returns a Sealer that seals under masterKey (32 bytes) and
// opens under it or any of previous, drawing nonces from rand.
func New(masterKey []byte, rand io.Reader, previous ...[]byte) (*Sealer, error) {
	s := &Sealer{rand: rand}
	if err := s.Reload(append([][]byte{masterKey}, previous...)); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload replaces the sealer's keys: the first is the current one.
func (s *Sealer) Reload(keys [][]byte) error {
	if len(keys) == 0 {
		return errors.New("keyward: no master key")
	}
	aeads := make([]cipher.AEAD, len(keys))
	macs := make([][]byte, len(keys))
	for i, k := range keys {
		h := hmac.New(sha256.New, k)
		h.Write([]byte("keyward: MAC key"))
		macs[i] = h.Sum(nil)
		if len(k) != KeySize {
			return fmt.Errorf("keyward: master key must be %d bytes, got %d", KeySize, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return err
		}
		if aeads[i], err = cipher.NewGCM(block); err != nil {
			return err
		}
	}
	s.keys.Store(&aeads)
	s.macKeys.Store(&macs)
	return nil
}

// MAC returns a MAC of data under the current master key, for values that
// must be recognised as Keyward's without being sealed (a session's key ID).
func (s *Sealer) MAC(data string) []byte {
	return mac((*s.macKeys.Load())[0], data)
}

// MACs returns the MACs of data under each of the sealer's keys, the
// current one first: a value made under an earlier master key is still
// recognised while secrets are sealed again under a new one.
func (s *Sealer) MACs(data string) [][]byte {
	keys := *s.macKeys.Load()
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = mac(k, data)
	}
	return out
}

func mac(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// Seal encrypts secret for the access key keyID under the current key.
func (s *Sealer) Seal(keyID, secret string) ([]byte, error) {
	aead := (*s.keys.Load())[0]
	n := aead.NonceSize()
	out := make([]byte, 1+n, 1+n+len(secret)+aead.Overhead())
	out[0] = sealVersion
	if _, err := io.ReadFull(s.rand, out[1:]); err != nil {
		return nil, fmt.Errorf("keyward: reading nonce: %w", err)
	}
	return aead.Seal(out, out[1:1+n], []byte(secret), []byte(keyID)), nil
}

// Open decrypts a secret sealed for keyID; ErrUnsealFailed if it does not
// authenticate under any of the sealer's keys.
func (s *Sealer) Open(keyID string, sealed []byte) (string, error) {
	plain, _, err := s.open(keyID, sealed)
	return plain, err
}

// open also says which key opened it: 0 is the current one.
func (s *Sealer) open(keyID string, sealed []byte) (string, int, error) {
	for i, aead := range *s.keys.Load() {
		n := aead.NonceSize()
		if len(sealed) < 1+n+aead.Overhead() || sealed[0] != sealVersion {
			return "", 0, ErrUnsealFailed
		}
		plain, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(keyID))
		if err == nil {
			return string(plain), i, nil
		}
	}
	return "", 0, ErrUnsealFailed
}

// Reseal opens a secret under any key and seals it again under the
// current one, unless it is sealed under the current one already.
func (s *Sealer) Reseal(keyID string, sealed []byte) ([]byte, error) {
	plain, i, err := s.open(keyID, sealed)
	if err != nil || i == 0 {
		return sealed, err
	}
	return s.Seal(keyID, plain)
}

// backupKeyLabel names the purpose of the key that authenticates backups.
// It is part of every backup's MAC: changed, no backup made before would
// authenticate.
const backupKeyLabel = "keyward backup v1"

// BackupKey derives from a master key the key that authenticates backups
// (keyward backup, keyward restore): HMAC-SHA256 of a label of its own
// under the master key (DeriveKey), as the console's session key is, so that
// the MAC on a backup is made under no key used for anything else, and
// the master key itself is never a MAC key.
func BackupKey(masterKey []byte) []byte { return DeriveKey(masterKey, backupKeyLabel) }

// DeriveKey is the key of one purpose, named by label, under the master
// key: HMAC-SHA256 of the label. Each purpose's label is its own, so that
// no two share a key and the master key itself keys nothing but sealing.
func DeriveKey(masterKey []byte, label string) []byte {
	h := hmac.New(sha256.New, masterKey)
	h.Write([]byte(label))
	return h.Sum(nil)
}

// keyCheckID and keyCheckText make the master key check value: a known
// text sealed under the key, bound to a name no access key can have.
const (
	keyCheckID   = "keyward:master-key-check"
	keyCheckText = "keyward master key check v1"
)

// SealKeyCheck returns a new check value under the current key.
func (s *Sealer) SealKeyCheck() ([]byte, error) { return s.Seal(keyCheckID, keyCheckText) }

// OpenKeyCheck reports which of the sealer's keys opens a check value (0:
// the current one), or ErrUnsealFailed.
func (s *Sealer) OpenKeyCheck(check []byte) (int, error) {
	plain, i, err := s.open(keyCheckID, check)
	if err == nil && plain != keyCheckText {
		err = ErrUnsealFailed
	}
	return i, err
}
