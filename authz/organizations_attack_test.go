// Attacks on the boundary between a member account's principals and
// the service control policies of its organization: nothing a member's
// principal does, its root user's included, takes it past them; nothing a
// request says about its organization counts; the management account's
// principals are never held to them.
package authz_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/organizations"
)

// TestMemberRootCannotEscapeSCPs: a member account's root user, held to
// an SCP that denies iam:CreateUser, tries every way around it it has:
// its own key, a federated user's session with a policy allowing
// everything, a user it makes an administrator, detaching the SCP or
// FullAWSAccess, disabling SCPs, deleting the organization. Each is
// refused and the SCP still holds.
func TestMemberRootCannotEscapeSCPs(t *testing.T) {
	k := kwtest.New(t)
	joinOrganization(t, k)
	attachSCP(t, k, "p-denycreate", statement("Deny", "iam:CreateUser"), tenantsOU, kwtest.AccountID)
	ctx := t.Context()
	create := &awsiam.CreateUserInput{UserName: aws.String("escapee")}
	wantSCP := func(err error) {
		t.Helper()
		var msg string
		if err != nil {
			msg = err.Error()
		}
		if !strings.Contains(msg, "AccessDenied") || !strings.Contains(msg, bySCPDeny) {
			t.Fatalf("got %v, want AccessDenied %s", err, bySCPDeny)
		}
	}
	root := k.RootIAM()
	_, err := root.CreateUser(ctx, create)
	wantSCP(err)

	// A federated user's session, its policy allowing everything.
	fed, err := k.STSClient(kwtest.RootKeyID, kwtest.RootSecret).GetFederationToken(ctx, &awssts.GetFederationTokenInput{Name: aws.String("escape"), Policy: aws.String(kwtest.AllowAll)})
	must(t, err)
	_, err = awsiam.NewFromConfig(k.Config(*fed.Credentials.AccessKeyId, *fed.Credentials.SecretAccessKey, *fed.Credentials.SessionToken)).CreateUser(ctx, create)
	wantSCP(err)

	// A user it makes, with AdministratorAccess.
	_, err = root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("admin")})
	wantSCP(err)
	// Keyward's own work makes it, with a key, for the test.
	internal := keyward.Internal(context.Background())
	_, err = k.IAM.CreateUser(internal, "admin", "/", nil)
	must(t, err)
	key, secret, err := k.IAM.CreateAccessKey(internal, "admin")
	must(t, err)
	id := key.ID
	_, err = root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	must(t, err)
	_, err = k.IAMClient(id, secret).CreateUser(ctx, create)
	wantSCP(err)

	// The organization's own operations are the management account's.
	asRoot := kwtest.AsRoot(context.Background())
	for name, try := range map[string]func() error{
		"DetachPolicy":       func() error { return k.Organizations.DetachPolicy(asRoot, "p-denycreate", kwtest.AccountID) },
		"DetachFullAccess":   func() error { return k.Organizations.DetachPolicy(asRoot, keyward.FullAWSAccessID, kwtest.AccountID) },
		"AttachPolicy":       func() error { return k.Organizations.AttachPolicy(asRoot, keyward.FullAWSAccessID, tenantsOU) },
		"DeleteOrganization": func() error { return k.Organizations.DeleteOrganization(asRoot) },
		"DisablePolicyType": func() error {
			_, err := k.Organizations.DisablePolicyType(asRoot, memberRootID, keyward.ServiceControlPolicyType)
			return err
		},
		"UpdatePolicy": func() error {
			_, err := k.Organizations.UpdatePolicy(asRoot, "p-denycreate", nil, nil, aws.String(kwtest.AllowAll))
			return err
		},
	} {
		if err := try(); keyward.ErrorCode(err) != organizations.EAccessDenied {
			t.Errorf("%s by the member's root user: %v", name, err)
		}
	}
	_, err = root.CreateUser(ctx, create)
	wantSCP(err)
	if _, _, err := k.Organizations.ListPoliciesForTarget(asRoot, kwtest.AccountID, keyward.ServiceControlPolicyType, organizations.Page{}); keyward.ErrorCode(err) != organizations.EAccessDenied {
		t.Errorf("the member reads its organization's policies: %v", err)
	}
}

// TestTrustPolicyDoesNotPassSCPs: a role's trust policy that names the
// caller itself lets it assume the role whatever its own policies leave
// out, but not what its organization's SCPs leave out: an allow list
// without sts:AssumeRole refuses, as does a deny.
func TestTrustPolicyDoesNotPassSCPs(t *testing.T) {
	for _, tt := range []struct {
		name, scp, why string
	}{
		{"an allow list without sts:AssumeRole", statement("Allow", "iam:*"), noSCPAllows("sts:AssumeRole")},
		{"a deny of sts:AssumeRole", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`, bySCPDeny},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := kwtest.New(t)
			root := kwtest.AsRoot(context.Background())
			id, secret := k.User(t, "caller", "") // no policy of its own: the trust policy names it
			if _, err := k.IAM.CreateRole(root, keyward.Role{Name: "target", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"AWS":"arn:aws:iam::123456789012:user/caller"},"Action":"sts:AssumeRole"}]}`}); err != nil {
				t.Fatal(err)
			}
			assume := func() error {
				_, err := k.STSClient(id, secret).AssumeRole(t.Context(), &awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/target"), RoleSessionName: aws.String("session")})
				return err
			}
			must(t, assume()) // standalone: the trust policy is enough
			joinOrganization(t, k)
			attachSCP(t, k, "p-scp0000000", tt.scp, kwtest.AccountID)
			detachSCP(t, k, keyward.FullAWSAccessID, kwtest.AccountID)
			err := assume()
			kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden,
				"User: arn:aws:iam::123456789012:user/caller is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/target "+tt.why)
		})
	}
}

// TestRequestCannotClaimOrganization: a request says nothing of the
// organization of its principal or of its resource. A service asking
// through the verifier may not supply the organization's keys; a policy
// that allows only within an organization gives nothing to a principal of
// an account outside it, whatever the asker observed.
func TestRequestCannotClaimOrganization(t *testing.T) {
	k := kwtest.New(t)
	u := user(t, k, "outside", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
		"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-attacker00"}}}]}`)
	p := keyward.Principal{AccountID: kwtest.AccountID, UserID: u.ID, UserName: u.Name, UserPath: u.Path}
	asker := kwtest.AsRoot(context.Background())
	for _, key := range []string{"aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:ResourceAccount", "aws:PrincipalAccount"} {
		_, err := k.Authz.EvaluateFor(asker, p, map[string][]string{key: {"o-attacker00"}}, []string{"s3:GetObject"}, []string{"arn:aws:s3:::b/k"})
		if keyward.ErrorCode(err) != keyward.EInvalidInput {
			t.Errorf("an asker supplied %s: %v", key, err)
		}
	}
	got, err := k.Authz.EvaluateFor(asker, p, nil, []string{"s3:GetObject"}, []string{"arn:aws:s3:::b/k"})
	must(t, err)
	if got[0][0] != keyward.DecisionImplicitDeny {
		t.Fatalf("outside the organization: %v", got[0][0])
	}
	// In an organization other than the one the policy names: refused.
	joinOrganization(t, k)
	if err := k.Authz.Authorize(as(u), "s3:GetObject", "arn:aws:s3:::b/k"); err == nil {
		t.Fatal("allowed in another organization than the policy names")
	}
}

// TestManagementAccountNeverLimited: SCPs never limit the management
// account's principals (AWS Organizations: "SCPs don't affect users or
// roles in the management account"), even attached to it, to the root
// and with FullAWSAccess detached from it.
func TestManagementAccountNeverLimited(t *testing.T) {
	k := kwtest.New(t)
	admin := user(t, k, "admin", kwtest.AllowAll)
	mgmt := kwtest.AsRoot(context.Background())
	_, err := k.Organizations.CreateOrganization(mgmt, keyward.FeatureSetAll)
	must(t, err)
	roots, _, err := k.Organizations.ListRoots(mgmt, organizations.Page{})
	must(t, err)
	_, err = k.Organizations.EnablePolicyType(mgmt, roots[0].ID, keyward.ServiceControlPolicyType)
	must(t, err)
	deny, err := k.Organizations.CreatePolicy(mgmt, organizations.PolicyInput{Name: "deny-all", Type: keyward.ServiceControlPolicyType, Content: statement("Deny", "*")})
	must(t, err)
	must(t, k.Organizations.AttachPolicy(mgmt, deny.PolicySummary.ID, roots[0].ID))
	must(t, k.Organizations.AttachPolicy(mgmt, deny.PolicySummary.ID, kwtest.AccountID))
	must(t, k.Organizations.DetachPolicy(mgmt, keyward.FullAWSAccessID, kwtest.AccountID))
	for _, ctx := range []context.Context{as(admin), asPrincipal(memberRoot)} {
		must(t, k.Authz.Authorize(ctx, "iam:CreateUser", "arn:aws:iam::123456789012:user/x"))
	}
	got, err := k.Authz.EvaluateFor(mgmt, memberRoot, nil, []string{"s3:DeleteBucket"}, []string{"arn:aws:s3:::b"})
	must(t, err)
	if got[0][0] != keyward.DecisionAllowed {
		t.Fatalf("the management account's root user through the verifier: %v", got[0][0])
	}
	// And the management account may still undo it all.
	must(t, k.Organizations.DetachPolicy(mgmt, deny.PolicySummary.ID, roots[0].ID))
}
