package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/cli"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestCLIKeysCreateExpiring: keyward keys create prints the AWS CLI's
// create-access-key JSON, with Expiration when --expires-in is given;
// keys list and keys find show the date; past it the key is refused.
func TestCLIKeysCreateExpiring(t *testing.T) {
	ts := newAPIServer(t)
	ctx := context.Background()
	_, err := ts.RootIAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci")})
	must(t, err)
	now := time.Now()
	code, out, errOut := runCLI(t, ts, now, "keys", "create", "--user-name", "ci", "--expires-in", "30d")
	if code != 0 {
		t.Fatalf("keys create: %d %s", code, errOut)
	}
	shape := regexp.MustCompile(`^\{\n    "AccessKey": \{\n        "UserName": "ci",\n        "AccessKeyId": "AKIA[A-Z2-7]{16}",\n        "Status": "Active",\n` +
		`        "SecretAccessKey": "[A-Za-z0-9/+]{40}",\n        "CreateDate": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00",\n` +
		`        "Expiration": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"\n    \}\n\}\n$`)
	if !shape.MatchString(out) {
		t.Fatalf("keys create printed:\n%s", out)
	}
	var created struct{ AccessKey map[string]string }
	must(t, json.Unmarshal([]byte(out), &created))
	k := created.AccessKey
	at, err := time.Parse("2006-01-02T15:04:05+00:00", k["CreateDate"])
	must(t, err)
	exp, err := time.Parse("2006-01-02T15:04:05+00:00", k["Expiration"])
	must(t, err)
	if exp.Sub(at) != 30*24*time.Hour {
		t.Fatalf("expires %v after creation", exp.Sub(at))
	}

	code, out, _ = runCLI(t, ts, now, "keys", "list", "--output", "json")
	if code != 0 || !strings.Contains(out, `"Expiration": "`+exp.Format(time.RFC3339)+`"`) {
		t.Fatalf("keys list: %d %s", code, out)
	}
	code, out, _ = runCLI(t, ts, now, "keys", "find", k["AccessKeyId"])
	if code != 0 || !strings.Contains(out, "Expires") || !strings.Contains(out, k["AccessKeyId"]) || !strings.Contains(out, exp.Format("2006-01-02T15:04:05")) {
		t.Fatalf("keys find: %d %s", code, out)
	}
	// Without --expires-in, the AWS CLI's JSON as it is.
	code, out, _ = runCLI(t, ts, now, "keys", "create", "--user-name", "ci")
	if code != 0 || strings.Contains(out, "Expiration") || !strings.Contains(out, `"Status": "Active"`) {
		t.Fatalf("keys create without expiry: %d %s", code, out)
	}
	// Refused at the moment it expires (the server's clock).
	caller := sts.NewFromConfig(ts.Config(k["AccessKeyId"], k["SecretAccessKey"], ""))
	_, err = caller.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	ts.Clock.Add(30 * 24 * time.Hour)
	if _, err = caller.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil || !strings.Contains(err.Error(), "InvalidClientTokenId") {
		t.Fatalf("an expired key signed: %v", err)
	}
	for _, bad := range []string{"30s", "0d", "soon", "-1d"} {
		code, _, errOut = runCLI(t, ts, now, "keys", "create", "--user-name", "ci", "--expires-in", bad)
		if code != cli.ExitUsage || !strings.Contains(errOut, "--expires-in") {
			t.Fatalf("--expires-in %s: %d %s", bad, code, errOut)
		}
	}
}

// TestCLIKeysPolicy: put, get (JSON), delete, and the errors as the AWS
// CLI prints them.
func TestCLIKeysPolicy(t *testing.T) {
	ts := newAPIServer(t)
	now := time.Now()
	code, _, errOut := runCLI(t, ts, now, "keys", "policy", "get")
	if code != cli.ExitServiceError || !strings.Contains(errOut, "An error occurred (NoSuchEntity) when calling the GetAccessKeyPolicy operation") {
		t.Fatalf("get without a policy: %d %s", code, errOut)
	}
	code, out, errOut := runCLI(t, ts, now, "keys", "policy", "put", "--max-age", "90d", "--warn", "14d", "--unused", "45d", "--delete-inactive", "30d", "--report-only")
	if code != 0 {
		t.Fatalf("put: %d %s", code, errOut)
	}
	code, got, errOut := runCLI(t, ts, now, "keys", "policy", "get")
	if code != 0 || got != out {
		t.Fatalf("get: %d %s %s (put printed %s)", code, got, errOut, out)
	}
	var p struct {
		AccessKeyPolicy struct {
			MaxAge, Unused, DeleteInactive struct {
				After      string
				ReportOnly bool
			}
			Warn string
		}
	}
	must(t, json.Unmarshal([]byte(got), &p))
	if r := p.AccessKeyPolicy; r.MaxAge.After != "90d" || r.Warn != "14d" || r.Unused.After != "45d" || r.DeleteInactive.After != "30d" ||
		!r.MaxAge.ReportOnly || !r.Unused.ReportOnly || !r.DeleteInactive.ReportOnly {
		t.Fatalf("policy: %+v", r)
	}
	code, _, errOut = runCLI(t, ts, now, "keys", "policy", "put", "--max-age", "ninety")
	if code != cli.ExitServiceError || !strings.Contains(errOut, "(ValidationError)") {
		t.Fatalf("a bad duration: %d %s", code, errOut)
	}
	if code, _, errOut = runCLI(t, ts, now, "keys", "policy", "delete"); code != 0 {
		t.Fatalf("delete: %d %s", code, errOut)
	}
	if code, _, _ = runCLI(t, ts, now, "keys", "policy", "get"); code != cli.ExitServiceError {
		t.Fatalf("get after delete: %d", code)
	}
}

// TestCLIEventsSayWhyAKeyStopped: once the sweep deactivates an expired
// key, keyward events names the key, the reason and the principal that
// did it.
func TestCLIEventsSayWhyAKeyStopped(t *testing.T) {
	ts := newAPIServer(t)
	ctx := ts.RootContext()
	_, err := ts.IAM.CreateUser(ctx, "ci", "/", nil)
	must(t, err)
	key, _, err := ts.IAM.CreateExpiringAccessKey(ctx, "ci", "", time.Hour)
	must(t, err)
	ts.Clock.Add(time.Hour + 30*time.Second)
	_, err = ts.Lifecycle.Run(context.Background())
	must(t, err)
	must(t, ts.Audit.Flush(context.Background()))
	code, out, errOut := runCLI(t, ts, time.Now(), "events", "--user", "ci", "--name", "UpdateAccessKey")
	if code != 0 {
		t.Fatalf("events: %d %s", code, errOut)
	}
	var got struct{ Events []map[string]any }
	must(t, json.Unmarshal([]byte(out), &got))
	if len(got.Events) != 1 {
		t.Fatalf("events: %s", out)
	}
	e := got.Events[0]
	params, _ := e["requestParameters"].(map[string]any)
	who, _ := e["userIdentity"].(map[string]any)
	if params["accessKeyId"] != key.ID || params["reason"] != "expired" || params["status"] != "Inactive" ||
		who["type"] != "AWSService" || who["invokedBy"] != "keyward.key-lifecycle" {
		t.Fatalf("event: %v", e)
	}
	code, out, _ = runCLI(t, ts, time.Now(), "events", "--user", "ci", "--output", "table")
	if code != 0 || !strings.Contains(out, "keyward.key-lifecycle") {
		t.Fatalf("events as a table: %d %s", code, out)
	}
}

// TestAWSCLIAndExpiringKeys: keyward keys create prints what Debian's
// AWS CLI prints for create-access-key, member for member, Expiration
// added; the AWS CLI signing with the expiring key is answered until the
// key expires and refused from then (the server's clock moves, the CLI
// signs with the real one).
func TestAWSCLIAndExpiringKeys(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("the AWS CLI from Debian's awscli package is needed (scripts/install-test-deps.sh installs it): %v", err)
	}
	ts := newAPIServer(t)
	_, err := ts.RootIAM().CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("ci")})
	must(t, err)
	awsRun := func(id, secret string, args ...string) (int, string, string) {
		env := []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin", "AWS_ACCESS_KEY_ID=" + id, "AWS_SECRET_ACCESS_KEY=" + secret,
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}
		out := kwtest.RunClient(t, env, awsCLI, append([]string{"--endpoint-url", ts.URL}, args...)...)
		if out.Code == -1 {
			t.FailNow()
		}
		return out.Code, out.Stdout, out.Stderr
	}
	values := regexp.MustCompile(`": "[^"]*"`)
	code, theirs, errOut := awsRun(kwtest.RootKeyID, kwtest.RootSecret, "iam", "create-access-key", "--user-name", "ci")
	if code != 0 {
		t.Fatalf("aws iam create-access-key: %d %s", code, errOut)
	}
	now := time.Now()
	code, ours, errOut := runCLI(t, ts, now, "keys", "create", "--user-name", "ci", "--expires-in", "90m")
	if code != 0 {
		t.Fatalf("keyward keys create: %d %s", code, errOut)
	}
	want := strings.Replace(values.ReplaceAllString(theirs, `": "…"`), `"CreateDate": "…"`, `"CreateDate": "…",`+"\n"+`        "Expiration": "…"`, 1)
	if got := values.ReplaceAllString(ours, `": "…"`); got != want {
		t.Fatalf("keyward keys create printed\n%s\nthe AWS CLI's, Expiration added, is\n%s", got, want)
	}
	var created struct{ AccessKey map[string]string }
	must(t, json.Unmarshal([]byte(ours), &created))
	id, secret := created.AccessKey["AccessKeyId"], created.AccessKey["SecretAccessKey"]
	if code, out, errOut := awsRun(id, secret, "sts", "get-caller-identity"); code != 0 || !strings.Contains(out, "user/ci") {
		t.Fatalf("before the expiry: %d %s %s", code, out, errOut)
	}
	ts.Clock.Add(90 * time.Minute)
	code, _, errOut = awsRun(id, secret, "sts", "get-caller-identity")
	if code != 254 || !strings.Contains(errOut, "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation") {
		t.Fatalf("after the expiry: %d %s", code, errOut)
	}
	code, out, errOut := awsRun(kwtest.RootKeyID, kwtest.RootSecret, "iam", "list-access-keys", "--user-name", "ci")
	if code != 0 || !strings.Contains(out, `"AccessKeyId": "`+id+`",`+"\n"+`            "Status": "Inactive"`) {
		t.Fatalf("aws iam list-access-keys: %d %s %s", code, out, errOut)
	}
}
