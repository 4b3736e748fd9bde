package iam_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestBoto3NewOperations calls the MFA, credential and certificate
// operations with boto3, as the audit tools do (testdata/clients/issue13.py,
// named after the issue that asked for them), and a few with the AWS CLI.
// The server's clock stands still at the second the script is given
// (KEYWARD_NOW), from which it makes its MFA codes.
func TestBoto3NewOperations(t *testing.T) {
	t.Parallel() // Python and the CLI start slowly
	kwtest.NeedClients(t)
	ts := newAPIServer(t)
	fixtures, err := filepath.Abs(filepath.Join("..", "testdata", "credentials"))
	must(t, err)
	env := append(kwtest.ClientEnv(t, ts.URL), "FIXTURES="+fixtures, "KEYWARD_NOW="+strconv.FormatInt(ts.Clock.Now().Unix(), 10))
	res := kwtest.RunClient(t, env, "/usr/bin/python3", filepath.Join("testdata", "clients", "issue13.py"))
	if res.Code != 0 {
		t.Fatalf("boto3: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	done := map[string]bool{}
	for _, line := range strings.Split(res.Stdout, "\n") {
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
	cli := func(out any, args ...string) {
		t.Helper()
		res := kwtest.RunClient(t, env, kwtest.AWSCLI, append([]string{"--endpoint-url", ts.URL, "--output", "json"}, args...)...)
		if res.Code != 0 {
			t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), res.Code, res.Stderr)
		}
		if out != nil {
			if err := json.Unmarshal([]byte(res.Stdout), out); err != nil {
				t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, res.Stdout)
			}
		}
	}
	png := filepath.Join(t.TempDir(), "qr.png")
	var device struct{ VirtualMFADevice struct{ SerialNumber string } }
	cli(&device, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "cli-phone", "--outfile", png, "--bootstrap-method", "QRCodePNG")
	if b, err := os.ReadFile(png); err != nil || len(b) < 100 || string(b[1:4]) != "PNG" || device.VirtualMFADevice.SerialNumber != "arn:aws:iam::123456789012:mfa/cli-phone" {
		t.Fatalf("create-virtual-mfa-device: %+v, %v", device, err)
	}
	var summary struct{ SummaryMap map[string]int }
	if cli(&summary, "iam", "get-account-summary"); summary.SummaryMap["MFADevices"] != 1 {
		t.Fatalf("get-account-summary: MFADevices %v", summary.SummaryMap["MFADevices"])
	}
	cli(nil, "iam", "create-user", "--user-name", "dave")
	var key struct{ SSHPublicKey struct{ Fingerprint string } }
	cli(&key, "iam", "upload-ssh-public-key", "--user-name", "dave", "--ssh-public-key-body", "file://"+filepath.Join(fixtures, "ssh.pub"))
	if want := strings.TrimSpace(kwtest.Fixture("ssh.md5")); key.SSHPublicKey.Fingerprint != want {
		t.Fatalf("upload-ssh-public-key: %+v, want %s", key, want)
	}
	cli(nil, "iam", "attach-user-policy", "--user-name", "dave", "--policy-arn", awsPolicy+"IAMReadOnlyAccess")
	var entities struct{ PolicyUsers []struct{ UserName string } }
	if cli(&entities, "iam", "list-entities-for-policy", "--policy-arn", awsPolicy+"IAMReadOnlyAccess"); len(entities.PolicyUsers) == 0 || entities.PolicyUsers[0].UserName != "dave" {
		t.Fatalf("list-entities-for-policy: %+v", entities)
	}
}

// issue13Operations are the MFA, credential and certificate operations,
// each of which the boto3 script must call.
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
