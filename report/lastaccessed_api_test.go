package report_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestServiceLastAccessed: a user's use of IAM and STS shows in the report
// for the user, for its group and for the policy that grants it, with the
// region and the entity; services allowed but unused show none; the
// policies granting each service are listed.
func TestServiceLastAccessed(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
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
	_, err = ts.IAMClient(id, secret).ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)
	_, err = ts.STSIn(id, secret, "eu-west-1").GetCallerIdentity(ctx, nil)
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
	// The uses reach the store on the recorder's flush, which the
	// server's loop makes every few seconds.
	must(t, ts.Uses.Flush(ctx))
	byGroup, job := report("arn:aws:iam::123456789012:group/devs")
	if s := service(byGroup, "iam"); s == nil || s.LastAuthenticated == nil {
		t.Fatalf("no use recorded: %+v", byGroup.ServicesLastAccessed)
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
