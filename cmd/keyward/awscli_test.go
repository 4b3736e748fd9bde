package main

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kwtest"
)

// awsCLI is the AWS CLI from Debian's awscli package, which `make test`
// installs; a pip-installed `aws` earlier on PATH is deliberately not used.
const awsCLI = kwtest.AWSCLI

type cliResult struct {
	stdout, stderr string
	code           int
}

func (ts *testServer) aws(t *testing.T, id, secret string, args ...string) cliResult {
	t.Helper()
	home := t.TempDir()
	env := []string{
		"HOME=" + home, "PATH=/usr/bin:/bin",
		"AWS_ACCESS_KEY_ID=" + id, "AWS_SECRET_ACCESS_KEY=" + secret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true",
	}
	return runCommand(t, env, awsCLI, append([]string{"--endpoint-url", ts.URL, "--output", "json"}, args...)...)
}

// runCommand runs a program in env and returns what it printed and its
// exit status. It may run in a goroutine of the test's (see
// concurrently): a program that cannot be started fails the test with
// exit status -1.
func runCommand(t *testing.T, env []string, name string, args ...string) cliResult {
	t.Helper()
	out := kwtest.RunClient(t, env, name, args...)
	return cliResult{stdout: out.Stdout, stderr: out.Stderr, code: out.Code}
}

// concurrently runs the functions at once and returns when all have
// returned: for command lines that do not depend on each other, each of
// which takes most of a second to start. They must not call t.Fatal.
func concurrently(fns ...func()) {
	var wg sync.WaitGroup
	for _, f := range fns {
		wg.Go(f)
	}
	wg.Wait()
}

// awsOK runs a command as root that must succeed and decodes its JSON
// output.
func (ts *testServer) awsOK(t *testing.T, args ...string) map[string]any {
	t.Helper()
	return jsonOK(t, ts.aws(t, rootKeyID, rootSecret, args...), args...)
}

// jsonOK checks that the command line args succeeded and decodes its JSON
// output.
func jsonOK(t *testing.T, res cliResult, args ...string) map[string]any {
	t.Helper()
	if res.code != 0 {
		t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), res.code, res.stderr)
	}
	out := map[string]any{}
	if strings.TrimSpace(res.stdout) != "" {
		if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, res.stdout)
		}
	}
	return out
}

func field(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("no %q in %v", k, v)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || len(l) <= k {
				t.Fatalf("no [%d] in %v", k, v)
			}
			v = l[k]
		}
	}
	return v
}

func TestAWSCLI(t *testing.T) {
	t.Parallel() // the AWS CLI and Python start slowly: overlap them with the other tests
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("the AWS CLI from Debian's awscli package is needed (make test installs it): %v", err)
	}
	ts := startServer(t, "")
	// The command lines that do not depend on each other run at once.
	root := func(args ...string) cliResult { return ts.aws(t, rootKeyID, rootSecret, args...) }
	createUser := []string{"iam", "create-user", "--user-name", "alice", "--path", "/eng/"}
	var u, who, rootWho, users, list, inactive cliResult
	concurrently(
		func() { u = root(createUser...) },
		func() { rootWho = root("sts", "get-caller-identity") },
	)
	if field(t, jsonOK(t, u, createUser...), "User", "Arn") != "arn:aws:iam::123456789012:user/eng/alice" {
		t.Fatalf("create-user: %v", u)
	}
	if r := jsonOK(t, rootWho, "sts", "get-caller-identity"); field(t, r, "Arn") != "arn:aws:iam::123456789012:root" || field(t, r, "Account") != accountID {
		t.Fatalf("sts get-caller-identity: %v", r)
	}
	k := ts.awsOK(t, "iam", "create-access-key", "--user-name", "alice")
	id := field(t, k, "AccessKey", "AccessKeyId").(string)
	secret := field(t, k, "AccessKey", "SecretAccessKey").(string)
	if field(t, k, "AccessKey", "Status") != "Active" || len(secret) != 40 || !keyIDPatternAWS.MatchString(id) {
		t.Fatalf("create-access-key: %v", k)
	}

	// The new key works with the CLI at once, and its use is recorded.
	concurrently(
		func() { who = ts.aws(t, id, secret, "sts", "get-caller-identity", "--region", "eu-central-1") },
		func() { users = root("iam", "list-users") },
	)
	if who.code != 0 || !strings.Contains(who.stdout, `"Arn": "arn:aws:iam::123456789012:user/eng/alice"`) {
		t.Fatalf("sts get-caller-identity as alice: %+v", who)
	}
	if field(t, jsonOK(t, users, "iam", "list-users"), "Users", 0, "UserName") != "alice" {
		t.Fatalf("list-users: %v", users)
	}
	last := ts.awsOK(t, "iam", "get-access-key-last-used", "--access-key-id", id)
	if field(t, last, "UserName") != "alice" || field(t, last, "AccessKeyLastUsed", "ServiceName") != "sts" ||
		field(t, last, "AccessKeyLastUsed", "Region") != "eu-central-1" {
		t.Fatalf("get-access-key-last-used: %v", last)
	}
	when, err := time.Parse(time.RFC3339, field(t, last, "AccessKeyLastUsed", "LastUsedDate").(string))
	if err != nil || time.Since(when) > time.Minute {
		t.Fatalf("LastUsedDate %v (%v)", when, err)
	}

	ts.awsOK(t, "iam", "update-access-key", "--user-name", "alice", "--access-key-id", id, "--status", "Inactive")
	concurrently(
		func() { list = root("iam", "list-access-keys", "--user-name", "alice") },
		func() { inactive = ts.aws(t, id, secret, "sts", "get-caller-identity") },
	)
	if l := jsonOK(t, list, "iam", "list-access-keys"); field(t, l, "AccessKeyMetadata", 0, "AccessKeyId") != id || field(t, l, "AccessKeyMetadata", 0, "Status") != "Inactive" {
		t.Fatalf("list-access-keys: %v", l)
	}
	if inactive.code != 254 ||
		!strings.Contains(inactive.stderr, "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.") {
		t.Fatalf("inactive key: %+v", inactive)
	}
	ts.awsOK(t, "iam", "delete-access-key", "--user-name", "alice", "--access-key-id", id)

	// A failing call: AWS's error line on stderr, exit status 254.
	res := root("iam", "delete-access-key", "--user-name", "alice", "--access-key-id", id)
	want := "An error occurred (NoSuchEntity) when calling the DeleteAccessKey operation: The Access Key with id " + id + " cannot be found."
	if res.code != 254 || strings.TrimSpace(res.stderr) != want {
		t.Fatalf("failing call: exit %d, stderr %q, want %q", res.code, res.stderr, want)
	}
}
