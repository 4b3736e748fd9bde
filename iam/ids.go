package iam

import (
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

// newGroupID returns a unique group ID: "AGPA" and 17 characters.
func newGroupID(r interface{ Read([]byte) (int, error) }) (string, error) {
	return keyward.RandomString(r, "AGPA", 17, keyward.Base32Alphabet)
}

// newPolicyID returns a unique policy ID: "ANPA" and 17 characters.
func newPolicyID(r interface{ Read([]byte) (int, error) }) (string, error) {
	return keyward.RandomString(r, "ANPA", 17, keyward.Base32Alphabet)
}
