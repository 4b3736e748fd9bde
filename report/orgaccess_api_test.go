package report_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestOrganizationsAccessReport: the management account reports, for its
// organization's root, an OU or an account, the services the SCPs on the
// way allow (or one SCP allows), when the principals of the accounts under
// it last used each, from which account and region; paths outside the
// organization are refused, the two kinds of report keep to their own
// operations, and a policy decides on the report's resource.
func TestOrganizationsAccessReport(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String("o-abcdefghij/r-abcd")})
	wantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "Your account is not a member of an organization.")

	orgs := ts.RootOrganizations()
	o, err := orgs.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{})
	must(t, err)
	roots, err := orgs.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	orgID, rootID := aws.ToString(o.Organization.Id), aws.ToString(roots.Roots[0].Id)
	_, err = orgs.EnablePolicyType(ctx, &awsorg.EnablePolicyTypeInput{RootId: aws.String(rootID), PolicyType: orgtypes.PolicyTypeServiceControlPolicy})
	must(t, err)
	ou, err := orgs.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: aws.String(rootID), Name: aws.String("eng")})
	must(t, err)
	ouID := aws.ToString(ou.OrganizationalUnit.Id)
	_, err = orgs.MoveAccount(ctx, &awsorg.MoveAccountInput{AccountId: aws.String(kwtest.AccountID), SourceParentId: aws.String(rootID), DestinationParentId: aws.String(ouID)})
	must(t, err)
	// The OU allows IAM and STS only: its own SCP in place of FullAWSAccess.
	scp, err := orgs.CreatePolicy(ctx, &awsorg.CreatePolicyInput{Name: aws.String("iam-sts"), Description: aws.String(""), Type: orgtypes.PolicyTypeServiceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","sts:*"],"Resource":"*"}]}`)})
	must(t, err)
	scpID := aws.ToString(scp.Policy.PolicySummary.Id)
	_, err = orgs.AttachPolicy(ctx, &awsorg.AttachPolicyInput{PolicyId: aws.String(scpID), TargetId: aws.String(ouID)})
	must(t, err)
	_, err = orgs.DetachPolicy(ctx, &awsorg.DetachPolicyInput{PolicyId: aws.String(keyward.FullAWSAccessID), TargetId: aws.String(ouID)})
	must(t, err)

	id, secret := createUserKey(t, root, "alice")
	_, err = ts.IAMClient(id, secret).ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	must(t, ts.Uses.Flush(ctx))

	rootPath := orgID + "/" + rootID
	ouPath := rootPath + "/" + ouID
	accountPath := ouPath + "/" + kwtest.AccountID
	report := func(path, policyID string, sortKey types.SortKeyType) *iam.GetOrganizationsAccessReportOutput {
		t.Helper()
		in := &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(path)}
		if policyID != "" {
			in.OrganizationsPolicyId = aws.String(policyID)
		}
		job, err := root.GenerateOrganizationsAccessReport(ctx, in)
		must(t, err)
		out, err := root.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: job.JobId, SortKey: sortKey})
		must(t, err)
		if out.JobStatus != types.JobStatusTypeCompleted || out.JobCompletionDate == nil {
			t.Fatalf("job %+v", out)
		}
		return out
	}
	namespaces := func(out *iam.GetOrganizationsAccessReportOutput) []string {
		var ns []string
		for _, d := range out.AccessDetails {
			ns = append(ns, aws.ToString(d.ServiceNamespace))
		}
		return ns
	}
	// Root: FullAWSAccess allows every service; IAM was used (a refusal
	// is an authenticated use, as AWS counts it), from the account.
	whole := report(rootPath, "", "")
	if got := namespaces(whole); len(got) != 5 || got[0] != "execute-api" || aws.ToInt32(whole.NumberOfServicesAccessible) != 5 ||
		aws.ToInt32(whole.NumberOfServicesNotAccessed) != 4 {
		t.Fatalf("root's report: %v, accessible %d, not accessed %d", got, aws.ToInt32(whole.NumberOfServicesAccessible), aws.ToInt32(whole.NumberOfServicesNotAccessed))
	}
	for _, d := range whole.AccessDetails {
		used := aws.ToString(d.ServiceNamespace) == "iam"
		if used != (d.LastAuthenticatedTime != nil) || used && (aws.ToString(d.EntityPath) != accountPath || aws.ToString(d.Region) != "us-east-1" ||
			aws.ToInt32(d.TotalAuthenticatedEntities) != 1) || !used && (d.EntityPath != nil || aws.ToInt32(d.TotalAuthenticatedEntities) != 0) {
			t.Errorf("root's report, %s: %+v", aws.ToString(d.ServiceNamespace), d)
		}
	}
	// The OU and the account: the OU's SCP leaves IAM and STS.
	for _, path := range []string{ouPath, accountPath, accountPath + "/"} {
		if got := namespaces(report(path, "", "")); len(got) != 2 || got[0] != "iam" || got[1] != "sts" {
			t.Errorf("%s: %v", path, got)
		}
	}
	// One SCP's services, and the sort orders.
	if got := namespaces(report(rootPath, scpID, types.SortKeyTypeServiceNamespaceDescending)); len(got) != 2 || got[0] != "sts" {
		t.Errorf("by the SCP, descending: %v", got)
	}
	if got := namespaces(report(rootPath, "", types.SortKeyTypeLastAuthenticatedTimeDescending)); got[0] != "iam" {
		t.Errorf("most recent first: %v", got)
	}
	_, err = root.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(rootPath), OrganizationsPolicyId: aws.String("p-zzzzzzzzzz")})
	wantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")

	// Paging.
	job, err := root.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(rootPath)})
	must(t, err)
	first, err := root.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: job.JobId, MaxItems: aws.Int32(3)})
	must(t, err)
	second, err := root.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: job.JobId, Marker: first.Marker})
	must(t, err)
	if len(first.AccessDetails) != 3 || !first.IsTruncated || len(second.AccessDetails) != 2 || second.IsTruncated {
		t.Fatalf("pages of %d (truncated %v) and %d (truncated %v)", len(first.AccessDetails), first.IsTruncated, len(second.AccessDetails), second.IsTruncated)
	}

	// Paths that are not the organization's.
	for _, bad := range []string{"o-zzzzzzzzzz/" + rootID, orgID + "/r-zzzz", rootPath + "/ou-zzzz-zzzzzzzz", rootPath + "/" + kwtest.AccountID,
		ouPath + "/999999999999", accountPath + "/" + ouID, rootPath + "/x"} {
		_, err := root.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(bad)})
		wantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")
	}

	// Each kind of report keeps to its own operations.
	_, err = root.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: job.JobId})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
	user, err := root.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":user/alice")})
	must(t, err)
	_, err = root.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: user.JobId})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")

	// A policy names the report's resource, and the SCP it may name.
	rid, rsecret := kwtest.CreateUserKey(t, root, "auditor")
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("auditor"), PolicyName: aws.String("ou"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GenerateOrganizationsAccessReport","Resource":"arn:aws:iam::` + kwtest.AccountID + `:access-report/` + ouPath + `*",
		  "Condition":{"StringEqualsIfExists":{"iam:OrganizationsPolicyId":"` + scpID + `"}}},
		 {"Effect":"Allow","Action":"iam:GetOrganizationsAccessReport","Resource":"*"}]}`)})
	must(t, err)
	auditor := ts.IAMClient(rid, rsecret)
	_, err = auditor.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(accountPath)})
	must(t, err)
	_, err = auditor.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(rootPath)})
	wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = auditor.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(ouPath),
		OrganizationsPolicyId: aws.String(keyward.FullAWSAccessID)})
	wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
}

// TestOrganizationsAccessReportCountsMembers: the uses of a member
// account's principals count in the report of the root, with that
// account's entity path when they are the latest.
func TestOrganizationsAccessReportCountsMembers(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	orgs := ts.RootOrganizations()
	o, err := orgs.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{})
	must(t, err)
	roots, err := orgs.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	made, err := orgs.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String("m@example.com"), AccountName: aws.String("member")})
	must(t, err)
	member := aws.ToString(made.CreateAccountStatus.AccountId)
	key, secret, err := ts.IAM.CreateAccountRootKey(keyward.Internal(ctx), member)
	must(t, err)
	_, err = ts.IAMClient(key.ID, secret).ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)
	must(t, ts.Uses.Flush(ctx))

	rootPath := aws.ToString(o.Organization.Id) + "/" + aws.ToString(roots.Roots[0].Id)
	job, err := root.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(rootPath)})
	must(t, err)
	out, err := root.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: job.JobId})
	must(t, err)
	for _, d := range out.AccessDetails {
		if aws.ToString(d.ServiceNamespace) != "iam" {
			continue
		}
		if aws.ToInt32(d.TotalAuthenticatedEntities) != 1 || aws.ToString(d.EntityPath) != rootPath+"/"+member {
			t.Fatalf("iam in the root's report: %d accounts, the latest %s", aws.ToInt32(d.TotalAuthenticatedEntities), aws.ToString(d.EntityPath))
		}
		return
	}
	t.Fatalf("no iam in the report: %+v", out.AccessDetails)
}
