package keyward

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
)

// MasterKeySize is the size of the master key: AES-256.
const MasterKeySize = 32

// sealVersion prefixes every sealed secret so that the format can change.
const sealVersion = 1

// ErrUnsealFailed means a sealed secret could not be decrypted: the master
// key is not the one it was sealed with, or the data was altered.
var ErrUnsealFailed = errors.New("keyward: secret cannot be decrypted with this master key")

// Sealer encrypts access key secrets at rest with AES-256-GCM under the
// master key. The access key ID is bound as associated data, so a sealed
// secret copied onto another key's row does not decrypt.
type Sealer struct {
	aead cipher.AEAD
	rand io.Reader
}

// NewSealer returns a Sealer for a 32-byte master key, drawing nonces from
// rand.
func NewSealer(masterKey []byte, rand io.Reader) (*Sealer, error) {
	if len(masterKey) != MasterKeySize {
		return nil, fmt.Errorf("keyward: master key must be %d bytes, got %d", MasterKeySize, len(masterKey))
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, rand: rand}, nil
}

// Seal encrypts secret for the access key keyID.
func (s *Sealer) Seal(keyID, secret string) ([]byte, error) {
	n := s.aead.NonceSize()
	out := make([]byte, 1+n, 1+n+len(secret)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := io.ReadFull(s.rand, out[1:]); err != nil {
		return nil, fmt.Errorf("keyward: reading nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:1+n], []byte(secret), []byte(keyID)), nil
}

// Open decrypts a secret sealed for keyID; ErrUnsealFailed if it does not
// authenticate.
func (s *Sealer) Open(keyID string, sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return "", ErrUnsealFailed
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(keyID))
	if err != nil {
		return "", ErrUnsealFailed
	}
	return string(plain), nil
}
