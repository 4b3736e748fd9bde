package iam_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestAccountAliases: one alias per account, AWS's pattern, and the
// errors for a second one and for one that is not there.
func TestAccountAliases(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("my-company")})
	must(t, err)
	_, err = root.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("my-company")})
	wantAPIError(t, err, "EntityAlreadyExists", http.StatusConflict, "The account alias my-company already exists.")
	_, err = root.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("other")})
	wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Cannot exceed quota for AccountAliasesPerAccount: 1")
	_, err = root.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("bad--alias")})
	wantAPIError(t, err, "ValidationError", http.StatusBadRequest,
		"1 validation error detected: Value 'bad--alias' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$")
	out, err := root.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	must(t, err)
	if len(out.AccountAliases) != 1 || out.AccountAliases[0] != "my-company" {
		t.Fatalf("aliases %v", out.AccountAliases)
	}
	// The console signs users in by the alias as by the ID (the page
	// showing it is console's TestSignInByAccountAlias).
	_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
	must(t, err)
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("Carol-Passw0rd-1")})
	must(t, err)
	if id, ok := ts.IAM.SignInAccount(ctx, "my-company"); !ok || id != kwtest.AccountID {
		t.Fatalf("the alias names account %q, %v", id, ok)
	}
	if p, _, err := ts.IAM.SignInUser(ctx, "my-company", "carol", "Carol-Passw0rd-1"); err != nil || p.UserName != "carol" {
		t.Fatalf("sign-in by alias: %+v, %v", p, err)
	}
	_, err = root.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String("other")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "The account alias other cannot be found.")
	_, err = root.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String("my-company")})
	must(t, err)
	if out, _ = root.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{}); len(out.AccountAliases) != 0 {
		t.Fatalf("aliases after delete %v", out.AccountAliases)
	}
}

// TestAccountSummaryCounts: the summary counts what the account holds.
func TestAccountSummaryCounts(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	summary := func() map[string]int32 {
		out, err := root.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
		must(t, err)
		return out.SummaryMap
	}
	before := summary()
	if before["AccessKeysPerUserQuota"] != 2 || before["AccountAccessKeysPresent"] != 1 || len(before) != 26 {
		t.Fatalf("summary %v", before)
	}
	for i := range 3 {
		_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("u%d", i))})
		must(t, err)
	}
	_, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	must(t, err)
	_, err = root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("P"), PolicyDocument: aws.String(kwtest.AllowAll)})
	must(t, err)
	_, err = root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("d")})
	must(t, err)
	after := summary()
	for key, delta := range map[string]int32{"Users": 3, "Groups": 1, "Policies": 1, "PolicyVersionsInUse": 1, "MFADevices": 1, "MFADevicesInUse": 0} {
		if after[key]-before[key] != delta {
			t.Errorf("%s went from %d to %d, want +%d", key, before[key], after[key], delta)
		}
	}
}

// TestListEntitiesForPolicyAndAuthorizationDetails: who a policy is
// attached to, filtered and paged; and the whole account read page by page
// with the SDK's paginator, each user, group and policy exactly once with
// its documents.
func TestListEntitiesForPolicyAndAuthorizationDetails(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("P"), PolicyDocument: aws.String(kwtest.AllowAll)})
	must(t, err)
	const users, groups = 130, 12
	for i := range users {
		name := fmt.Sprintf("user%03d", i)
		_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String([]string{"/", "/eng/"}[i%2])})
		must(t, err)
		if i%3 == 0 {
			_, err = root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(kwtest.LocalPolicyARN)})
			must(t, err)
		}
		if i%10 == 0 {
			_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("inline"), PolicyDocument: aws.String(kwtest.AllowAll)})
			must(t, err)
		}
	}
	for i := range groups {
		name := fmt.Sprintf("group%02d", i)
		_, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(name)})
		must(t, err)
		_, err = root.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(name), PolicyArn: aws.String(kwtest.LocalPolicyARN)})
		must(t, err)
		_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(name), UserName: aws.String(fmt.Sprintf("user%03d", i))})
		must(t, err)
	}

	var gotUsers, gotGroups []string
	pages := iam.NewListEntitiesForPolicyPaginator(root, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(kwtest.LocalPolicyARN), MaxItems: aws.Int32(7)})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		must(t, err)
		for _, u := range p.PolicyUsers {
			gotUsers = append(gotUsers, aws.ToString(u.UserName))
		}
		for _, g := range p.PolicyGroups {
			gotGroups = append(gotGroups, aws.ToString(g.GroupName))
		}
	}
	if len(gotUsers) != (users+2)/3 || len(gotGroups) != groups || !sort.StringsAreSorted(gotUsers) {
		t.Fatalf("ListEntitiesForPolicy: %d users, %d groups", len(gotUsers), len(gotGroups))
	}
	filtered, err := root.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(kwtest.LocalPolicyARN),
		EntityFilter: types.EntityTypeUser, PathPrefix: aws.String("/eng/")})
	must(t, err)
	if len(filtered.PolicyGroups) != 0 || len(filtered.PolicyUsers) != 22 { // i%3==0 and i odd, i < 130
		t.Fatalf("filtered: %d users, %d groups", len(filtered.PolicyUsers), len(filtered.PolicyGroups))
	}
	_, err = root.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String("arn:aws:iam::123456789012:policy/none")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")

	seen := map[string]int{}
	inline, attached := 0, 0
	details := iam.NewGetAccountAuthorizationDetailsPaginator(root, &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(25)})
	for details.HasMorePages() {
		p, err := details.NextPage(ctx)
		must(t, err)
		if n := len(p.UserDetailList) + len(p.GroupDetailList) + len(p.Policies); n > 25 {
			t.Fatalf("a page of %d items, MaxItems 25", n)
		}
		for _, u := range p.UserDetailList {
			seen["user:"+aws.ToString(u.UserName)]++
			inline += len(u.UserPolicyList)
			attached += len(u.AttachedManagedPolicies)
		}
		for _, g := range p.GroupDetailList {
			seen["group:"+aws.ToString(g.GroupName)]++
			attached += len(g.AttachedManagedPolicies)
		}
		for _, pol := range p.Policies {
			seen["policy:"+aws.ToString(pol.PolicyName)]++
			// As in AWS, documents come URL-encoded.
			if len(pol.PolicyVersionList) == 0 || unescape(t, aws.ToString(pol.PolicyVersionList[0].Document)) != kwtest.AllowAll {
				t.Fatalf("policy %s versions %+v", aws.ToString(pol.PolicyName), pol.PolicyVersionList)
			}
		}
	}
	if len(seen) != users+groups+1 || inline != 13 || attached != (users+2)/3+groups {
		t.Fatalf("%d distinct entities, %d inline, %d attached", len(seen), inline, attached)
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", k, n)
		}
	}
	// A filter keeps only the kinds asked for.
	onlyGroups, err := root.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeGroup}})
	must(t, err)
	if len(onlyGroups.UserDetailList) != 0 || len(onlyGroups.GroupDetailList) != groups || len(onlyGroups.Policies) != 0 {
		t.Fatalf("Filter=Group: %d users, %d groups, %d policies", len(onlyGroups.UserDetailList), len(onlyGroups.GroupDetailList), len(onlyGroups.Policies))
	}
}

func unescape(t *testing.T, s string) string {
	t.Helper()
	v, err := url.QueryUnescape(s)
	must(t, err)
	return v
}

// TestUpdateGroup renames and moves a group: members and policies follow,
// the old name is gone, a taken name is refused.
func TestUpdateGroup(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	for _, g := range []string{"devs", "ops"} {
		_, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(g)})
		must(t, err)
	}
	id, secret := createUserKey(t, root, "alice")
	_, err := root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("alice")})
	must(t, err)
	_, err = root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("list"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)})
	must(t, err)
	_, err = root.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("devs"), NewGroupName: aws.String("OPS")})
	wantAPIError(t, err, "EntityAlreadyExists", http.StatusConflict, "Group with name OPS already exists.")
	_, err = root.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("devs"), NewGroupName: aws.String("engineers"), NewPath: aws.String("/eng/")})
	must(t, err)
	g, err := root.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("engineers")})
	must(t, err)
	if aws.ToString(g.Group.Arn) != "arn:aws:iam::123456789012:group/eng/engineers" || len(g.Users) != 1 {
		t.Fatalf("after the update: %+v, %d members", g.Group, len(g.Users))
	}
	_, err = root.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("devs")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
	if _, err := ts.IAMClient(id, secret).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("the renamed group's policy no longer applies: %v", err)
	}
}
