package sts_test

import (
	"context"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// accessRole is the role CreateAccount makes in every member account,
// trusting the management account. Its sessions are named with other than
// five characters: "role/OrganizationAccountAccessRole/" and five more
// look like a secret access key to the audit trail's check.
const accessRole = "OrganizationAccountAccessRole"

// orgWorld is an installation with an organization: the management
// account (kwtest.AccountID) and two member accounts CreateAccount made.
type orgWorld struct {
	ts       *kwtest.Server
	org      *awsorg.Client
	orgID    string
	rootID   string
	b, c     string
	assumer  *sts.Client // a user of the management account allowed sts:AssumeRole
	assumerA string      // its ARN
}

func newOrgWorld(t *testing.T) *orgWorld {
	t.Helper()
	return newOrgWorldWith(t, kwtest.Options{})
}

// newOrgWorldWith is newOrgWorld with the server's options.
func newOrgWorldWith(t *testing.T, opts kwtest.Options) *orgWorld {
	t.Helper()
	ts := kwtest.NewServer(t, opts)
	ctx := context.Background()
	w := &orgWorld{ts: ts, org: ts.RootOrganizations()}
	o, err := w.org.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{})
	must(t, err)
	w.orgID = aws.ToString(o.Organization.Id)
	roots, err := w.org.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	w.rootID = aws.ToString(roots.Roots[0].Id)
	for _, v := range []struct {
		name string
		id   *string
	}{{"tenant-b", &w.b}, {"tenant-c", &w.c}} {
		made, err := w.org.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String(v.name + "@example.com"), AccountName: aws.String(v.name)})
		must(t, err)
		*v.id = aws.ToString(made.CreateAccountStatus.AccountId)
	}
	root := ts.RootIAM()
	id, secret := kwtest.CreateUserKey(t, root, "alice")
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	must(t, err)
	w.assumer, w.assumerA = ts.STSClient(id, secret), "arn:aws:iam::"+kwtest.AccountID+":user/alice"
	return w
}

// roleARN is the ARN of the role named name in account.
func roleARN(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

// assume assumes a role through c and returns the session's clients.
func (w *orgWorld) assume(t *testing.T, c *sts.Client, arn, session string) (*iam.Client, *sts.Client, *sts.AssumeRoleOutput) {
	t.Helper()
	out, err := c.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String(session)})
	must(t, err)
	i, s := w.ts.SessionClients(out.Credentials)
	return i, s, out
}

// admin returns the clients of a session of the access role of a member
// notAuthorizedToAssume is the start of AssumeRole's refusal of caller
// for the role arn, which says why after it.
func notAuthorizedToAssume(caller, arn string) string {
	return "User: " + caller + " is not authorized to perform: sts:AssumeRole on resource: " + arn
}

// newCIWorld is an orgWorld whose member account b has a CI role that
// trusts a test issuer on loopback (kwtest.Issuer.NewCIRole); it returns
// the world, the issuer, the role and an STS client that signs nothing,
// the caller of AssumeRoleWithWebIdentity.
func newCIWorld(t *testing.T) (*orgWorld, *kwtest.Issuer, kwtest.CIRole, *sts.Client) {
	t.Helper()
	w := newOrgWorldWith(t, kwtest.Options{OIDCAllowPrivate: true})
	bIAM, _ := w.admin(t, w.b)
	is := newTestIssuer(t)
	ci := is.NewCIRole(t, bIAM, w.ts.Clock.Now())
	return w, is, ci, w.ts.AnonymousSTS()
}

// account, assumed by the management account's alice.
func (w *orgWorld) admin(t *testing.T, account string) (*iam.Client, *sts.Client) {
	t.Helper()
	i, s, _ := w.assume(t, w.assumer, roleARN(account, accessRole), "adm")
	return i, s
}

// TestCrossAccountAssumeRole: a principal of the management account
// allowed sts:AssumeRole assumes the access role of a member account;
// the session is of the member account (its ARN, GetCallerIdentity) and
// acts there alone: a user it makes is the member account's, invisible
// from the management account, and the management account's users are
// invisible to it.
func TestCrossAccountAssumeRole(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	bIAM, bSTS, out := w.assume(t, w.assumer, roleARN(w.b, accessRole), "ops")
	if want := "arn:aws:sts::" + w.b + ":assumed-role/" + accessRole + "/ops"; aws.ToString(out.AssumedRoleUser.Arn) != want {
		t.Fatalf("the session is %s, want %s", aws.ToString(out.AssumedRoleUser.Arn), want)
	}
	me, err := bSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	if aws.ToString(me.Account) != w.b || aws.ToString(me.Arn) != aws.ToString(out.AssumedRoleUser.Arn) {
		t.Fatalf("GetCallerIdentity: %s %s", aws.ToString(me.Account), aws.ToString(me.Arn))
	}
	made, err := bIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
	must(t, err)
	if want := "arn:aws:iam::" + w.b + ":user/carol"; aws.ToString(made.User.Arn) != want {
		t.Fatalf("carol is %s, want %s", aws.ToString(made.User.Arn), want)
	}
	root := w.ts.RootIAM()
	for _, v := range []struct {
		name  string
		c     *iam.Client
		user  string
		found bool
	}{
		{"the member account sees its user", bIAM, "carol", true},
		{"the management account does not see the member's", root, "carol", false},
		{"the member account does not see the management's", bIAM, "alice", false},
		{"the management account sees its own", root, "alice", true},
	} {
		t.Run(v.name, func(t *testing.T) {
			_, err := v.c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(v.user)})
			if v.found {
				must(t, err)
			} else {
				kwtest.WantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "The user with name "+v.user+" cannot be found.")
			}
		})
	}
	users, err := bIAM.ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)
	if len(users.Users) != 1 || aws.ToString(users.Users[0].UserName) != "carol" {
		t.Fatalf("the member account lists %+v", users.Users)
	}
	// The session's later requests are kept in the member account: the
	// role's last use is the member's role's.
	role, err := bIAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(accessRole)})
	must(t, err)
	if aws.ToString(role.Role.Arn) != roleARN(w.b, accessRole) {
		t.Fatalf("the role is %s", aws.ToString(role.Role.Arn))
	}
}

// TestCrossAccountRefusals: both sides must allow an assumption across
// accounts, and a role that is not there, or in an account that is not
// one of the installation's, is refused as one that does not trust the
// caller.
func TestCrossAccountRefusals(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	root := w.ts.RootIAM()
	bobID, bobSecret := kwtest.CreateUserKey(t, root, "bob")
	bob := w.ts.STSClient(bobID, bobSecret)
	bobARN := "arn:aws:iam::" + kwtest.AccountID + ":user/bob"
	bIAM, _ := w.admin(t, w.b)
	// A role of the member account trusting only its own account.
	_, err := bIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("private"),
		AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.b + `:root"},"Action":"sts:AssumeRole"}`)})
	must(t, err)
	for _, v := range []struct {
		name    string
		c       *sts.Client
		arn     string
		message string
	}{
		{"no identity policy allows it", bob, roleARN(w.b, accessRole),
			notAuthorizedToAssume(bobARN, roleARN(w.b, accessRole)) + " because no identity-based policy allows the sts:AssumeRole action"},
		{"the trust policy names another account", w.assumer, roleARN(w.b, "private"), notAuthorizedToAssume(w.assumerA, roleARN(w.b, "private"))},
		{"no such role", w.assumer, roleARN(w.b, "nothing"), notAuthorizedToAssume(w.assumerA, roleARN(w.b, "nothing"))},
		{"no such account", w.assumer, roleARN("999999999999", accessRole), notAuthorizedToAssume(w.assumerA, roleARN("999999999999", accessRole))},
		{"an account ID that is not one", w.assumer, "arn:aws:iam::12345678901x:role/" + accessRole, notAuthorizedToAssume(w.assumerA, "arn:aws:iam::12345678901x:role/"+accessRole)},
	} {
		t.Run(v.name, func(t *testing.T) {
			_, err := v.c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(v.arn), RoleSessionName: aws.String("s1")})
			kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, v.message)
		})
	}
}

// TestCrossAccountChaining: a session of one member account assumes a
// role of another that trusts it; the chained session is of that account,
// and a chain lasts an hour at most.
func TestCrossAccountChaining(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	cIAM, _ := w.admin(t, w.c)
	_, err := cIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("from-b"), Path: aws.String("/x/"),
		AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"` + w.b + `"},"Action":"sts:AssumeRole"}`)})
	must(t, err)
	_, bSTS := w.admin(t, w.b)
	arn := "arn:aws:iam::" + w.c + ":role/x/from-b"
	_, err = bSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("hop"), DurationSeconds: aws.Int32(3601)})
	kwtest.WantAPIError(t, err, "ValidationError", http.StatusBadRequest, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	hopIAM, hopSTS, out := w.assume(t, bSTS, arn, "hop")
	if want := "arn:aws:sts::" + w.c + ":assumed-role/from-b/hop"; aws.ToString(out.AssumedRoleUser.Arn) != want {
		t.Fatalf("the chained session is %s, want %s", aws.ToString(out.AssumedRoleUser.Arn), want)
	}
	me, err := hopSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	if aws.ToString(me.Account) != w.c {
		t.Fatalf("the chained session is in %s, want %s", aws.ToString(me.Account), w.c)
	}
	// from-b has no policy: the chained session may do nothing in C.
	_, err = hopIAM.ListUsers(ctx, &iam.ListUsersInput{})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: arn:aws:sts::"+w.c+":assumed-role/from-b/hop is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::"+w.c+":user/ because no identity-based policy allows the iam:ListUsers action")
	// The management account's alice is not trusted by from-b.
	_, err = w.assumer.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("hop")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: "+w.assumerA+" is not authorized to perform: sts:AssumeRole on resource: "+arn)
}

// TestCrossAccountTrustConditions: the trust policy of another account's
// role sees the caller's account as aws:PrincipalAccount and the caller's
// organization (not the role's account's) as aws:PrincipalOrgID.
func TestCrossAccountTrustConditions(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	bIAM, _ := w.admin(t, w.b)
	// A standalone account of the installation, in no organization, with
	// a user allowed to assume roles.
	const standalone, keyD, secretD = "210987654321", "AKIASTANDALONEACCT01", "standaloneAccountRootSecretKey0000000000"
	sealed, err := w.ts.IAM.Sealer.Seal(keyD, secretD)
	must(t, err)
	made := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	must(t, w.ts.Store.CreateAccount(ctx, keyward.Account{ID: standalone, CreatedAt: made},
		&keyward.AccessKey{ID: keyD, Status: keyward.StatusActive, CreatedAt: made, SealedSecret: sealed}))
	dRoot := w.ts.IAMClient(keyD, secretD)
	dID, dSecret := kwtest.CreateUserKey(t, dRoot, "dave")
	_, err = dRoot.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dave"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	must(t, err)
	dave := w.ts.STSClient(dID, dSecret)
	daveARN := "arn:aws:iam::" + standalone + ":user/dave"

	for _, r := range []struct{ name, condition string }{
		{"by-account", `{"StringEquals":{"aws:PrincipalAccount":"` + kwtest.AccountID + `"}}`},
		{"by-org", `{"StringEquals":{"aws:PrincipalOrgID":"` + w.orgID + `"}}`},
		{"by-path", `{"StringLike":{"aws:PrincipalOrgPaths":"` + w.orgID + `/` + w.rootID + `/*"}}`},
	} {
		_, err := bIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.name),
			AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":` + r.condition + `}`)})
		must(t, err)
	}
	for _, v := range []struct {
		name, role string
		c          *sts.Client
		caller     string
		allowed    bool
	}{
		{"the management account by account", "by-account", w.assumer, w.assumerA, true},
		{"another account by account", "by-account", dave, daveARN, false},
		{"the organization's account by organization", "by-org", w.assumer, w.assumerA, true},
		{"an account in no organization by organization", "by-org", dave, daveARN, false},
		{"the organization's account by path", "by-path", w.assumer, w.assumerA, true},
		{"an account in no organization by path", "by-path", dave, daveARN, false},
	} {
		t.Run(v.name, func(t *testing.T) {
			arn := roleARN(w.b, v.role)
			out, err := v.c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")})
			if !v.allowed {
				kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: "+v.caller+" is not authorized to perform: sts:AssumeRole on resource: "+arn)
				return
			}
			must(t, err)
			if want := "arn:aws:sts::" + w.b + ":assumed-role/" + v.role + "/s1"; aws.ToString(out.AssumedRoleUser.Arn) != want {
				t.Fatalf("the session is %s, want %s", aws.ToString(out.AssumedRoleUser.Arn), want)
			}
		})
	}
}

// TestCrossAccountSCPs: the service control policies of the member
// account limit a session of its role, whoever assumed it, and those of
// the caller's member account limit what it may assume elsewhere.
func TestCrossAccountSCPs(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	cIAM, _ := w.admin(t, w.c)
	_, err := cIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("from-b"),
		AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"` + w.b + `"},"Action":"sts:AssumeRole"}`)})
	must(t, err)
	bIAM, bSTS := w.admin(t, w.b)
	_, err = w.org.EnablePolicyType(ctx, &awsorg.EnablePolicyTypeInput{RootId: aws.String(w.rootID), PolicyType: orgtypes.PolicyTypeServiceControlPolicy})
	must(t, err)
	p, err := w.org.CreatePolicy(ctx, &awsorg.CreatePolicyInput{Name: aws.String("NoUsersNoHops"), Description: aws.String(""), Type: orgtypes.PolicyTypeServiceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["iam:CreateUser","sts:AssumeRole"],"Resource":"*"}]}`)})
	must(t, err)
	_, err = w.org.AttachPolicy(ctx, &awsorg.AttachPolicyInput{PolicyId: p.Policy.PolicySummary.Id, TargetId: aws.String(w.b)})
	must(t, err)

	session := "arn:aws:sts::" + w.b + ":assumed-role/" + accessRole + "/adm"
	_, err = bIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("eve")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: "+session+" is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+w.b+":user/eve with an explicit deny in a service control policy")
	_, err = bSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN(w.c, "from-b")), RoleSessionName: aws.String("hop")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: "+session+" is not authorized to perform: sts:AssumeRole on resource: "+roleARN(w.c, "from-b")+" with an explicit deny in a service control policy")
	// The management account is not limited: its alice still assumes the
	// member's role, whose session the member's SCPs limit in turn.
	iamB, _, _ := w.assume(t, w.assumer, roleARN(w.b, accessRole), "then")
	_, err = iamB.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("eve")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	// The other member account is not limited by B's SCP.
	_, err = cIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("eve")})
	must(t, err)
}

// TestGetAccessKeyInfoOfOtherAccountsSessionKey: GetAccessKeyInfo names
// the account that owns a temporary key, as AWS does for any key ID, not
// the caller's: a session of member account B asked about by the
// management account is B's, and the management account's own session,
// asked about from B, is the management account's.
func TestGetAccessKeyInfoOfOtherAccountsSessionKey(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	_, bSTS, bOut := w.assume(t, w.assumer, roleARN(w.b, accessRole), "adm")
	mine, err := w.ts.STSClient(kwtest.RootKeyID, kwtest.RootSecret).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	must(t, err)
	for _, v := range []struct {
		name   string
		c      *sts.Client
		key    string
		wantAc string
	}{
		{"B's session asked by the management account", w.ts.STSClient(kwtest.RootKeyID, kwtest.RootSecret), aws.ToString(bOut.Credentials.AccessKeyId), w.b},
		{"the management account's session asked by B", bSTS, aws.ToString(mine.Credentials.AccessKeyId), kwtest.AccountID},
		{"B's session asked by B", bSTS, aws.ToString(bOut.Credentials.AccessKeyId), w.b},
	} {
		info, err := v.c.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(v.key)})
		must(t, err)
		if aws.ToString(info.Account) != v.wantAc {
			t.Errorf("%s: account %s, want %s", v.name, aws.ToString(info.Account), v.wantAc)
		}
		// The account is where AWS puts it in its own key IDs, for
		// tools that decode them offline.
		if got := awsKeyIDAccount(t, v.key); got != v.wantAc {
			t.Errorf("%s: the key ID decodes to account %s, want %s", v.name, got, v.wantAc)
		}
	}
}

// awsKeyIDAccount decodes an account from a key ID as AWS's key IDs
// carry it: bits 1 to 40 of the base32 after the prefix.
func awsKeyIDAccount(t *testing.T, id string) string {
	b, err := base32.StdEncoding.DecodeString(id[4:])
	if err != nil {
		t.Fatal(err)
	}
	var v uint64
	for _, c := range b[:6] {
		v = v<<8 | uint64(c)
	}
	return fmt.Sprintf("%012d", (v&0x7fffffffff80)>>7)
}

// TestCrossAccountEventsInTheirAccountsTrail: what a session of member
// account B does, changed or refused, is in B's trail with B as its
// recipient, and not in the management account's.
func TestCrossAccountEventsInTheirAccountsTrail(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	bIAM, _ := w.admin(t, w.b)
	_, err := bIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dora")})
	must(t, err)
	// A refusal: B's admin lacks nothing, so a user of B without policies asks.
	id, secret := kwtest.CreateUserKey(t, bIAM, "erin")
	_, err = w.ts.IAMClient(id, secret).ListRoles(ctx, &iam.ListRolesInput{})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	// AWS Organizations' API, which refuses a member account's role
	// here: the refusal is an event of B's too.
	_, _, out := w.assume(t, w.assumer, roleARN(w.b, accessRole), "org")
	bOrg := awsorg.NewFromConfig(w.ts.Config(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)))
	_, err = bOrg.DescribeOrganization(ctx, &awsorg.DescribeOrganizationInput{})
	if err == nil || !strings.Contains(err.Error(), "AccessDeniedException") {
		t.Fatalf("DescribeOrganization by a member account: %v", err)
	}
	must(t, w.ts.Audit.Flush(ctx))
	for _, v := range []struct {
		view    keyward.Store
		account string
		want    bool
	}{{w.ts.Store.InAccount(w.b), w.b, true}, {w.ts.Store, kwtest.AccountID, false}} {
		for _, name := range []string{"CreateUser", "ListRoles", "DescribeOrganization"} {
			evs, _, err := v.view.LookupEvents(ctx, keyward.EventQuery{EventName: name, Max: 50})
			must(t, err)
			found := false
			for _, e := range evs {
				var rec keyward.Event
				must(t, json.Unmarshal(e.Record, &rec))
				if rec.UserIdentity.AccountID != w.b {
					continue
				}
				found = true
				if rec.RecipientAccountID != v.account {
					t.Errorf("%s in %s's trail names recipient %s", name, v.account, rec.RecipientAccountID)
				}
			}
			if found != v.want {
				t.Errorf("%s of B's principal in %s's trail: %v, want %v", name, v.account, found, v.want)
			}
		}
	}
}

// TestCrossAccountWebIdentity: AssumeRoleWithWebIdentity, unsigned, of a
// member account's role is decided in that account, as AWS decides it in
// the role's: the token is of the member account's provider, and the
// session the member account's. A role of another account that names the
// member's provider in its trust policy admits no one: a provider is its
// own account's.
func TestCrossAccountWebIdentity(t *testing.T) {
	t.Parallel()
	w, _, ci, anon := newCIWorld(t)
	ctx := context.Background()
	out, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN(w.b, "ci")),
		RoleSessionName: aws.String("job-run"), WebIdentityToken: aws.String(ci.Token)})
	must(t, err)
	if want := "arn:aws:sts::" + w.b + ":assumed-role/ci/job-run"; aws.ToString(out.AssumedRoleUser.Arn) != want {
		t.Fatalf("the session is %s, want %s", aws.ToString(out.AssumedRoleUser.Arn), want)
	}
	// The session's event is in the role's account's trail.
	must(t, w.ts.Audit.Flush(ctx))
	for _, v := range []struct {
		view keyward.Store
		n    int
	}{{w.ts.Store.InAccount(w.b), 1}, {w.ts.Store, 0}} {
		evs, _, err := v.view.LookupEvents(ctx, keyward.EventQuery{EventName: "AssumeRoleWithWebIdentity"})
		must(t, err)
		if len(evs) != v.n {
			t.Fatalf("AssumeRoleWithWebIdentity events in a trail: %d, want %d", len(evs), v.n)
		}
	}

	root := w.ts.RootIAM()
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("trusts-b"), AssumeRolePolicyDocument: kwtest.TrustDoc(
		`{"Effect":"Allow","Principal":{"Federated":"` + ci.ProviderARN + `"},"Action":"sts:AssumeRoleWithWebIdentity"}`)})
	must(t, err)
	_, err = anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN(kwtest.AccountID, "trusts-b")),
		RoleSessionName: aws.String("job-run"), WebIdentityToken: aws.String(ci.Token)})
	kwtest.WantAPIError(t, err, "InvalidIdentityToken", http.StatusBadRequest, "")
}
