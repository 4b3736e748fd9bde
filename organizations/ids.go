package organizations

import (
	"io"

	"github.com/keyward/keyward"
)

// orgIDAlphabet is lower-case base32, within the model's [0-9a-z].
const orgIDAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// newOrganizationIDs returns a new organization's ID (o- and 10
// characters) and its root's (r- and 4), in the model's patterns.
func newOrganizationIDs(r io.Reader) (orgID, rootID string, err error) {
	if orgID, err = keyward.RandomString(r, "o-", 10, orgIDAlphabet); err != nil {
		return "", "", err
	}
	rootID, err = keyward.RandomString(r, "r-", 4, orgIDAlphabet)
	return orgID, rootID, err
}

// newOUID returns a new OU's ID under the root rootID: ou-, the root's
// 4 characters, - and 8 characters.
func newOUID(r io.Reader, rootID string) (string, error) {
	return keyward.RandomString(r, "ou-"+rootID[2:]+"-", 8, orgIDAlphabet)
}

// newPolicyID returns a new policy's ID: p- and 10 characters, within
// both the model's PolicyId and PolicyArn patterns.
func newPolicyID(r io.Reader) (string, error) {
	return keyward.RandomString(r, "p-", 10, orgIDAlphabet)
}
