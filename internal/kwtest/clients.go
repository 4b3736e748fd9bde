package kwtest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// AWSCLI is the AWS CLI from Debian's awscli package, which
// scripts/install-test-deps.sh installs; a pip-installed `aws` earlier on
// PATH is deliberately not used.
const AWSCLI = "/usr/bin/aws"

// Output is what a client program printed and its exit status.
type Output struct {
	Stdout, Stderr string
	Code           int
}

// RunClient runs a client program (the AWS CLI, a boto3 script) in env;
// the AWS CLI's command lines run in a Python process of the package's
// (see runAWSCLI), as /usr/bin/aws runs them.
// A program that cannot be started fails the test with exit status -1; it
// may run in a goroutine of the test's.
func RunClient(t testing.TB, env []string, name string, args ...string) Output {
	t.Helper()
	if name == AWSCLI {
		// In a process already started (see runAWSCLI).
		res, err := runAWSCLI(env, args)
		if err != nil {
			t.Errorf("running %s: %v", name, err)
			res.Code = -1
		}
		return res
	}
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	res := Output{Stdout: out.String(), Stderr: errOut.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.Code = ee.ExitCode()
	} else if err != nil {
		t.Errorf("running %s: %v", name, err)
		res.Code = -1
	}
	return res
}

// ClientEnv is the environment of an AWS client program against the API
// at url (KEYWARD_URL, for the scripts), signing with the root key: a home
// of its own with no configuration files, no instance metadata, no pager.
// Debian's AWS CLI predates AWS_ENDPOINT_URL: its command lines take
// --endpoint-url.
func ClientEnv(t testing.TB, url string) []string {
	t.Helper()
	home := t.TempDir()
	return []string{
		"HOME=" + home, "PATH=/usr/bin:/bin", "KEYWARD_URL=" + url,
		"AWS_ACCESS_KEY_ID=" + RootKeyID, "AWS_SECRET_ACCESS_KEY=" + RootSecret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true",
	}
}

// NeedClients fails the test at once when the AWS CLI or boto3 is
// missing, rather than letting a client's loop fail slowly.
func NeedClients(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(AWSCLI); err != nil {
		t.Fatalf("the AWS CLI from Debian's awscli package is needed (scripts/install-test-deps.sh installs it): %v", err)
	}
	if res := RunClient(t, []string{"PATH=/usr/bin:/bin"}, "/usr/bin/python3", "-c", "import boto3"); res.Code != 0 {
		t.Fatalf("boto3 from Debian's python3-boto3 package is needed (scripts/install-test-deps.sh installs it): exit %d\n%s", res.Code, res.Stderr)
	}
}
