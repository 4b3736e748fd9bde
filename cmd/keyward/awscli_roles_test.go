package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/internal/kwtest"
)

// totpCode is the code an authenticator app shows for seed at t: made by
// a TOTP library nobody here wrote.
var totpCode = kwtest.TOTPCode

// cliDataPath makes a botocore data directory that sends the AWS CLI's STS
// and IAM calls to url: Debian's CLI (2.9) predates AWS_ENDPOINT_URL, and
// the STS client it makes itself to assume a profile's role takes no
// --endpoint-url. An endpoint rule set under AWS_DATA_PATH is botocore's
// own way to name an endpoint for a service.
func cliDataPath(t *testing.T, url string) string {
	t.Helper()
	dir := t.TempDir()
	ruleSet := `{"version":"1.0","parameters":{
"Region":{"builtIn":"AWS::Region","required":false,"documentation":"region","type":"String"},
"UseDualStack":{"builtIn":"AWS::UseDualStack","required":true,"default":false,"documentation":"dual-stack","type":"Boolean"},
"UseFIPS":{"builtIn":"AWS::UseFIPS","required":true,"default":false,"documentation":"FIPS","type":"Boolean"},
"Endpoint":{"builtIn":"SDK::Endpoint","required":false,"documentation":"endpoint","type":"String"},
"UseGlobalEndpoint":{"builtIn":"AWS::STS::UseGlobalEndpoint","required":true,"default":false,"documentation":"global","type":"Boolean"}},
"rules":[{"conditions":[],"type":"endpoint","endpoint":{"url":"` + url + `","properties":{},"headers":{}}}]}`
	for _, svc := range []string{"sts/2011-06-15", "iam/2010-05-08"} {
		must(t, os.MkdirAll(filepath.Join(dir, svc), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, svc, "endpoint-rule-set-1.json"), []byte(ruleSet), 0o644))
	}
	return dir
}

// cliHome writes an AWS CLI config and credentials file and returns the
// environment that uses them, all requests going to ts.
func cliHome(t *testing.T, ts *testServer, config, credentials string) []string {
	t.Helper()
	home := t.TempDir()
	must(t, os.WriteFile(filepath.Join(home, "config"), []byte(config), 0o600))
	must(t, os.WriteFile(filepath.Join(home, "credentials"), []byte(credentials), 0o600))
	return []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_DATA_PATH=" + cliDataPath(t, ts.URL), "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1"}
}

// callerARN runs `aws sts get-caller-identity` in env (stdin feeding any
// prompt) and returns the ARN it prints.
func callerARN(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	arn, err := callerIdentity(env, stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

// callerIdentity is callerARN for a goroutine of the test's: it returns
// what went wrong instead of failing the test.
func callerIdentity(env []string, stdin string, args ...string) (string, error) {
	cmd := exec.Command(awsCLI, append(args, "--output", "json", "sts", "get-caller-identity")...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	// No controlling terminal, so that the CLI's MFA prompt reads stdin.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("aws %s sts get-caller-identity: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	var id struct{ Arn string }
	if err := json.Unmarshal(out.Bytes(), &id); err != nil {
		return "", fmt.Errorf("aws %s sts get-caller-identity printed %q: %v", strings.Join(args, " "), out.String(), err)
	}
	return id.Arn, nil
}

// TestAWSCLIAssumeRoleProfile: Debian's AWS CLI assumes a role itself for
// a profile with role_arn and source_profile (and external_id), and for
// one with mfa_serial, prompting for the code; the commands then run as
// the role's session.
func TestAWSCLIAssumeRoleProfile(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", cheapPasswords)
	root := ts.rootIAM()
	ctx := context.Background()
	id, secret := createUserKey(t, root, "alice")
	aliceARN := "arn:aws:iam::" + accountID + ":user/alice"
	_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deploy"), AssumeRolePolicyDocument: trustDoc(
		`{"Effect":"Allow","Principal":{"AWS":"` + aliceARN + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x-42"}}}`)})
	must(t, err)
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("admin"), AssumeRolePolicyDocument: trustDoc(
		`{"Effect":"Allow","Principal":{"AWS":"` + aliceARN + `"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}`)})
	must(t, err)
	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deploy"), PolicyName: aws.String("list"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)})
	must(t, err)
	now := ts.Clock.Now()
	serial, seed := kwtest.EnableUserMFA(t, root, "alice", now)

	env := cliHome(t, ts, `[default]
region = us-east-1
[profile deploy]
role_arn = arn:aws:iam::`+accountID+`:role/deploy
source_profile = default
external_id = x-42
role_session_name = cli-deploy
[profile admin]
role_arn = arn:aws:iam::`+accountID+`:role/admin
source_profile = default
mfa_serial = `+serial+`
role_session_name = cli-admin
`, "[default]\naws_access_key_id = "+id+"\naws_secret_access_key = "+secret+"\n")

	// Each profile's first command line assumes its role itself, and they
	// run at once; the deploy profile's next two then share the CLI's cache
	// of its session (written by the first: not at once with it). The CLI
	// asks for the MFA code and sends it with AssumeRole.
	ts.Clock.Shift(30 * time.Second)
	code := totpCode(t, seed, ts.Clock.Now())
	// The cache's directory is made first: two CLIs making it at once
	// would race.
	for _, kv := range env {
		if home, ok := strings.CutPrefix(kv, "HOME="); ok {
			must(t, os.MkdirAll(filepath.Join(home, ".aws", "cli", "cache"), 0o700))
		}
	}
	var (
		asDefault, asDeploy, asAdmin    string
		errDefault, errDeploy, errAdmin error
		list, denied                    cliResult
	)
	concurrently(
		func() { asDefault, errDefault = callerIdentity(env, "") },
		func() { asDeploy, errDeploy = callerIdentity(env, "", "--profile", "deploy") },
		func() {
			list = runCommand(t, env, awsCLI, "--profile", "deploy", "--output", "json", "iam", "list-roles")
		},
		func() { denied = runCommand(t, env, awsCLI, "--profile", "deploy", "iam", "list-users") },
		func() { asAdmin, errAdmin = callerIdentity(env, code+"\n", "--profile", "admin") },
	)
	for _, err := range []error{errDefault, errDeploy, errAdmin} {
		must(t, err)
	}
	if asDefault != aliceARN {
		t.Fatalf("the default profile is %s", asDefault)
	}
	if asDeploy != "arn:aws:sts::"+accountID+":assumed-role/deploy/cli-deploy" {
		t.Fatalf("the deploy profile is %s", asDeploy)
	}
	if list.code != 0 || !strings.Contains(list.stdout, `"RoleName": "deploy"`) {
		t.Fatalf("list-roles as the deploy role: exit %d\n%s%s", list.code, list.stdout, list.stderr)
	}
	if denied.code == 0 || !strings.Contains(denied.stderr, "AccessDenied") || !strings.Contains(denied.stderr, "assumed-role/deploy/cli-deploy") {
		t.Fatalf("list-users as the deploy role: exit %d\n%s", denied.code, denied.stderr)
	}
	if asAdmin != "arn:aws:sts::"+accountID+":assumed-role/admin/cli-admin" {
		t.Fatalf("the admin profile is %s", asAdmin)
	}
}
