package iam_test

import (
	"context"
	"github.com/keyward/keyward/internal/kwtest"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/policy"
)

func init() {
	tagFixtures[keyward.TaggedPolicy] = func(t *testing.T, b *apiServer) (string, string) {
		allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
		pol, err := b.IAM.CreatePolicy(b.RootContext(), "p", "/", "", allow, nil)
		must(t, err)
		return pol.ARN, pol.ARN + "x"
	}
}

func TestSelfServiceAccessKeys(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	alice, _, aliceKey := ts.UserWithKey(t, "alice")
	_, _, _ = ts.UserWithKey(t, "bob")

	// Without a policy, alice may not even list her own keys.
	_, err := alice.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	wantAPIError(t, err, "AccessDenied", 403, "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListAccessKeys on resource: arn:aws:iam::123456789012:user/alice because no identity-based policy allows the iam:ListAccessKeys action")

	// AWS's documented self-service policy, through a group everyone joins.
	pol, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("SelfManageAccessKeys"), PolicyDocument: aws.String(policy.SelfManageAccessKeysPolicy)})
	must(t, err)
	_, err = root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("everyone")})
	must(t, err)
	_, err = root.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("everyone"), PolicyArn: pol.Policy.Arn})
	must(t, err)
	for _, u := range []string{"alice", "bob"} {
		_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("everyone"), UserName: aws.String(u)})
		must(t, err)
	}

	// Alice rotates her own key: create the second, deactivate and delete the first.
	newKey, err := alice.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	must(t, err)
	if *newKey.AccessKey.UserName != "alice" {
		t.Fatalf("key made for %s", *newKey.AccessKey.UserName)
	}
	rotated := ts.IAMClient(*newKey.AccessKey.AccessKeyId, *newKey.AccessKey.SecretAccessKey)
	_, err = rotated.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(aliceKey), Status: types.StatusTypeInactive})
	must(t, err)
	_, err = rotated.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(aliceKey)})
	must(t, err)
	keys, err := rotated.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
	must(t, err)
	if len(keys.AccessKeyMetadata) != 1 || *keys.AccessKeyMetadata[0].AccessKeyId != *newKey.AccessKey.AccessKeyId {
		t.Fatalf("alice's keys %+v", keys.AccessKeyMetadata)
	}

	// Only her own.
	_, err = rotated.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	wantAPIError(t, err, "AccessDenied", 403, "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:CreateAccessKey on resource: arn:aws:iam::123456789012:user/bob because no identity-based policy allows the iam:CreateAccessKey action")
	_, err = rotated.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("bob")})
	wantAPIError(t, err, "AccessDenied", 403, "")
	_, err = rotated.ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "AccessDenied", 403, "")

	// Removing her from the group revokes it at once.
	_, err = root.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("everyone"), UserName: aws.String("alice")})
	must(t, err)
	_, err = rotated.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	wantAPIError(t, err, "AccessDenied", 403, "")
}

func TestReadOnlyAndRevocation(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	auditor, _, _ := ts.UserWithKey(t, "auditor")
	_, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("auditor"), PolicyArn: aws.String(awsPolicy + "IAMReadOnlyAccess")})
	must(t, err)

	users, err := auditor.ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)
	if len(users.Users) != 1 {
		t.Fatalf("%d users", len(users.Users))
	}
	_, err = auditor.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("auditor")})
	must(t, err)
	_, err = auditor.GetUser(ctx, &iam.GetUserInput{})
	must(t, err)
	_, err = auditor.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("sneaky")})
	wantAPIError(t, err, "AccessDenied", 403, "User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/sneaky because no identity-based policy allows the iam:CreateUser action")
	_, err = auditor.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	wantAPIError(t, err, "AccessDenied", 403, "")

	attached, err := root.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("auditor")})
	must(t, err)
	if len(attached.AttachedPolicies) != 1 || *attached.AttachedPolicies[0].PolicyName != "IAMReadOnlyAccess" {
		t.Fatalf("attached %+v", attached.AttachedPolicies)
	}
	// Detaching revokes from the next request on.
	_, err = root.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("auditor"), PolicyArn: aws.String(awsPolicy + "IAMReadOnlyAccess")})
	must(t, err)
	_, err = auditor.ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "AccessDenied", 403, "")
	_, err = root.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("auditor"), PolicyArn: aws.String(awsPolicy + "IAMReadOnlyAccess")})
	wantAPIError(t, err, "NoSuchEntity", 404, "Policy arn:aws:iam::aws:policy/IAMReadOnlyAccess was not found.")
}

func TestDenyBeatsAllow(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	admin, _, _ := ts.UserWithKey(t, "admin")
	_, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("admins")})
	must(t, err)
	_, err = root.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("admins"), PolicyArn: aws.String(awsPolicy + "AdministratorAccess")})
	must(t, err)
	_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("admins"), UserName: aws.String("admin")})
	must(t, err)
	_, err = admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("victim")})
	must(t, err)

	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("NoDeleting"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:Delete*","Resource":"*"}]}`)})
	must(t, err)
	_, err = admin.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("victim")})
	wantAPIError(t, err, "AccessDenied", 403, "User: arn:aws:iam::123456789012:user/admin is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::123456789012:user/victim with an explicit deny in an identity-based policy")
	_, err = admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("other")})
	must(t, err)

	// The inline policy API, with the document URL-encoded as AWS returns it.
	got, err := root.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("NoDeleting")})
	must(t, err)
	doc, err := url.QueryUnescape(*got.PolicyDocument)
	must(t, err)
	if !strings.Contains(doc, `"Effect":"Deny"`) || *got.UserName != "admin" {
		t.Fatalf("GetUserPolicy %+v (%s)", got, doc)
	}
	names, err := root.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("admin")})
	must(t, err)
	if len(names.PolicyNames) != 1 || names.PolicyNames[0] != "NoDeleting" {
		t.Fatalf("ListUserPolicies %v", names.PolicyNames)
	}
	_, err = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("victim")})
	must(t, err)
	_, err = root.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("NoDeleting")})
	must(t, err)
	_, err = admin.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("other")})
	must(t, err)
	_, err = root.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("NoDeleting")})
	wantAPIError(t, err, "NoSuchEntity", 404, "The user policy with name NoDeleting cannot be found.")

	// A malformed document is refused and nothing is stored.
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("Broken"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`)})
	wantAPIError(t, err, "MalformedPolicyDocument", 400, "Policy statement must contain actions.")
	names, err = root.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("admin")})
	must(t, err)
	if len(names.PolicyNames) != 0 {
		t.Fatalf("a refused policy was stored: %v", names.PolicyNames)
	}

	// Users and groups with policies or members cannot be deleted.
	_, err = root.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("admins")})
	wantAPIError(t, err, "DeleteConflict", 409, "")
	_, err = root.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("admins"), UserName: aws.String("admin")})
	must(t, err)
	_, err = root.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("admins")})
	wantAPIError(t, err, "DeleteConflict", 409, "")
	_, err = root.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("admins"), PolicyArn: aws.String(awsPolicy + "AdministratorAccess")})
	must(t, err)
	_, err = root.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("admins")})
	must(t, err)
}

func TestManagedPolicyVersions(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	lister, _, _ := ts.UserWithKey(t, "lister")
	created, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Listing"), Path: aws.String("/team/"), Description: aws.String("list users"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}}`)})
	must(t, err)
	arn := *created.Policy.Arn
	if arn != "arn:aws:iam::123456789012:policy/team/Listing" || *created.Policy.DefaultVersionId != "v1" || !keyIDLike(*created.Policy.PolicyId, "ANPA") {
		t.Fatalf("created %+v", created.Policy)
	}
	_, err = root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("listing"), PolicyDocument: aws.String(policy.SelfManageAccessKeysPolicy)})
	wantAPIError(t, err, "EntityAlreadyExists", 409, "A policy called listing already exists. Duplicate names are not allowed.")
	_, err = root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("lister"), PolicyArn: aws.String(arn)})
	must(t, err)
	_, err = lister.ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)

	// A new default version takes effect on the next request.
	v2, err := root.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), SetAsDefault: true,
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:ListGroups","Resource":"*"}}`)})
	must(t, err)
	if *v2.PolicyVersion.VersionId != "v2" || !v2.PolicyVersion.IsDefaultVersion {
		t.Fatalf("v2 %+v", v2.PolicyVersion)
	}
	_, err = lister.ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "AccessDenied", 403, "")
	_, err = lister.ListGroups(ctx, &iam.ListGroupsInput{})
	must(t, err)
	_, err = root.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	must(t, err)
	_, err = lister.ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)

	v1, err := root.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	must(t, err)
	doc, _ := url.QueryUnescape(*v1.PolicyVersion.Document)
	if !v1.PolicyVersion.IsDefaultVersion || !strings.Contains(doc, "iam:ListUsers") {
		t.Fatalf("v1 %+v %s", v1.PolicyVersion, doc)
	}
	for i := 3; i <= keyward.MaxPolicyVersions; i++ {
		_, err = root.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(policy.SelfManageAccessKeysPolicy)})
		must(t, err)
	}
	_, err = root.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(policy.SelfManageAccessKeysPolicy)})
	wantAPIError(t, err, "LimitExceeded", 409, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
	_, err = root.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	wantAPIError(t, err, "DeleteConflict", 409, "Cannot delete the default version of a policy.")

	got, err := root.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	must(t, err)
	if *got.Policy.AttachmentCount != 1 || *got.Policy.Description != "list users" {
		t.Fatalf("GetPolicy %+v", got.Policy)
	}
	_, err = root.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantAPIError(t, err, "DeleteConflict", 409, "Cannot delete a policy attached to entities.")
	_, err = root.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::123456789012:policy/Nothing")})
	wantAPIError(t, err, "NoSuchEntity", 404, "Policy arn:aws:iam::123456789012:policy/Nothing does not exist or is not attachable.")

	awsOnes, err := root.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws})
	must(t, err)
	var names []string
	for _, p := range awsOnes.Policies {
		names = append(names, *p.PolicyName)
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "AdministratorAccess,IAMFullAccess,IAMReadOnlyAccess,IAMSelfManageServiceSpecificCredentials,IAMUserChangePassword" {
		t.Fatalf("AWS managed policies %v", names)
	}
	local, err := root.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, OnlyAttached: true})
	must(t, err)
	if len(local.Policies) != 1 || *local.Policies[0].Arn != arn {
		t.Fatalf("local attached %+v", local.Policies)
	}
}

func keyIDLike(id, prefix string) bool { return strings.HasPrefix(id, prefix) && len(id) == 21 }

func TestGroups(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	for _, u := range []string{"ann", "ben"} {
		_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)})
		must(t, err)
	}
	g, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("Devs"), Path: aws.String("/eng/")})
	must(t, err)
	if *g.Group.Arn != "arn:aws:iam::123456789012:group/eng/Devs" || !keyIDLike(*g.Group.GroupId, "AGPA") {
		t.Fatalf("group %+v", g.Group)
	}
	_, err = root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")})
	wantAPIError(t, err, "EntityAlreadyExists", 409, "Group with name devs already exists.")
	for _, u := range []string{"ann", "ben"} {
		_, err := root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("Devs"), UserName: aws.String(u)})
		must(t, err)
	}
	_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("Nope"), UserName: aws.String("ann")})
	wantAPIError(t, err, "NoSuchEntity", 404, "The group with name Nope cannot be found.")
	got, err := root.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("Devs"), MaxItems: aws.Int32(1)})
	must(t, err)
	if len(got.Users) != 1 || !got.IsTruncated || *got.Users[0].UserName != "ann" {
		t.Fatalf("GetGroup %+v", got)
	}
	got, err = root.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("Devs"), Marker: got.Marker})
	must(t, err)
	if len(got.Users) != 1 || got.IsTruncated || *got.Users[0].UserName != "ben" {
		t.Fatalf("GetGroup page 2 %+v", got)
	}
	groups, err := root.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("ben")})
	must(t, err)
	if len(groups.Groups) != 1 || *groups.Groups[0].GroupName != "Devs" {
		t.Fatalf("ListGroupsForUser %+v", groups.Groups)
	}
	all, err := root.ListGroups(ctx, &iam.ListGroupsInput{PathPrefix: aws.String("/eng/")})
	must(t, err)
	if len(all.Groups) != 1 {
		t.Fatalf("ListGroups %+v", all.Groups)
	}
	_, err = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ben")})
	wantAPIError(t, err, "DeleteConflict", 409, "Cannot delete entity, must remove referenced objects first.")
	_, err = root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("Devs"), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy.SelfManageAccessKeysPolicy)})
	must(t, err)
	gp, err := root.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: aws.String("Devs"), PolicyName: aws.String("p")})
	must(t, err)
	if *gp.GroupName != "Devs" || *gp.PolicyName != "p" {
		t.Fatalf("GetGroupPolicy %+v", gp)
	}
	gps, err := root.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: aws.String("Devs")})
	must(t, err)
	if len(gps.PolicyNames) != 1 {
		t.Fatalf("ListGroupPolicies %v", gps.PolicyNames)
	}
	_, err = root.DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: aws.String("Devs"), PolicyName: aws.String("p")})
	must(t, err)
	for _, u := range []string{"ann", "ben"} {
		_, err := root.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("Devs"), UserName: aws.String(u)})
		must(t, err)
	}
	_, err = root.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("Devs"), UserName: aws.String("ann")})
	wantAPIError(t, err, "NoSuchEntity", 404, "User ann is not in group Devs.")
	_, err = root.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("Devs")})
	must(t, err)
	_, err = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ben")})
	must(t, err)
}

func TestSimulatePrincipalPolicy(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("sim")})
	must(t, err)
	_, err = root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("sim"), PolicyArn: aws.String(awsPolicy + "IAMReadOnlyAccess")})
	must(t, err)
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("sim"), PolicyName: aws.String("deny-keys"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:ListAccessKeys","Resource":"*"}}`)})
	must(t, err)
	out, err := root.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/sim"),
		ActionNames:     []string{"iam:ListUsers", "iam:CreateUser", "iam:ListAccessKeys", "iam:CreateAccessKey"},
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*"}}`},
	})
	must(t, err)
	want := map[string]string{"iam:ListUsers": "allowed", "iam:CreateUser": "implicitDeny", "iam:ListAccessKeys": "explicitDeny", "iam:CreateAccessKey": "allowed"}
	if len(out.EvaluationResults) != 4 {
		t.Fatalf("%d results", len(out.EvaluationResults))
	}
	for _, r := range out.EvaluationResults {
		if string(r.EvalDecision) != want[*r.EvalActionName] {
			t.Errorf("%s: %s, want %s", *r.EvalActionName, r.EvalDecision, want[*r.EvalActionName])
		}
		if *r.EvalActionName == "iam:ListAccessKeys" && (len(r.MatchedStatements) != 1 || *r.MatchedStatements[0].SourcePolicyId != "deny-keys" || r.MatchedStatements[0].SourcePolicyType != types.PolicySourceTypeUser) {
			t.Errorf("matched %+v", r.MatchedStatements)
		}
		if *r.EvalActionName == "iam:CreateAccessKey" && *r.MatchedStatements[0].SourcePolicyId != "PolicyInputList.1" {
			t.Errorf("matched %+v", r.MatchedStatements)
		}
	}
	_, err = root.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/ghost"), ActionNames: []string{"iam:ListUsers"}})
	wantAPIError(t, err, "NoSuchEntity", 404, "The user with name ghost cannot be found.")
}

// TestPolicyConditionsOnRequests checks, through real requests, the
// request context the server gives conditions: source IP, region, time.
func TestPolicyConditionsOnRequests(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	id, secret := createUserKey(t, ts.RootIAM(), "carl")
	hourAhead := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carl"), PolicyName: aws.String("conditions"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"},"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}},
			{"Effect":"Allow","Action":"iam:ListGroups","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
			{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"` + hourAhead + `"}}},
			{"Effect":"Allow","Action":"iam:ListPolicies","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"` + hourAhead + `"}}},
			{"Effect":"Deny","Action":"iam:ListGroups","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)})
	must(t, err)
	client := func(region string) *iam.Client {
		return iam.NewFromConfig(ts.ConfigIn(region, id, secret, ""))
	}
	eu, us := client("eu-west-1"), client("us-east-1")
	_, err = eu.ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)
	_, err = us.ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "AccessDenied", 403, "") // another region
	_, err = eu.ListGroups(ctx, &iam.ListGroupsInput{})
	wantAPIError(t, err, "AccessDenied", 403, "User: arn:aws:iam::123456789012:user/carl is not authorized to perform: iam:ListGroups on resource: arn:aws:iam::123456789012:group/ with an explicit deny in an identity-based policy")
	_, err = eu.GetUser(ctx, &iam.GetUserInput{})
	must(t, err)
	_, err = eu.ListPolicies(ctx, &iam.ListPoliciesInput{})
	wantAPIError(t, err, "AccessDenied", 403, "")
}

// TestRenameRecompilesPolicies renames a user whose policy names itself
// through ${aws:username}: the compiled policies must follow the new name.
func TestRenameRecompilesPolicies(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	user, _, _ := ts.UserWithKey(t, "old-name")
	_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("old-name"), PolicyName: aws.String("self"),
		PolicyDocument: aws.String(policy.SelfManageAccessKeysPolicy)})
	must(t, err)
	_, err = user.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	must(t, err) // compiled and cached for "old-name"
	_, err = root.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("old-name"), NewUserName: aws.String("new-name")})
	must(t, err)
	out, err := user.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	must(t, err)
	if len(out.AccessKeyMetadata) != 1 || *out.AccessKeyMetadata[0].UserName != "new-name" {
		t.Fatalf("after the rename: %+v", out.AccessKeyMetadata)
	}
}

// TestPermissionsBoundaries: a boundary limits what a user's identity
// policies allow, on every request; it shows in GetUser, in the policy's
// usage count and in ListEntitiesForPolicy, keeps the policy from being
// deleted, and can be removed.
func TestPermissionsBoundaries(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	p, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ListOnly"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`)})
	must(t, err)
	boundary := aws.ToString(p.Policy.Arn)
	id, secret := createUserKey(t, root, "alice")
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("all"), PolicyDocument: aws.String(kwtest.AllowAll)})
	must(t, err)
	alice := ts.IAMClient(id, secret)
	_, err = alice.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("before")})
	must(t, err)

	_, err = root.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("alice"), PermissionsBoundary: aws.String("arn:aws:iam::123456789012:policy/None")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "Policy arn:aws:iam::123456789012:policy/None does not exist or is not attachable.")
	_, err = root.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("alice"), PermissionsBoundary: aws.String(boundary)})
	must(t, err)
	if _, err := alice.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("allowed by both: %v", err)
	}
	_, err = alice.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("after")})
	wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:CreateUser on resource: "+
		"arn:aws:iam::123456789012:user/after because no permissions boundary allows the iam:CreateUser action")

	u, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	must(t, err)
	if u.User.PermissionsBoundary == nil || aws.ToString(u.User.PermissionsBoundary.PermissionsBoundaryArn) != boundary {
		t.Fatalf("GetUser: %+v", u.User.PermissionsBoundary)
	}
	got, err := root.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(boundary)})
	must(t, err)
	entities, err := root.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(boundary), PolicyUsageFilter: "PermissionsBoundary"})
	must(t, err)
	if aws.ToInt32(got.Policy.PermissionsBoundaryUsageCount) != 1 || len(entities.PolicyUsers) != 1 {
		t.Fatalf("usage count %d, entities %+v", aws.ToInt32(got.Policy.PermissionsBoundaryUsageCount), entities.PolicyUsers)
	}
	_, err = root.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(boundary)})
	wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "")

	// A user created with a boundary has it from the start.
	_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), PermissionsBoundary: aws.String(boundary)})
	must(t, err)
	details, err := root.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeUser}})
	must(t, err)
	bounded := 0
	for _, d := range details.UserDetailList {
		if d.PermissionsBoundary != nil && aws.ToString(d.PermissionsBoundary.PermissionsBoundaryArn) == boundary {
			bounded++
		}
	}
	if bounded != 2 {
		t.Fatalf("%d users with the boundary in the authorization details", bounded)
	}

	_, err = root.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("alice")})
	must(t, err)
	if _, err := alice.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("after")}); err != nil {
		t.Fatalf("after the boundary is removed: %v", err)
	}
}

// TestSimulateCustomPolicyAndContextKeys: the simulator evaluates given
// policies alone, with a boundary, conditions and the caller's variables;
// the context keys of custom and of a principal's policies are listed.
func TestSimulateCustomPolicyAndContextKeys(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	createUserKey(t, root, "alice")
	conditional := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*",
"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	simulate := func(ip string) types.PolicyEvaluationDecisionType {
		out, err := root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{conditional},
			ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{"arn:aws:s3:::b/alice/x"},
			CallerArn:      aws.String("arn:aws:iam::123456789012:user/alice"),
			ContextEntries: []types.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: types.ContextKeyTypeEnumIp, ContextKeyValues: []string{ip}}}})
		must(t, err)
		return out.EvaluationResults[0].EvalDecision
	}
	if simulate("10.1.2.3") != types.PolicyEvaluationDecisionTypeAllowed || simulate("192.0.2.1") != types.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Fatal("the simulator ignored the condition or the caller's variables")
	}
	// Without the entry the simulator assumes no address: the key is
	// missing, where the SDK reads it (under ResourceSpecificResults for a
	// named resource, in the result itself for "*").
	missing, err := root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{conditional},
		ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{"arn:aws:s3:::b/alice/x"}, CallerArn: aws.String("arn:aws:iam::123456789012:user/alice")})
	must(t, err)
	if r := missing.EvaluationResults[0]; r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || len(r.ResourceSpecificResults) != 1 ||
		strings.Join(r.ResourceSpecificResults[0].MissingContextValues, ",") != "aws:SourceIp" || *r.ResourceSpecificResults[0].EvalResourceName != "arn:aws:s3:::b/alice/x" {
		t.Fatalf("missing context for a named resource: %+v", r)
	}
	all, err := root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{conditional}, ActionNames: []string{"s3:GetObject"}})
	must(t, err)
	if r := all.EvaluationResults[0]; strings.Join(r.MissingContextValues, ",") != "aws:username" || len(r.ResourceSpecificResults) != 0 {
		t.Fatalf("missing context for all resources: %+v", r)
	}
	bounded, err := root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{kwtest.AllowAll},
		PermissionsBoundaryPolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`},
		ActionNames:                        []string{"iam:GetUser", "iam:DeleteUser"}})
	must(t, err)
	if bounded.EvaluationResults[0].EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || bounded.EvaluationResults[1].EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Fatalf("with a boundary: %+v", bounded.EvaluationResults)
	}
	keys, err := root.GetContextKeysForCustomPolicy(ctx, &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{conditional}})
	must(t, err)
	if strings.Join(keys.ContextKeyNames, ",") != "aws:username,aws:SourceIp" {
		t.Fatalf("custom policy keys %v", keys.ContextKeyNames)
	}
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("c"), PolicyDocument: aws.String(conditional)})
	must(t, err)
	pkeys, err := root.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/alice"),
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`}})
	must(t, err)
	if strings.Join(pkeys.ContextKeyNames, ",") != "aws:username,aws:SourceIp,aws:SecureTransport" {
		t.Fatalf("principal policy keys %v", pkeys.ContextKeyNames)
	}
}
