package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

// newSAMLIdP is kwtest's identity provider site for ts.
func newSAMLIdP(t testing.TB, ts *testServer) *kwtest.IdPSite {
	t.Helper()
	return kwtest.NewIdPSite(t, ts.STS.SAML, ts.Clock.Now, ts.URL, ts.rootIAM())
}

// TestAWSCLIAssumeRoleWithSAML: Debian's AWS CLI exchanges a response of
// the identity provider for the role's credentials with `aws sts
// assume-role-with-saml`, unsigned, and calls IAM with them; the same
// response a second time is refused as a replay.
func TestAWSCLIAssumeRoleWithSAML(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(awsCLI); err != nil {
		t.Skipf("Debian's AWS CLI (%s) is not installed here (scripts/install-test-deps.sh installs it; CI has it): %v", awsCLI, err)
	}
	ts := startServer(t, "")
	idp := newSAMLIdP(t, ts)
	response := idp.Response()
	assume := func() cliResult {
		// No credentials at all: the call is unsigned, as on AWS.
		return runCommand(t, samlCLIEnv(t, "", "", ""), awsCLI, "--endpoint-url", ts.URL, "--output", "json",
			"sts", "assume-role-with-saml", "--role-arn", idp.RoleARN, "--principal-arn", idp.ProviderARN, "--saml-assertion", response)
	}
	res := assume()
	if res.code != 0 {
		t.Fatalf("assume-role-with-saml: exit %d\n%s", res.code, res.stderr)
	}
	var out struct {
		Credentials                            struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		AssumedRoleUser                        struct{ Arn string }
		Subject, SubjectType, Issuer, Audience string
	}
	must(t, json.Unmarshal([]byte(res.stdout), &out))
	if out.AssumedRoleUser.Arn != "arn:aws:sts::"+accountID+":assumed-role/Admin/alice" || out.Subject != "alice@corp.test" ||
		out.Issuer != idp.URL+"/metadata" || out.Audience != ts.URL+"/saml" {
		t.Fatalf("answer: %s", res.stdout)
	}
	// The role's credentials, and the same response again, at once.
	env := samlCLIEnv(t, out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
	var who, roles, again cliResult
	concurrently(
		func() {
			who = runCommand(t, env, awsCLI, "--endpoint-url", ts.URL, "--output", "json", "sts", "get-caller-identity")
		},
		func() {
			roles = runCommand(t, env, awsCLI, "--endpoint-url", ts.URL, "--output", "json", "iam", "list-roles")
		},
		func() { again = assume() },
	)
	if who.code != 0 || !strings.Contains(who.stdout, `"Arn": "arn:aws:sts::`+accountID+`:assumed-role/Admin/alice"`) {
		t.Fatalf("get-caller-identity: exit %d\n%s%s", who.code, who.stdout, who.stderr)
	}
	if roles.code != 0 || !strings.Contains(roles.stdout, `"RoleName": "Admin"`) {
		t.Fatalf("list-roles as the role: exit %d\n%s%s", roles.code, roles.stdout, roles.stderr)
	}
	if again.code == 0 || !strings.Contains(again.stderr, "InvalidIdentityToken") {
		t.Fatalf("the response replayed: exit %d\n%s", again.code, again.stderr)
	}
}

// samlCLIEnv is the AWS CLI's environment with the given credentials (none
// when empty) and nothing of the user's configuration.
func samlCLIEnv(t *testing.T, id, secret, token string) []string {
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true"}
	if id != "" {
		env = append(env, "AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_SESSION_TOKEN="+token)
	}
	return env
}
