package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// auditDir holds the audit streams of every test server of the run.
var auditDir string

// secretLike are what a secret looks like in this run: a secret access
// key, a session or sign-in token, a private key.
var secretLike = regexp.MustCompile(`(^|[^A-Za-z0-9/+])[A-Za-z0-9/+]{40}([^A-Za-z0-9/+=]|$)|KWS1[A-Za-z0-9_-]{40,}|KWF1[A-Za-z0-9_-]{40,}|PRIVATE KEY`)

// publicMaterial are parameters whose values are public and long enough
// to look like anything: certificates and public keys.
var publicMaterial = map[string]bool{"certificateBody": true, "certificateChain": true, "sSHPublicKeyBody": true, "publicKeyMaterial": true,
	"policyDocument": true, "assumeRolePolicyDocument": true}

// secretsInEvents reads every event streamed during the run and reports
// one that holds a secret: a value shaped like one (40-character keys that
// are not hexadecimal thumbprints, tokens, private keys), or a secret
// parameter not hidden.
func secretsInEvents(dir string, atLeast int) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return err
	}
	hexOnly := regexp.MustCompile(`^[^0-9A-Za-z]?[0-9a-fA-F]{40}[^0-9A-Za-z]?$`)
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
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if line == "" {
				continue
			}
			n++
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				return fmt.Errorf("%s: an event that is not JSON: %v", f, err)
			}
			if found := walk("", rec); found != "" {
				return fmt.Errorf("%s: an event holds what looks like a secret (%.200s) in %.300s", f, found, line)
			}
			params, _ := rec["requestParameters"].(map[string]any)
			for _, k := range []string{"password", "newPassword", "oldPassword", "privateKey", "webIdentityToken", "tokenCode",
				"authenticationCode1", "authenticationCode2"} {
				if v, ok := params[k]; ok && v != "HIDDEN_DUE_TO_SECURITY_REASONS" {
					return fmt.Errorf("%s: %s not hidden: %.200s", f, k, line)
				}
			}
		}
	}
	if n < atLeast {
		return fmt.Errorf("only %d events in the whole run: the servers did not stream them", n)
	}
	return nil
}

// TestSecretsInEventsFinds: the whole run's check finds a secret key, a
// session token and a password not hidden, and passes hidden ones and
// thumbprints.
func TestSecretsInEventsFinds(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		event string
		bad   bool
	}{
		"secret key":      {`{"responseElements":{"secret":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}`, true},
		"session token":   {`{"requestParameters":{"x":"KWS1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIj"}}`, true},
		"password":        {`{"requestParameters":{"password":"hunter2"}}`, true},
		"hidden password": {`{"requestParameters":{"password":"HIDDEN_DUE_TO_SECURITY_REASONS"}}`, false},
		"thumbprint":      {`{"requestParameters":{"thumbprintList.member.1":"990f4193972f2becf12ddeda5237f9c952f20d9e"}}`, false},
		"access key ID":   {`{"userIdentity":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE"}}`, false},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			must(t, os.WriteFile(filepath.Join(dir, "a.jsonl"), []byte(tc.event+"\n"), 0o600))
			if err := secretsInEvents(dir, 1); (err != nil) != tc.bad {
				t.Fatalf("got %v, want a finding: %v", err, tc.bad)
			}
		})
	}
}

// TestAWSCLICloudTrail: Debian's AWS CLI reads the audit trail with
// `aws cloudtrail lookup-events`; what the trail holds is query's
// TestAuditTrail.
func TestAWSCLICloudTrail(t *testing.T) {
	t.Parallel() // the CLI starts slowly
	ts := startServerWith(t, "", cheapPasswords)
	createUserKey(t, ts.rootIAM(), "alice")
	must(t, ts.Audit.Flush(context.Background()))
	res := ts.aws(t, rootKeyID, rootSecret, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateAccessKey")
	var out struct {
		Events []struct{ EventName, Username, CloudTrailEvent string }
	}
	if res.code != 0 || json.Unmarshal([]byte(res.stdout), &out) != nil || len(out.Events) != 1 || out.Events[0].Username != "alice" {
		t.Fatalf("aws cloudtrail lookup-events: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
