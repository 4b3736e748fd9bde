package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/chromedp/chromedp"
)

// TestConsoleGroupsAndPolicies walks the User groups and Policies pages in
// a real browser: create a group, add a member, write a policy in the JSON
// editor (a syntax error is shown with its line and column), attach it to
// the group, make a new version, attach and detach from the user's tabs,
// and delete both; the API agrees at each step.
func TestConsoleGroupsAndPolicies(t *testing.T) {
	ts, ctx, _ := rootBrowserTest(t)
	api := ts.RootIAM()
	bg := context.Background()
	_, err := api.CreateUser(bg, &iam.CreateUserInput{UserName: aws.String("alice")})
	must(t, err)

	// A group with alice in it.
	var notice string
	browse(t, ctx, "create-group",
		chromedp.Navigate(ts.URL+"/console/groups"),
		chromedp.SendKeys("#group-name", "devs", chromedp.ByID),
		chromedp.Click("#create-group", chromedp.ByID),
		chromedp.WaitVisible("#group-title", chromedp.ByID),
		chromedp.SetValue("#add-user", "alice", chromedp.ByID),
		chromedp.Click("#add-user-submit", chromedp.ByID),
		chromedp.WaitVisible(`#members tr[data-user="alice"]`, chromedp.ByQuery),
		chromedp.Text("#notice", &notice, chromedp.ByID))
	members, err := api.GetGroup(bg, &iam.GetGroupInput{GroupName: aws.String("devs")})
	must(t, err)
	if notice != "User added to the group." || len(members.Users) != 1 {
		t.Fatalf("after adding: %q, %d members", notice, len(members.Users))
	}

	// The editor shows where a document stops being JSON, and keeps it.
	broken := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\" \"Action\": \"s3:*\", \"Resource\": \"*\"}\n  ]\n}"
	wantBrokenPolicyKept(t, ctx, "policy-editor-error", chromedp.Navigate(ts.URL+"/console/policies/new"), "S3All", broken, "line 4, column 25")
	good := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	browse(t, ctx, "policy-created",
		chromedp.SetValue("#policy-document", good, chromedp.ByID),
		chromedp.Click("#save-policy", chromedp.ByID),
		chromedp.WaitVisible("#policy-title", chromedp.ByID))
	arn := "arn:aws:iam::123456789012:policy/S3All"

	// Attach it to the group, then a new default version.
	browse(t, ctx, "group-attach",
		chromedp.Navigate(ts.URL+"/console/groups/devs?tab=permissions"),
		chromedp.SetValue("#attach-policy", arn, chromedp.ByID),
		chromedp.Click("#attach-submit", chromedp.ByID),
		chromedp.WaitVisible(`#group-policies tr[data-policy="S3All"]`, chromedp.ByQuery))
	var def string
	browse(t, ctx, "policy-version",
		chromedp.Navigate(ts.URL+"/console/policy?arn="+url.QueryEscape(arn)+"&edit=1"),
		chromedp.WaitVisible("#policy-document", chromedp.ByID),
		chromedp.SetValue("#policy-document", strings.Replace(good, "s3:*", "s3:Get*", 1), chromedp.ByID),
		chromedp.Click("#save-policy", chromedp.ByID),
		chromedp.WaitVisible("#policy-versions", chromedp.ByID),
		chromedp.Text("#policy-default", &def, chromedp.ByID))
	versions, err := api.ListPolicyVersions(bg, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	must(t, err)
	if def != "v2" || len(versions.Versions) != 2 {
		t.Fatalf("default %q, %d versions", def, len(versions.Versions))
	}
	browse(t, ctx, "policy-default-back",
		chromedp.Click(`#policy-versions tr[data-version="v1"] .action-default`, chromedp.ByQuery),
		waitFor(`(document.getElementById("policy-default") || {}).textContent === "v1"`),
		// Read by script: a node looked up by ID may belong to the page
		// the click's answer replaced.
		chromedp.Evaluate(`document.getElementById("policy-default").innerText`, &def))
	if def != "v1" {
		t.Fatalf("default after setting v1: %q", def)
	}

	// The user's tabs: attach and detach directly, leave the group.
	browse(t, ctx, "user-permissions",
		chromedp.Navigate(ts.URL+"/console/users/alice?tab=permissions"),
		chromedp.SetValue("#attach-policy", "arn:aws:iam::aws:policy/IAMReadOnlyAccess", chromedp.ByID),
		chromedp.Click("#attach-submit", chromedp.ByID),
		chromedp.WaitVisible(`#user-policies tr[data-policy="IAMReadOnlyAccess"]`, chromedp.ByQuery))
	attached, err := api.ListAttachedUserPolicies(bg, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("alice")})
	must(t, err)
	if len(attached.AttachedPolicies) != 1 {
		t.Fatalf("attached to alice: %+v", attached.AttachedPolicies)
	}
	browse(t, ctx, "user-detach-leave",
		chromedp.Click(`#user-policies tr[data-policy="IAMReadOnlyAccess"] .action-detach`, chromedp.ByQuery),
		waitFor(`!!document.getElementById("user-policies") && !document.querySelector('#user-policies tr[data-policy="IAMReadOnlyAccess"]')`),
		chromedp.Navigate(ts.URL+"/console/users/alice?tab=groups"),
		chromedp.Click(`#user-groups tr[data-group="devs"] .action-leave`, chromedp.ByQuery),
		waitFor(`!!document.getElementById("user-groups") && !document.querySelector('#user-groups tr[data-group="devs"]')`))
	groups, err := api.ListGroupsForUser(bg, &iam.ListGroupsForUserInput{UserName: aws.String("alice")})
	must(t, err)
	attached, err = api.ListAttachedUserPolicies(bg, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("alice")})
	must(t, err)
	if len(groups.Groups) != 0 || len(attached.AttachedPolicies) != 0 {
		t.Fatalf("after leaving and detaching: %d groups, %d policies", len(groups.Groups), len(attached.AttachedPolicies))
	}

	// Delete the group (its policy comes off with it), then the policy's
	// second version and the policy.
	browse(t, ctx, "delete-group",
		chromedp.Navigate(ts.URL+"/console/groups/devs"),
		confirmByTyping("#confirm", "#delete-group-submit", "devs"),
		chromedp.WaitVisible("#groups", chromedp.ByID))
	browse(t, ctx, "delete-policy",
		chromedp.Navigate(ts.URL+"/console/policy?arn="+url.QueryEscape(arn)),
		chromedp.Click(`#policy-versions tr[data-version="v2"] .action-delete-version`, chromedp.ByQuery),
		waitFor(`!!document.getElementById("policy-versions") && !document.querySelector('#policy-versions tr[data-version="v2"]')`),
		confirmByTyping("#confirm", "#delete-policy-submit", "S3All"),
		chromedp.WaitVisible("#policies", chromedp.ByID))
	if _, err := api.GetGroup(bg, &iam.GetGroupInput{GroupName: aws.String("devs")}); err == nil {
		t.Fatal("the group survived")
	}
	if _, err := api.GetPolicy(bg, &iam.GetPolicyInput{PolicyArn: aws.String(arn)}); err == nil {
		t.Fatal("the policy survived")
	}
}
