package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestAccountAliases: one alias per account, AWS's pattern, and the
// errors for a second one and for one that is not there.
func TestAccountAliases(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", cheapPasswords)
	root := ts.rootIAM()
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
	// The console signs users in by the alias as by the ID, and shows it.
	_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
	must(t, err)
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("Carol-Passw0rd-1")})
	must(t, err)
	web := newWebClient(t, ts)
	resp := web.signIn(url.Values{"kind": {"user"}, "account": {"my-company"}, "username": {"carol"}, "password": {"Carol-Passw0rd-1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in by alias: %d", resp.StatusCode)
	}
	if _, page := web.get("/console/password"); !strings.Contains(page, "Account my-company") {
		t.Fatal("the console does not show the alias")
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
	ts := startServerWith(t, "", cheapPasswords)
	root := ts.rootIAM()
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
	_, err = root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("P"), PolicyDocument: aws.String(allowAll)})
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
	ts := startServerWith(t, "", cheapPasswords)
	root := ts.rootIAM()
	ctx := context.Background()
	_, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("P"), PolicyDocument: aws.String(allowAll)})
	must(t, err)
	const users, groups = 130, 12
	for i := range users {
		name := fmt.Sprintf("user%03d", i)
		_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String([]string{"/", "/eng/"}[i%2])})
		must(t, err)
		if i%3 == 0 {
			_, err = root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(localPolicy)})
			must(t, err)
		}
		if i%10 == 0 {
			_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("inline"), PolicyDocument: aws.String(allowAll)})
			must(t, err)
		}
	}
	for i := range groups {
		name := fmt.Sprintf("group%02d", i)
		_, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(name)})
		must(t, err)
		_, err = root.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(name), PolicyArn: aws.String(localPolicy)})
		must(t, err)
		_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(name), UserName: aws.String(fmt.Sprintf("user%03d", i))})
		must(t, err)
	}

	var gotUsers, gotGroups []string
	pages := iam.NewListEntitiesForPolicyPaginator(root, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(localPolicy), MaxItems: aws.Int32(7)})
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
	filtered, err := root.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(localPolicy),
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
			if len(pol.PolicyVersionList) == 0 || unescape(t, aws.ToString(pol.PolicyVersionList[0].Document)) != allowAll {
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
	ts := startServerWith(t, "", cheapPasswords)
	root := ts.rootIAM()
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
	if _, err := ts.iam(id, secret).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("the renamed group's policy no longer applies: %v", err)
	}
}

// TestServiceLastAccessed: a user's use of IAM and STS shows in the report
// for the user, for its group and for the policy that grants it, with the
// region and the entity; services allowed but unused show none; the
// policies granting each service are listed.
func TestServiceLastAccessed(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", cheapPasswords)
	root := ts.rootIAM()
	ctx := context.Background()
	id, secret := createUserKey(t, root, "alice")
	_, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")})
	must(t, err)
	_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("alice")})
	must(t, err)
	p, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ReadIAM"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","s3:GetObject"],"Resource":"*"}]}`)})
	must(t, err)
	_, err = root.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: p.Policy.Arn})
	must(t, err)
	_, err = ts.iam(id, secret).ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)
	_, err = ts.sts(id, secret, "eu-west-1").GetCallerIdentity(ctx, nil)
	must(t, err)

	report := func(arn string) (*iam.GetServiceLastAccessedDetailsOutput, string) {
		job, err := root.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(arn)})
		must(t, err)
		out, err := root.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: job.JobId})
		must(t, err)
		if out.JobStatus != types.JobStatusTypeCompleted {
			t.Fatalf("job %s", out.JobStatus)
		}
		return out, aws.ToString(job.JobId)
	}
	service := func(out *iam.GetServiceLastAccessedDetailsOutput, ns string) *types.ServiceLastAccessed {
		for i := range out.ServicesLastAccessed {
			if aws.ToString(out.ServicesLastAccessed[i].ServiceNamespace) == ns {
				return &out.ServicesLastAccessed[i]
			}
		}
		return nil
	}
	// The uses reach the store on the recorder's next flush.
	deadline := time.Now().Add(10 * time.Second)
	var byGroup *iam.GetServiceLastAccessedDetailsOutput
	var job string
	for {
		byGroup, job = report("arn:aws:iam::123456789012:group/devs")
		if s := service(byGroup, "iam"); s != nil && s.LastAuthenticated != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no use recorded: %+v", byGroup.ServicesLastAccessed)
		}
		time.Sleep(50 * time.Millisecond)
	}
	iamUse, s3 := service(byGroup, "iam"), service(byGroup, "s3")
	if aws.ToString(iamUse.LastAuthenticatedEntity) != "arn:aws:iam::123456789012:user/alice" || aws.ToString(iamUse.LastAuthenticatedRegion) != "us-east-1" ||
		aws.ToInt32(iamUse.TotalAuthenticatedEntities) != 1 || aws.ToString(iamUse.ServiceName) != "AWS Identity and Access Management" {
		t.Fatalf("iam: %+v", iamUse)
	}
	if s3 == nil || s3.LastAuthenticated != nil || len(byGroup.ServicesLastAccessed) != 2 {
		t.Fatalf("services of the group's policy: %+v", byGroup.ServicesLastAccessed)
	}
	entities, err := root.GetServiceLastAccessedDetailsWithEntities(ctx, &iam.GetServiceLastAccessedDetailsWithEntitiesInput{JobId: aws.String(job), ServiceNamespace: aws.String("iam")})
	must(t, err)
	if len(entities.EntityDetailsList) != 1 || aws.ToString(entities.EntityDetailsList[0].EntityInfo.Name) != "alice" || entities.EntityDetailsList[0].LastAuthenticated == nil {
		t.Fatalf("entities: %+v", entities.EntityDetailsList)
	}
	// The user's own report: no policy of its own allows sts, so only the
	// group's services, with its use of iam.
	byUser, _ := report("arn:aws:iam::123456789012:user/alice")
	byPolicy, _ := report(aws.ToString(p.Policy.Arn))
	if service(byUser, "iam").LastAuthenticated == nil || service(byPolicy, "iam").LastAuthenticated == nil || service(byUser, "sts") != nil {
		t.Fatalf("user %+v, policy %+v", byUser.ServicesLastAccessed, byPolicy.ServicesLastAccessed)
	}
	granting, err := root.ListPoliciesGrantingServiceAccess(ctx, &iam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String("arn:aws:iam::123456789012:user/alice"),
		ServiceNamespaces: []string{"iam", "ec2"}})
	must(t, err)
	if len(granting.PoliciesGrantingServiceAccess) != 2 || len(granting.PoliciesGrantingServiceAccess[0].Policies) != 1 ||
		aws.ToString(granting.PoliciesGrantingServiceAccess[0].Policies[0].PolicyName) != "ReadIAM" || len(granting.PoliciesGrantingServiceAccess[1].Policies) != 0 {
		t.Fatalf("granting: %+v", granting.PoliciesGrantingServiceAccess)
	}
	_, err = root.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: aws.String("00000000-0000-4000-8000-000000000000")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")

	_, err = root.SetSecurityTokenServicePreferences(ctx, &iam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: types.GlobalEndpointTokenVersionV2Token})
	must(t, err)
	summary, err := root.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	must(t, err)
	if summary.SummaryMap["GlobalEndpointTokenVersion"] != 2 {
		t.Fatalf("token version %d", summary.SummaryMap["GlobalEndpointTokenVersion"])
	}
}
