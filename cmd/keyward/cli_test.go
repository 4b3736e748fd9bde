package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
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

// awsCLIWith runs Debian's AWS CLI in env.
func awsCLIWith(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	// Debian's AWS CLI (2.9) predates AWS_ENDPOINT_URL: it needs the flag.
	endpoint := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "AWS_ENDPOINT_URL="); ok {
			endpoint = v
		}
	}
	return runCommand(t, env, awsCLI, append([]string{"--output", "json", "--endpoint-url", endpoint}, args...)...)
}

// shape is a JSON document's structure: its keys and the kinds of its
// values, not the values.
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			m[k] = shape(e)
		}
		return m
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{shape(x[0])}
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}

func decode(t *testing.T, what, s string) any {
	t.Helper()
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, s)
	}
	return v
}

// TestCLIMatchesAWSCLI makes the same calls with Debian's AWS CLI and with
// the keyward binary's command line and compares what they print: the
// same keys in the same shapes, the same error line, the same exit status.
// The families of IAM and STS are compared in package cli
// (TestMatchesAWSCLI, TestMatchesAWSCLIInput), in-process; these are what
// needs the server's state over several calls (last use, the credential
// report, keys deleted) and the binary's own dispatch.
func TestCLIMatchesAWSCLI(t *testing.T) {
	t.Parallel() // the AWS CLI and Python start slowly: overlap them with the other tests
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("the AWS CLI from Debian's awscli package is needed (make test installs it): %v", err)
	}
	// A new report on every Generate, so that both command lines see STARTED.
	ts := startServerWith(t, "", func(m *Main) { cheapPasswords(m); m.Config.ReportMaxAge = 0 })
	env := cliEnv(t, ts)
	pairs := []struct {
		name     string
		aws, kw  []string
		sameText bool // outputs equal to the letter, not only in shape
	}{
		{"get-access-key-last-used", []string{"iam", "get-access-key-last-used", "--access-key-id", rootKeyID}, []string{"iam", "get-access-key-last-used", "--access-key-id", rootKeyID}, false},
		{"generate-credential-report", []string{"iam", "generate-credential-report"}, []string{"iam", "generate-credential-report"}, true},
	}
	// A user for the table to draw.
	if _, err := ts.rootIAM().CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("viakw")}); err != nil {
		t.Fatal(err)
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			a := awsCLIWith(t, env, p.aws...)
			k := keywardCLI(t, env, p.kw...)
			if a.code != k.code {
				t.Fatalf("exit status: aws %d, keyward %d\naws: %s%s\nkeyward: %s%s", a.code, k.code, a.stdout, a.stderr, k.stdout, k.stderr)
			}
			if strings.TrimSpace(a.stderr) != strings.TrimSpace(k.stderr) && a.code != 0 {
				t.Fatalf("error line:\naws:     %q\nkeyward: %q", a.stderr, k.stderr)
			}
			if p.sameText && p.aws[len(p.aws)-1] == "text" {
				if a.stdout != k.stdout {
					t.Fatalf("text output:\naws:     %q\nkeyward: %q", a.stdout, k.stdout)
				}
				return
			}
			av, kv := decode(t, "aws", a.stdout), decode(t, "keyward", k.stdout)
			if p.sameText {
				if !reflect.DeepEqual(av, kv) {
					t.Fatalf("output differs:\naws:     %s\nkeyward: %s", a.stdout, k.stdout)
				}
				return
			}
			if !reflect.DeepEqual(shape(av), shape(kv)) {
				t.Fatalf("shapes differ:\naws:     %s\nkeyward: %s", a.stdout, k.stdout)
			}
		})
	}
	// The commands that print nothing on success: each CLI on keys of its own.
	api := ts.rootIAM()
	bg := context.Background()
	for _, tool := range []string{"aws", "keyward"} {
		user := "done-" + tool
		_, err := api.CreateUser(bg, &iam.CreateUserInput{UserName: aws.String(user)})
		must(t, err)
		k, err := api.CreateAccessKey(bg, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
		must(t, err)
		id := *k.AccessKey.AccessKeyId
		for _, args := range [][]string{
			{"iam", "update-access-key", "--user-name", user, "--access-key-id", id, "--status", "Inactive"},
			{"iam", "delete-access-key", "--user-name", user, "--access-key-id", id},
			{"iam", "delete-user", "--user-name", user},
		} {
			var r cliResult
			if tool == "aws" {
				r = awsCLIWith(t, env, args...)
			} else {
				r = keywardCLI(t, env, args...)
			}
			if r.code != 0 || r.stdout != "" || r.stderr != "" {
				t.Fatalf("%s %v: %d %q %q", tool, args, r.code, r.stdout, r.stderr)
			}
		}
		if _, err := api.GetUser(bg, &iam.GetUserInput{UserName: aws.String(user)}); err == nil {
			t.Fatalf("%s did not delete %s", tool, user)
		}
	}
	// The report once generated, both get the same document.
	ts.Reports.Wait()
	a := awsCLIWith(t, env, "iam", "get-credential-report")
	k := keywardCLI(t, env, "iam", "get-credential-report")
	if a.code != 0 || !reflect.DeepEqual(decode(t, "aws", a.stdout), decode(t, "keyward", k.stdout)) {
		t.Fatalf("get-credential-report:\naws: %s %s\nkeyward: %s %s", a.stdout, a.stderr, k.stdout, k.stderr)
	}
	// Options the AWS CLI does not know are refused the same way (252).
	if r := keywardCLI(t, env, "iam", "list-users", "--no-such-option", "x"); r.code != cli.ExitUsage {
		t.Fatalf("unknown option: %d %s", r.code, r.stderr)
	}
	if r := keywardCLI(t, env, "iam", "delete-user"); r.code != cli.ExitUsage || !strings.Contains(r.stderr, "the following arguments are required: --user-name") {
		t.Fatalf("missing option: %d %s", r.code, r.stderr)
	}
	// And the table output draws the users.
	if r := keywardCLI(t, env, "iam", "list-users", "--output", "table"); r.code != 0 || !strings.Contains(r.stdout, "ListUsers") || !strings.Contains(r.stdout, "viakw") {
		t.Fatalf("table output: %s %s", r.stdout, r.stderr)
	}
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
// profile, as the AWS CLI does.
func TestCLIProfiles(t *testing.T) {
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
}
