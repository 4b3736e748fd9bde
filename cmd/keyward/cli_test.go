package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/cli"
)

// cliEnv is the environment both command lines run in: the root key, no
// configuration files, no instance metadata.
func cliEnv(t *testing.T, ts *testServer) []string {
	home := t.TempDir()
	return []string{"HOME=" + home, "PATH=/usr/bin:/bin",
		"AWS_ACCESS_KEY_ID=" + rootKeyID, "AWS_SECRET_ACCESS_KEY=" + rootSecret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL=" + ts.URL}
}

// keywardCLI runs the keyward binary's command line.
func keywardCLI(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	return runCommand(t, env, binary(t), args...)
}

func TestCLIHelpAndCompletion(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	for _, args := range [][]string{{"--help"}, {"iam", "help"}, {"keys", "rotate", "--help"}, {"completion", "bash"}} {
		r := keywardCLI(t, []string{"HOME=" + t.TempDir()}, args...)
		if r.code != 0 || r.stdout == "" {
			t.Fatalf("keyward %v: %d %s", args, r.code, r.stderr)
		}
	}
	r := keywardCLI(t, []string{"HOME=" + t.TempDir()}, "keys", "rotate", "--help")
	if !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "--finish") {
		t.Fatalf("rotate help: %s", r.stdout)
	}
	r = keywardCLI(t, []string{"HOME=" + t.TempDir()}, "completion", "bash")
	script := filepath.Join(t.TempDir(), "completion.bash")
	must(t, os.WriteFile(script, []byte(r.stdout), 0o644))
	out, err := exec.Command("bash", "-c", `source `+script+`; COMP_WORDS=(keyward keys ro); COMP_CWORD=2; _keyward && echo "${COMPREPLY[@]}"`).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "rotate" {
		t.Fatalf("completion: %v %q", err, out)
	}
}

// TestCLIProfiles resolves credentials from ~/.aws/credentials and a
// profile, as the AWS CLI does, and the binary dispatches keyward iam to
// the command line: its usage errors and its table output. How the
// command line compares with the AWS CLI is package cli's
// (TestMatchesAWSCLI, TestMatchesAWSCLIAcrossCalls).
func TestCLIProfiles(t *testing.T) {
	t.Parallel() // its own server and processes
	ts := startServerWith(t, "", cheapPasswords)
	home := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(home, ".aws"), 0o700))
	must(t, os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[keyward]\naws_access_key_id = "+rootKeyID+"\naws_secret_access_key = "+rootSecret+"\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile keyward]\nregion = eu-north-1\n"), 0o600))
	env := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED=true"}
	r := keywardCLI(t, env, "--profile", "keyward", "--endpoint-url", ts.URL, "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "arn:aws:iam::123456789012:root" {
		t.Fatalf("with a profile: %d %q %s", r.code, r.stdout, r.stderr)
	}
	// The profile's region signed the request.
	last, err := ts.IAM.AccessKeyLastUsed(keyward.Internal(context.Background()), rootKeyID)
	must(t, err)
	if last.LastUsed.Region != "eu-north-1" {
		t.Fatalf("signed for %s", last.LastUsed.Region)
	}
	// No credentials at all: the AWS CLI's words and exit status.
	r = keywardCLI(t, []string{"HOME=" + t.TempDir(), "AWS_EC2_METADATA_DISABLED=true"}, "--endpoint-url", ts.URL, "sts", "get-caller-identity")
	if r.code != cli.ExitConfig || !strings.Contains(r.stderr, "Unable to locate credentials") {
		t.Fatalf("without credentials: %d %s", r.code, r.stderr)
	}

	// Options the AWS CLI does not know are refused the same way (252).
	env = cliEnv(t, ts)
	if r := keywardCLI(t, env, "iam", "list-users", "--no-such-option", "x"); r.code != cli.ExitUsage {
		t.Fatalf("unknown option: %d %s", r.code, r.stderr)
	}
	if r := keywardCLI(t, env, "iam", "delete-user"); r.code != cli.ExitUsage || !strings.Contains(r.stderr, "the following arguments are required: --user-name") {
		t.Fatalf("missing option: %d %s", r.code, r.stderr)
	}
	// And the table output draws the users.
	_, err = ts.rootIAM().CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("viakw")})
	must(t, err)
	if r := keywardCLI(t, env, "iam", "list-users", "--output", "table"); r.code != 0 || !strings.Contains(r.stdout, "ListUsers") || !strings.Contains(r.stdout, "viakw") {
		t.Fatalf("table output: %s %s", r.stdout, r.stderr)
	}
}
