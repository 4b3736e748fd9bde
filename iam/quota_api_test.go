package iam_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// smallQuotas are quotas a test reaches in a few calls.
func smallQuotas() keyward.Quotas {
	return keyward.Quotas{
		Users: 3, Groups: 2, Roles: 1, Policies: 1, InstanceProfiles: 1,
		GroupsPerUser:           1,
		AttachedPoliciesPerUser: 1, AttachedPoliciesPerGroup: 1, AttachedPoliciesPerRole: 1,
		UserPolicySize: 200, GroupPolicySize: 200, RolePolicySize: 200,
		PolicySize: 120, RoleTrustPolicySize: 150,
	}
}

// policyOfSize is a policy document of exactly n characters as IAM counts
// them (white space not counted), padded by its statement ID.
func policyOfSize(t *testing.T, n int) string {
	t.Helper()
	const head, tail = `{"Version": "2012-10-17", "Statement": [{"Sid": "`, `", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}`
	pad := n - keyward.PolicySize(head+tail)
	if pad < 1 {
		t.Fatalf("no policy of %d characters", n)
	}
	return head + strings.Repeat("S", pad) + tail
}

// TestQuotasRefuseAsAWS: each IAM quota refuses the write that would pass
// it with AWS's LimitExceeded and message, and changes nothing.
func TestQuotasRefuseAsAWS(t *testing.T) {
	ts := kwtest.NewServer(t, kwtest.Options{Quotas: smallQuotas()})
	root := ts.RootIAM()
	ctx := context.Background()
	limit := func(err error, message string) {
		t.Helper()
		wantAPIError(t, err, "LimitExceeded", 409, message)
	}

	for _, name := range []string{"u1", "u2", "u3"} {
		_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
		must(t, err)
	}
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u4")})
	limit(err, "Cannot exceed quota for UsersPerAccount: 3")
	_, err = root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("u4")})
	wantAPIError(t, err, "NoSuchEntity", 404, "")

	for _, name := range []string{"g1", "g2"} {
		_, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(name)})
		must(t, err)
	}
	_, err = root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g3")})
	limit(err, "Cannot exceed quota for GroupsPerAccount: 2")

	_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g1"), UserName: aws.String("u1")})
	must(t, err)
	// Again: no change, not a second group.
	_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g1"), UserName: aws.String("u1")})
	must(t, err)
	_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g2"), UserName: aws.String("u1")})
	limit(err, "Cannot exceed quota for GroupsPerUser: 1")
	groups, err := root.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("u1")})
	must(t, err)
	if len(groups.Groups) != 1 {
		t.Fatalf("u1 is in %d groups", len(groups.Groups))
	}

	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String(trust)})
	must(t, err)
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(trust)})
	limit(err, "Cannot exceed quota for RolesPerAccount: 1")
	long := strings.Replace(trust, `"Action"`, `"Sid":"`+strings.Repeat("T", 40)+`","Action"`, 1)
	_, err = root.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r1"), PolicyDocument: aws.String(long)})
	limit(err, "Cannot exceed quota for ACLSizePerRole: 150")

	_, err = root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("big"), PolicyDocument: aws.String(policyOfSize(t, 121))})
	limit(err, "Cannot exceed quota for PolicySize: 120")
	// White space does not count: 120 characters spread over many lines.
	spread := strings.ReplaceAll(policyOfSize(t, 120), ",", ",\n    ")
	p1, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p1"), PolicyDocument: aws.String(spread)})
	must(t, err)
	_, err = root.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: p1.Policy.Arn, PolicyDocument: aws.String(policyOfSize(t, 121))})
	limit(err, "Cannot exceed quota for PolicySize: 120")
	_, err = root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p2"), PolicyDocument: aws.String(kwtest.AllowAll)})
	limit(err, "Cannot exceed quota for PoliciesPerAccount: 1")

	// AWS's managed policies count against attachments, not the account's policies.
	_, err = root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u2"), PolicyArn: aws.String(awsPolicy + "IAMReadOnlyAccess")})
	must(t, err)
	_, err = root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u2"), PolicyArn: aws.String(awsPolicy + "IAMReadOnlyAccess")})
	must(t, err)
	_, err = root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u2"), PolicyArn: p1.Policy.Arn})
	limit(err, "Cannot exceed quota for PoliciesPerUser: 1")
	_, err = root.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g2"), PolicyArn: p1.Policy.Arn})
	must(t, err)
	_, err = root.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g2"), PolicyArn: aws.String(awsPolicy + "IAMReadOnlyAccess")})
	limit(err, "Cannot exceed quota for PoliciesPerGroup: 1")
	_, err = root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: p1.Policy.Arn})
	must(t, err)
	_, err = root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: aws.String(awsPolicy + "IAMReadOnlyAccess")})
	limit(err, "Cannot exceed quota for PoliciesPerRole: 1")

	// Inline policies count together; a policy replaced counts once.
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u3"), PolicyName: aws.String("a"), PolicyDocument: aws.String(policyOfSize(t, 110))})
	must(t, err)
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u3"), PolicyName: aws.String("a"), PolicyDocument: aws.String(policyOfSize(t, 199))})
	must(t, err)
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u3"), PolicyName: aws.String("a"), PolicyDocument: aws.String(policyOfSize(t, 201))})
	limit(err, "Maximum policy size of 200 bytes exceeded for user u3")
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u3"), PolicyName: aws.String("a"), PolicyDocument: aws.String(policyOfSize(t, 110))})
	must(t, err)
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u3"), PolicyName: aws.String("b"), PolicyDocument: aws.String(policyOfSize(t, 110))})
	limit(err, "Maximum policy size of 200 bytes exceeded for user u3")
	_, err = root.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("u3"), PolicyName: aws.String("b")})
	wantAPIError(t, err, "NoSuchEntity", 404, "")
	_, err = root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("g1"), PolicyName: aws.String("a"), PolicyDocument: aws.String(policyOfSize(t, 201))})
	limit(err, "Maximum policy size of 200 bytes exceeded for group g1")
	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r1"), PolicyName: aws.String("a"), PolicyDocument: aws.String(policyOfSize(t, 201))})
	limit(err, "Maximum policy size of 200 bytes exceeded for role r1")

	_, err = root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip1")})
	must(t, err)
	_, err = root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip2")})
	limit(err, "Cannot exceed quota for InstanceProfilesPerAccount: 1")

	// The account summary tells the quotas in force.
	summary, err := root.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	must(t, err)
	for key, want := range map[string]int32{"UsersQuota": 3, "GroupsQuota": 2, "PoliciesQuota": 1, "PolicySizeQuota": 120, "GroupsPerUserQuota": 1,
		"UserPolicySizeQuota": 200, "GroupPolicySizeQuota": 200, "AttachedPoliciesPerUserQuota": 1, "AttachedPoliciesPerGroupQuota": 1,
		"AttachedPoliciesPerRoleQuota": 1, "Users": 3} {
		if got := summary.SummaryMap[key]; got != want {
			t.Errorf("%s = %d, want %d", key, got, want)
		}
	}
}

// TestDefaultQuotasAreAWSs: without configuration, AWS's quotas hold, and
// the account summary says so.
func TestDefaultQuotasAreAWSs(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("big"), PolicyDocument: aws.String(policyOfSize(t, 6145))})
	wantAPIError(t, err, "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144")
	_, err = root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("fits"), PolicyDocument: aws.String(policyOfSize(t, 6144))})
	must(t, err)
	_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")})
	must(t, err)
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("a"), PolicyDocument: aws.String(policyOfSize(t, 2049))})
	wantAPIError(t, err, "LimitExceeded", 409, "Maximum policy size of 2048 bytes exceeded for user u")
	summary, err := root.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	must(t, err)
	q := keyward.DefaultQuotas()
	for key, want := range map[string]int{"UsersQuota": q.Users, "GroupsQuota": q.Groups, "PoliciesQuota": q.Policies, "PolicySizeQuota": 6144,
		"UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120, "GroupsPerUserQuota": 10, "AttachedPoliciesPerRoleQuota": 10} {
		if got := summary.SummaryMap[key]; int(got) != want {
			t.Errorf("%s = %d, want %d", key, got, want)
		}
	}
}
