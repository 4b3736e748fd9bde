package query_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/query"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// simulationPolicy tests the keys a simulation must not invent: a caller's
// name, the transport, the time and the caller's account.
const simulationPolicy = `{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"},
{"Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01"},"StringEquals":{"aws:PrincipalAccount":"123456789012"}}}]}`

// contextEntry is the form of a simulation's n-th context entry.
func contextEntry(n int, key, value string) string {
	p := "&ContextEntries.member." + strconv.Itoa(n) + "."
	return p + "ContextKeyName=" + url.QueryEscape(key) + p + "ContextKeyValues.member.1=" + url.QueryEscape(value) + p + "ContextKeyType=string"
}

// lockedReader makes a deterministic random source safe for the server's
// goroutines.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// seed starts the source again from a seed made of name.
func (l *lockedReader) seed(name string) {
	var seed [32]byte
	copy(seed[:], name)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.r = rand.NewChaCha8(seed)
}

// goldenStep is one request of TestGoldenResponses: its name (the
// action, with a suffix when it has several steps), the service it is
// signed for and its form.
type goldenStep struct {
	name, service, form string
}

// derivedSteps are steps for the served IAM and Keyward actions (served,
// by service) that no written step
// performs, made from their descriptors as TestEveryActionAuthorized makes
// its requests (each required parameter's sample, or the simplest value
// its shape allows, so that every operation of an entity names the same
// one), in the order of an entity's life: create, read, tag, list tags,
// untag, change, delete. A new entity's operations so have their golden
// responses, checked against the model, without a step written for them;
// a written step, where the scenario wants more, replaces its derived one.
func derivedSteps(written []goldenStep, served map[string][]string, ops map[string]*keyward.Operation) []goldenStep {
	have := map[string]bool{}
	for _, st := range written {
		have[stepAction(st.form)] = true
	}
	var out []goldenStep
	for _, service := range []string{"iam", "keyward"} { // Keyward's on the IAM endpoint
		for _, name := range served[service] {
			if op := ops[name]; op != nil && !have[name] {
				form := "Action=" + name + "&Version=" + query.IAMVersion
				if f := deniedForm(op); f != "" {
					form += "&" + f
				}
				out = append(out, goldenStep{name, service, form})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		pi, pj := lifePhase(out[i].name), lifePhase(out[j].name)
		return pi < pj || pi == pj && out[i].name < out[j].name
	})
	return out
}

// lifePhase orders an entity's operations by its life.
func lifePhase(action string) int {
	has := func(prefix string) bool { return strings.HasPrefix(action, prefix) }
	switch {
	case has("Create"), has("Upload"):
		return 0
	case has("List") && strings.HasSuffix(action, "Tags"): // once tagged
		return 3
	case has("Get"), has("List"):
		return 1
	case has("Tag"):
		return 2
	case has("Untag"):
		return 4
	case has("Delete"):
		return 6
	}
	return 5
}

// TestGoldenResponses fixes the exact bytes of a response to every action,
// with a fixed clock and seeded randomness, and checks every element of
// every response against the service models in testdata/aws/spec.
func TestGoldenResponses(t *testing.T) {
	at := time.Date(2026, 11, 27, 5, 25, 50, 0, time.UTC)
	rng := &lockedReader{r: rand.NewChaCha8([32]byte{'k', 'e', 'y', 'w', 'a', 'r', 'd'})}
	ts := newAPIServerWith(t, kwtest.NewClock(at), kwtest.Options{SignatureNow: func() time.Time { return at }, Rand: rng})
	const form = "application/x-www-form-urlencoded; charset=utf-8"
	// A SAML identity provider's metadata, with a self-signed certificate
	// made for these tests (testdata/saml-idp-metadata.xml).
	md, err := os.ReadFile(filepath.Join("testdata", "saml-idp-metadata.xml"))
	must(t, err)
	samlMetadata := url.QueryEscape(string(md))
	steps := []goldenStep{
		{"CreateUser", "iam", "Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Feng%2F&Tags.member.1.Key=team&Tags.member.1.Value=platform"},
		{"CreateUser-bob", "iam", "Action=CreateUser&Version=2010-05-08&UserName=bob"},
		{"GetUser", "iam", "Action=GetUser&Version=2010-05-08&UserName=alice"},
		{"GetUser-root", "iam", "Action=GetUser&Version=2010-05-08"},
		{"ListUsers", "iam", "Action=ListUsers&Version=2010-05-08&MaxItems=1"},
		{"UpdateUser", "iam", "Action=UpdateUser&Version=2010-05-08&UserName=bob&NewPath=%2Fops%2F"},
		{"CreateAccessKey", "iam", "Action=CreateAccessKey&Version=2010-05-08&UserName=alice"},
		{"ListAccessKeys", "iam", "Action=ListAccessKeys&Version=2010-05-08&UserName=alice"},
		{"GetAccessKeyLastUsed", "iam", "Action=GetAccessKeyLastUsed&Version=2010-05-08&AccessKeyId=" + rootKeyID},
		{"UpdateAccessKey", "iam", "Action=UpdateAccessKey&Version=2010-05-08&AccessKeyId=" + rootKeyID + "&Status=Active"},
		{"DeleteUser", "iam", "Action=DeleteUser&Version=2010-05-08&UserName=bob"},
		{"DeleteUser-NoSuchEntity", "iam", "Action=DeleteUser&Version=2010-05-08&UserName=bob"},
		{"CreateAccessKey-LimitExceeded", "iam", "Action=CreateAccessKey&Version=2010-05-08"},
		{"GetCallerIdentity", "sts", "Action=GetCallerIdentity&Version=2011-06-15"},
		{"GetAccessKeyInfo", "sts", "Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=" + rootKeyID},
		{"CreateGroup", "iam", "Action=CreateGroup&Version=2010-05-08&GroupName=devs&Path=%2Feng%2F"},
		{"AddUserToGroup", "iam", "Action=AddUserToGroup&Version=2010-05-08&GroupName=devs&UserName=alice"},
		{"GetGroup", "iam", "Action=GetGroup&Version=2010-05-08&GroupName=devs"},
		{"ListGroups", "iam", "Action=ListGroups&Version=2010-05-08"},
		{"ListGroupsForUser", "iam", "Action=ListGroupsForUser&Version=2010-05-08&UserName=alice"},
		{"PutUserPolicy", "iam", "Action=PutUserPolicy&Version=2010-05-08&UserName=alice&PolicyName=p1&PolicyDocument=" + url.QueryEscape(policy.SelfManageAccessKeysPolicy)},
		{"GetUserPolicy", "iam", "Action=GetUserPolicy&Version=2010-05-08&UserName=alice&PolicyName=p1"},
		{"ListUserPolicies", "iam", "Action=ListUserPolicies&Version=2010-05-08&UserName=alice"},
		{"PutGroupPolicy", "iam", "Action=PutGroupPolicy&Version=2010-05-08&GroupName=devs&PolicyName=g1&PolicyDocument=" + url.QueryEscape(policy.SelfManageAccessKeysPolicy)},
		{"GetGroupPolicy", "iam", "Action=GetGroupPolicy&Version=2010-05-08&GroupName=devs&PolicyName=g1"},
		{"ListGroupPolicies", "iam", "Action=ListGroupPolicies&Version=2010-05-08&GroupName=devs"},
		{"CreatePolicy", "iam", "Action=CreatePolicy&Version=2010-05-08&PolicyName=Keys&Description=self+service&PolicyDocument=" + url.QueryEscape(policy.SelfManageAccessKeysPolicy)},
		{"CreatePolicyVersion", "iam", "Action=CreatePolicyVersion&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FKeys&SetAsDefault=true&PolicyDocument=" + url.QueryEscape(policy.SelfManageAccessKeysPolicy)},
		{"GetPolicy", "iam", "Action=GetPolicy&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FKeys"},
		{"GetPolicyVersion", "iam", "Action=GetPolicyVersion&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FKeys&VersionId=v1"},
		{"ListPolicyVersions", "iam", "Action=ListPolicyVersions&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FKeys"},
		{"AttachUserPolicy", "iam", "Action=AttachUserPolicy&Version=2010-05-08&UserName=alice&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FIAMReadOnlyAccess"},
		{"ListAttachedUserPolicies", "iam", "Action=ListAttachedUserPolicies&Version=2010-05-08&UserName=alice"},
		{"AttachGroupPolicy", "iam", "Action=AttachGroupPolicy&Version=2010-05-08&GroupName=devs&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FKeys"},
		{"ListAttachedGroupPolicies", "iam", "Action=ListAttachedGroupPolicies&Version=2010-05-08&GroupName=devs"},
		{"ListPolicies", "iam", "Action=ListPolicies&Version=2010-05-08&Scope=Local"},
		{"SimulatePrincipalPolicy", "iam", "Action=SimulatePrincipalPolicy&Version=2010-05-08&PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Feng%2Falice&ActionNames.member.1=iam%3AListUsers&ActionNames.member.2=iam%3ADeleteUser"},
		{"UpdateAccountPasswordPolicy", "iam", "Action=UpdateAccountPasswordPolicy&Version=2010-05-08&MinimumPasswordLength=12&RequireNumbers=true&MaxPasswordAge=90&PasswordReusePrevention=3"},
		{"GetAccountPasswordPolicy", "iam", "Action=GetAccountPasswordPolicy&Version=2010-05-08"},
		{"CreateLoginProfile-PasswordPolicyViolation", "iam", "Action=CreateLoginProfile&Version=2010-05-08&UserName=alice&Password=short"},
		{"CreateLoginProfile", "iam", "Action=CreateLoginProfile&Version=2010-05-08&UserName=alice&Password=Golden-Passw0rd&PasswordResetRequired=true"},
		{"GetLoginProfile", "iam", "Action=GetLoginProfile&Version=2010-05-08&UserName=alice"},
		{"GetCredentialReport-ReportNotPresent", "iam", "Action=GetCredentialReport&Version=2010-05-08"},
		{"GenerateCredentialReport", "iam", "Action=GenerateCredentialReport&Version=2010-05-08"},
		{"DeleteUser-DeleteConflict", "iam", "Action=DeleteUser&Version=2010-05-08&UserName=alice"},
		{"PutUserPolicy-MalformedPolicyDocument", "iam", "Action=PutUserPolicy&Version=2010-05-08&UserName=alice&PolicyName=bad&PolicyDocument=%7B%7D"},
		{"TagUser", "iam", "Action=TagUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=cost&Tags.member.1.Value=42"},
		{"ListUserTags", "iam", "Action=ListUserTags&Version=2010-05-08&UserName=alice"},
		{"UntagUser", "iam", "Action=UntagUser&Version=2010-05-08&UserName=alice&TagKeys.member.1=cost"},
		{"UpdateLoginProfile", "iam", "Action=UpdateLoginProfile&Version=2010-05-08&UserName=alice&PasswordResetRequired=true"},
		// alice's own call: her password must be reset, which lets her.
		{"ChangePassword", "iam", "Action=ChangePassword&Version=2010-05-08&OldPassword=Golden-Passw0rd&NewPassword=Golden-Passw0rd-2&as=alice"},
		{"DeleteLoginProfile", "iam", "Action=DeleteLoginProfile&Version=2010-05-08&UserName=alice"},
		{"DeleteUserPolicy", "iam", "Action=DeleteUserPolicy&Version=2010-05-08&UserName=alice&PolicyName=p1"},
		{"DeleteGroupPolicy", "iam", "Action=DeleteGroupPolicy&Version=2010-05-08&GroupName=devs&PolicyName=g1"},
		{"DetachUserPolicy", "iam", "Action=DetachUserPolicy&Version=2010-05-08&UserName=alice&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FIAMReadOnlyAccess"},
		{"DetachGroupPolicy", "iam", "Action=DetachGroupPolicy&Version=2010-05-08&GroupName=devs&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FKeys"},
		{"SetDefaultPolicyVersion", "iam", "Action=SetDefaultPolicyVersion&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FKeys&VersionId=v1"},
		{"DeletePolicyVersion", "iam", "Action=DeletePolicyVersion&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FKeys&VersionId=v2"},
		{"DeletePolicy", "iam", "Action=DeletePolicy&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FKeys"},
		{"RemoveUserFromGroup", "iam", "Action=RemoveUserFromGroup&Version=2010-05-08&GroupName=devs&UserName=alice"},
		{"DeleteGroup", "iam", "Action=DeleteGroup&Version=2010-05-08&GroupName=devs"},
		{"DeleteAccessKey", "iam", "Action=DeleteAccessKey&Version=2010-05-08&UserName=alice&as=alicekey"},
		{"DeleteAccountPasswordPolicy", "iam", "Action=DeleteAccountPasswordPolicy&Version=2010-05-08"},
		// MFA devices and the other credentials: {name} stands for a value
		// an earlier step returned, {code-1} and {code0} for the TOTP
		// codes of the device's seed a step ago and now.
		{"CreateVirtualMFADevice", "iam", "Action=CreateVirtualMFADevice&Version=2010-05-08&VirtualMFADeviceName=golden&Tags.member.1.Key=k&Tags.member.1.Value=v"},
		{"EnableMFADevice", "iam", "Action=EnableMFADevice&Version=2010-05-08&UserName=alice&SerialNumber={serial}&AuthenticationCode1={code-1}&AuthenticationCode2={code0}"},
		{"ListMFADevices", "iam", "Action=ListMFADevices&Version=2010-05-08&UserName=alice"},
		{"ListVirtualMFADevices", "iam", "Action=ListVirtualMFADevices&Version=2010-05-08"},
		{"ResyncMFADevice", "iam", "Action=ResyncMFADevice&Version=2010-05-08&UserName=alice&SerialNumber={serial}&AuthenticationCode1={code0}&AuthenticationCode2={code1}"},
		{"TagMFADevice", "iam", "Action=TagMFADevice&Version=2010-05-08&SerialNumber={serial}&Tags.member.1.Key=team&Tags.member.1.Value=ops"},
		{"UntagMFADevice", "iam", "Action=UntagMFADevice&Version=2010-05-08&SerialNumber={serial}&TagKeys.member.1=k"},
		{"ListMFADeviceTags", "iam", "Action=ListMFADeviceTags&Version=2010-05-08&SerialNumber={serial}"},
		{"DeactivateMFADevice", "iam", "Action=DeactivateMFADevice&Version=2010-05-08&UserName=alice&SerialNumber={serial}"},
		{"DeleteVirtualMFADevice", "iam", "Action=DeleteVirtualMFADevice&Version=2010-05-08&SerialNumber={serial}"},
		{"UploadSSHPublicKey", "iam", "Action=UploadSSHPublicKey&Version=2010-05-08&UserName=alice&SSHPublicKeyBody=" + url.QueryEscape(testSSHKey)},
		{"GetSSHPublicKey", "iam", "Action=GetSSHPublicKey&Version=2010-05-08&UserName=alice&SSHPublicKeyId={ssh}&Encoding=PEM"},
		{"ListSSHPublicKeys", "iam", "Action=ListSSHPublicKeys&Version=2010-05-08&UserName=alice"},
		{"UpdateSSHPublicKey", "iam", "Action=UpdateSSHPublicKey&Version=2010-05-08&UserName=alice&SSHPublicKeyId={ssh}&Status=Inactive"},
		{"DeleteSSHPublicKey", "iam", "Action=DeleteSSHPublicKey&Version=2010-05-08&UserName=alice&SSHPublicKeyId={ssh}"},
		{"CreateServiceSpecificCredential", "iam", "Action=CreateServiceSpecificCredential&Version=2010-05-08&UserName=alice&ServiceName=codecommit.amazonaws.com"},
		{"ResetServiceSpecificCredential", "iam", "Action=ResetServiceSpecificCredential&Version=2010-05-08&UserName=alice&ServiceSpecificCredentialId={svc}"},
		{"ListServiceSpecificCredentials", "iam", "Action=ListServiceSpecificCredentials&Version=2010-05-08&UserName=alice"},
		{"UpdateServiceSpecificCredential", "iam", "Action=UpdateServiceSpecificCredential&Version=2010-05-08&UserName=alice&ServiceSpecificCredentialId={svc}&Status=Inactive"},
		{"DeleteServiceSpecificCredential", "iam", "Action=DeleteServiceSpecificCredential&Version=2010-05-08&UserName=alice&ServiceSpecificCredentialId={svc}"},
		{"UploadSigningCertificate", "iam", "Action=UploadSigningCertificate&Version=2010-05-08&UserName=alice&CertificateBody=" + url.QueryEscape(testCertificate)},
		{"ListSigningCertificates", "iam", "Action=ListSigningCertificates&Version=2010-05-08&UserName=alice"},
		{"UpdateSigningCertificate", "iam", "Action=UpdateSigningCertificate&Version=2010-05-08&UserName=alice&CertificateId={cert}&Status=Inactive"},
		{"DeleteSigningCertificate", "iam", "Action=DeleteSigningCertificate&Version=2010-05-08&UserName=alice&CertificateId={cert}"},
		{"CreateAccountAlias", "iam", "Action=CreateAccountAlias&Version=2010-05-08&AccountAlias=golden-example"},
		{"ListAccountAliases", "iam", "Action=ListAccountAliases&Version=2010-05-08"},
		{"DeleteAccountAlias", "iam", "Action=DeleteAccountAlias&Version=2010-05-08&AccountAlias=golden-example"},
		{"CreateGroup-ops", "iam", "Action=CreateGroup&Version=2010-05-08&GroupName=ops"},
		{"PutGroupPolicy-ops", "iam", "Action=PutGroupPolicy&Version=2010-05-08&GroupName=ops&PolicyName=g1&PolicyDocument=" + url.QueryEscape(policy.SelfManageAccessKeysPolicy)},
		{"AttachGroupPolicy-ops", "iam", "Action=AttachGroupPolicy&Version=2010-05-08&GroupName=ops&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FIAMReadOnlyAccess"},
		{"AttachUserPolicy-alice", "iam", "Action=AttachUserPolicy&Version=2010-05-08&UserName=alice&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FIAMReadOnlyAccess"},
		{"ListEntitiesForPolicy", "iam", "Action=ListEntitiesForPolicy&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FIAMReadOnlyAccess"},
		{"GetAccountSummary", "iam", "Action=GetAccountSummary&Version=2010-05-08"},
		{"GetAccountAuthorizationDetails", "iam", "Action=GetAccountAuthorizationDetails&Version=2010-05-08"},
		{"ListRoles", "iam", "Action=ListRoles&Version=2010-05-08"},
		{"ListInstanceProfiles", "iam", "Action=ListInstanceProfiles&Version=2010-05-08"},
		{"ListSAMLProviders", "iam", "Action=ListSAMLProviders&Version=2010-05-08"},
		{"ListOpenIDConnectProviders", "iam", "Action=ListOpenIDConnectProviders&Version=2010-05-08"},
		{"UpdateGroup", "iam", "Action=UpdateGroup&Version=2010-05-08&GroupName=ops&NewGroupName=operations&NewPath=%2Fteam%2F"},
		{"UpdateGroup-NoSuchEntity", "iam", "Action=UpdateGroup&Version=2010-05-08&GroupName=none&NewPath=%2F"},
		{"UploadServerCertificate", "iam", "Action=UploadServerCertificate&Version=2010-05-08&ServerCertificateName=web&Path=%2Fcloudfront%2F&CertificateBody=" + url.QueryEscape(testServerCert) + "&PrivateKey=" + url.QueryEscape(testServerKey) + "&CertificateChain=" + url.QueryEscape(testCAChain)},
		{"UploadServerCertificate-KeyPairMismatch", "iam", "Action=UploadServerCertificate&Version=2010-05-08&ServerCertificateName=bad&CertificateBody=" + url.QueryEscape(testCertificate) + "&PrivateKey=" + url.QueryEscape(testServerKey)},
		{"GetServerCertificate", "iam", "Action=GetServerCertificate&Version=2010-05-08&ServerCertificateName=web"},
		{"ListServerCertificates", "iam", "Action=ListServerCertificates&Version=2010-05-08"},
		{"TagServerCertificate", "iam", "Action=TagServerCertificate&Version=2010-05-08&ServerCertificateName=web&Tags.member.1.Key=env&Tags.member.1.Value=prod"},
		{"ListServerCertificateTags", "iam", "Action=ListServerCertificateTags&Version=2010-05-08&ServerCertificateName=web"},
		{"UntagServerCertificate", "iam", "Action=UntagServerCertificate&Version=2010-05-08&ServerCertificateName=web&TagKeys.member.1=env"},
		{"UpdateServerCertificate", "iam", "Action=UpdateServerCertificate&Version=2010-05-08&ServerCertificateName=web&NewServerCertificateName=www"},
		{"DeleteServerCertificate", "iam", "Action=DeleteServerCertificate&Version=2010-05-08&ServerCertificateName=www"},
		{"PutUserPermissionsBoundary", "iam", "Action=PutUserPermissionsBoundary&Version=2010-05-08&UserName=alice&PermissionsBoundary=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FIAMReadOnlyAccess"},
		{"GetUser-bounded", "iam", "Action=GetUser&Version=2010-05-08&UserName=alice"},
		{"PutUserPermissionsBoundary-NoSuchEntity", "iam", "Action=PutUserPermissionsBoundary&Version=2010-05-08&UserName=alice&PermissionsBoundary=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FNone"},
		{"DeleteUserPermissionsBoundary", "iam", "Action=DeleteUserPermissionsBoundary&Version=2010-05-08&UserName=alice"},
		{"SimulateCustomPolicy", "iam", "Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=" + url.QueryEscape(policy.SelfManageAccessKeysPolicy) +
			"&PermissionsBoundaryPolicyInputList.member.1=" + url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`) +
			"&ActionNames.member.1=iam%3AListAccessKeys&ActionNames.member.2=iam%3ACreateAccessKey&ResourceArns.member.1=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Falice" +
			"&CallerArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Feng%2Falice"},
		{"GetContextKeysForCustomPolicy", "iam", "Action=GetContextKeysForCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=" +
			url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)},
		{"GetContextKeysForPrincipalPolicy", "iam", "Action=GetContextKeysForPrincipalPolicy&Version=2010-05-08&PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Feng%2Falice"},
		{"GenerateServiceLastAccessedDetails", "iam", "Action=GenerateServiceLastAccessedDetails&Version=2010-05-08&Arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Feng%2Falice"},
		{"GetServiceLastAccessedDetails", "iam", "Action=GetServiceLastAccessedDetails&Version=2010-05-08&JobId={job}"},
		{"GetServiceLastAccessedDetailsWithEntities", "iam", "Action=GetServiceLastAccessedDetailsWithEntities&Version=2010-05-08&JobId={job}&ServiceNamespace=iam"},
		{"ListPoliciesGrantingServiceAccess", "iam", "Action=ListPoliciesGrantingServiceAccess&Version=2010-05-08&Arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Feng%2Falice&ServiceNamespaces.member.1=iam&ServiceNamespaces.member.2=s3"},
		{"SetSecurityTokenServicePreferences", "iam", "Action=SetSecurityTokenServicePreferences&Version=2010-05-08&GlobalEndpointTokenVersion=v2Token"},
		{"CreateRole", "iam", "Action=CreateRole&Version=2010-05-08&RoleName=deploy&Path=%2Fci%2F&Description=CI+deploys&MaxSessionDuration=7200&Tags.member.1.Key=team&Tags.member.1.Value=ops&AssumeRolePolicyDocument=" + url.QueryEscape(kwtest.TrustAccount)},
		{"CreateRole-MalformedPolicyDocument", "iam", "Action=CreateRole&Version=2010-05-08&RoleName=bad&AssumeRolePolicyDocument=" + url.QueryEscape(policy.SelfManageAccessKeysPolicy)},
		{"GetRole", "iam", "Action=GetRole&Version=2010-05-08&RoleName=deploy"},
		{"ListRoles-deploy", "iam", "Action=ListRoles&Version=2010-05-08"},
		{"UpdateRole", "iam", "Action=UpdateRole&Version=2010-05-08&RoleName=deploy&MaxSessionDuration=3600"},
		{"UpdateRoleDescription", "iam", "Action=UpdateRoleDescription&Version=2010-05-08&RoleName=deploy&Description=deploys"},
		{"UpdateAssumeRolePolicy", "iam", "Action=UpdateAssumeRolePolicy&Version=2010-05-08&RoleName=deploy&PolicyDocument=" + url.QueryEscape(kwtest.TrustAccount)},
		{"PutRolePolicy", "iam", "Action=PutRolePolicy&Version=2010-05-08&RoleName=deploy&PolicyName=s3&PolicyDocument=" + url.QueryEscape(policy.SelfManageAccessKeysPolicy)},
		{"GetRolePolicy", "iam", "Action=GetRolePolicy&Version=2010-05-08&RoleName=deploy&PolicyName=s3"},
		{"ListRolePolicies", "iam", "Action=ListRolePolicies&Version=2010-05-08&RoleName=deploy"},
		{"AttachRolePolicy", "iam", "Action=AttachRolePolicy&Version=2010-05-08&RoleName=deploy&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FIAMReadOnlyAccess"},
		{"ListAttachedRolePolicies", "iam", "Action=ListAttachedRolePolicies&Version=2010-05-08&RoleName=deploy"},
		{"DeleteRole-DeleteConflict", "iam", "Action=DeleteRole&Version=2010-05-08&RoleName=deploy"},
		{"ListEntitiesForPolicy-role", "iam", "Action=ListEntitiesForPolicy&Version=2010-05-08&EntityFilter=Role&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FIAMReadOnlyAccess"},
		{"GetAccountAuthorizationDetails-role", "iam", "Action=GetAccountAuthorizationDetails&Version=2010-05-08&Filter.member.1=Role"},
		{"DetachRolePolicy", "iam", "Action=DetachRolePolicy&Version=2010-05-08&RoleName=deploy&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FIAMReadOnlyAccess"},
		{"DeleteRolePolicy", "iam", "Action=DeleteRolePolicy&Version=2010-05-08&RoleName=deploy&PolicyName=s3"},
		{"PutRolePermissionsBoundary", "iam", "Action=PutRolePermissionsBoundary&Version=2010-05-08&RoleName=deploy&PermissionsBoundary=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FIAMReadOnlyAccess"},
		{"DeleteRolePermissionsBoundary", "iam", "Action=DeleteRolePermissionsBoundary&Version=2010-05-08&RoleName=deploy"},
		{"TagRole", "iam", "Action=TagRole&Version=2010-05-08&RoleName=deploy&Tags.member.1.Key=cost&Tags.member.1.Value=7"},
		{"UntagRole", "iam", "Action=UntagRole&Version=2010-05-08&RoleName=deploy&TagKeys.member.1=team"},
		{"ListRoleTags", "iam", "Action=ListRoleTags&Version=2010-05-08&RoleName=deploy"},
		{"DeleteRole", "iam", "Action=DeleteRole&Version=2010-05-08&RoleName=deploy"},
		{"GetRole-NoSuchEntity", "iam", "Action=GetRole&Version=2010-05-08&RoleName=deploy"},
		{"GetSessionToken", "sts", "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=3600"},
		{"CreateOpenIDConnectProvider", "iam", "Action=CreateOpenIDConnectProvider&Version=2010-05-08&Url=https%3A%2F%2Ftoken.example.com%2Fci&ClientIDList.member.1=sts.amazonaws.com&ThumbprintList.member.1=" + kwtest.Thumbprint + "&Tags.member.1.Key=team&Tags.member.1.Value=ci"},
		{"CreateOpenIDConnectProvider-EntityAlreadyExists", "iam", "Action=CreateOpenIDConnectProvider&Version=2010-05-08&Url=https%3A%2F%2Ftoken.example.com%2Fci%2F&ThumbprintList.member.1=" + kwtest.Thumbprint},
		{"AddClientIDToOpenIDConnectProvider", "iam", "Action=AddClientIDToOpenIDConnectProvider&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fci&ClientID=my-app"},
		{"RemoveClientIDFromOpenIDConnectProvider", "iam", "Action=RemoveClientIDFromOpenIDConnectProvider&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fci&ClientID=sts.amazonaws.com"},
		{"UpdateOpenIDConnectProviderThumbprint", "iam", "Action=UpdateOpenIDConnectProviderThumbprint&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fci&ThumbprintList.member.1=" + strings.ToUpper(kwtest.Thumbprint)},
		{"TagOpenIDConnectProvider", "iam", "Action=TagOpenIDConnectProvider&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fci&Tags.member.1.Key=env&Tags.member.1.Value=prod"},
		{"UntagOpenIDConnectProvider", "iam", "Action=UntagOpenIDConnectProvider&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fci&TagKeys.member.1=team"},
		{"ListOpenIDConnectProviderTags", "iam", "Action=ListOpenIDConnectProviderTags&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fci"},
		{"GetOpenIDConnectProvider", "iam", "Action=GetOpenIDConnectProvider&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fci"},
		{"ListOpenIDConnectProviders-one", "iam", "Action=ListOpenIDConnectProviders&Version=2010-05-08"},
		{"DeleteOpenIDConnectProvider", "iam", "Action=DeleteOpenIDConnectProvider&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fci"},
		{"GetOpenIDConnectProvider-NoSuchEntity", "iam", "Action=GetOpenIDConnectProvider&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fci"},
		{"CreatePolicy-tagged", "iam", "Action=CreatePolicy&Version=2010-05-08&PolicyName=Tagged&Tags.member.1.Key=owner&Tags.member.1.Value=ops&PolicyDocument=" + url.QueryEscape(policy.SelfManageAccessKeysPolicy)},
		{"TagPolicy", "iam", "Action=TagPolicy&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FTagged&Tags.member.1.Key=cost&Tags.member.1.Value=42"},
		{"UntagPolicy", "iam", "Action=UntagPolicy&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FTagged&TagKeys.member.1=owner"},
		{"ListPolicyTags", "iam", "Action=ListPolicyTags&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FTagged"},
		{"GetPolicy-tagged", "iam", "Action=GetPolicy&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FTagged"},
		{"TagPolicy-AWSManaged", "iam", "Action=TagPolicy&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FIAMReadOnlyAccess&Tags.member.1.Key=cost&Tags.member.1.Value=42"},
		{"CreateAccessKey-alice-again", "iam", "Action=CreateAccessKey&Version=2010-05-08&UserName=alice"},
		{"CreateRole-assumable", "iam", "Action=CreateRole&Version=2010-05-08&RoleName=assumable&AssumeRolePolicyDocument=" + url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/eng/alice"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`)},
		{"AssumeRole", "sts", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fassumable&RoleSessionName=golden&DurationSeconds=900&Tags.member.1.Key=team&Tags.member.1.Value=blue&Policy=" + url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`) + "&as=alice"},
		{"AssumeRole-AccessDenied", "sts", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fnone&RoleSessionName=golden&as=alice"},
		{"AssumeRoleWithWebIdentity-InvalidIdentityToken", "sts", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fassumable&RoleSessionName=golden&WebIdentityToken=not-a-token"},
		{"GetFederationToken-AccessDenied", "sts", "Action=GetFederationToken&Version=2011-06-15&Name=web-user&as=alice"},
		{"GetFederationToken", "sts", "Action=GetFederationToken&Version=2011-06-15&Name=web-user&DurationSeconds=900&Policy=" + url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)},
		{"CreateInstanceProfile", "iam", "Action=CreateInstanceProfile&Version=2010-05-08&InstanceProfileName=web&Path=%2Fapp%2F&Tags.member.1.Key=env&Tags.member.1.Value=prod"},
		{"CreateInstanceProfile-EntityAlreadyExists", "iam", "Action=CreateInstanceProfile&Version=2010-05-08&InstanceProfileName=WEB"},
		{"AddRoleToInstanceProfile", "iam", "Action=AddRoleToInstanceProfile&Version=2010-05-08&InstanceProfileName=web&RoleName=assumable"},
		{"AddRoleToInstanceProfile-LimitExceeded", "iam", "Action=AddRoleToInstanceProfile&Version=2010-05-08&InstanceProfileName=web&RoleName=assumable"},
		{"GetInstanceProfile", "iam", "Action=GetInstanceProfile&Version=2010-05-08&InstanceProfileName=web"},
		{"ListInstanceProfiles-one", "iam", "Action=ListInstanceProfiles&Version=2010-05-08"},
		{"ListInstanceProfilesForRole", "iam", "Action=ListInstanceProfilesForRole&Version=2010-05-08&RoleName=assumable"},
		{"TagInstanceProfile", "iam", "Action=TagInstanceProfile&Version=2010-05-08&InstanceProfileName=web&Tags.member.1.Key=team&Tags.member.1.Value=a"},
		{"UntagInstanceProfile", "iam", "Action=UntagInstanceProfile&Version=2010-05-08&InstanceProfileName=web&TagKeys.member.1=env"},
		{"ListInstanceProfileTags", "iam", "Action=ListInstanceProfileTags&Version=2010-05-08&InstanceProfileName=web"},
		{"DeleteRole-in-instance-profile", "iam", "Action=DeleteRole&Version=2010-05-08&RoleName=assumable"},
		{"DeleteInstanceProfile-DeleteConflict", "iam", "Action=DeleteInstanceProfile&Version=2010-05-08&InstanceProfileName=web"},
		{"RemoveRoleFromInstanceProfile", "iam", "Action=RemoveRoleFromInstanceProfile&Version=2010-05-08&InstanceProfileName=web&RoleName=assumable"},
		{"DeleteInstanceProfile", "iam", "Action=DeleteInstanceProfile&Version=2010-05-08&InstanceProfileName=web"},
		{"CreateServiceLinkedRole", "iam", "Action=CreateServiceLinkedRole&Version=2010-05-08&AWSServiceName=autoscaling.amazonaws.com&Description=scaling"},
		{"DeleteRole-UnmodifiableEntity", "iam", "Action=DeleteRole&Version=2010-05-08&RoleName=AWSServiceRoleForAutoScaling"},
		{"DeleteServiceLinkedRole", "iam", "Action=DeleteServiceLinkedRole&Version=2010-05-08&RoleName=AWSServiceRoleForAutoScaling"},
		{"GetServiceLinkedRoleDeletionStatus", "iam", "Action=GetServiceLinkedRoleDeletionStatus&Version=2010-05-08&DeletionTaskId={task}"},
		{"DecodeAuthorizationMessage-InvalidAuthorizationMessageException", "sts", "Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=KWM1AAAA"},
		{"AssumeRole-root", "sts", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fassumable&RoleSessionName=golden"},
		// The simulator decides on what it is given only: without a caller
		// or context entries nothing is assumed (no transport, time or
		// caller), and what a decision lacked is listed as missing.
		{"SimulateCustomPolicy-MissingContextValues", "iam", "Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=" + url.QueryEscape(simulationPolicy) +
			"&ActionNames.member.1=s3%3AGetObject&ActionNames.member.2=s3%3APutObject&ActionNames.member.3=s3%3AListBucket"},
		{"SimulateCustomPolicy-ContextEntries", "iam", "Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=" + url.QueryEscape(simulationPolicy) +
			"&ActionNames.member.1=s3%3AGetObject&ActionNames.member.2=s3%3AListBucket&ResourceArns.member.1=arn%3Aaws%3As3%3A%3A%3Ab%2Falice%2Fx" + contextEntry(1, "aws:username", "alice") +
			contextEntry(2, "aws:CurrentTime", "2029-12-31T23:59:59Z") + contextEntry(3, "aws:PrincipalAccount", "123456789012")},
		// A context entry is the value "whenever a context key is evaluated",
		// the caller's own included.
		{"SimulateCustomPolicy-ContextEntries-CallerArn", "iam", "Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=" + url.QueryEscape(simulationPolicy) +
			"&ActionNames.member.1=s3%3AGetObject&ResourceArns.member.1=arn%3Aaws%3As3%3A%3A%3Ab%2Fbob%2Fx&CallerArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Feng%2Falice" +
			contextEntry(1, "aws:username", "bob")},
		{"SimulatePrincipalPolicy-MissingContextValues", "iam", "Action=SimulatePrincipalPolicy&Version=2010-05-08&PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Feng%2Falice&PolicyInputList.member.1=" +
			url.QueryEscape(simulationPolicy) + "&ActionNames.member.1=s3%3AGetObject&ActionNames.member.2=s3%3APutObject&ResourceArns.member.1=arn%3Aaws%3As3%3A%3A%3Ab%2Falice%2Fx"},
		{"CreateSAMLProvider", "iam", "Action=CreateSAMLProvider&Version=2010-05-08&Name=corp&Tags.member.1.Key=team&Tags.member.1.Value=sso&SAMLMetadataDocument=" + samlMetadata},
		{"CreateSAMLProvider-EntityAlreadyExists", "iam", "Action=CreateSAMLProvider&Version=2010-05-08&Name=CORP&SAMLMetadataDocument=" + samlMetadata},
		{"CreateSAMLProvider-InvalidInput", "iam", "Action=CreateSAMLProvider&Version=2010-05-08&Name=broken&SAMLMetadataDocument=" + strings.Repeat("x", 1000)},
		{"GetSAMLProvider", "iam", "Action=GetSAMLProvider&Version=2010-05-08&SAMLProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2Fcorp"},
		{"ListSAMLProviders-one", "iam", "Action=ListSAMLProviders&Version=2010-05-08"},
		{"UpdateSAMLProvider", "iam", "Action=UpdateSAMLProvider&Version=2010-05-08&SAMLProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2Fcorp&SAMLMetadataDocument=" + samlMetadata},
		{"TagSAMLProvider", "iam", "Action=TagSAMLProvider&Version=2010-05-08&SAMLProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2Fcorp&Tags.member.1.Key=env&Tags.member.1.Value=prod"},
		{"UntagSAMLProvider", "iam", "Action=UntagSAMLProvider&Version=2010-05-08&SAMLProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2Fcorp&TagKeys.member.1=team"},
		{"ListSAMLProviderTags", "iam", "Action=ListSAMLProviderTags&Version=2010-05-08&SAMLProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2Fcorp"},
		{"AssumeRoleWithSAML-InvalidIdentityToken", "sts", "Action=AssumeRoleWithSAML&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fassumable&PrincipalArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2Fcorp&SAMLAssertion=bm90IGEgcmVzcG9uc2U%3D"},
		{"DeleteSAMLProvider", "iam", "Action=DeleteSAMLProvider&Version=2010-05-08&SAMLProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2Fcorp"},
		{"GetSAMLProvider-NoSuchEntity", "iam", "Action=GetSAMLProvider&Version=2010-05-08&SAMLProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2Fcorp"},
		// Keyward's own actions, on the IAM endpoint (service keyward: signed
		// for iam, and not in IAM's model).
		{"CreateWebhookSubscription", "keyward", "Action=CreateWebhookSubscription&Version=2010-05-08&Url=" + url.QueryEscape("https://hooks.example.com/keyward?token=s3cr3t") +
			"&Secret=golden-webhook-secret&Events.member.1=access-key.created&Events.member.2=audit.CreateUser"},
		{"CreateWebhookSubscription-InvalidWebhookUrl", "keyward", "Action=CreateWebhookSubscription&Version=2010-05-08&Url=" + url.QueryEscape("http://127.0.0.1:8080/hook?token=s3cr3t") +
			"&Secret=golden-webhook-secret&Events.member.1=access-key.created"},
		{"CreateWebhookSubscription-InvalidInput", "keyward", "Action=CreateWebhookSubscription&Version=2010-05-08&Url=" + url.QueryEscape("https://hooks.example.com/") +
			"&Secret=golden-webhook-secret&Events.member.1=access-key.exploded"},
		{"GetWebhookSubscription", "keyward", "Action=GetWebhookSubscription&Version=2010-05-08&Id={whs}"},
		{"ListWebhookSubscriptions", "keyward", "Action=ListWebhookSubscriptions&Version=2010-05-08"},
		{"ListParkedWebhookDeliveries", "keyward", "Action=ListParkedWebhookDeliveries&Version=2010-05-08"},
		{"DeleteWebhookSubscription", "keyward", "Action=DeleteWebhookSubscription&Version=2010-05-08&Id={whs}"},
		{"GetWebhookSubscription-NoSuchWebhookSubscription", "keyward", "Action=GetWebhookSubscription&Version=2010-05-08&Id={whs}"},
		// Keyward's own actions (service keyward, signed for iam): the
		// console's sign-in through an OIDC provider.
		{"CreateOpenIDConnectProvider-console", "iam", "Action=CreateOpenIDConnectProvider&Version=2010-05-08&Url=https%3A%2F%2Ftoken.example.com%2Fconsole&ClientIDList.member.1=keyward-console&ThumbprintList.member.1=" + kwtest.Thumbprint},
		{"PutOpenIDConnectSignIn", "keyward", "Action=PutOpenIDConnectSignIn&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fconsole&ClientID=keyward-console&ClientSecret=golden-secret&DisplayName=Example+SSO&RoleArns.member.1=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fassumable"},
		{"PutOpenIDConnectSignIn-InvalidInput", "keyward", "Action=PutOpenIDConnectSignIn&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fconsole&ClientID=another-client&DisplayName=Example+SSO"},
		{"GetOpenIDConnectSignIn", "keyward", "Action=GetOpenIDConnectSignIn&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fconsole"},
		{"ListOpenIDConnectSignIns", "keyward", "Action=ListOpenIDConnectSignIns&Version=2010-05-08"},
		{"DeleteOpenIDConnectSignIn", "keyward", "Action=DeleteOpenIDConnectSignIn&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fconsole"},
		{"GetOpenIDConnectSignIn-NoSuchEntity", "keyward", "Action=GetOpenIDConnectSignIn&Version=2010-05-08&OpenIDConnectProviderArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Aoidc-provider%2Ftoken.example.com%2Fconsole"},
		// The key lifecycle policy; last, so that the randomness the steps
		// above draw is theirs alone.
		{"GetAccessKeyPolicy-NoSuchEntity", "keyward", "Action=GetAccessKeyPolicy&Version=2010-05-08"},
		{"PutAccessKeyPolicy", "keyward", "Action=PutAccessKeyPolicy&Version=2010-05-08&MaxAge=90d&Warn=14d&Unused=45d&DeleteInactive=30d&ReportOnlyRules.member.1=unused&PathPrefix=%2Fservice%2F&ScopedRules.member.1=delete-inactive"},
		{"GetAccessKeyPolicy", "keyward", "Action=GetAccessKeyPolicy&Version=2010-05-08"},
		{"PutAccessKeyPolicy-ValidationError", "keyward", "Action=PutAccessKeyPolicy&Version=2010-05-08&MaxAge=30s"},
		{"DeleteAccessKeyPolicy", "keyward", "Action=DeleteAccessKeyPolicy&Version=2010-05-08"},
		// Last: the organization these need draws on the randomness.
		{"GenerateOrganizationsAccessReport-InvalidInput", "iam", "Action=GenerateOrganizationsAccessReport&Version=2010-05-08&EntityPath=o-abcdefghij%2Fr-abcd"},
		{"GenerateOrganizationsAccessReport", "iam", "Action=GenerateOrganizationsAccessReport&Version=2010-05-08&EntityPath={orgpath}"},
		{"GetOrganizationsAccessReport", "iam", "Action=GetOrganizationsAccessReport&Version=2010-05-08&JobId={orgjob}&MaxItems=2&SortKey=LAST_AUTHENTICATED_TIME_DESCENDING"},
	}
	written := len(steps)
	steps = append(steps, derivedSteps(steps, query.Actions(), allOperations())...)
	// Values later steps use, by the element that returned them.
	captured := map[string]string{}
	capture := map[string]string{"serial": "<SerialNumber>", "seed": "<Base32StringSeed>", "ssh": "<SSHPublicKeyId>",
		"svc": "<ServiceSpecificCredentialId>", "cert": "<CertificateId>", "job": "<JobId>",
		"task": "<DeletionTaskId>", "whs": "<WebhookSubscription><Id>"}
	// The credential report is written in the background: wait for it, so
	// that it does not draw on the seeded randomness at a random moment.
	defer ts.Reports.Wait()
	var aliceID, aliceSecret string // made by the CreateAccessKey step
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if i >= written {
				// A derived step's randomness is its own, so that the
				// responses of one entity's steps do not change when
				// another entity's are added.
				rng.seed(st.name)
			}
			if i == 12 { // fill the root user's second slot first
				status, _, body := rawDo(t, kwtest.SignedRequest(t, ts.URL, "POST", "Action=CreateAccessKey&Version=2010-05-08", form, "iam", rootKeyID, rootSecret, at))
				if status != 200 {
					t.Fatalf("%d %s", status, body)
				}
			}
			if st.name == "GenerateOrganizationsAccessReport" {
				// The account's organization, made through its service: the
				// Query API has no operation for it.
				o, err := ts.Organizations.CreateOrganization(ts.RootContext(), keyward.FeatureSetAll)
				must(t, err)
				roots, _, err := ts.Organizations.ListRoots(ts.RootContext(), organizations.Page{})
				must(t, err)
				captured["orgpath"] = o.ID + "/" + roots[0].ID + "/" + kwtest.AccountID
			}
			id, secret, stepForm := rootKeyID, rootSecret, st.form
			if rest, ok := strings.CutSuffix(stepForm, "&as=alice"); ok {
				id, secret, stepForm = aliceID, aliceSecret, rest
			}
			if rest, ok := strings.CutSuffix(stepForm, "&as=alicekey"); ok {
				stepForm = rest + "&AccessKeyId=" + aliceID
			}
			for name, v := range captured {
				stepForm = strings.ReplaceAll(stepForm, "{"+name+"}", url.QueryEscape(v))
			}
			if seed := captured["seed"]; seed != "" {
				for step, name := range map[int]string{-1: "{code-1}", 0: "{code0}", 1: "{code1}"} {
					stepForm = strings.ReplaceAll(stepForm, name, totpCode(t, seed, at.Add(time.Duration(step)*30*time.Second)))
				}
			}
			if st.name == "GenerateServiceLastAccessedDetails" || st.name == "DeleteAccessKey" {
				// Uses reach the report once flushed, and only while their key
				// exists: flush now, not by chance.
				must(t, ts.Uses.Flush(context.Background()))
			}
			signing := st.service
			if signing == "keyward" {
				signing = "iam"
			}
			action, written := stepAction(stepForm), storedEvents(t, ts.Store, stepAction(stepForm))
			status, _, body := rawDo(t, kwtest.SignedRequest(t, ts.URL, "POST", stepForm, form, signing, id, secret, at))
			// A change's event is written in the change's transaction,
			// so it is in the store as soon as the change is answered.
			if op := changeOperation(action); op != nil && status == 200 {
				if n := storedEvents(t, ts.Store, action); n != written+1 {
					t.Errorf("%s answered with %d of its events in the store, want %d: not written with its change", action, n, written+1)
				}
			}
			for name, tag := range capture {
				if v := between(body, tag, "<"); v != "" && captured[name] == "" {
					if name == "seed" {
						b, err := base64.StdEncoding.DecodeString(v)
						must(t, err)
						v = string(b)
					}
					captured[name] = v
				}
			}
			if st.name == "GenerateOrganizationsAccessReport" {
				captured["orgjob"] = between(body, "<JobId>", "<")
			}
			if st.name == "CreateAccessKey" || st.name == "CreateAccessKey-alice-again" {
				aliceID, aliceSecret = between(body, "<AccessKeyId>", "<"), between(body, "<SecretAccessKey>", "<")
			}
			got := []byte(strings.ReplaceAll(body, "><", ">\n<") + "\n") // one element a line, for readable diffs
			path := filepath.Join("testdata", st.name+".xml")
			if *update {
				must(t, os.MkdirAll("testdata", 0o755))
				must(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("response differs from %s (status %d):\n%s\nwant:\n%s", path, status, got, want)
			}
			if status == 200 && st.service != "keyward" {
				checkAgainstModel(t, st.service, []byte(body))
			}
		})
	}
}

// model is the part of an AWS service model the check needs.
type model struct {
	Metadata struct {
		XMLNamespace string `json:"xmlNamespace"`
	} `json:"metadata"`
	Operations map[string]struct {
		Output *struct {
			Shape         string `json:"shape"`
			ResultWrapper string `json:"resultWrapper"`
		} `json:"output"`
	} `json:"operations"`
	Shapes map[string]struct {
		Type    string `json:"type"`
		Members map[string]struct {
			Shape string `json:"shape"`
		} `json:"members"`
		Member *struct {
			Shape string `json:"shape"`
		} `json:"member"`
		// A map's entries are <entry><key/><value/></entry>.
		Key, Value *struct {
			Shape string `json:"shape"`
		}
		Required []string `json:"required"`
	} `json:"shapes"`
}

var models = map[string]*model{}

func loadModel(t *testing.T, service string) *model {
	t.Helper()
	if m := models[service]; m != nil {
		return m
	}
	b, err := os.ReadFile(filepath.Join("..", "testdata", "aws", "spec", service, "service-2.json"))
	if err != nil {
		t.Fatalf("the service models must be beside the repository: %v", err)
	}
	m := &model{}
	must(t, json.Unmarshal(b, m))
	models[service] = m
	return m
}

// checkAgainstModel walks a response and checks that its root element,
// namespace, result wrapper and every element inside are what the model
// names, and that every required member is present.
func checkAgainstModel(t *testing.T, service string, body []byte) {
	t.Helper()
	m := loadModel(t, service)
	var root struct {
		XMLName xml.Name
		Inner   []byte `xml:",innerxml"`
	}
	must(t, xml.Unmarshal(body, &root))
	action := strings.TrimSuffix(root.XMLName.Local, "Response")
	op, ok := m.Operations[action]
	if !ok || root.XMLName.Space != m.Metadata.XMLNamespace {
		t.Fatalf("root element %v is no operation of %s", root.XMLName, service)
	}
	dec := xml.NewDecoder(strings.NewReader(string(root.Inner)))
	var path []string
	var shapes []string
	seen := []map[string]bool{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		must(t, err)
		switch el := tok.(type) {
		case xml.StartElement:
			name := el.Name.Local
			var shape string
			switch {
			case len(path) == 0 && name == "ResponseMetadata":
				shape = "-metadata"
			case len(path) == 0:
				if op.Output == nil || name != op.Output.ResultWrapper {
					t.Fatalf("%s: result element %s, want %v", action, name, op.Output)
				}
				shape = op.Output.Shape
			case shapes[len(shapes)-1] == "-metadata":
				shape = "-metadata"
			case strings.HasPrefix(shapes[len(shapes)-1], "-entry:"):
				parent := m.Shapes[strings.TrimPrefix(shapes[len(shapes)-1], "-entry:")]
				switch name {
				case "key":
					shape = parent.Key.Shape
				case "value":
					shape = parent.Value.Shape
				default:
					t.Fatalf("%s: map entry %s holds <%s>", action, strings.Join(path, "/"), name)
				}
			default:
				parent := m.Shapes[shapes[len(shapes)-1]]
				if parent.Type == "map" {
					if name != "entry" {
						t.Fatalf("%s: map %s holds <%s>", action, strings.Join(path, "/"), name)
					}
					shape = "-entry:" + shapes[len(shapes)-1]
				} else if parent.Type == "list" {
					if name != "member" {
						t.Fatalf("%s: list %s holds <%s>", action, strings.Join(path, "/"), name)
					}
					shape = parent.Member.Shape
				} else {
					mem, ok := parent.Members[name]
					if !ok {
						t.Fatalf("%s: <%s> in %s is not a member of %s", action, name, strings.Join(path, "/"), shapes[len(shapes)-1])
					}
					shape = mem.Shape
					seen[len(seen)-1][name] = true
				}
			}
			path = append(path, name)
			shapes = append(shapes, shape)
			seen = append(seen, map[string]bool{})
		case xml.EndElement:
			shape := m.Shapes[shapes[len(shapes)-1]]
			got := seen[len(seen)-1]
			for _, req := range shape.Required {
				// The root user's GetUser has no Path or UserName, as in AWS.
				if !got[req] && !(action == "GetUser" && (req == "Path" || req == "UserName")) {
					t.Errorf("%s: %s lacks required member %s", action, strings.Join(path, "/"), req)
				}
			}
			path, shapes, seen = path[:len(path)-1], shapes[:len(shapes)-1], seen[:len(seen)-1]
		}
	}
}

// between returns the text of s after start, up to end.
func between(s, start, end string) string {
	_, rest, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(rest, end)
	return v
}

// TestGoldenForEveryAction: every row of the table of actions has its
// golden response, so that no action's XML goes unchecked.
func TestGoldenForEveryAction(t *testing.T) {
	for service, names := range query.Actions() {
		for _, name := range names {
			matches, _ := filepath.Glob(filepath.Join("testdata", name+"-*.xml"))
			if _, err := os.Stat(filepath.Join("testdata", name+".xml")); err != nil && len(matches) == 0 {
				t.Errorf("%s:%s has no golden response in testdata/ (go test -run TestGoldenResponses -update writes one, from a written step or a derived one)", service, name)
			}
		}
	}
}

// allOperations are the IAM and Keyward actions' operations by name.
func allOperations() map[string]*keyward.Operation {
	out := maps.Clone(iam.Operations())
	maps.Copy(out, iam.KeywardOperations)
	maps.Copy(out, lifecycle.Operations)
	return out
}

// changeOperation returns the operation of an IAM or Keyward action that
// changes something, or nil.
func changeOperation(action string) *keyward.Operation {
	if op := allOperations()[action]; op != nil && !op.ReadOnly {
		return op
	}
	return nil
}

// stepAction is the Action a step's form names.
func stepAction(form string) string {
	v, _ := url.ParseQuery(form)
	return v.Get("Action")
}

// storedEvents counts the events of action in st.
func storedEvents(t *testing.T, st keyward.AuditStore, action string) int {
	t.Helper()
	events, _, err := st.LookupEvents(context.Background(), keyward.EventQuery{EventName: action, Max: 1000})
	must(t, err)
	return len(events)
}

// TestDerivedSteps: an entity no written step names gets a step for each
// of its operations, naming the same entity, in the order of its life;
// an operation a written step performs gets none.
func TestDerivedSteps(t *testing.T) {
	name := keyward.NewStringShape("widgetNameType", 1, 64, `[\w+=,.@-]+`)
	widget := keyward.ReqParam("WidgetName", name)
	ops := keyward.OperationTable(keyward.ServiceIAM, map[string]keyward.Operation{
		"CreateWidget":   keyward.Changes(widget, keyward.TagsParam(false)),
		"GetWidget":      keyward.Reads(widget),
		"ListWidgets":    keyward.Reads(),
		"UpdateWidget":   keyward.Changes(widget, keyward.OptParam("NewWidgetName", name)),
		"DeleteWidget":   keyward.Changes(widget),
		"TagWidget":      keyward.Changes(widget, keyward.TagsParam(true)),
		"UntagWidget":    keyward.Changes(widget, keyward.ListParam("TagKeys", keyward.TagKeyShape, true)),
		"ListWidgetTags": keyward.Reads(widget),
		"ListUsers":      keyward.Reads(),
	})
	written := []goldenStep{{"ListUsers", "iam", "Action=ListUsers&Version=2010-05-08"}}
	served := map[string][]string{"iam": {"UntagWidget", "ListUsers", "DeleteWidget", "ListWidgetTags", "GetWidget", "TagWidget", "UpdateWidget", "ListWidgets", "CreateWidget",
		"PingWidget"}} // served without a descriptor: no step
	var got []string
	for _, st := range derivedSteps(written, served, ops) {
		got = append(got, st.form)
	}
	v := "Action=%s&Version=2010-05-08"
	want := []string{
		fmt.Sprintf(v, "CreateWidget") + "&WidgetName=x",
		fmt.Sprintf(v, "GetWidget") + "&WidgetName=x",
		fmt.Sprintf(v, "ListWidgets"),
		fmt.Sprintf(v, "TagWidget") + "&Tags.member.1.Key=k&Tags.member.1.Value=v&WidgetName=x",
		fmt.Sprintf(v, "ListWidgetTags") + "&WidgetName=x",
		fmt.Sprintf(v, "UntagWidget") + "&TagKeys.member.1=k&WidgetName=x",
		fmt.Sprintf(v, "UpdateWidget") + "&WidgetName=x",
		fmt.Sprintf(v, "DeleteWidget") + "&WidgetName=x",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("derived steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
