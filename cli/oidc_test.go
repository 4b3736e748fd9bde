package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/cli"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestCLIOIDCSignIn: keyward oidc put-sign-in, get-sign-in, list-sign-ins
// and delete-sign-in (or sign-in put, get, list and delete)
// perform Keyward's own actions against the server: the secret is read
// from its file and never printed, and the server's refusals are the AWS
// CLI's error lines and exit code.
func TestCLIOIDCSignIn(t *testing.T) {
	ts := newAPIServer(t)
	p, err := ts.IAM.CreateOIDCProvider(ts.RootContext(), "https://idp.example.com", []string{"console"}, nil, nil)
	must(t, err)
	const secret = "cli-client-secret-value"
	file := filepath.Join(t.TempDir(), "secret")
	must(t, os.WriteFile(file, []byte(secret+"\n"), 0o600))
	now := time.Now()
	role := "arn:aws:iam::" + kwtest.AccountID + ":role/Dev"

	code, out, errOut := runCLI(t, ts, now, "oidc", "sign-in", "put", "--provider-arn", p.ARN, "--client-id", "console",
		"--client-secret-file", file, "--name", "Example SSO", "--role", role, "--role", role+"2")
	if code != 0 || out != "" {
		t.Fatalf("put: %d %q %s", code, out, errOut)
	}
	si, err := ts.IAM.GetOIDCSignIn(ts.RootContext(), p.ARN)
	must(t, err)
	if si.Name != "Example SSO" || len(si.Roles) != 2 || !si.ClientSecretSet {
		t.Fatalf("stored %+v", si)
	}
	code, out, errOut = runCLI(t, ts, now, "oidc", "sign-in", "get", "--provider-arn", p.ARN)
	var got struct {
		OpenIDConnectSignIn struct {
			OpenIDConnectProviderArn, Url, ClientID, DisplayName string
			ClientSecretSet                                      bool
			RoleArns                                             []string
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.OpenIDConnectSignIn.Url != "idp.example.com" ||
		!got.OpenIDConnectSignIn.ClientSecretSet || len(got.OpenIDConnectSignIn.RoleArns) != 2 || strings.Contains(out, secret) {
		t.Fatalf("get: %d %s %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, ts, now, "oidc", "list-sign-ins")
	if code != 0 || !strings.Contains(out, `"DisplayName": "Example SSO"`) || strings.Contains(out, secret) {
		t.Fatalf("list: %d %s", code, out)
	}
	code, _, errOut = runCLI(t, ts, now, "oidc", "sign-in", "put", "--provider-arn", p.ARN, "--client-id", "other", "--name", "X")
	if code != cli.ExitServiceError || !strings.Contains(errOut, "An error occurred (InvalidInput) when calling the PutOpenIDConnectSignIn operation") {
		t.Fatalf("put with another client ID: %d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, ts, now, "oidc", "sign-in", "put", "--provider-arn", p.ARN, "--client-id", "console")
	if code != cli.ExitUsage || !strings.Contains(errOut, "--name") {
		t.Fatalf("put without --name: %d %s", code, errOut)
	}
	if code, _, errOut = runCLI(t, ts, now, "oidc", "delete-sign-in", "--provider-arn", p.ARN); code != 0 {
		t.Fatalf("delete: %d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, ts, now, "oidc", "sign-in", "get", "--provider-arn", p.ARN)
	if code != cli.ExitServiceError || !strings.Contains(errOut, "(NoSuchEntity)") {
		t.Fatalf("get after delete: %d %s", code, errOut)
	}
	if code, out, _ = runCLI(t, ts, now, "oidc", "sign-in", "list"); code != 0 || !strings.Contains(out, `"OpenIDConnectSignIns": []`) {
		t.Fatalf("list when none: %d %s", code, out)
	}
}
