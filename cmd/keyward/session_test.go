package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAWSCLISessionCredentials: Debian's AWS CLI gets a session token and
// signs with it (AWS_SESSION_TOKEN), as a script that wants short-lived
// credentials does.
func TestAWSCLISessionCredentials(t *testing.T) {
	t.Parallel() // the CLI starts slowly
	ts := startServerWith(t, "", cheapPasswords)
	id, secret := createUserKey(t, ts.rootIAM(), "alice")
	res := ts.aws(t, id, secret, "sts", "get-session-token", "--duration-seconds", "900")
	if res.code != 0 {
		t.Fatalf("get-session-token: exit %d\n%s", res.code, res.stderr)
	}
	var out struct {
		Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	}
	must(t, json.Unmarshal([]byte(res.stdout), &out))
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_ACCESS_KEY_ID=" + out.Credentials.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + out.Credentials.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + out.Credentials.SessionToken}
	who := runCommand(t, env, awsCLI, "--endpoint-url", ts.URL, "--output", "json", "sts", "get-caller-identity")
	if who.code != 0 || !strings.Contains(who.stdout, `"arn:aws:iam::123456789012:user/alice"`) {
		t.Fatalf("get-caller-identity with the session: exit %d\n%s%s", who.code, who.stdout, who.stderr)
	}
}
