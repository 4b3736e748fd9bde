package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestConsoleRoles creates a role in a real browser (a trust policy with a
// Resource refused with AWS's message), attaches a policy, and deletes the
// role with it; the API agrees.
func TestConsoleRoles(t *testing.T) {
	ts, ctx, _ := rootBrowserTest(t)
	api := ts.RootIAM()
	bg := context.Background()
	var problem, trust string
	browse(t, ctx, "role-refused",
		chromedp.Navigate(ts.URL+"/console/roles"),
		chromedp.Click("#create-role", chromedp.ByID),
		chromedp.WaitVisible("#trust-document", chromedp.ByID),
		chromedp.SendKeys("#role-name", "deploy", chromedp.ByID),
		chromedp.SetValue("#trust-document", allowAll, chromedp.ByID),
		chromedp.Click("#create-role-submit", chromedp.ByID),
		chromedp.WaitVisible("#trust-problem", chromedp.ByID),
		chromedp.Text("#trust-problem", &problem, chromedp.ByID))
	if problem != "Has prohibited field Resource" {
		t.Fatalf("problem %q", problem)
	}
	browse(t, ctx, "role-created",
		chromedp.SetValue("#trust-document", trustAccount, chromedp.ByID),
		chromedp.Click("#create-role-submit", chromedp.ByID),
		chromedp.WaitVisible("#role-title", chromedp.ByID),
		chromedp.Text("#role-trust", &trust, chromedp.ByID),
		chromedp.SetValue("#attach-policy", "arn:aws:iam::aws:policy/IAMReadOnlyAccess", chromedp.ByID),
		chromedp.Click("#attach-submit", chromedp.ByID),
		chromedp.WaitVisible(`#role-policies tr[data-policy="IAMReadOnlyAccess"]`, chromedp.ByQuery))
	attached, err := api.ListAttachedRolePolicies(bg, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("deploy")})
	must(t, err)
	if !strings.Contains(trust, `"sts:AssumeRole"`) || len(attached.AttachedPolicies) != 1 {
		t.Fatalf("trust %q, attached %+v", trust, attached.AttachedPolicies)
	}
	// A session of the role, then "Revoke active sessions": the session
	// is denied at once; the role page shows its last use.
	id, secret := kwtest.CreateUserKey(t, api, "alice")
	_, err = api.PutUserPolicy(bg, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/deploy"}]}`)})
	must(t, err)
	s, err := ts.STSIn(id, secret, "eu-west-1").AssumeRole(bg, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/deploy"), RoleSessionName: aws.String("console-test")})
	must(t, err)
	session, _ := ts.SessionClients(s.Credentials)
	if _, err := session.ListRoles(bg, &iam.ListRolesInput{}); err != nil {
		t.Fatal(err)
	}
	must(t, ts.Uses.Flush(bg))
	// Revoking denies sessions issued before the moment it is done: a
	// second later than the session's.
	ts.Clock.Add(time.Second)
	var lastUsed string
	browse(t, ctx, "role-sessions-revoked",
		chromedp.Navigate(ts.URL+"/console/roles/deploy"),
		chromedp.Text("#role-last-used", &lastUsed, chromedp.ByID),
		chromedp.Click("#revoke-sessions-submit", chromedp.ByID),
		chromedp.WaitVisible("#role-title", chromedp.ByID))
	if !strings.Contains(lastUsed, "eu-west-1") {
		t.Fatalf("last activity %q", lastUsed)
	}
	_, err = session.ListRoles(bg, &iam.ListRolesInput{})
	wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	browse(t, ctx, "role-deleted",
		confirmByTyping("#confirm", "#delete-role-submit", "deploy"),
		chromedp.WaitVisible("#roles", chromedp.ByID))
	if _, err := api.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("deploy")}); err == nil {
		t.Fatal("the role survived")
	}
}
