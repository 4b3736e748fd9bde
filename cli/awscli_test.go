package cli_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/keyward/keyward/cli"
	"github.com/keyward/keyward/internal/kwtest"
)

// awsCLI is the AWS CLI from Debian's awscli package, which
// scripts/install-test-deps.sh installs; an `aws` elsewhere on PATH is not
// the one the command line follows.
const awsCLI = kwtest.AWSCLI

// rootEnv is the environment both command lines run in: kwtest's root
// key, no configuration files, no instance metadata.
var rootEnv = map[string]string{
	"AWS_ACCESS_KEY_ID": kwtest.RootKeyID, "AWS_SECRET_ACCESS_KEY": kwtest.RootSecret,
	"AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
	"AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
}

// TestMain puts the root key in the process's environment, where
// aws-sdk-go-v2 reads credentials, once for every test of the package (so
// that they may run in parallel).
func TestMain(m *testing.M) {
	for k, v := range rootEnv {
		os.Setenv(k, v)
	}
	os.Exit(m.Run())
}

type result struct {
	stdout, stderr string
	code           int
}

// both runs a command line with Debian's AWS CLI and with keyward's
// against the same Keyward.
type both struct {
	url  string
	home string
}

func newBoth(t *testing.T) *both {
	t.Helper()
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("the AWS CLI from Debian's awscli package is needed (scripts/install-test-deps.sh installs it): %v", err)
	}
	k := kwtest.New(t)
	return &both{url: k.URL, home: t.TempDir()}
}

func (b *both) aws(t *testing.T, args ...string) result {
	t.Helper()
	env := []string{"HOME=" + b.home, "PATH=/usr/bin:/bin"}
	for k, v := range rootEnv {
		env = append(env, k+"="+v)
	}
	out := kwtest.RunClient(t, env, awsCLI, append([]string{"--endpoint-url", b.url}, args...)...)
	if out.Code == -1 {
		t.FailNow()
	}
	return result{stdout: out.Stdout, stderr: out.Stderr, code: out.Code}
}

func (b *both) kw(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), cli.Env{Args: append([]string{"--endpoint-url", b.url}, args...),
		Getenv: func(k string) string { return rootEnv[k] }, Stdout: &out, Stderr: &errOut,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

var (
	// What differs between two runs of the same command: identifiers,
	// dates, secrets, and the names of what each command line made.
	idPattern     = regexp.MustCompile(`\b(AIDA|AROA|ANPA|AGPA|AKIA|ASIA|AIPA|APKA|ASCA)[A-Z0-9]{12,}\b`)
	datePattern   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00`)
	secretPattern = regexp.MustCompile(`"(SecretAccessKey|SessionToken|CertificateBody)": "[^"]+"`)
	certIDPattern = regexp.MustCompile(`\b[A-Z0-9]{32}\b`)
	namePattern   = regexp.MustCompile(`-(aws|kwd)\b`)
	usageAWS      = regexp.MustCompile(`(?m)^(usage: |  |)aws( |: error:)`)
)

func normalize(s string) string {
	s = idPattern.ReplaceAllString(s, "<ID>")
	s = datePattern.ReplaceAllString(s, "<DATE>")
	s = secretPattern.ReplaceAllString(s, `"$1": "<SECRET>"`)
	s = certIDPattern.ReplaceAllString(s, "<CERTID>")
	s = namePattern.ReplaceAllString(s, "-X")
	return usageAWS.ReplaceAllString(s, "${1}keyward$2")
}

// step is one command line: %s in an argument is "aws" for the AWS CLI's
// run and "kwd" for keyward's (as long, for the tables), so that each
// makes its own things.
type step struct {
	name string
	args []string
	// raw compares the outputs as printed, without normalize.
	raw bool
}

// compare runs the steps in order with both command lines, and wants the
// same output, the same error and the same exit status.
func (b *both) compare(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		subst := func(who string) []string {
			out := make([]string, len(s.args))
			for i, a := range s.args {
				out[i] = strings.ReplaceAll(a, "%s", who)
			}
			return out
		}
		a := b.aws(t, subst("aws")...)
		k := b.kw(t, subst("kwd")...)
		norm := normalize
		if s.raw {
			norm = func(s string) string { return usageAWS.ReplaceAllString(s, "${1}keyward$2") }
		}
		if a.code != k.code || norm(a.stdout) != norm(k.stdout) || norm(a.stderr) != norm(k.stderr) {
			t.Errorf("%s: %v\naws (exit %d):\n%s%s\nkeyward (exit %d):\n%s%s", s.name, s.args, a.code, a.stdout, a.stderr, k.code, k.stdout, k.stderr)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// testCert is a self-signed certificate and its key, PEM.
func testCert(t *testing.T, cn string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	return certPEM, keyPEM
}

var sshKeyOnce struct {
	sync.Once
	line string
}

func testSSHKey(t *testing.T) string {
	t.Helper()
	sshKeyOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := ssh.NewPublicKey(&key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		sshKeyOnce.line = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	})
	return sshKeyOnce.line
}

// TestMatchesAWSCLI makes the same calls with Debian's AWS CLI and with
// keyward's command line, one family of IAM and STS at a time, and wants
// the same JSON, text and table output, the same errors and the same exit
// statuses.
func TestMatchesAWSCLI(t *testing.T) {
	b := newBoth(t)
	dir := t.TempDir()
	trust := writeFile(t, dir, "trust.json", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}`)
	policy := writeFile(t, dir, "policy.json", `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":10}}}]}`)
	sshKey := writeFile(t, dir, "key.pub", testSSHKey(t)+"\n")
	signingAWS, _ := testCert(t, "signing-aws")
	signingKW, _ := testCert(t, "signing-kwd")
	writeFile(t, dir, "signing-aws.pem", signingAWS)
	writeFile(t, dir, "signing-kwd.pem", signingKW)
	serverAWS, serverKeyAWS := testCert(t, "server-aws")
	serverKW, serverKeyKW := testCert(t, "server-kwd")
	writeFile(t, dir, "server-aws.pem", serverAWS)
	writeFile(t, dir, "server-kwd.pem", serverKW)
	writeFile(t, dir, "server-aws.key", serverKeyAWS)
	writeFile(t, dir, "server-kwd.key", serverKeyKW)
	groups := []struct {
		name  string
		steps []step
	}{
		{"users", []step{
			{"create-user with shorthand tags", []string{"iam", "create-user", "--user-name", "ursula-%s", "--path", "/u/", "--tags", "Key=team,Value=a b", "Key=cost,Value=1"}, false},
			{"get-user", []string{"iam", "get-user", "--user-name", "ursula-%s"}, false},
			{"list-users text", []string{"iam", "list-users", "--path-prefix", "/u/", "--output", "text"}, false},
			{"no such user", []string{"iam", "get-user", "--user-name", "nobody"}, false},
			{"missing option", []string{"iam", "delete-user"}, false},
			{"invalid length", []string{"iam", "create-user", "--user-name", ""}, false},
		}},
		{"keys", []step{
			{"create-user", []string{"iam", "create-user", "--user-name", "kim-%s"}, false},
			{"create-access-key", []string{"iam", "create-access-key", "--user-name", "kim-%s"}, false},
			{"list-access-keys table", []string{"iam", "list-access-keys", "--user-name", "kim-%s", "--output", "table"}, false},
			{"update-access-key unknown", []string{"iam", "update-access-key", "--user-name", "kim-%s", "--access-key-id", "AKIANOSUCHKEY0000000", "--status", "Inactive"}, true},
		}},
		{"groups", []step{
			{"create-group", []string{"iam", "create-group", "--group-name", "devs-%s", "--path", "/g/"}, false},
			{"create-user", []string{"iam", "create-user", "--user-name", "gus-%s"}, false},
			{"add-user-to-group", []string{"iam", "add-user-to-group", "--group-name", "devs-%s", "--user-name", "gus-%s"}, false},
			{"get-group", []string{"iam", "get-group", "--group-name", "devs-%s"}, false},
			{"get-group text", []string{"iam", "get-group", "--group-name", "devs-%s", "--output", "text"}, false},
			{"add an unknown user", []string{"iam", "add-user-to-group", "--group-name", "devs-%s", "--user-name", "nobody"}, false},
		}},
		{"policies", []step{
			{"create-policy file://", []string{"iam", "create-policy", "--policy-name", "read-%s", "--path", "/p/", "--policy-document", "file://" + policy}, false},
			{"get-policy-version decodes the document", []string{"iam", "get-policy-version", "--policy-arn", "arn:aws:iam::123456789012:policy/p/read-%s", "--version-id", "v1"}, false},
			{"list-policies local", []string{"iam", "list-policies", "--scope", "Local", "--no-only-attached", "--path-prefix", "/p/"}, false},
			{"malformed", []string{"iam", "create-policy", "--policy-name", "bad-%s", "--policy-document", "file://" + trust}, false},
		}},
		{"roles", []step{
			{"create-role", []string{"iam", "create-role", "--role-name", "ops-%s", "--assume-role-policy-document", "file://" + trust, "--description", "on call", "--tags", `[{"Key": "k", "Value": "v"}]`}, false},
			{"put-role-policy", []string{"iam", "put-role-policy", "--role-name", "ops-%s", "--policy-name", "inline", "--policy-document", "file://" + policy}, false},
			{"get-role-policy text", []string{"iam", "get-role-policy", "--role-name", "ops-%s", "--policy-name", "inline", "--output", "text"}, false},
			{"get-role table", []string{"iam", "get-role", "--role-name", "ops-%s", "--output", "table"}, false},
			{"no such role", []string{"iam", "get-role", "--role-name", "nobody"}, false},
		}},
		{"mfa", []step{
			{"create-virtual-mfa-device", []string{"iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "phone-%s", "--outfile", filepath.Join(dir, "seed-%s"), "--bootstrap-method", "Base32StringSeed"}, false},
			{"list-virtual-mfa-devices", []string{"iam", "list-virtual-mfa-devices", "--assignment-status", "Unassigned", "--query", "VirtualMFADevices[?contains(SerialNumber, 'phone')]"}, false},
			{"without --outfile", []string{"iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "x"}, false},
			{"enable with a wrong code", []string{"iam", "enable-mfa-device", "--user-name", "nobody", "--serial-number", "arn:aws:iam::123456789012:mfa/phone-%s", "--authentication-code1", "123456", "--authentication-code2", "234567"}, false},
		}},
		{"ssh-keys", []step{
			{"create-user", []string{"iam", "create-user", "--user-name", "sam-%s"}, false},
			{"upload-ssh-public-key", []string{"iam", "upload-ssh-public-key", "--user-name", "sam-%s", "--ssh-public-key-body", "file://" + sshKey}, false},
			{"list-ssh-public-keys", []string{"iam", "list-ssh-public-keys", "--user-name", "sam-%s"}, false},
			{"fileb:// for a string", []string{"iam", "upload-ssh-public-key", "--user-name", "sam-%s", "--ssh-public-key-body", "fileb://" + sshKey}, true},
		}},
		{"certificates", []step{
			{"create-user", []string{"iam", "create-user", "--user-name", "cert-%s"}, false},
			{"upload-signing-certificate", []string{"iam", "upload-signing-certificate", "--user-name", "cert-%s", "--certificate-body", "file://" + filepath.Join(dir, "signing-%s.pem")}, false},
			{"upload-server-certificate", []string{"iam", "upload-server-certificate", "--server-certificate-name", "web-%s", "--certificate-body", "file://" + filepath.Join(dir, "server-%s.pem"), "--private-key", "file://" + filepath.Join(dir, "server-%s.key")}, false},
			{"a key not the certificate's", []string{"iam", "upload-server-certificate", "--server-certificate-name", "odd-%s", "--certificate-body", "file://" + filepath.Join(dir, "server-aws.pem"), "--private-key", "file://" + filepath.Join(dir, "server-kwd.key")}, false},
			{"list-server-certificates text", []string{"iam", "list-server-certificates", "--output", "text", "--query", "ServerCertificateMetadataList[].[ServerCertificateName,Path]"}, false},
		}},
		{"oidc", []step{
			{"create-open-id-connect-provider", []string{"iam", "create-open-id-connect-provider", "--url", "https://idp-%s.example.com", "--client-id-list", "app1", "app2", "--thumbprint-list", "0123456789012345678901234567890123456789"}, false},
			{"get-open-id-connect-provider", []string{"iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", "arn:aws:iam::123456789012:oidc-provider/idp-%s.example.com"}, false},
			{"bad thumbprint", []string{"iam", "create-open-id-connect-provider", "--url", "https://x.example.com", "--thumbprint-list", "short"}, false},
		}},
		{"account", []step{
			{"get-account-summary", []string{"iam", "get-account-summary", "--query", "SummaryMap.{Users: UsersQuota, Groups: GroupsQuota}"}, true}, // quotas: the other groups, in parallel, change the counts
			{"no password policy", []string{"iam", "get-account-password-policy"}, false},
			{"list-account-aliases table", []string{"iam", "list-account-aliases", "--output", "table"}, true},
			{"get-account-authorization-details", []string{"iam", "get-account-authorization-details", "--filter", "LocalManagedPolicy"}, false},
		}},
		{"quiet", []step{
			{"create-user", []string{"iam", "create-user", "--user-name", "quiet-%s"}, false},
			{"list-access-keys of a user without", []string{"iam", "list-access-keys", "--user-name", "quiet-%s"}, false},
			{"list-access-keys text", []string{"iam", "list-access-keys", "--user-name", "quiet-%s", "--output", "text"}, false},
			{"delete-access-key of no such key", []string{"iam", "delete-access-key", "--user-name", "quiet-%s", "--access-key-id", "AKIANOSUCHKEY0000000"}, false},
			{"get-user text", []string{"iam", "get-user", "--user-name", "quiet-%s", "--output", "text"}, false},
			{"query json filter", []string{"iam", "list-users", "--query", "Users[?UserName=='quiet-%s'].Arn"}, false},
			{"tag-user prints nothing", []string{"iam", "tag-user", "--user-name", "quiet-%s", "--tags", "Key=a,Value=b"}, false},
			{"delete-user prints nothing", []string{"iam", "delete-user", "--user-name", "quiet-%s"}, false},
			{"get-user of the root", []string{"iam", "get-user"}, false},
			{"unknown option", []string{"iam", "list-users", "--no-such-option", "x"}, false},
		}},
		{"sts", []step{
			{"get-caller-identity", []string{"sts", "get-caller-identity"}, true},
			{"get-caller-identity table", []string{"sts", "get-caller-identity", "--output", "table"}, true},
			{"get-access-key-info", []string{"sts", "get-access-key-info", "--access-key-id", kwtest.RootKeyID}, true},
			{"decode-authorization-message", []string{"sts", "decode-authorization-message", "--encoded-message", "nonsense"}, true},
		}},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			b.compare(t, g.steps)
		})
	}
}

// TestMatchesAWSCLIInput compares what the AWS CLI does with its input and
// output options: pagination and its tokens, shorthand, JSON and file
// input, --cli-input-json, the skeletons, --query with each output, and
// the command-line mistakes it refuses.
func TestMatchesAWSCLIInput(t *testing.T) {
	b := newBoth(t)
	dir := t.TempDir()
	for _, u := range []string{"pat", "pia", "pol", "pru", "pyo"} {
		if r := b.kw(t, "iam", "create-user", "--user-name", u, "--path", "/page/"); r.code != 0 {
			t.Fatalf("create-user %s: %s", u, r.stderr)
		}
	}
	input := writeFile(t, dir, "input.json", `{"UserName": "from-file", "Path": "/in/"}`)
	tags := writeFile(t, dir, "tags.json", `[{"Key": "a", "Value": "1"}]`)
	groups := []struct {
		name  string
		steps []step
	}{
		{"pagination", []step{
			{"max-items and page-size", []string{"iam", "list-users", "--path-prefix", "/page/", "--max-items", "3", "--page-size", "2"}, false},
			{"max-items text", []string{"iam", "list-users", "--path-prefix", "/page/", "--max-items", "2", "--output", "text"}, false},
			{"query text per page", []string{"iam", "list-users", "--path-prefix", "/page/", "--page-size", "2", "--max-items", "3", "--query", "Users[].UserName", "--output", "text"}, false},
			{"table", []string{"iam", "list-users", "--path-prefix", "/page/", "--max-items", "2", "--page-size", "1", "--output", "table", "--query", "Users[].[UserName,Path]"}, false},
			{"no-paginate", []string{"iam", "list-users", "--path-prefix", "/page/", "--no-paginate", "--max-items", "2", "--query", "{Names: Users[].UserName, More: IsTruncated}"}, false},
			{"no-paginate with a token", []string{"iam", "list-users", "--no-paginate", "--starting-token", "x"}, false},
			{"server marker", []string{"iam", "list-users", "--marker", "nonsense"}, false},
		}},
		{"input", []step{
			{"shorthand: key twice", []string{"iam", "create-user", "--user-name", "s", "--tags", "Key=a,Value=b,Key=c"}, false},
			{"shorthand: unknown key", []string{"iam", "create-user", "--user-name", "s", "--tags", "Name=a"}, false},
			{"shorthand: quoted", []string{"iam", "tag-user", "--user-name", "nobody", "--tags", `Key=a,Value="x, y"`, "--generate-cli-skeleton", "output"}, false},
			{"JSON: invalid", []string{"iam", "create-user", "--user-name", "s", "--tags", `[{"Key": "a",}]`}, false},
			{"file:// list", []string{"iam", "tag-user", "--user-name", "nobody", "--tags", "file://" + tags}, false},
			{"file:// missing", []string{"iam", "create-user", "--user-name", "file:///nonexistent/x"}, false},
			{"cli-input-json file://", []string{"iam", "create-user", "--cli-input-json", "file://" + input, "--path", "/over/", "--user-name", "in-%s"}, false},
			{"cli-input-json fileb://", []string{"iam", "create-user", "--cli-input-json", "fileb://" + input, "--user-name", "fb-%s"}, false},
			{"cli-input-json unknown member", []string{"iam", "create-user", "--cli-input-json", `{"UserName": "x", "Nope": 1}`}, false},
			{"skeleton input", []string{"iam", "simulate-custom-policy", "--generate-cli-skeleton"}, true},
			{"skeleton output", []string{"iam", "get-account-summary", "--generate-cli-skeleton", "output"}, true},
			{"integer", []string{"iam", "create-role", "--role-name", "r", "--assume-role-policy-document", "{}", "--max-session-duration", "lots"}, false},
			{"abbreviated option", []string{"iam", "list-users", "--path-p", "/page/", "--query", "Users[0].UserName", "--output", "text"}, false},
			{"ambiguous option", []string{"iam", "list-users", "--ma", "1"}, false},
			{"unknown options", []string{"iam", "get-user", "stray", "--nope", "x"}, false},
			{"expected one argument", []string{"iam", "get-user", "--user-name"}, false},
		}},
		{"query", []step{
			{"multi-select hash", []string{"iam", "list-users", "--path-prefix", "/page/", "--query", "Users[].{N: UserName, P: Path}"}, false},
			{"multi-select hash text", []string{"iam", "list-users", "--path-prefix", "/page/", "--query", "Users[].{N: UserName, P: Path}", "--output", "text"}, false},
			{"scalar table", []string{"iam", "list-users", "--path-prefix", "/page/", "--query", "Users[0].UserName", "--output", "table"}, false},
		}},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			b.compare(t, g.steps)
		})
	}
	// A token from one command line resumes in the other.
	t.Run("tokens", func(t *testing.T) {
		t.Parallel()
		a := b.aws(t, "iam", "list-users", "--path-prefix", "/page/", "--max-items", "2", "--page-size", "3", "--query", "NextToken", "--output", "text")
		k := b.kw(t, "iam", "list-users", "--path-prefix", "/page/", "--max-items", "2", "--page-size", "3", "--query", "NextToken", "--output", "text")
		if a.code != 0 || a.stdout != k.stdout {
			t.Fatalf("tokens: aws %q %s, keyward %q %s", a.stdout, a.stderr, k.stdout, k.stderr)
		}
		token := strings.TrimSpace(a.stdout[strings.LastIndex(strings.TrimSpace(a.stdout), "\n")+1:])
		a = b.aws(t, "iam", "list-users", "--path-prefix", "/page/", "--starting-token", token, "--max-items", "2")
		k = b.kw(t, "iam", "list-users", "--path-prefix", "/page/", "--starting-token", token, "--max-items", "2")
		if a.code != 0 || normalize(a.stdout) != normalize(k.stdout) || !strings.Contains(k.stdout, `"UserName": "pol"`) || !strings.Contains(k.stdout, "NextToken") {
			t.Fatalf("resumed: aws %s %s\nkeyward %s %s", a.stdout, a.stderr, k.stdout, k.stderr)
		}
	})
}
