package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward/cli"
	"github.com/keyward/keyward/internal/kwtest"
)

func runKW(t *testing.T, url string, args ...string) result {
	t.Helper()
	b := &both{url: url}
	return b.kw(t, args...)
}

// TestHelpFromTheModel: the service's help lists every operation, an
// operation's help is its documentation without HTML, its synopsis and
// its options with their syntax.
func TestHelpFromTheModel(t *testing.T) {
	r := runKW(t, "http://127.0.0.1:1", "iam", "help")
	if r.code != 0 || strings.Count(r.stdout, "\n       o ") != 158 || !strings.Contains(r.stdout, "o list-mfa-devices") {
		t.Fatalf("iam help: %d commands listed\n%s", strings.Count(r.stdout, "\n       o "), r.stdout)
	}
	if r := runKW(t, "http://127.0.0.1:1", "sts", "help"); strings.Count(r.stdout, "\n       o ") != 8 {
		t.Fatalf("sts help:\n%s", r.stdout)
	}
	if r := runKW(t, "http://127.0.0.1:1", "iam", "get-user", "--help"); r.code != 0 || !strings.Contains(r.stdout, "NAME\n       get-user -") {
		t.Fatalf("get-user --help: %d %s", r.code, r.stderr)
	}
	r = runKW(t, "http://127.0.0.1:1", "iam", "list-access-keys", "help")
	for _, want := range []string{"NAME\n       list-access-keys -", "Returns information about the access key IDs", "[--user-name <value>]",
		"--starting-token (string)", "list-access-keys is a paginated operation", "AccessKeyMetadata -> (list)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list-access-keys help lacks %q", want)
		}
	}
	if strings.Contains(r.stdout, "<p>") || strings.Contains(r.stdout, "<code>") || strings.Contains(r.stdout, "--marker") {
		t.Errorf("list-access-keys help has HTML or the hidden --marker:\n%s", r.stdout)
	}
	r = runKW(t, "http://127.0.0.1:1", "iam", "create-user", "help")
	for _, want := range []string{"--user-name <value>\n", "Shorthand Syntax:\n\n              Key=string,Value=string ...", "JSON Syntax:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("create-user help lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runKW(t, "http://127.0.0.1:1", "iam", "list-policies", "help")
	if !strings.Contains(r.stdout, "[--only-attached | --no-only-attached]") || !strings.Contains(r.stdout, "o LocalManagedPolicy") && !strings.Contains(r.stdout, "o Local") {
		t.Errorf("list-policies help:\n%s", r.stdout)
	}
}

// TestCompletionScripts runs the scripts in bash, zsh and fish.
func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"/usr/bin/bash", "/usr/bin/zsh", "/usr/bin/fish"} {
		if _, err := os.Stat(sh); err != nil {
			t.Fatalf("%s is needed (scripts/install-test-deps.sh installs it): %v", sh, err)
		}
	}
	dir := t.TempDir()
	script := func(shell string) string {
		r := runKW(t, "http://127.0.0.1:1", "completion", shell)
		if r.code != 0 {
			t.Fatalf("completion %s: %d %s", shell, r.code, r.stderr)
		}
		p := filepath.Join(dir, "keyward."+shell)
		if err := os.WriteFile(p, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bashScript, zshScript, fishScript := script("bash"), script("zsh"), script("fish")
	cases := []struct {
		words []string
		want  []string
	}{
		{[]string{"keyward", "ke"}, []string{"keys"}},
		{[]string{"keyward", "keys", "ro"}, []string{"rotate"}},
		{[]string{"keyward", "iam", "list-mfa"}, []string{"list-mfa-device-tags", "list-mfa-devices"}},
		{[]string{"keyward", "--output", "text", "iam", "upload-ssh"}, []string{"upload-ssh-public-key"}},
		{[]string{"keyward", "iam", "list-access-keys", "--us"}, []string{"--user-name"}},
		{[]string{"keyward", "iam", "update-access-key", "--status", ""}, []string{"Active", "Inactive"}},
		{[]string{"keyward", "iam", "get-account-authorization-details", "--filter", "Lo"}, []string{"LocalManagedPolicy"}},
		{[]string{"keyward", "sts", "assume-role", "--role-s"}, []string{"--role-session-name"}},
		{[]string{"keyward", "iam", "create-virtual-mfa-device", "--bootstrap-method", ""}, []string{"Base32StringSeed", "QRCodePNG"}},
	}
	quote := func(words []string) string {
		var q []string
		for _, w := range words {
			q = append(q, "'"+w+"'")
		}
		return strings.Join(q, " ")
	}
	// One process a shell runs every case, each output after a marker.
	var bashCases, fishCases strings.Builder
	for i, c := range cases {
		fmt.Fprintf(&bashCases, "echo '=== %d'; COMP_WORDS=(%s); COMP_CWORD=%d; _keyward; printf '%%s\\n' \"${COMPREPLY[@]}\"\n", i, quote(c.words), len(c.words)-1)
		fmt.Fprintf(&fishCases, "echo '=== %d'; complete -C %s\n", i, shellQuote(strings.Join(c.words, " ")))
	}
	outputs := map[string]string{
		"bash": run(t, "/usr/bin/bash", "-c", "source "+bashScript+"\n"+bashCases.String()),
		// zsh runs bash completions in sh emulation (0-based arrays)
		"zsh":  run(t, "/usr/bin/zsh", "-c", "source "+zshScript+"\nemulate sh -c "+shellQuote(bashCases.String())),
		"fish": run(t, "/usr/bin/fish", "-c", "source "+fishScript+"\n"+fishCases.String()),
	}
	for shell, out := range outputs {
		parts := regexp.MustCompile(`(?m)^=== \d+\n`).Split(out, -1)
		if len(parts) != len(cases)+1 {
			t.Fatalf("%s: %d outputs for %d cases:\n%s", shell, len(parts)-1, len(cases), out)
		}
		for i, c := range cases {
			lines := map[string]bool{}
			for _, l := range strings.Split(strings.TrimSpace(parts[i+1]), "\n") {
				if l != "" {
					lines[strings.SplitN(l, "\t", 2)[0]] = true
				}
			}
			for _, w := range c.want {
				if !lines[w] {
					t.Errorf("%s completion of %v lacks %s: %q", shell, c.words, w, parts[i+1])
				}
			}
			if shell != "zsh" && len(lines) != len(c.want) {
				// zsh filters by prefix itself, after compgen
				t.Errorf("%s completion of %v: %q, want %v", shell, c.words, parts[i+1], c.want)
			}
		}
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// TestDebugHidesSecrets: --debug logs the requests and responses as the
// AWS CLI does, without the secrets in them.
func TestDebugHidesSecrets(t *testing.T) {
	k := kwtest.New(t)
	if r := runKW(t, k.URL, "iam", "create-user", "--user-name", "dee"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := runKW(t, k.URL, "--debug", "iam", "create-access-key", "--user-name", "dee", "--query", "AccessKey.SecretAccessKey", "--output", "text")
	secret := strings.TrimSpace(r.stdout)
	if r.code != 0 || len(secret) != 40 {
		t.Fatalf("create-access-key --debug: %d %q", r.code, r.stdout)
	}
	for _, want := range []string{"awscli.clidriver - DEBUG - Arguments entered to CLI: ['--endpoint-url'",
		"botocore.endpoint - DEBUG - Making request for OperationModel(name=CreateAccessKey) with params: {",
		"'body': {'UserName': 'dee'}", "botocore.parsers - DEBUG - Response body:", "<SecretAccessKey>***</SecretAccessKey>", "Signature=***"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("debug log lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, secret) || strings.Contains(r.stderr, kwtest.RootSecret) {
		t.Fatalf("a secret in the debug log:\n%s", r.stderr)
	}
	// And a session's, which STS's model does not mark sensitive.
	r = runKW(t, k.URL, "--debug", "sts", "get-session-token", "--query", "Credentials.[SecretAccessKey,SessionToken]", "--output", "text")
	fields := strings.Fields(r.stdout)
	if r.code != 0 || len(fields) != 2 || strings.Contains(r.stderr, fields[0]) || strings.Contains(r.stderr, fields[1]) {
		t.Fatalf("get-session-token --debug: %d %q\n%s", r.code, r.stdout, r.stderr)
	}
	// A password sent is hidden too.
	r = runKW(t, k.URL, "--debug", "iam", "create-login-profile", "--user-name", "dee", "--password", "Correct-Horse-1-battery")
	if r.code != 0 || strings.Contains(r.stderr, "Correct-Horse") || !strings.Contains(r.stderr, "'Password': '***'") {
		t.Fatalf("create-login-profile --debug: %d\n%s", r.code, r.stderr)
	}
}

// TestVirtualMFASeedFile: as the AWS CLI, create-virtual-mfa-device
// writes the chosen seed to --outfile and prints neither; keyward makes
// the file readable by its owner only.
func TestVirtualMFASeedFile(t *testing.T) {
	k := kwtest.New(t)
	out := filepath.Join(t.TempDir(), "seed.txt")
	r := runKW(t, k.URL, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "phone", "--outfile", out, "--bootstrap-method", "Base32StringSeed")
	if r.code != 0 || strings.Contains(r.stdout, "Base32StringSeed") || strings.Contains(r.stdout, "QRCodePNG") || !strings.Contains(r.stdout, "mfa/phone") {
		t.Fatalf("create-virtual-mfa-device: %d %s %s", r.code, r.stdout, r.stderr)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := os.ReadFile(out)
	if fi.Mode().Perm() != 0o600 || !regexp.MustCompile(`^[A-Z2-7]{64}$`).Match(seed) {
		t.Fatalf("seed file %v %q", fi.Mode(), seed)
	}
}

// TestRetries: a throttled call is sent three times in all, after
// botocore's backoff, and the error says so.
func TestRetries(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>`))
	}))
	defer srv.Close()
	var delays []time.Duration
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), cli.Env{Args: []string{"--endpoint-url", srv.URL, "iam", "get-user"},
		Getenv: func(k string) string { return rootEnv[k] }, Stdout: &out, Stderr: &errOut,
		Sleep: func(_ context.Context, d time.Duration) error { delays = append(delays, d); return nil }})
	if code != cli.ExitServiceError || calls.Load() != 3 || errOut.String() != "\nAn error occurred (Throttling) when calling the GetUser operation (reached max retries: 2): Rate exceeded\n" {
		t.Fatalf("%d after %d calls: %q", code, calls.Load(), errOut.String())
	}
	if len(delays) != 2 || delays[0] > time.Second || delays[1] > 2*time.Second {
		t.Fatalf("delays %v", delays)
	}
	// A refusal is not retried.
	calls.Store(0)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>`))
	})
	errOut.Reset()
	code = cli.Run(context.Background(), cli.Env{Args: []string{"--endpoint-url", srv.URL, "iam", "get-user"},
		Getenv: func(k string) string { return rootEnv[k] }, Stdout: &out, Stderr: &errOut})
	if code != cli.ExitServiceError || calls.Load() != 1 || errOut.String() != "\nAn error occurred (AccessDenied) when calling the GetUser operation: no\n" {
		t.Fatalf("%d after %d calls: %q", code, calls.Load(), errOut.String())
	}
}

// TestNegativeMaxItems: botocore slices with Python's negative indices, so
// --max-items -1 shows all but the last item, and resumes from there.
func TestNegativeMaxItems(t *testing.T) {
	k := kwtest.New(t)
	for _, u := range []string{"ann", "ben", "cal"} {
		if r := runKW(t, k.URL, "iam", "create-user", "--user-name", u, "--path", "/neg/"); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	r := runKW(t, k.URL, "iam", "list-users", "--path-prefix", "/neg/", "--max-items", "-1", "--query", "[join(' ', Users[].UserName), NextToken]", "--output", "json")
	var got []string
	if err := json.Unmarshal([]byte(r.stdout), &got); r.code != 0 || err != nil || len(got) != 2 || got[0] != "ann ben" {
		t.Fatalf("--max-items -1: %d %q %s", r.code, r.stdout, r.stderr)
	}
	r = runKW(t, k.URL, "iam", "list-users", "--path-prefix", "/neg/", "--starting-token", got[1], "--query", "Users[].UserName", "--output", "text")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "cal" {
		t.Fatalf("resumed: %d %q %s", r.code, r.stdout, r.stderr)
	}
}
