package authz_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/organizations"
)

// The organization the tests' account joins as a member: another account
// manages it.
const (
	mgmtAccount  = "999999999999"
	otherMember  = "222222222222"
	outsider     = "333333333333"
	memberOrgID  = "o-mgmt000000"
	memberRootID = "r-mgmt"
	tenantsOU    = "ou-mgmt-aaaaaaaa"
	otherOU      = "ou-mgmt-bbbbbbbb"
)

// announce is what another replica's store announces of an Organizations
// change, here published on k's bus: the tests change the organization
// through the store, as the management account's requests will once the
// store holds its principals.
func announce(k *kwtest.Keyward) {
	k.IAM.Changes(keyward.Change{Kind: keyward.ChangedOrganizations})
}

// joinOrganization makes kwtest's account a member of an organization
// that mgmtAccount manages, under the OU tenantsOU, with SCPs enabled (and
// so FullAWSAccess attached everywhere); otherMember is a member under
// otherOU.
func joinOrganization(t *testing.T, k *kwtest.Keyward) keyward.Organization {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	o := keyward.Organization{ID: memberOrgID, MasterAccountID: mgmtAccount, FeatureSet: keyward.FeatureSetAll, RootID: memberRootID,
		RootName: keyward.RootName, CreatedAt: now}
	must(t, k.Store.CreateOrganization(ctx, o, keyward.OrgAccount{ID: mgmtAccount, OrganizationID: o.ID, ParentID: o.RootID,
		JoinedMethod: keyward.JoinedCreated, JoinedAt: now}, []keyward.OrgPolicy{{ID: keyward.FullAWSAccessID, Name: keyward.FullAWSAccessName,
		Type: keyward.ServiceControlPolicyType, Content: keyward.FullAWSAccessContent, AWSManaged: true}}))
	o, err := k.Store.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
	must(t, err)
	for _, ou := range []string{tenantsOU, otherOU} {
		must(t, k.Store.CreateOU(ctx, o.ID, keyward.OrganizationalUnit{ID: ou, ParentID: o.RootID, Name: ou, Path: o.RootPath() + ou + "/", CreatedAt: now}))
	}
	must(t, k.Store.AddOrgAccount(ctx, o.ID, keyward.OrgAccount{ID: kwtest.AccountID, ParentID: tenantsOU, JoinedMethod: keyward.JoinedInvited, JoinedAt: now}))
	must(t, k.Store.AddOrgAccount(ctx, o.ID, keyward.OrgAccount{ID: otherMember, ParentID: otherOU, JoinedMethod: keyward.JoinedCreated, JoinedAt: now}))
	announce(k)
	return o
}

// attachSCP makes an SCP of content and attaches it to each target.
func attachSCP(t *testing.T, k *kwtest.Keyward, id, content string, targets ...string) {
	t.Helper()
	ctx := context.Background()
	must(t, k.Store.CreateOrgPolicy(ctx, memberOrgID, keyward.OrgPolicy{ID: id, Name: id, Type: keyward.ServiceControlPolicyType, Content: content}))
	for _, target := range targets {
		must(t, k.Store.AttachOrgPolicy(ctx, memberOrgID, id, target))
	}
	announce(k)
}

// detachSCP detaches an SCP from each target.
func detachSCP(t *testing.T, k *kwtest.Keyward, id string, targets ...string) {
	t.Helper()
	for _, target := range targets {
		must(t, k.Store.DetachOrgPolicy(context.Background(), memberOrgID, id, target))
	}
	announce(k)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func statement(effect, action string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"` + effect + `","Action":"` + action + `","Resource":"*"}]}`
}

// asPrincipal is the context of a request by p.
func asPrincipal(p keyward.Principal) context.Context {
	return keyward.WithCaller(context.Background(), &keyward.RequestContext{Principal: p, CurrentTime: time.Now()})
}

// memberRoot is the root user of kwtest's account.
var memberRoot = keyward.Principal{AccountID: kwtest.AccountID, Root: true}

// wantDenied checks err is AccessDenied ending with why ("" for allowed).
func wantDenied(t *testing.T, err error, why string) {
	t.Helper()
	switch {
	case why == "" && err != nil:
		t.Fatalf("refused: %v", err)
	case why == "":
	case keyward.ErrorCode(err) != keyward.EAccessDenied || !strings.HasSuffix(keyward.ErrorMessage(err), why):
		t.Fatalf("got %v, want AccessDenied %s", err, why)
	}
}

const (
	bySCPDeny  = "with an explicit deny in a service control policy"
	byIdentity = "with an explicit deny in an identity-based policy"
)

func noSCPAllows(action string) string {
	return "because no service control policy allows the " + action + " action"
}

// TestSCPsLimitMemberAccounts: every principal of a member account, its
// root user included, may do only what the SCPs of every level from the
// organization's root through its OU to the account allow (AWS
// Organizations' "SCP evaluation": FullAWSAccess attached by default; an
// allow list that lacks an action denies it; an explicit deny wins), and
// what its own policies allow; a refusal says which kind of policy made
// it, as AWS's message does.
func TestSCPsLimitMemberAccounts(t *testing.T) {
	const target = "arn:aws:iam::123456789012:user/team/x"
	tests := []struct {
		name      string
		setup     func(t *testing.T, k *kwtest.Keyward)
		principal string // "root", "admin" (allowed everything), "lister" (iam:List* only), "denier" (denies iam:CreateUser)
		action    string
		why       string // "" for allowed
	}{
		{"FullAWSAccess everywhere: the identity's policies decide", nil, "admin", "iam:CreateUser", ""},
		{"FullAWSAccess everywhere: the root user", nil, "root", "iam:CreateUser", ""},
		{"FullAWSAccess grants nothing by itself", nil, "lister", "iam:CreateUser", "because no identity-based policy allows the iam:CreateUser action"},
		{"a deny list on the OU", denyOnOU, "admin", "iam:CreateUser", bySCPDeny},
		{"a deny list on the OU, the root user", denyOnOU, "root", "iam:CreateUser", bySCPDeny},
		{"a deny list leaves other actions", denyOnOU, "admin", "iam:ListUsers", ""},
		{"a deny list on the organization's root", func(t *testing.T, k *kwtest.Keyward) {
			attachSCP(t, k, "p-denyatroot", statement("Deny", "iam:CreateUser"), memberRootID)
		}, "root", "iam:CreateUser", bySCPDeny},
		{"a deny list on another OU does not reach the account", func(t *testing.T, k *kwtest.Keyward) {
			attachSCP(t, k, "p-denyother0", statement("Deny", "*"), otherOU, otherMember)
		}, "admin", "iam:CreateUser", ""},
		{"an allow list on the account lacking the action", allowListOnAccount, "admin", "iam:CreateUser", noSCPAllows("iam:CreateUser")},
		{"an allow list on the account, the root user", allowListOnAccount, "root", "iam:CreateUser", noSCPAllows("iam:CreateUser")},
		{"an allow list on the account allows its actions", allowListOnAccount, "admin", "iam:ListUsers", ""},
		{"an allow list on the organization's root limits every level", func(t *testing.T, k *kwtest.Keyward) {
			attachSCP(t, k, "p-allowget00", statement("Allow", "iam:Get*"), memberRootID)
			detachSCP(t, k, keyward.FullAWSAccessID, memberRootID)
		}, "admin", "iam:ListUsers", noSCPAllows("iam:ListUsers")},
		{"the SCP is the reason before the identity's lack", allowListOnAccount, "lister", "iam:CreateUser", noSCPAllows("iam:CreateUser")},
		{"the identity's explicit deny under an allow list that lacks it", allowListOnAccount, "denier", "iam:CreateUser", byIdentity},
		{"the SCP's deny is named before the identity's", denyOnOU, "denier", "iam:CreateUser", bySCPDeny},
		{"SCPs disabled: nothing limits", func(t *testing.T, k *kwtest.Keyward) {
			denyOnOU(t, k)
			_, err := k.Store.SetPolicyType(context.Background(), memberOrgID, keyward.ServiceControlPolicyType, false)
			must(t, err)
			announce(k)
		}, "root", "iam:CreateUser", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := kwtest.New(t)
			principals := map[string]keyward.Principal{"root": memberRoot}
			for name, policy := range map[string]string{"admin": kwtest.AllowAll, "lister": statement("Allow", "iam:List*"),
				"denier": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"},{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}`} {
				u := user(t, k, name, policy)
				principals[name] = keyward.Principal{AccountID: kwtest.AccountID, UserID: u.ID, UserName: u.Name, UserPath: u.Path}
			}
			joinOrganization(t, k)
			if tt.setup != nil {
				tt.setup(t, k)
			}
			wantDenied(t, k.Authz.Authorize(asPrincipal(principals[tt.principal]), tt.action, target), tt.why)
		})
	}
}

func denyOnOU(t *testing.T, k *kwtest.Keyward) {
	attachSCP(t, k, "p-denycreate", statement("Deny", "iam:CreateUser"), tenantsOU)
}

func allowListOnAccount(t *testing.T, k *kwtest.Keyward) {
	attachSCP(t, k, "p-allowlist0", statement("Allow", "iam:List*"), kwtest.AccountID)
	detachSCP(t, k, keyward.FullAWSAccessID, kwtest.AccountID)
}

// TestSCPsThroughTheAPI: the IAM API and sessions of every kind answer a
// member's principals with AWS's AccessDenied naming the SCP: a user's
// key, its GetSessionToken session, the root user's key and its
// federated user's session.
func TestSCPsThroughTheAPI(t *testing.T) {
	k := kwtest.New(t)
	id, secret := k.User(t, "admin", kwtest.AllowAll)
	joinOrganization(t, k)
	denyOnOU(t, k)
	deny := func(arn string) string {
		return "User: " + arn + " is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/x " + bySCPDeny
	}
	ctx := t.Context()
	_, err := k.IAMClient(id, secret).CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("x")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, deny("arn:aws:iam::123456789012:user/admin"))
	_, err = k.RootIAM().CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("x")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, deny("arn:aws:iam::123456789012:root"))
	// What the SCPs leave is allowed.
	if _, err := k.IAMClient(id, secret).ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	// GetUser without a UserName, which answers the root user itself, is
	// decided too.
	if _, err := k.RootIAM().GetUser(ctx, &awsiam.GetUserInput{}); err != nil {
		t.Fatal(err)
	}
	attachSCP(t, k, "p-denygetusr", statement("Deny", "iam:GetUser"), kwtest.AccountID)
	_, err = k.RootIAM().GetUser(ctx, &awsiam.GetUserInput{})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden,
		"User: arn:aws:iam::123456789012:root is not authorized to perform: iam:GetUser on resource: arn:aws:iam::123456789012:root "+bySCPDeny)

	st, err := k.STSClient(id, secret).GetSessionToken(ctx, nil)
	must(t, err)
	_, err = awsiam.NewFromConfig(k.Config(*st.Credentials.AccessKeyId, *st.Credentials.SecretAccessKey, *st.Credentials.SessionToken)).
		CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("x")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, deny("arn:aws:iam::123456789012:user/admin"))
}

// TestSCPChangesTakeEffect: an Organizations change made through the
// API (attach, update, detach, enabling and disabling SCPs, MoveAccount)
// is seen by the next decision for a principal of the member account it
// touches; the management account's own requests are never limited.
func TestSCPChangesTakeEffect(t *testing.T) {
	k := kwtest.New(t)
	admin := user(t, k, "admin", kwtest.AllowAll)
	asAdmin := as(admin)
	mgmt := kwtest.AsRoot(context.Background())
	org, err := k.Organizations.CreateOrganization(mgmt, keyward.FeatureSetAll)
	must(t, err)
	roots, _, err := k.Organizations.ListRoots(mgmt, organizations.Page{})
	must(t, err)
	rootID := roots[0].ID
	ou, err := k.Organizations.CreateOrganizationalUnit(mgmt, rootID, "Tenants", nil)
	must(t, err)
	// A member account, as CreateAccount will make it.
	must(t, k.Store.AddOrgAccount(context.Background(), org.ID, keyward.OrgAccount{ID: otherMember, ParentID: ou.ID, JoinedMethod: keyward.JoinedCreated, JoinedAt: time.Now()}))
	announce(k)
	member := asPrincipal(keyward.Principal{AccountID: otherMember, Root: true})
	const resource = "arn:aws:iam::222222222222:user/x"
	step := func(name, why string) {
		t.Helper()
		if err := k.Authz.Authorize(member, "iam:CreateUser", resource); why == "" && err != nil || why != "" && (err == nil || !strings.HasSuffix(keyward.ErrorMessage(err), why)) {
			t.Fatalf("%s: got %v, want %q", name, err, why)
		}
		// The management account is never limited.
		must(t, k.Authz.Authorize(asAdmin, "iam:CreateUser", "arn:aws:iam::123456789012:user/x"))
	}

	step("SCPs not enabled", "")
	_, err = k.Organizations.EnablePolicyType(mgmt, rootID, keyward.ServiceControlPolicyType)
	must(t, err)
	step("FullAWSAccess everywhere", "")
	deny, err := k.Organizations.CreatePolicy(mgmt, organizations.PolicyInput{Name: "deny", Type: keyward.ServiceControlPolicyType, Content: statement("Deny", "iam:CreateUser")})
	must(t, err)
	id := deny.PolicySummary.ID
	step("created, not attached", "")
	must(t, k.Organizations.AttachPolicy(mgmt, id, ou.ID))
	step("attached to the OU", bySCPDeny)
	must(t, k.Organizations.AttachPolicy(mgmt, id, kwtest.AccountID))
	step("attached to the management account too", bySCPDeny)
	_, err = k.Organizations.UpdatePolicy(mgmt, id, nil, nil, aws.String(statement("Deny", "iam:DeleteUser")))
	must(t, err)
	step("its content updated", "")
	_, err = k.Organizations.UpdatePolicy(mgmt, id, nil, nil, aws.String(statement("Deny", "iam:*")))
	must(t, err)
	step("its content updated again", bySCPDeny)
	must(t, k.Organizations.DetachPolicy(mgmt, id, ou.ID))
	step("detached", "")
	allow, err := k.Organizations.CreatePolicy(mgmt, organizations.PolicyInput{Name: "allow", Type: keyward.ServiceControlPolicyType, Content: statement("Allow", "s3:*")})
	must(t, err)
	must(t, k.Organizations.AttachPolicy(mgmt, allow.PolicySummary.ID, otherMember))
	step("an allow list beside FullAWSAccess", "")
	must(t, k.Organizations.DetachPolicy(mgmt, keyward.FullAWSAccessID, otherMember))
	step("FullAWSAccess detached from the account", noSCPAllows("iam:CreateUser"))
	_, err = k.Organizations.DisablePolicyType(mgmt, rootID, keyward.ServiceControlPolicyType)
	must(t, err)
	step("SCPs disabled", "")
	_, err = k.Organizations.EnablePolicyType(mgmt, rootID, keyward.ServiceControlPolicyType)
	must(t, err)
	step("enabled again: FullAWSAccess everywhere", "")
	must(t, k.Organizations.AttachPolicy(mgmt, id, rootID))
	step("the deny on the organization's root", bySCPDeny)
	must(t, k.Organizations.DetachPolicy(mgmt, id, rootID))
	// A move into an OU under a deny.
	sandbox, err := k.Organizations.CreateOrganizationalUnit(mgmt, rootID, "Sandbox", nil)
	must(t, err)
	must(t, k.Organizations.AttachPolicy(mgmt, id, sandbox.ID))
	step("the deny on another OU", "")
	must(t, k.Organizations.MoveAccount(mgmt, otherMember, ou.ID, sandbox.ID))
	step("moved under the deny", bySCPDeny)
}

// TestSCPsInTheVerifier: what another service asks of a member's
// principal (the verifier protocol's decisions, the root user's
// included) is decided under the same SCPs.
func TestSCPsInTheVerifier(t *testing.T) {
	k := kwtest.New(t)
	alice := user(t, k, "alice", statement("Allow", "s3:*"))
	joinOrganization(t, k)
	attachSCP(t, k, "p-denydelete", statement("Deny", "s3:DeleteBucket"), tenantsOU)
	// The allow list must let the asking service ask, for the asker is a
	// principal of the member account too.
	attachSCP(t, k, "p-allows3get", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","keyward:Verify"],"Resource":"*"}]}`, kwtest.AccountID)
	detachSCP(t, k, keyward.FullAWSAccessID, kwtest.AccountID)
	asker := kwtest.AsRoot(context.Background())
	for _, p := range []keyward.Principal{memberRoot, {AccountID: kwtest.AccountID, UserID: alice.ID, UserName: alice.Name, UserPath: alice.Path}} {
		got, err := k.Authz.EvaluateFor(asker, p, nil, []string{"s3:GetObject", "s3:PutObject", "s3:DeleteBucket"}, []string{"arn:aws:s3:::b/k"})
		must(t, err)
		want := []string{keyward.DecisionAllowed, keyward.DecisionImplicitDeny, keyward.DecisionExplicitDeny}
		if strings.Join(got[0], " ") != strings.Join(want, " ") {
			t.Errorf("%s: %v, want %v", p.ARN(), got[0], want)
		}
	}
	// /_keyward/authorize and guard decide through AuthorizeExternal.
	err := k.Authz.AuthorizeExternal(as(alice), "s3:DeleteBucket", "arn:aws:s3:::b")
	if keyward.ErrorCode(err) != keyward.EAccessDenied || !strings.Contains(keyward.ErrorMessage(err), bySCPDeny) {
		t.Fatalf("AuthorizeExternal: %v", err)
	}
}

// TestOrganizationConditionKeys: the organization's global condition keys
// of a decision are those of the principal's account and of the account
// that owns the resource, as the store has them (IAM User Guide, "AWS
// global condition context keys").
func TestOrganizationConditionKeys(t *testing.T) {
	k := kwtest.New(t)
	cond := func(action, op, key, value string) string {
		return `{"Effect":"Allow","Action":"` + action + `","Resource":"*","Condition":{"` + op + `":{"` + key + `":"` + value + `"}}}`
	}
	u := user(t, k, "keys", `{"Version":"2012-10-17","Statement":[`+strings.Join([]string{
		cond("iam:GetUser", "StringEquals", "aws:PrincipalOrgID", memberOrgID),
		cond("iam:GetRole", "ForAnyValue:StringLike", "aws:PrincipalOrgPaths", memberOrgID+"/"+memberRootID+"/"+tenantsOU+"/*"),
		cond("iam:GetGroup", "StringEquals", "aws:PrincipalAccount", kwtest.AccountID),
		cond("iam:GetPolicy", "StringEquals", "aws:ResourceAccount", otherMember),
		cond("iam:ListRoles", "StringEquals", "aws:ResourceOrgID", memberOrgID),
		cond("iam:ListUsers", "StringLike", "aws:ResourceOrgPaths", memberOrgID+"/"+memberRootID+"/"+otherOU+"/"),
		cond("iam:ListGroups", "Null", "aws:ResourceOrgID", "true"),
	}, ",")+`]}`)
	ours, theirs, outside := "arn:aws:iam::123456789012:user/x", "arn:aws:iam::222222222222:role/r", "arn:aws:iam::333333333333:role/r"
	tests := []struct {
		action, resource string
		before, after    bool // allowed before the account joins, after
	}{
		{"iam:GetUser", ours, false, true},
		{"iam:GetRole", ours, false, true},
		{"iam:GetGroup", ours, true, true},
		{"iam:GetPolicy", theirs, true, true},
		{"iam:GetPolicy", ours, false, false},
		{"iam:ListRoles", ours, false, true},
		{"iam:ListRoles", theirs, false, true},
		{"iam:ListRoles", outside, false, false},
		{"iam:ListUsers", theirs, false, true},
		{"iam:ListUsers", ours, false, false},
		{"iam:ListGroups", outside, true, true},
		{"iam:ListGroups", ours, true, false},
		{"iam:ListGroups", "arn:aws:s3:::bucket", true, true},
	}
	check := func(joined bool) {
		t.Helper()
		for _, tt := range tests {
			want := tt.before
			if joined {
				want = tt.after
			}
			if got := k.Authz.Authorize(as(u), tt.action, tt.resource) == nil; got != want {
				t.Errorf("joined %v: %s on %s allowed %v", joined, tt.action, tt.resource, got)
			}
		}
	}
	check(false)
	joinOrganization(t, k)
	check(true)
}

// TestTrustPolicyOrganizationKeys: a role's trust policy sees the
// organization's keys of its caller as decisions do: a role that trusts
// every principal of one organization (aws:PrincipalOrgID) is assumable
// by a user of an account once the account is in it, and not before.
func TestTrustPolicyOrganizationKeys(t *testing.T) {
	k := kwtest.New(t)
	root := kwtest.AsRoot(context.Background())
	id, secret := k.User(t, "caller", statement("Allow", "sts:AssumeRole"))
	if _, err := k.IAM.CreateRole(root, keyward.Role{Name: "org-wide", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + memberOrgID + `"}}}]}`}); err != nil {
		t.Fatal(err)
	}
	assume := func() error {
		_, err := k.STSClient(id, secret).AssumeRole(t.Context(), &awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/org-wide"), RoleSessionName: aws.String("session")})
		return err
	}
	kwtest.WantAPIError(t, assume(), "AccessDenied", http.StatusForbidden, "")
	joinOrganization(t, k)
	must(t, assume())
}

// TestSimulationUnderSCPs: SimulatePrincipalPolicy decides a member
// account's user under its organization's SCPs, as its requests are, and
// tells what they decided as AWS does (OrganizationsDecisionDetail),
// naming none of their statements as matched; a standalone account's
// simulation has no such detail.
func TestSimulationUnderSCPs(t *testing.T) {
	k := kwtest.New(t)
	k.User(t, "admin", kwtest.AllowAll)
	simulate := func() []string {
		t.Helper()
		out, err := k.RootIAM().SimulatePrincipalPolicy(t.Context(), &awsiam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/admin"), ActionNames: []string{"iam:CreateUser", "iam:ListUsers", "s3:GetObject"}})
		must(t, err)
		var got []string
		for _, r := range out.EvaluationResults {
			detail := "-"
			if r.OrganizationsDecisionDetail != nil {
				detail = "org=" + map[bool]string{true: "allowed", false: "refused"}[r.OrganizationsDecisionDetail.AllowedByOrganizations]
			}
			got = append(got, string(r.EvalDecision)+"/"+detail+"/"+string(rune('0'+len(r.MatchedStatements))))
		}
		return got
	}
	if got := strings.Join(simulate(), " "); got != "allowed/-/1 allowed/-/1 allowed/-/1" {
		t.Fatalf("standalone: %s", got)
	}
	joinOrganization(t, k)
	denyOnOU(t, k)
	attachSCP(t, k, "p-allowiam00", statement("Allow", "iam:*"), kwtest.AccountID)
	detachSCP(t, k, keyward.FullAWSAccessID, kwtest.AccountID)
	// iam:CreateUser: denied by an SCP, matching only that (no statement
	// of the user's named); iam:ListUsers: allowed everywhere; s3: no SCP
	// of the account's level allows it.
	if got := strings.Join(simulate(), " "); got != "explicitDeny/org=refused/0 allowed/org=allowed/1 implicitDeny/org=refused/0" {
		t.Fatalf("a member: %s", got)
	}
}
