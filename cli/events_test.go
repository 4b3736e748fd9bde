package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/keyward/keyward/cli"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestEventsCommand: `keyward events` prints the audit trail's events as
// JSON or a table, filtered by user, time and event name at once.
func TestEventsCommand(t *testing.T) {
	k := kwtest.New(t)
	ctx := context.Background()
	root := k.RootIAM()
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	var ae smithy.APIError
	if _, err := k.IAMClient(id, secret).DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")}); !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("alice's DeleteUser: %v", err)
	}
	for _, status := range []string{"Inactive", "Active"} {
		if _, err := root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(id), Status: types.StatusType(status)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.Audit.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": kwtest.RootKeyID, "AWS_SECRET_ACCESS_KEY": kwtest.RootSecret,
		"AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": k.URL}
	for name, v := range env {
		t.Setenv(name, v) // the SDK reads credentials from the process's environment
	}
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Run(context.Background(), cli.Env{Args: args, Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: &errOut,
			Now: time.Now})
		return code, out.String(), errOut.String()
	}

	code, out, errOut := run("events", "--user", "alice", "--since", "1h", "--output", "json")
	if code != 0 || !strings.Contains(out, `"eventName": "CreateAccessKey"`) {
		t.Fatalf("keyward events: %d %s\n%s", code, errOut, out)
	}
	code, out, _ = run("events", "--name", "DeleteUser", "--output", "table")
	if code != 0 || !strings.Contains(out, "DeleteUser") || !strings.Contains(out, "AccessDenied") {
		t.Fatalf("keyward events --output table: %d\n%s", code, out)
	}
	// The issue's own example: a user, a time and an event name at once.
	code, out, errOut = run("events", "--user", "alice", "--since", "24h", "--name", "UpdateAccessKey")
	var got struct{ Events []struct{ EventName string } }
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got.Events) != 2 {
		t.Fatalf("keyward events --user --since --name: %d %s\n%s", code, errOut, out)
	}
	for _, e := range got.Events {
		if e.EventName != "UpdateAccessKey" {
			t.Fatalf("an event of another name: %+v", e)
		}
	}
}
