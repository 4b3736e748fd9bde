package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/chromedp/chromedp"
)

// TestConsoleRoles creates a role in a real browser (a trust policy with a
// Resource refused with AWS's message), attaches a policy, and deletes the
// role with it; the API agrees.
func TestConsoleRoles(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", cheapPasswords)
	ctx := newBrowser(t, t.TempDir())
	api := ts.rootIAM()
	bg := context.Background()
	browse(t, ctx, "sign-in", signInRoot(ts))
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
	browse(t, ctx, "role-deleted",
		chromedp.SendKeys("#confirm", "deploy", chromedp.ByID),
		chromedp.Click("#delete-role-submit", chromedp.ByID),
		chromedp.WaitVisible("#roles", chromedp.ByID))
	if _, err := api.GetRole(bg, &iam.GetRoleInput{RoleName: aws.String("deploy")}); err == nil {
		t.Fatal("the role survived")
	}
}
