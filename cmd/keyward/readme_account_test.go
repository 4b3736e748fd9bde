package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEExamplesUseTheAccountID runs the README's role and MFA
// examples with Debian's AWS CLI against a server whose account is not the
// 123456789012 they used to name: the account ID is asked of the server,
// and the profile they write names it, with nothing after the ARNs.
func TestREADMEExamplesUseTheAccountID(t *testing.T) {
	t.Parallel()
	const account = "210987654321"
	block := readmeBlock(t, "sts get-caller-identity --query Account --output text")
	var script []string
	lines := strings.Split(block, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "ACCOUNT="):
			script = append(script, line)
		case strings.Contains(line, "~/.aws/config <<"):
			for ; i < len(lines); i++ { // the heredoc, to its end
				script = append(script, lines[i])
				if lines[i] == "CFG" {
					break
				}
			}
		}
	}
	if len(script) < 2 {
		t.Fatalf("the README's example asks for the account ID but writes no profile with it:\n%s", block)
	}
	// Every ARN of the examples names the account so asked for.
	for _, arn := range regexp.MustCompile(`arn:aws:iam::[^:\s]*:`).FindAllString(block, -1) {
		if arn != "arn:aws:iam::$ACCOUNT:" {
			t.Errorf("the README's example names %s, not the account asked for", arn)
		}
	}

	ts := startServerWith(t, "", func(m *Main) { m.Config.AccountID = account })
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_ACCESS_KEY_ID=" + rootKeyID, "AWS_SECRET_ACCESS_KEY=" + rootSecret,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true"}
	run := strings.ReplaceAll(strings.Join(script, "\n"), "http://127.0.0.1:8080", ts.URL) + `
printf '%s\n' "$ACCOUNT"
`
	res := runCommand(t, env, "/bin/sh", "-ec", run)
	if res.code != 0 {
		t.Fatalf("the README's example: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res.stdout != account+"\n" {
		t.Fatalf("the README's example finds the account %q, want %s", res.stdout, account)
	}
	// The profile as the CLI reads it: botocore takes a value to the end of
	// its line, a comment after it included.
	config, err := os.ReadFile(filepath.Join(home, ".aws", "config"))
	if err != nil {
		t.Fatal(err)
	}
	profile := map[string]string{}
	for _, line := range strings.Split(string(config), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			profile[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	for k, want := range map[string]string{"role_arn": "arn:aws:iam::" + account + ":role/deploy", "mfa_serial": "arn:aws:iam::" + account + ":mfa/alice"} {
		if profile[k] != want {
			t.Errorf("the README's profile has %s = %q, want %q", k, profile[k], want)
		}
	}
}

// readmeBlock returns the README's fenced code block that contains text,
// or the one in docs/ where the README's examples may be moved.
func readmeBlock(t *testing.T, text string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	for _, f := range append([]string{filepath.Join("..", "..", "README.md")}, files...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(string(b), "```")
		for i := 1; i < len(parts); i += 2 {
			if strings.Contains(parts[i], text) {
				return parts[i]
			}
		}
	}
	t.Fatalf("no code block of the README or docs/ shows %q", text)
	return ""
}
