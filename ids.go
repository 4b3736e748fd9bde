package keyward

import (
	"encoding/hex"
	"fmt"
	"io"
)

const (
	Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// RandomString draws n characters of alphabet from r. The alphabet's size
// must be a power of two no larger than 256, so masking the byte is unbiased.
func RandomString(r io.Reader, prefix string, n int, alphabet string) (string, error) {
	buf := make([]byte, len(prefix)+n)
	copy(buf, prefix)
	if _, err := io.ReadFull(r, buf[len(prefix):]); err != nil {
		return "", fmt.Errorf("keyward: reading randomness: %w", err)
	}
	mask := byte(len(alphabet) - 1)
	for i := len(prefix); i < len(buf); i++ {
		buf[i] = alphabet[buf[i]&mask]
	}
	return string(buf), nil
}

// NewSecretAccessKey returns a 40-character secret access key.
func NewSecretAccessKey(r io.Reader) (string, error) {
	return RandomString(r, "", 40, SecretAlphabet)
}

// WellFormedAccessKeyID reports whether id has the shape of an access key
// ID as AWS issues them: 16 to 128 upper-case letters and digits. Requests
// naming anything else are refused before any lookup, so that made-up IDs
// cost neither a database read nor a cache entry.
func WellFormedAccessKeyID(id string) bool {
	if len(id) < 16 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// NewEventID returns a random UUID (version 4), as CloudTrail's event IDs
// are.
func NewEventID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// NewAccountID returns a random 12-digit account ID: the first
// account's, and each one AWS Organizations' CreateAccount makes.
func NewAccountID(r io.Reader) (string, error) {
	var b [12]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("keyward: reading randomness: %w", err)
	}
	for i := range b {
		// 250 is the largest multiple of 10 below 256; rejection would be
		// exact, but the bias of the modulo over 12 digits is immaterial for
		// an identifier that is not a secret.
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b[:]), nil
}
