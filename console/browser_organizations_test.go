package console_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestConsoleOrganizations walks AWS Organizations' pages in a real
// browser as the root user: create the organization, an OU and one
// nested in it, rename it, move the account into it, enable SCPs, write
// an SCP in the JSON editor (a document that is not JSON first: where it
// stops is shown), attach it to the OU, see it among the OU's policies,
// detach it, be refused deleting the OU while the account is in it, move
// the account back and delete both OUs; add an AWS account, follow its
// request to it in the tree and remove it from the organization, its ID
// typed; the API agrees at each step.
func TestConsoleOrganizations(t *testing.T) {
	ts, ctx, _ := rootBrowserTest(t)
	api := ts.RootOrganizations()
	bg := context.Background()

	// No organization yet: the page offers one.
	var notice, management string
	browse(t, ctx, "create-organization",
		chromedp.Click("#nav-organizations", chromedp.ByID),
		chromedp.WaitVisible("#create-organization", chromedp.ByID),
		chromedp.Click("#create-organization", chromedp.ByID),
		chromedp.WaitVisible("#org-tree", chromedp.ByID),
		chromedp.Text("#notice", &notice, chromedp.ByID),
		chromedp.Text(`#org-tree li[data-account="`+kwtest.AccountID+`"]`, &management, chromedp.ByQuery))
	if notice != "Organization created. This account is its management account." || !strings.Contains(management, "management account") ||
		!strings.Contains(management, "ACTIVE") {
		t.Fatalf("after creating: %q; the account's row %q", notice, management)
	}
	roots, err := api.ListRoots(bg, &awsorg.ListRootsInput{})
	must(t, err)
	rootID := *roots.Roots[0].Id

	// An OU under the root, and one under it, renamed.
	var prodID, webID, parent string
	browse(t, ctx, "create-ou",
		chromedp.SendKeys("#ou-name", "Prod", chromedp.ByID),
		chromedp.Click("#create-ou", chromedp.ByID),
		chromedp.WaitVisible("#rename-ou", chromedp.ByID),
		chromedp.Text("#target-id", &prodID, chromedp.ByID))
	browse(t, ctx, "create-nested-ou",
		chromedp.SendKeys("#child-ou-name", "Web", chromedp.ByID),
		chromedp.Click("#create-child-ou", chromedp.ByID),
		waitFor(`(document.getElementById("target-title") || {}).textContent === "Web"`),
		chromedp.Evaluate(`document.getElementById("target-id").textContent`, &webID))
	browse(t, ctx, "rename-ou",
		chromedp.SetValue("#rename-ou-name", "Frontend", chromedp.ByID),
		chromedp.Click("#rename-ou", chromedp.ByID),
		waitFor(`(document.getElementById("target-title") || {}).textContent === "Frontend"`),
		chromedp.Evaluate(`document.getElementById("target-parent").dataset.id`, &parent))
	ou, err := api.DescribeOrganizationalUnit(bg, &awsorg.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(webID)})
	must(t, err)
	if *ou.OrganizationalUnit.Name != "Frontend" || parent != prodID {
		t.Fatalf("the nested OU %q, under %q (want %s)", *ou.OrganizationalUnit.Name, parent, prodID)
	}

	// Move the account into the nested OU.
	move := func(name, to string) {
		t.Helper()
		browse(t, ctx, name,
			chromedp.Navigate(ts.URL+"/console/organizations/target?id="+kwtest.AccountID),
			chromedp.WaitVisible("#move-destination", chromedp.ByID),
			chromedp.SetValue("#move-destination", to, chromedp.ByID),
			chromedp.Click("#move-account", chromedp.ByID),
			waitFor(`((document.getElementById("target-parent") || {}).dataset || {}).id === `+jsString(to)))
		parents, err := api.ListParents(bg, &awsorg.ListParentsInput{ChildId: aws.String(kwtest.AccountID)})
		must(t, err)
		if *parents.Parents[0].Id != to {
			t.Fatalf("%s: the account is under %s, want %s", name, *parents.Parents[0].Id, to)
		}
	}
	move("move-into-ou", webID)

	// Enable SCPs on the root.
	var status string
	browse(t, ctx, "enable-scps",
		chromedp.Click("#nav-org-policies", chromedp.ByID),
		chromedp.Click("#enable-scp", chromedp.ByID),
		waitFor(`(document.getElementById("scp-status") || {}).textContent === "Enabled"`),
		chromedp.Evaluate(`document.getElementById("scp-status").textContent`, &status),
		chromedp.WaitVisible(`#scps tr[data-policy="FullAWSAccess"]`, chromedp.ByQuery))
	roots, err = api.ListRoots(bg, &awsorg.ListRootsInput{})
	must(t, err)
	if len(roots.Roots[0].PolicyTypes) != 1 || roots.Roots[0].PolicyTypes[0].Type != orgtypes.PolicyTypeServiceControlPolicy {
		t.Fatalf("root's policy types %+v", roots.Roots[0].PolicyTypes)
	}

	// An SCP in the JSON editor: where a document stops being JSON is
	// shown and the document kept; then a good one.
	broken := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Deny\" \"Action\": \"s3:DeleteBucket\", \"Resource\": \"*\"}\n  ]\n}"
	wantBrokenPolicyKept(t, ctx, "scp-editor-error", chromedp.Click("#new-scp", chromedp.ByID), "DenyBucketDeletion", broken, "line 4, column 24")
	var policyID string
	browse(t, ctx, "scp-created",
		chromedp.SetValue("#policy-document", orgSCP, chromedp.ByID),
		chromedp.Click("#save-policy", chromedp.ByID),
		chromedp.WaitVisible("#scp-title", chromedp.ByID),
		chromedp.Text("#scp-id", &policyID, chromedp.ByID))
	p, err := api.DescribePolicy(bg, &awsorg.DescribePolicyInput{PolicyId: aws.String(policyID)})
	must(t, err)
	if *p.Policy.PolicySummary.Name != "DenyBucketDeletion" || *p.Policy.Content != orgSCP {
		t.Fatalf("the SCP %+v", p.Policy.PolicySummary)
	}

	// Attach it to the nested OU from the policy's page; the OU's page
	// lists it; detach it there.
	browse(t, ctx, "scp-attach",
		chromedp.SetValue("#attach-target", webID, chromedp.ByID),
		chromedp.Click("#attach-scp", chromedp.ByID),
		chromedp.WaitVisible(`#scp-targets tr[data-target="`+webID+`"]`, chromedp.ByQuery))
	browse(t, ctx, "ou-policies",
		chromedp.Navigate(ts.URL+"/console/organizations/target?id="+webID),
		chromedp.WaitVisible(`#target-policies tr[data-policy="DenyBucketDeletion"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#target-policies tr[data-policy="FullAWSAccess"]`, chromedp.ByQuery))
	attached, err := api.ListPoliciesForTarget(bg, &awsorg.ListPoliciesForTargetInput{TargetId: aws.String(webID), Filter: orgtypes.PolicyTypeServiceControlPolicy})
	must(t, err)
	if len(attached.Policies) != 2 {
		t.Fatalf("the OU's SCPs %d, want FullAWSAccess and the new one", len(attached.Policies))
	}
	browse(t, ctx, "scp-detach",
		chromedp.Click(`#target-policies tr[data-policy="DenyBucketDeletion"] .action-detach`, chromedp.ByQuery),
		waitFor(`!!document.getElementById("target-policies") && !document.querySelector('#target-policies tr[data-policy="DenyBucketDeletion"]')`))
	targets, err := api.ListTargetsForPolicy(bg, &awsorg.ListTargetsForPolicyInput{PolicyId: aws.String(policyID)})
	must(t, err)
	if len(targets.Targets) != 0 {
		t.Fatalf("the SCP is still attached to %+v", targets.Targets)
	}

	// The OU holds the account: AWS's refusal is shown.
	var refusal string
	browse(t, ctx, "delete-ou-refused",
		chromedp.Click("#delete-ou", chromedp.ByID),
		chromedp.WaitVisible("#error-message", chromedp.ByID),
		chromedp.Text("#error-message", &refusal, chromedp.ByID))
	if !strings.Contains(refusal, "OrganizationalUnitNotEmptyException") || !strings.Contains(refusal, "The specified OU is not empty.") {
		t.Fatalf("deleting the OU with the account in it: %q", refusal)
	}

	// Back to the root; then both OUs go, the nested one first.
	move("move-back", rootID)
	for i, id := range []string{webID, prodID} {
		browse(t, ctx, []string{"delete-nested-ou", "delete-ou"}[i],
			chromedp.Navigate(ts.URL+"/console/organizations/target?id="+id),
			chromedp.Click("#delete-ou", chromedp.ByID),
			chromedp.WaitVisible("#org-tree", chromedp.ByID),
			chromedp.Text("#notice", &notice, chromedp.ByID))
		if notice != "Organizational unit deleted." {
			t.Fatalf("deleting %s: %q", id, notice)
		}
	}
	ous, err := api.ListOrganizationalUnitsForParent(bg, &awsorg.ListOrganizationalUnitsForParentInput{ParentId: aws.String(rootID)})
	must(t, err)
	if len(ous.OrganizationalUnits) != 0 {
		t.Fatalf("OUs left %+v", ous.OrganizationalUnits)
	}

	// Add an AWS account: its request succeeds and links to it; it is in
	// the tree; then it is removed from the organization.
	var state, accountID string
	browse(t, ctx, "add-account",
		chromedp.Navigate(ts.URL+"/console/organizations"),
		chromedp.WaitVisible("#add-account-form", chromedp.ByID),
		chromedp.SendKeys("#account-name", "Sandbox", chromedp.ByID),
		chromedp.SendKeys("#account-email", "sandbox@example.com", chromedp.ByID),
		chromedp.Click("#add-account", chromedp.ByID),
		chromedp.WaitVisible("#request-account", chromedp.ByID),
		chromedp.Text("#request-state", &state, chromedp.ByID),
		chromedp.Text("#request-account", &accountID, chromedp.ByID))
	a, err := api.DescribeAccount(bg, &awsorg.DescribeAccountInput{AccountId: aws.String(accountID)})
	must(t, err)
	if state != "Succeeded" || *a.Account.Name != "Sandbox" || *a.Account.Email != "sandbox@example.com" {
		t.Fatalf("the request %q; the account %+v", state, a.Account)
	}
	var row string
	browse(t, ctx, "account-in-tree",
		chromedp.Navigate(ts.URL+"/console/organizations"),
		chromedp.Text(`#org-tree li[data-account="`+accountID+`"]`, &row, chromedp.ByQuery))
	if !strings.Contains(row, "Sandbox") || strings.Contains(row, "management account") {
		t.Fatalf("the new account's row %q", row)
	}
	browse(t, ctx, "remove-account",
		chromedp.Click(`#org-tree li[data-account="`+accountID+`"] a`, chromedp.ByQuery),
		confirmByTyping("#remove-confirm", "#remove-account", accountID),
		chromedp.WaitVisible("#org-tree", chromedp.ByID),
		chromedp.Text("#notice", &notice, chromedp.ByID),
		waitFor(`!document.querySelector('#org-tree li[data-account="`+accountID+`"]')`))
	if !strings.HasPrefix(notice, "Account removed from the organization.") {
		t.Fatalf("removing: %q", notice)
	}
	if _, err := api.DescribeAccount(bg, &awsorg.DescribeAccountInput{AccountId: aws.String(accountID)}); err == nil {
		t.Fatal("the removed account is still in the organization")
	}
}

// TestConsoleCloseAccount closes a member account from its page in a
// real browser, as AWS's console does: the button stays disabled until
// the account's ID is typed; then the page shows the account closed,
// offers neither closing nor removing it again, and the API agrees
// (PENDING_CLOSURE). The management account's page offers no closing.
func TestConsoleCloseAccount(t *testing.T) {
	ts, ctx, _ := rootBrowserTest(t)
	api := ts.RootOrganizations()
	bg := context.Background()
	_, err := api.CreateOrganization(bg, &awsorg.CreateOrganizationInput{})
	must(t, err)
	made, err := api.CreateAccount(bg, &awsorg.CreateAccountInput{Email: aws.String("closing@example.com"), AccountName: aws.String("Closing")})
	must(t, err)
	accountID := aws.ToString(made.CreateAccountStatus.AccountId)

	var help string
	var forms int
	browse(t, ctx, "management-account",
		chromedp.Navigate(ts.URL+"/console/organizations/target?id="+kwtest.AccountID),
		chromedp.WaitVisible("#close-help", chromedp.ByID),
		chromedp.Text("#close-help", &help, chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll("#close-account, #close-confirm").length`, &forms))
	if forms != 0 || !strings.Contains(help, "management account cannot be closed") {
		t.Fatalf("the management account's page: %d close controls, %q", forms, help)
	}

	var notice, status, closedHelp string
	browse(t, ctx, "close-account",
		chromedp.Navigate(ts.URL+"/console/organizations/target?id="+accountID),
		confirmByTyping("#close-confirm", "#close-account", accountID),
		chromedp.WaitVisible("#closed-help", chromedp.ByID),
		chromedp.Text("#notice", &notice, chromedp.ByID),
		chromedp.Text("#target-status", &status, chromedp.ByID),
		chromedp.Text("#closed-help", &closedHelp, chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll("#close-account, #remove-account").length`, &forms))
	if !strings.HasPrefix(notice, "Account closed.") || status != "PENDING_CLOSURE" || !strings.Contains(closedHelp, "cannot be reopened") || forms != 0 {
		t.Fatalf("after closing: %q, status %q, %q, %d forms", notice, status, closedHelp, forms)
	}
	a, err := api.DescribeAccount(bg, &awsorg.DescribeAccountInput{AccountId: aws.String(accountID)})
	must(t, err)
	if a.Account.State != orgtypes.AccountStatePendingClosure {
		t.Fatalf("the API after closing: %+v", a.Account)
	}
	var row string
	browse(t, ctx, "closed-in-tree",
		chromedp.Navigate(ts.URL+"/console/organizations"),
		chromedp.Text(`#org-tree li[data-account="`+accountID+`"]`, &row, chromedp.ByQuery))
	if !strings.Contains(row, "PENDING_CLOSURE") {
		t.Fatalf("the closed account's row %q", row)
	}
}

// TestConsoleCreateRootKey: the management account's root user gives a
// member account its root access key on the account's page, its ID typed
// to confirm; the page shows the key once, with the .csv file, as a new
// access key's does; the key signs as the member account's root user.
// The management account's trail says who made it, the member's that it
// was made; neither holds the secret. The management account's own page
// offers no such action.
func TestConsoleCreateRootKey(t *testing.T) {
	ts, ctx, downloads := rootBrowserTest(t)
	_, member := newMember(t, ts)
	bg := context.Background()
	var err error

	var forms int
	browse(t, ctx, "management-account",
		chromedp.Navigate(ts.URL+"/console/organizations/target?id="+kwtest.AccountID),
		chromedp.WaitVisible("#target-management", chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll("#create-root-key, #root-key-confirm").length`, &forms))
	if forms != 0 {
		t.Fatalf("the management account's page offers its own root key: %d controls", forms)
	}

	var hidden bool
	var keyID, secret, title, done string
	browse(t, ctx, "create-root-key",
		chromedp.Navigate(ts.URL+"/console/organizations/target?id="+member),
		confirmByTyping("#root-key-confirm", "#create-root-key", member),
		chromedp.WaitVisible("#new-key-id", chromedp.ByID),
		chromedp.Text("h1", &title, chromedp.ByQuery),
		chromedp.Text("#new-key-id", &keyID, chromedp.ByID),
		chromedp.Evaluate(`document.getElementById("secret").hidden`, &hidden),
		chromedp.Click("#show-secret", chromedp.ByID),
		chromedp.Text("#secret", &secret, chromedp.ByID),
		chromedp.AttributeValue("#done", "href", &done, nil, chromedp.ByID),
		chromedp.Click("#download-csv", chromedp.ByID))
	if !hidden || title != "Retrieve root access keys" || len(secret) != 40 || !strings.HasSuffix(done, "/console/organizations/target?id="+member) {
		t.Fatalf("the page: hidden %v, %q, key %q, secret of %d, done %q", hidden, title, keyID, len(secret), done)
	}
	wantKeyCSV(t, filepath.Join(downloads, member+"_rootkey.csv"), keyID, secret)
	who, err := sts.NewFromConfig(ts.Config(keyID, secret, "")).GetCallerIdentity(bg, &sts.GetCallerIdentityInput{})
	must(t, err)
	if aws.ToString(who.Arn) != "arn:aws:iam::"+member+":root" {
		t.Fatalf("the key signs as %s", aws.ToString(who.Arn))
	}

	// Shown once: the account's page again holds neither.
	var html string
	browse(t, ctx, "shown-once",
		chromedp.Navigate(ts.URL+"/console/organizations/target?id="+member),
		chromedp.WaitVisible("#root-key-confirm", chromedp.ByID),
		chromedp.OuterHTML("html", &html, chromedp.ByQuery))
	if strings.Contains(html, secret) {
		t.Fatal("the account's page shows the secret again")
	}

	must(t, ts.Audit.Flush(bg))
	byMgmt, _, err := ts.Store.LookupEvents(bg, keyward.EventQuery{EventName: "CreateAccountRootKey", Max: 10})
	must(t, err)
	inMember, _, err := ts.Store.InAccount(member).LookupEvents(bg, keyward.EventQuery{EventName: "CreateAccessKey", Max: 10})
	must(t, err)
	if len(byMgmt) != 1 || len(inMember) != 1 {
		t.Fatalf("%d events in the management account, %d in the member", len(byMgmt), len(inMember))
	}
	for _, want := range []string{`"accountId":"` + member + `"`, keyID, `"type":"Root"`} {
		if !strings.Contains(string(byMgmt[0].Record), want) {
			t.Errorf("the management account's event lacks %s: %s", want, byMgmt[0].Record)
		}
	}
	if !strings.Contains(string(inMember[0].Record), keyID) || !strings.Contains(string(inMember[0].Record), `"arn":"arn:aws:iam::`+kwtest.AccountID+`:root"`) {
		t.Errorf("the member's event: %s", inMember[0].Record)
	}
	if strings.Contains(string(byMgmt[0].Record)+string(inMember[0].Record)+ts.Log.String(), secret) {
		t.Fatal("the trail or the log holds the secret")
	}
}
