package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// The fingerprint of the SSH key fixture (testdata/credentials/README.md at
// the repository's root).
var testSSHKeyMD5 = strings.TrimSpace(readFixture("ssh.md5"))

var readFixture = kwtest.Fixture

// totpCode is the code an authenticator app shows for seed at t: made by
// a TOTP library nobody here wrote.
func totpCode(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	must(t, err)
	return code
}

// TestBoto3NewOperations calls the MFA, credential and certificate
// operations with boto3,
// as the audit tools do (testdata/clients/issue13.py), and a few with the
// AWS CLI.
func TestBoto3NewOperations(t *testing.T) {
	t.Parallel() // Python and the CLI start slowly
	ts := startServerWith(t, "", cheapPasswords)
	home := t.TempDir()
	fixtures, err := filepath.Abs(filepath.Join("..", "..", "testdata", "credentials"))
	must(t, err)
	env := []string{
		"HOME=" + home, "PATH=/usr/bin:/bin", "KEYWARD_URL=" + ts.URL, "FIXTURES=" + fixtures,
		"KEYWARD_NOW=" + strconv.FormatInt(ts.Clock.Now().Unix(), 10),
		"AWS_ACCESS_KEY_ID=" + rootKeyID, "AWS_SECRET_ACCESS_KEY=" + rootSecret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	res := runCommand(t, env, "/usr/bin/python3", filepath.Join("testdata", "clients", "issue13.py"))
	if res.code != 0 {
		t.Fatalf("boto3: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	done := map[string]bool{}
	for _, line := range strings.Split(res.stdout, "\n") {
		if op, ok := strings.CutPrefix(line, "ok "); ok {
			done[op] = true
		}
	}
	for _, op := range issue13Operations {
		if !done[op] {
			t.Errorf("boto3 did not call %s", op)
		}
	}

	// The AWS CLI: a virtual MFA device written to a file as a PNG, the
	// account summary, an SSH key and the entities of a policy.
	png := filepath.Join(home, "qr.png")
	out := ts.awsOK(t, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "cli-phone", "--outfile", png, "--bootstrap-method", "QRCodePNG")
	if b, err := os.ReadFile(png); err != nil || len(b) < 100 || string(b[1:4]) != "PNG" || field(t, out, "VirtualMFADevice", "SerialNumber") != "arn:aws:iam::123456789012:mfa/cli-phone" {
		t.Fatalf("create-virtual-mfa-device: %v, %v", out, err)
	}
	if n := field(t, ts.awsOK(t, "iam", "get-account-summary"), "SummaryMap", "MFADevices"); n != float64(1) {
		t.Fatalf("get-account-summary: MFADevices %v", n)
	}
	ts.awsOK(t, "iam", "create-user", "--user-name", "dave")
	key := ts.awsOK(t, "iam", "upload-ssh-public-key", "--user-name", "dave", "--ssh-public-key-body", "file://"+filepath.Join(fixtures, "ssh.pub"))
	if field(t, key, "SSHPublicKey", "Fingerprint") != testSSHKeyMD5 {
		t.Fatalf("upload-ssh-public-key: %v", key)
	}
	ts.awsOK(t, "iam", "attach-user-policy", "--user-name", "dave", "--policy-arn", "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
	entities := ts.awsOK(t, "iam", "list-entities-for-policy", "--policy-arn", "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
	if field(t, entities, "PolicyUsers", 0, "UserName") != "dave" {
		t.Fatalf("list-entities-for-policy: %v", entities)
	}
}

// issue13Operations are the MFA, credential and certificate operations,
// each of which the boto3 script (named after the issue that asked for it)
// must call.
var issue13Operations = strings.Fields(`CreateVirtualMFADevice EnableMFADevice ListMFADevices ListVirtualMFADevices ResyncMFADevice
TagMFADevice UntagMFADevice ListMFADeviceTags DeactivateMFADevice DeleteVirtualMFADevice
UploadSSHPublicKey GetSSHPublicKey UpdateSSHPublicKey ListSSHPublicKeys DeleteSSHPublicKey
CreateServiceSpecificCredential ResetServiceSpecificCredential UpdateServiceSpecificCredential ListServiceSpecificCredentials DeleteServiceSpecificCredential
UploadSigningCertificate UpdateSigningCertificate ListSigningCertificates DeleteSigningCertificate
UploadServerCertificate GetServerCertificate TagServerCertificate ListServerCertificateTags UntagServerCertificate UpdateServerCertificate ListServerCertificates DeleteServerCertificate
CreateAccountAlias ListAccountAliases DeleteAccountAlias GetAccountSummary
TagPolicy UntagPolicy ListPolicyTags ListEntitiesForPolicy PutUserPermissionsBoundary GetAccountAuthorizationDetails DeleteUserPermissionsBoundary
GetContextKeysForPrincipalPolicy GetContextKeysForCustomPolicy SimulateCustomPolicy UpdateGroup
ListRoles ListInstanceProfiles ListSAMLProviders ListOpenIDConnectProviders
GenerateServiceLastAccessedDetails GetServiceLastAccessedDetails GetServiceLastAccessedDetailsWithEntities
ListPoliciesGrantingServiceAccess SetSecurityTokenServicePreferences`)
