package iam_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

func init() {
	tagFixtures[keyward.TaggedInstanceProfile] = func(t *testing.T, b *apiServer) (string, string) {
		_, err := b.IAM.CreateInstanceProfile(b.RootContext(), "ip", "/", nil)
		must(t, err)
		return "ip", "none"
	}
}

// TestInstanceProfilesAndServiceLinkedRoles: instance profiles hold one
// role, which then cannot be deleted; they list, tag and show in
// GetAccountAuthorizationDetails. Service-linked roles are named after
// their service, trusted by it, protected from the ordinary operations,
// and deleted through a task whose status any replica reports.
func TestInstanceProfilesAndServiceLinkedRoles(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: kwtest.TrustDoc(
		`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`)})
	must(t, err)
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("other"), AssumeRolePolicyDocument: kwtest.TrustDoc(
		`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`)})
	must(t, err)

	p, err := root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web"), Path: aws.String("/app/"),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}})
	must(t, err)
	if aws.ToString(p.InstanceProfile.Arn) != "arn:aws:iam::"+kwtest.AccountID+":instance-profile/app/web" || aws.ToString(p.InstanceProfile.InstanceProfileId)[:4] != "AIPA" {
		t.Fatalf("instance profile %+v", p.InstanceProfile)
	}
	_, err = root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("WEB")})
	wantAPIError(t, err, "EntityAlreadyExists", http.StatusConflict, "")
	_, err = root.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")})
	must(t, err)
	_, err = root.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("other")})
	wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	_, err = root.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("none"), RoleName: aws.String("web")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "Instance Profile none cannot be found.")

	got, err := root.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web")})
	must(t, err)
	if len(got.InstanceProfile.Roles) != 1 || aws.ToString(got.InstanceProfile.Roles[0].RoleName) != "web" || len(got.InstanceProfile.Tags) != 1 {
		t.Fatalf("profile %+v", got.InstanceProfile)
	}
	forRole, err := root.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("web")})
	must(t, err)
	none, err := root.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("other")})
	must(t, err)
	all, err := root.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{PathPrefix: aws.String("/app/")})
	must(t, err)
	if len(forRole.InstanceProfiles) != 1 || len(none.InstanceProfiles) != 0 || len(all.InstanceProfiles) != 1 {
		t.Fatalf("listings: %d for web, %d for other, %d under /app/", len(forRole.InstanceProfiles), len(none.InstanceProfiles), len(all.InstanceProfiles))
	}
	gaad, err := root.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeRole}})
	must(t, err)
	for _, r := range gaad.RoleDetailList {
		if want := map[string]int{"web": 1, "other": 0}[aws.ToString(r.RoleName)]; len(r.InstanceProfileList) != want {
			t.Fatalf("GAAD: role %s in %d profiles", aws.ToString(r.RoleName), len(r.InstanceProfileList))
		}
	}

	_, err = root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")})
	wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "Cannot delete entity, must remove roles from instance profile first.")
	_, err = root.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")})
	wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "")
	_, err = root.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("web"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	must(t, err)
	_, err = root.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: aws.String("web"), TagKeys: []string{"env"}})
	must(t, err)
	tags, err := root.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("web")})
	must(t, err)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" {
		t.Fatalf("tags %+v", tags.Tags)
	}
	_, err = root.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("other")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
	_, err = root.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")})
	must(t, err)
	_, err = root.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")})
	must(t, err)
	_, err = root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")})
	must(t, err)

	// Service-linked roles.
	slr, err := root.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com"), CustomSuffix: aws.String("web")})
	must(t, err)
	if aws.ToString(slr.Role.RoleName) != "AWSServiceRoleForAutoScaling_web" || aws.ToString(slr.Role.Path) != "/aws-service-role/autoscaling.amazonaws.com/" {
		t.Fatalf("service-linked role %s %s", aws.ToString(slr.Role.RoleName), aws.ToString(slr.Role.Path))
	}
	_, err = root.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com"), CustomSuffix: aws.String("web")})
	wantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "Service role name AWSServiceRoleForAutoScaling_web has been taken in this account, please try a different suffix.")
	_, err = root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: slr.Role.RoleName})
	wantAPIError(t, err, "UnmodifiableEntity", http.StatusBadRequest, "Cannot perform the operation on the protected role 'AWSServiceRoleForAutoScaling_web' - this role is only modifiable by AWS")
	_, err = root.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: slr.Role.RoleName, PolicyDocument: kwtest.TrustDoc(
		`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`)})
	wantAPIError(t, err, "UnmodifiableEntity", http.StatusBadRequest, "")
	_, err = root.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("other")})
	wantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")
	del, err := root.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: slr.Role.RoleName})
	must(t, err)
	root = ts.Replica(t).RootIAM() // another replica would know the task as well
	status, err := root.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: del.DeletionTaskId})
	must(t, err)
	if status.Status != types.DeletionTaskStatusTypeSucceeded {
		t.Fatalf("deletion status %s", status.Status)
	}
	forged := aws.ToString(del.DeletionTaskId)
	forged = forged[:len(forged)-1] + map[bool]string{true: "0", false: "1"}[forged[len(forged)-1] != '0']
	_, err = root.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(forged)})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
}
