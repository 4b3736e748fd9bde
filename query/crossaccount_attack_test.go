package query_test

import (
	"context"
	"maps"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	kwiam "github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/query"
	"github.com/keyward/keyward/sts"
)

// otherAccount is the second account of TestCrossAccountMatrix.
const otherAccount = "210987654321"

// newOtherAccount makes otherAccount, account B, in ts's installation and
// returns its root user's key and IAM client.
func newOtherAccount(t *testing.T, ts *apiServer) (id, secret string, root *iam.Client) {
	t.Helper()
	ctx := context.Background()
	must(t, ts.Store.CreateAccount(ctx, keyward.Account{ID: otherAccount, Name: "b", CreatedAt: time.Now()}, nil))
	key, secret, err := ts.IAM.CreateAccountRootKey(keyward.Internal(ctx), otherAccount)
	must(t, err)
	return key.ID, secret, ts.IAMClient(key.ID, secret)
}

// everyAction returns every operation the Query API serves, by name, and
// every action, "service:name", in order.
func everyAction() (map[string]*keyward.Operation, []string) {
	ops := map[string]*keyward.Operation{}
	for _, table := range []map[string]*keyward.Operation{kwiam.Operations(), kwiam.KeywardOperations, lifecycle.Operations, sts.Operations} {
		maps.Copy(ops, table)
	}
	var all []string
	for service, names := range query.Actions() {
		for _, name := range names {
			all = append(all, service+":"+name)
		}
	}
	sort.Strings(all)
	return ops, all
}

// TestCrossAccountMatrix: a principal of one account allowed everything
// ("Action": "*" on "*") calls every action of the action table with the
// names and ARNs of another account's entities, which exist there under
// those names. No answer shows anything of the other account (none of its
// entities' unique IDs), and the other account is as it was: what the
// caller reaches is its own account, where those names are its own or
// nothing (NoSuchEntity), and another account's ARNs are refused.
func TestCrossAccountMatrix(t *testing.T) {
	ts := newAPIServer(t)
	ctx := context.Background()
	bKeyID, bSecret, b := newOtherAccount(t, ts)

	// Account B's entities, under the names the samples give.
	secrets := map[string]bool{} // B's unique IDs, which no answer to A may show
	u, err := b.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("target"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	must(t, err)
	secrets[aws.ToString(u.User.UserId)] = true
	k, err := b.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("target")})
	must(t, err)
	secrets[aws.ToString(k.AccessKey.AccessKeyId)] = true
	_, err = b.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("target"), Password: aws.String("Target-Passw0rd")})
	must(t, err)
	g, err := b.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	must(t, err)
	secrets[aws.ToString(g.Group.GroupId)] = true
	_, err = b.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g"), UserName: aws.String("target")})
	must(t, err)
	p, err := b.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("P"), PolicyDocument: aws.String(kwtest.AllowAll)})
	must(t, err)
	secrets[aws.ToString(p.Policy.PolicyId)] = true
	_, err = b.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: p.Policy.Arn})
	must(t, err)
	_, err = b.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("target"), PolicyName: aws.String("p"), PolicyDocument: aws.String(kwtest.AllowAll)})
	must(t, err)
	r, err := b.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("trusting"),
		AssumeRolePolicyDocument: aws.String(strings.ReplaceAll(kwtest.TrustAccount, "123456789012", otherAccount))})
	must(t, err)
	secrets[aws.ToString(r.Role.RoleId)] = true
	ip, err := b.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("x")})
	must(t, err)
	secrets[aws.ToString(ip.InstanceProfile.InstanceProfileId)] = true
	_, err = b.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone")})
	must(t, err)
	_, err = b.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("tenant-b")})
	must(t, err)
	_, err = b.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.example.com"),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{kwtest.Thumbprint}})
	must(t, err)
	_, err = b.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(20)})
	must(t, err)

	// B as B sees it, before and after: every answer of these, less its
	// request ID.
	snapshot := func() string {
		t.Helper()
		var out strings.Builder
		for _, form := range []string{
			"Action=GetAccountAuthorizationDetails&Version=2010-05-08",
			"Action=ListAccessKeys&Version=2010-05-08&UserName=target",
			"Action=GetLoginProfile&Version=2010-05-08&UserName=target",
			"Action=ListUserTags&Version=2010-05-08&UserName=target",
			"Action=ListVirtualMFADevices&Version=2010-05-08",
			"Action=ListAccountAliases&Version=2010-05-08",
			"Action=GetAccountPasswordPolicy&Version=2010-05-08",
			"Action=ListOpenIDConnectProviders&Version=2010-05-08",
			"Action=ListInstanceProfiles&Version=2010-05-08",
			"Action=ListSSHPublicKeys&Version=2010-05-08&UserName=target",
			"Action=ListSigningCertificates&Version=2010-05-08&UserName=target",
			"Action=ListServiceSpecificCredentials&Version=2010-05-08&UserName=target",
			"Action=ListServerCertificates&Version=2010-05-08",
			"Action=ListSAMLProviders&Version=2010-05-08",
			"Action=GetAccountSummary&Version=2010-05-08",
		} {
			_, _, body := rawDo(t, kwtest.SignedFor(t, ts.URL, form, "iam", "us-east-1", bKeyID, bSecret))
			out.WriteString(requestIDs.ReplaceAllString(body, "") + "\n")
		}
		return out.String()
	}
	before := snapshot()

	// A's administrator: everything, on everything.
	id, secret := createUserKey(t, ts.RootIAM(), "admin")
	_, err = ts.RootIAM().PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("all"), PolicyDocument: aws.String(kwtest.AllowAll)})
	must(t, err)

	ops, all := everyAction()
	for _, full := range all {
		service, name, _ := strings.Cut(full, ":")
		t.Run(name, func(t *testing.T) {
			form := strings.ReplaceAll(deniedForm(ops[name]), "123456789012", otherAccount)
			version, signing := query.IAMVersion, service
			switch service {
			case "sts":
				version = query.STSVersion
			case "keyward":
				signing = "iam"
			}
			body := "Action=" + name + "&Version=" + version
			if form != "" {
				body += "&" + form
			}
			status, _, resp := rawDo(t, kwtest.SignedFor(t, ts.URL, body, signing, "us-east-1", id, secret))
			for s := range secrets {
				if strings.Contains(resp, s) {
					t.Fatalf("%s answered %d with account B's %s:\n%s", name, status, s, resp)
				}
			}
			if status == 200 && strings.Contains(resp, "arn:aws:iam::"+otherAccount+":") && !strings.Contains(body, otherAccount) {
				t.Fatalf("%s answered with an ARN of account B:\n%s", name, resp)
			}
		})
	}
	if after := snapshot(); after != before {
		t.Fatalf("account B changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// requestIDs matches a response's request ID, which differs each time.
var requestIDs = regexp.MustCompile(`<RequestId>[^<]*</RequestId>`)

// TestCrossAccountByID: what a caller names by a globally unique ID or a
// sealed token of another account (an access key ID, an encoded
// authorization message) tells it nothing of that account: not the key's
// owner or last use, not that the key is its own account's, not what the
// other account's principal was refused. Each is asked by an
// administrator of the first account allowed everything.
func TestCrossAccountByID(t *testing.T) {
	ts := newAPIServer(t)
	ctx := context.Background()
	bKeyID, bSecret, b := newOtherAccount(t, ts)
	_, err := b.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("b-only-user")})
	must(t, err)
	k, err := b.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("b-only-user")})
	must(t, err)
	bUserKey := aws.ToString(k.AccessKey.AccessKeyId)

	// A refusal of B's user, encoded for B.
	refused := keyward.WithCaller(ctx, &keyward.RequestContext{Principal: keyward.Principal{AccountID: otherAccount,
		UserName: "b-only-user", UserID: "AIDAKEYWARDNOSUCHUSER"}, CurrentTime: time.Now()})
	_, bMessage, ok := strings.Cut(keyward.ErrorMessage(ts.Authz.AuthorizeExternal(refused, "s3:GetObject", "arn:aws:s3:::b-bucket/k")),
		"Encoded authorization failure message: ")
	if !ok {
		t.Fatal("B's refusal has no encoded message")
	}
	if _, err := ts.STSClient(bKeyID, bSecret).DecodeAuthorizationMessage(ctx, &awssts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(bMessage)}); err != nil {
		t.Fatalf("B decodes its own message: %v", err)
	}

	id, secret := createUserKey(t, ts.RootIAM(), "admin")
	_, err = ts.RootIAM().PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("all"), PolicyDocument: aws.String(kwtest.AllowAll)})
	must(t, err)

	for _, tc := range []struct {
		name, service, form string
		wantStatus          int
		wantCode            string
	}{
		{"GetAccessKeyLastUsed of B's user's key", "iam", "Action=GetAccessKeyLastUsed&Version=2010-05-08&AccessKeyId=" + bUserKey, 404, "NoSuchEntity"},
		{"GetAccessKeyLastUsed of B's root key", "iam", "Action=GetAccessKeyLastUsed&Version=2010-05-08&AccessKeyId=" + bKeyID, 404, "NoSuchEntity"},
		{"GetAccessKeyInfo of B's key", "sts", "Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=" + bUserKey, 200, ""},
		{"DecodeAuthorizationMessage of B's message", "sts", "Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=" + bMessage, 400, "InvalidAuthorizationMessageException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, resp := rawDo(t, kwtest.SignedFor(t, ts.URL, tc.form, tc.service, "us-east-1", id, secret))
			if status != tc.wantStatus || !strings.Contains(resp, tc.wantCode) {
				t.Fatalf("answered %d, want %d %s:\n%s", status, tc.wantStatus, tc.wantCode, resp)
			}
			if strings.Contains(resp, "b-only-user") || strings.Contains(resp, "b-bucket") {
				t.Fatalf("the answer shows account B's:\n%s", resp)
			}
			// A key's account, which AWS tells of any key, is B's, never
			// the caller's.
			if strings.Contains(resp, kwtest.AccountID) {
				t.Fatalf("the answer names the caller's account for B's:\n%s", resp)
			}
		})
	}
}

// TestCrossAccountAWSManagedPolicyVersions: an AWS managed policy is one
// row every account of the installation shares, which after an upgrade of
// Keyward holds the versions of each release. No account's administrator
// puts an earlier version back in force, or deletes one, for the others
// (AWS's own managed policies are AWS's to change).
func TestCrossAccountAWSManagedPolicyVersions(t *testing.T) {
	ts := newAPIServer(t)
	ctx := context.Background()
	const arn = "arn:aws:iam::aws:policy/KeywardTestShared"
	at := time.Now().UTC().Truncate(time.Second)
	for i, doc := range []string{kwtest.AllowAll, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`} {
		must(t, ts.Store.PutAWSManagedPolicy(ctx, keyward.ManagedPolicy{ID: "ANPAKEYWARDTESTSHARED", Name: "KeywardTestShared", Path: "/", ARN: arn,
			DefaultVersion: "v" + string(rune('1'+i)), AWSManaged: true, CreatedAt: at, UpdatedAt: at}, doc))
	}
	_, _, b := newOtherAccount(t, ts)
	versions := func() string {
		t.Helper()
		out, err := ts.RootIAM().ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
		must(t, err)
		var s []string
		for _, v := range out.Versions {
			s = append(s, aws.ToString(v.VersionId)+":"+strconv.FormatBool(v.IsDefaultVersion))
		}
		sort.Strings(s)
		return strings.Join(s, ",")
	}
	before := versions()
	if before != "v1:false,v2:true" {
		t.Fatalf("versions before: %s", before)
	}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"SetDefaultPolicyVersion", func() error {
			_, err := b.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
			return err
		}},
		{"DeletePolicyVersion", func() error {
			_, err := b.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); err == nil {
				t.Fatal("another account changed an AWS managed policy's versions")
			}
			if after := versions(); after != before {
				t.Fatalf("the first account's AWS managed policy changed: %s, was %s", after, before)
			}
		})
	}
}
