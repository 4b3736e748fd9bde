package query

import (
	"regexp"
	"strings"

	"github.com/keyward/keyward"
)

// What a request presents as an access key ID is recorded only when it is
// shaped like one: a client that swaps its key ID and secret must not
// find its secret in the audit trail or the log.

// presentedKeyID returns an access key ID a request named, as a record
// (the audit trail, a failed authentication's log line) may hold it: the
// ID itself when it has the exact shape of one (AKIA or ASIA and 16
// upper-case letters and digits, 20 in all), else "". A client that swaps
// its key ID and secret presents the secret as its key ID; whatever is not
// shaped like an ID is not written down. A key that authenticated is
// recorded by its own ID, whatever its shape.
func presentedKeyID(id string) string {
	if len(id) != 20 || !strings.HasPrefix(id, "AKIA") && !strings.HasPrefix(id, "ASIA") {
		return ""
	}
	for i := 4; i < len(id); i++ {
		if c := id[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return ""
		}
	}
	return id
}

// credentialParam finds the key ID of a SigV4 Credential parameter in a
// message that echoes an Authorization header or a query string.
var credentialParam = regexp.MustCompile(`(Credential=)([^/,&\s]*)`)

// redactKeyIDs returns msg with every key ID its Credential= parameters
// name replaced by "HIDDEN_DUE_TO_SECURITY_REASONS" unless shaped like one
// (presentedKeyID): AWS's messages about a malformed signature echo the
// Authorization header, which records must not keep a secret from.
func redactKeyIDs(msg string) string {
	if !strings.Contains(msg, "Credential=") {
		return msg
	}
	return credentialParam.ReplaceAllStringFunc(msg, func(m string) string {
		id := strings.TrimPrefix(m, "Credential=")
		if id == "" || presentedKeyID(id) != "" {
			return m
		}
		return "Credential=" + keyward.Hidden
	})
}
