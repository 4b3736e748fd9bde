package iam_test

import (
	"context"
	"github.com/keyward/keyward/internal/kwtest"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyward/keyward"
)

func init() {
	tagFixtures[keyward.TaggedRole] = func(t *testing.T, b *apiServer) (string, string) {
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`
		_, err := b.IAM.CreateRole(b.RootContext(), keyward.Role{Name: "r", TrustPolicy: trust})
		must(t, err)
		return "r", "none"
	}
}

// TestRoles: a role's life through the SDK: created with its trust policy
// (a malformed one refused), read, listed, updated, given policies, a
// boundary and tags, refused deletion while it has policies, deleted.
func TestRoles(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: aws.String(kwtest.AllowAll)})
	wantAPIError(t, err, "MalformedPolicyDocument", http.StatusBadRequest, "Has prohibited field Resource")
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: aws.String(kwtest.TrustAccount), MaxSessionDuration: aws.Int32(60)})
	wantAPIError(t, err, "ValidationError", http.StatusBadRequest, "")
	created, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci"), Path: aws.String("/build/"), AssumeRolePolicyDocument: aws.String(kwtest.TrustAccount),
		Description: aws.String("CI jobs"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}})
	must(t, err)
	r := created.Role
	if aws.ToString(r.Arn) != "arn:aws:iam::123456789012:role/build/ci" || aws.ToInt32(r.MaxSessionDuration) != 3600 || len(aws.ToString(r.RoleId)) != 21 {
		t.Fatalf("created %+v", r)
	}
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("CI"), AssumeRolePolicyDocument: aws.String(kwtest.TrustAccount)})
	wantAPIError(t, err, "EntityAlreadyExists", http.StatusConflict, "Role with name CI already exists.")

	_, err = root.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("ci"), MaxSessionDuration: aws.Int32(43200)})
	must(t, err)
	other := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`
	// A user's ARN names the user who has it: not before there is one.
	_, err = root.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("ci"), PolicyDocument: aws.String(other)})
	wantAPIError(t, err, "MalformedPolicyDocument", http.StatusBadRequest, `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/alice"`)
	_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	must(t, err)
	_, err = root.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("ci"), PolicyDocument: aws.String(other)})
	must(t, err)
	got, err := root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ci")})
	must(t, err)
	if doc, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument)); doc != other || aws.ToInt32(got.Role.MaxSessionDuration) != 43200 ||
		aws.ToString(got.Role.Description) != "CI jobs" || len(got.Role.Tags) != 1 {
		t.Fatalf("got %+v", got.Role)
	}

	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ci"), PolicyName: aws.String("s3"), PolicyDocument: aws.String(kwtest.AllowAll)})
	must(t, err)
	_, err = root.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("ci"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")})
	must(t, err)
	_, err = root.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("ci"), PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")})
	must(t, err)
	_, err = root.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("ci"), Tags: []types.Tag{{Key: aws.String("cost"), Value: aws.String("7")}}})
	must(t, err)
	tags, err := root.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("ci")})
	must(t, err)
	inline, err := root.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("ci")})
	must(t, err)
	attached, err := root.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("ci")})
	must(t, err)
	roles, err := root.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/build/")})
	must(t, err)
	if len(tags.Tags) != 2 || len(inline.PolicyNames) != 1 || len(attached.AttachedPolicies) != 1 || len(roles.Roles) != 1 {
		t.Fatalf("tags %d, inline %d, attached %d, roles %d", len(tags.Tags), len(inline.PolicyNames), len(attached.AttachedPolicies), len(roles.Roles))
	}
	entities, err := root.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")})
	must(t, err)
	details, err := root.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeRole}})
	must(t, err)
	if len(entities.PolicyRoles) != 1 || len(details.RoleDetailList) != 1 || len(details.RoleDetailList[0].RolePolicyList) != 1 ||
		details.RoleDetailList[0].PermissionsBoundary == nil {
		t.Fatalf("entities %+v, details %+v", entities.PolicyRoles, details.RoleDetailList)
	}
	_, err = root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("ci")})
	wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "Cannot delete entity, must detach all policies first.")
	_, err = root.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("ci"), PolicyName: aws.String("s3")})
	must(t, err)
	_, err = root.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("ci"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")})
	must(t, err)
	_, err = root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("ci")})
	must(t, err)
	_, err = root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ci")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "The role with name ci cannot be found.")
}

// TestTrustPolicyShowsPrincipalsGone: a trust policy's user or role that
// no longer has the ARN the policy names it by (deleted, even if another
// of the name was made since, or renamed) is shown by the unique ID the
// ARN was bound to, as AWS shows a deleted principal, wherever the role's
// trust policy is answered: GetRole, ListRoles,
// GetAccountAuthorizationDetails, the instance profiles holding the role.
// A principal still there, an account and another account's user (whose
// ID is not this account's to see) are shown as written.
func TestTrustPolicyShowsPrincipalsGone(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	ctx := context.Background()
	const accountB, keyB, secretB = "210987654321", "AKIASECONDACCOUNT001", "secondAccountRootSecretKey00000000000000"
	sealed, err := ts.IAM.Sealer.Seal(keyB, secretB)
	must(t, err)
	must(t, ts.Store.CreateAccount(ctx, keyward.Account{ID: accountB, CreatedAt: time.Now()},
		&keyward.AccessKey{ID: keyB, Status: keyward.StatusActive, CreatedAt: time.Now(), SealedSecret: sealed}))
	root, b := ts.RootIAM(), ts.IAMClient(keyB, secretB)
	ids := map[string]string{}
	for _, v := range []struct {
		c          *iam.Client
		name, path string
	}{{root, "alice", "/"}, {root, "bob", "/eng/"}, {root, "kept", "/"}, {b, "dave", "/"}} {
		u, err := v.c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(v.name), Path: aws.String(v.path)})
		must(t, err)
		ids[v.name] = aws.ToString(u.User.UserId)
	}
	hop, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("hop"), AssumeRolePolicyDocument: aws.String(kwtest.TrustAccount)})
	must(t, err)
	ids["hop"] = aws.ToString(hop.Role.RoleId)
	a := "arn:aws:iam::" + kwtest.AccountID
	doc := func(alice, bob, hop string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + alice + `","` + bob + `","` + a + `:user/kept","arn:aws:iam::` +
			accountB + `:user/dave","` + kwtest.AccountID + `"]},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"` + hop + `"},"Action":"sts:AssumeRole"}]}`
	}
	written := doc(a+":user/alice", a+":user/eng/bob", a+":role/hop")
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("target"), AssumeRolePolicyDocument: aws.String(written)})
	must(t, err)
	_, err = root.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")})
	must(t, err)
	_, err = root.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("target")})
	must(t, err)

	// Every answer with the role's trust policy.
	shown := func(t *testing.T) []string {
		t.Helper()
		got, err := root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("target")})
		must(t, err)
		list, err := root.ListRoles(ctx, &iam.ListRolesInput{})
		must(t, err)
		details, err := root.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeRole}})
		must(t, err)
		profile, err := root.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web")})
		must(t, err)
		profiles, err := root.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{})
		must(t, err)
		forRole, err := root.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("target")})
		must(t, err)
		last := len(list.Roles) - 1 // target, after hop while there is one
		detail := details.RoleDetailList[len(details.RoleDetailList)-1]
		docs := []*string{got.Role.AssumeRolePolicyDocument, list.Roles[last].AssumeRolePolicyDocument, detail.AssumeRolePolicyDocument,
			detail.InstanceProfileList[0].Roles[0].AssumeRolePolicyDocument, profile.InstanceProfile.Roles[0].AssumeRolePolicyDocument,
			profiles.InstanceProfiles[0].Roles[0].AssumeRolePolicyDocument, forRole.InstanceProfiles[0].Roles[0].AssumeRolePolicyDocument}
		var out []string
		for _, d := range docs {
			s, err := url.QueryUnescape(aws.ToString(d))
			must(t, err)
			out = append(out, s)
		}
		return out
	}
	for _, got := range shown(t) {
		if got != written {
			t.Fatalf("shown %s, written %s", got, written)
		}
	}

	// alice is deleted and another made, bob renamed, hop deleted, and
	// the other account's dave deleted.
	_, err = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	must(t, err)
	_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	must(t, err)
	_, err = root.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("bob"), NewUserName: aws.String("robert")})
	must(t, err)
	_, err = root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("hop")})
	must(t, err)
	_, err = b.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dave")})
	must(t, err)
	want := doc(ids["alice"], ids["bob"], ids["hop"])
	for i, got := range shown(t) {
		if got != want {
			t.Fatalf("answer %d shows %s, want %s", i, got, want)
		}
	}
}

// TestOIDCProviders: an issuer registered with its client IDs and
// thumbprints, its ARN from the URL, AWS's refusals, edits, tags, delete.
func TestOIDCProviders(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("http://token.example.com"), ThumbprintList: []string{kwtest.Thumbprint}})
	wantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")
	_, err = root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.example.com"), ThumbprintList: []string{"not-hex-not-hex-not-hex-not-hex-not-hex!"}})
	wantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")
	created, err := root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.example.com"),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{kwtest.Thumbprint}})
	must(t, err)
	if aws.ToString(created.OpenIDConnectProviderArn) != kwtest.OIDCProviderARN {
		t.Fatalf("ARN %s", aws.ToString(created.OpenIDConnectProviderArn))
	}
	_, err = root.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(kwtest.OIDCProviderARN), ClientID: aws.String("ci")})
	must(t, err)
	_, err = root.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(kwtest.OIDCProviderARN),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ci")}}})
	must(t, err)
	got, err := root.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(kwtest.OIDCProviderARN)})
	must(t, err)
	list, err := root.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	must(t, err)
	if aws.ToString(got.Url) != "token.example.com" || len(got.ClientIDList) != 2 || len(got.Tags) != 1 || len(list.OpenIDConnectProviderList) != 1 {
		t.Fatalf("got %+v, list %+v", got, list.OpenIDConnectProviderList)
	}
	_, err = root.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(kwtest.OIDCProviderARN)})
	must(t, err)
	_, err = root.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(kwtest.OIDCProviderARN)})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "OpenIDConnect Provider not found for arn "+kwtest.OIDCProviderARN)
}
