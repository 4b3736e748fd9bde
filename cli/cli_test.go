package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyward/keyward/cli"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestCommands runs the package's command line against the Query API
// alone: JSON and table output, the commands the AWS CLI lacks, and the
// AWS CLI's exit statuses.
func TestCommands(t *testing.T) {
	k := kwtest.New(t)
	env := map[string]string{"AWS_ACCESS_KEY_ID": kwtest.RootKeyID, "AWS_SECRET_ACCESS_KEY": kwtest.RootSecret,
		"AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
		"AWS_EC2_METADATA_DISABLED": "true"}
	// The SDK reads credentials from the process's environment.
	for name, v := range env {
		t.Setenv(name, v)
	}
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Run(context.Background(), cli.Env{Args: append([]string{"--endpoint-url", k.URL}, args...),
			Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: &errOut})
		return code, out.String(), errOut.String()
	}
	if code, out, errOut := run("iam", "create-user", "--user-name", "cy"); code != cli.ExitOK || !strings.Contains(out, `"UserName": "cy"`) {
		t.Fatalf("create-user: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := run("iam", "create-access-key", "--user-name", "cy")
	var created struct{ AccessKey struct{ AccessKeyId string } }
	if code != cli.ExitOK || json.Unmarshal([]byte(out), &created) != nil || created.AccessKey.AccessKeyId == "" {
		t.Fatalf("create-access-key: %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := run("iam", "list-users", "--output", "table"); code != cli.ExitOK || !strings.Contains(out, "|  UserName   |  cy ") {
		t.Fatalf("list-users as a table: %d\n%s", code, out)
	}
	if code, out, _ := run("keys", "find", created.AccessKey.AccessKeyId); code != cli.ExitOK || !strings.Contains(out, "cy") {
		t.Fatalf("keys find: %d\n%s", code, out)
	}
	if code, out, _ := run("keys", "list", "--output", "csv"); code != cli.ExitOK || !strings.Contains(out, "cy,"+created.AccessKey.AccessKeyId+",Active") {
		t.Fatalf("keys list as CSV: %d\n%s", code, out)
	}
	if code, _, errOut := run("iam", "get-user", "--user-name", "nobody"); code != cli.ExitServiceError ||
		!strings.Contains(errOut, "An error occurred (NoSuchEntity) when calling the GetUser operation") {
		t.Fatalf("a service error: %d %s", code, errOut)
	}
	if code, _, _ := run("iam", "no-such-command"); code != cli.ExitUsage {
		t.Fatalf("a wrong command line: %d", code)
	}
}
