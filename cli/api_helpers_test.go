package cli_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/cli"
	"github.com/keyward/keyward/internal/kwtest"
)

// must is kwtest's, under the name the tests here call.
var must = kwtest.Must

// The tests of keyward's own commands (keys, events) against the Query
// API, with the AWS SDK beside them to set up and check, share these
// helpers.

// apiServer is a Keyward on a clock the test moves, with the Query API in
// front of it.
type apiServer = kwtest.Server

func newAPIServer(t *testing.T) *apiServer {
	t.Helper()
	return newAPIServerWith(t, kwtest.Options{})
}

// newAPIServerWith is newAPIServer with options; the clock is its own.
func newAPIServerWith(t *testing.T, o kwtest.Options) *apiServer {
	t.Helper()
	return kwtest.NewServer(t, o)
}

// cliEnv is the environment of the command line: the root key, the API's
// URL, a home of its own.
func cliEnv(t *testing.T, ts *apiServer) []string {
	home := t.TempDir()
	return []string{"HOME=" + home, "PATH=/usr/bin:/bin",
		"AWS_ACCESS_KEY_ID=" + kwtest.RootKeyID, "AWS_SECRET_ACCESS_KEY=" + kwtest.RootSecret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL=" + ts.URL}
}

// runCLI runs the command line in-process, with the root key and a clock
// the test sets.
func runCLI(t *testing.T, ts *apiServer, now time.Time, args ...string) (int, string, string) {
	t.Helper()
	for _, kv := range cliEnv(t, ts) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), cli.Env{Args: args, Getenv: os.Getenv, Stdout: &out, Stderr: &errOut, Now: func() time.Time { return now }})
	return code, out.String(), errOut.String()
}

// createUserKey is the helper every feature package's tests share.
var createUserKey = kwtest.CreateUserKey
