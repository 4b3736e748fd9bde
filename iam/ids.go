package iam

import (
	"fmt"
	"io"

	"github.com/keyward/keyward"
)

// The IDs IAM gives the entities it makes, as AWS forms them: a prefix
// naming the kind and random characters.

// newAccessKeyID returns a long-term access key ID: "AKIA" and 16
// characters of A-Z2-7, 20 in all, as AWS issues them.
func newAccessKeyID(r io.Reader) (string, error) {
	return keyward.RandomString(r, "AKIA", 16, keyward.Base32Alphabet)
}

// newUserID returns a unique user ID: "AIDA" and 17 characters, 21 in all.
func newUserID(r io.Reader) (string, error) {
	return keyward.RandomString(r, "AIDA", 17, keyward.Base32Alphabet)
}

// newAccountID returns a random 12-digit account ID.
func newAccountID(r io.Reader) (string, error) {
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

// newGroupID returns a unique group ID: "AGPA" and 17 characters.
func newGroupID(r interface{ Read([]byte) (int, error) }) (string, error) {
	return keyward.RandomString(r, "AGPA", 17, keyward.Base32Alphabet)
}

// newPolicyID returns a unique policy ID: "ANPA" and 17 characters.
func newPolicyID(r interface{ Read([]byte) (int, error) }) (string, error) {
	return keyward.RandomString(r, "ANPA", 17, keyward.Base32Alphabet)
}
