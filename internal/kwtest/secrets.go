package kwtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// secretLike is what a secret looks like in tests: a secret access key, a
// session or sign-in token, a private key.
var secretLike = regexp.MustCompile(`(^|[^A-Za-z0-9/+])[A-Za-z0-9/+]{40}([^A-Za-z0-9/+=]|$)|KWS1[A-Za-z0-9_-]{40,}|KWF1[A-Za-z0-9_-]{40,}|PRIVATE KEY`)

// hexOnly is a 40-character hexadecimal value: a thumbprint, not a key.
var hexOnly = regexp.MustCompile(`^[^0-9A-Za-z]?[0-9a-fA-F]{40}[^0-9A-Za-z]?$`)

// publicMaterial are parameters whose values are public and long enough
// to look like anything: certificates, public keys, policies.
var publicMaterial = map[string]bool{"certificateBody": true, "certificateChain": true, "sSHPublicKeyBody": true, "publicKeyMaterial": true,
	"policyDocument": true, "assumeRolePolicyDocument": true}

// hiddenParameters are the request parameters an event must hide.
var hiddenParameters = []string{"password", "newPassword", "oldPassword", "privateKey", "webIdentityToken", "tokenCode",
	"authenticationCode1", "authenticationCode2", "clientSecret"}

// SecretInEvents reads audit events as JSON lines (the stream keyward
// serve's --audit-log writes) and reports the first that holds a secret:
// a value shaped like one (40-character keys that are not hexadecimal
// thumbprints, tokens, private keys), or a secret parameter not hidden.
// It returns the number of events read.
func SecretInEvents(lines string) (int, error) {
	var walk func(key string, v any) string
	walk = func(key string, v any) string {
		switch v := v.(type) {
		case string:
			if publicMaterial[key] {
				return ""
			}
			for _, m := range secretLike.FindAllString(v, -1) {
				if !hexOnly.MatchString(m) {
					return key + ": " + v
				}
			}
		case map[string]any:
			for k, x := range v {
				if found := walk(k, x); found != "" {
					return found
				}
			}
		case []any:
			for _, x := range v {
				if found := walk(key, x); found != "" {
					return found
				}
			}
		}
		return ""
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(lines), "\n") {
		if line == "" {
			continue
		}
		n++
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return n, fmt.Errorf("an event that is not JSON: %v", err)
		}
		if found := walk("", rec); found != "" {
			return n, fmt.Errorf("an event holds what looks like a secret (%.200s) in %.300s", found, line)
		}
		params, _ := rec["requestParameters"].(map[string]any)
		for _, k := range hiddenParameters {
			if v, ok := params[k]; ok && v != "HIDDEN_DUE_TO_SECURITY_REASONS" {
				return n, fmt.Errorf("%s not hidden: %.200s", k, line)
			}
		}
	}
	return n, nil
}
