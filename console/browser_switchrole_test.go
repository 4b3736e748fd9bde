package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSwitchRoleInBrowser: an IAM user opens Switch role from the account
// menu, is refused a role that does not trust it with AWS's message, then
// switches to a role with a display name and a colour: every page shows
// the banner and acts as the role (the roles list it may see, the users
// list it may not), the menu remembers the role, and Switch back returns
// to the user, who sees the users and not the roles again.
func TestSwitchRoleInBrowser(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	switchFixture(t, ts, aliceSwitches)
	ctx := newBrowser(t, t.TempDir())
	var signed, message, problem, detail, display, banner string
	browse(t, ctx, "signed-in", signInUser(ts, "", "alice", switchPassword),
		chromedp.WaitVisible("#signed-in-as", chromedp.ByID),
		chromedp.Navigate(ts.URL+"/console/roles"),
		chromedp.WaitVisible("#error-message", chromedp.ByID),
		chromedp.Text("#error-message", &message, chromedp.ByID))
	if !strings.HasPrefix(message, "AccessDenied") {
		t.Fatalf("alice's roles page: %q", message)
	}
	browse(t, ctx, "switch-refused",
		chromedp.Click("#account-menu summary", chromedp.ByQuery),
		chromedp.WaitVisible("#switch-role", chromedp.ByID),
		chromedp.Click("#switch-role", chromedp.ByID),
		chromedp.WaitVisible("#switch-role-form", chromedp.ByID),
		chromedp.SendKeys("#switch-account", "123456789012", chromedp.ByID),
		chromedp.SendKeys("#switch-role-name", "closed", chromedp.ByID),
		chromedp.Click("#switch-role-submit", chromedp.ByID),
		chromedp.WaitVisible("#switch-error", chromedp.ByID),
		chromedp.Text("#switch-error", &problem, chromedp.ByID),
		chromedp.Text("#switch-error-detail", &detail, chromedp.ByID))
	if !strings.HasPrefix(problem, "Invalid information in one or more fields.") ||
		detail != "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/closed" {
		t.Fatalf("refused: %q / %q", problem, detail)
	}
	browse(t, ctx, "switched",
		chromedp.SetValue("#switch-role-name", "ops/auditor", chromedp.ByID),
		chromedp.SendKeys("#switch-display", "Auditor (prod)", chromedp.ByID),
		chromedp.Click("#switch-color-green", chromedp.ByID),
		chromedp.Click("#switch-role-submit", chromedp.ByID),
		chromedp.WaitVisible("#switched-banner", chromedp.ByID),
		chromedp.Text("#switched-display", &display, chromedp.ByID),
		signedInText(&signed))
	if display != "Auditor (prod)" || signed != "arn:aws:sts::123456789012:assumed-role/auditor/alice" {
		t.Fatalf("switched: %q as %q", display, signed)
	}
	browse(t, ctx, "role-sees-roles",
		chromedp.Navigate(ts.URL+"/console/roles"),
		chromedp.WaitVisible("#roles", chromedp.ByID),
		chromedp.WaitVisible("#switched-banner.switch-green", chromedp.ByQuery),
		chromedp.Text("#switched-banner", &banner, chromedp.ByID))
	if !strings.Contains(banner, "Auditor (prod)") || !strings.Contains(banner, "switched from arn:aws:iam::123456789012:user/alice") {
		t.Fatalf("banner %q", banner)
	}
	browse(t, ctx, "role-refused-users",
		chromedp.Navigate(ts.URL+"/console/users"),
		chromedp.WaitVisible("#error-message", chromedp.ByID),
		chromedp.Text("#error-message", &message, chromedp.ByID),
		chromedp.WaitVisible("#switched-banner", chromedp.ByID))
	if !strings.HasPrefix(message, "AccessDenied") {
		t.Fatalf("the role's users page: %q", message)
	}
	var history string
	browse(t, ctx, "switched-back",
		chromedp.Click("#account-menu summary", chromedp.ByQuery),
		chromedp.WaitVisible("#switch-back", chromedp.ByID),
		chromedp.Text("#role-history-0", &history, chromedp.ByID),
		chromedp.Click("#switch-back", chromedp.ByID),
		// The notice is the next page's: read before it, #signed-in-as
		// could be a node of the page the form left.
		chromedp.WaitVisible("#notice", chromedp.ByID),
		chromedp.WaitNotPresent("#switched-banner", chromedp.ByID),
		signedInText(&signed),
		chromedp.Navigate(ts.URL+"/console/users"),
		chromedp.WaitVisible("#create-user", chromedp.ByID))
	if signed != "arn:aws:iam::123456789012:user/alice" || history != "Auditor (prod)" {
		t.Fatalf("back as %q, history %q", signed, history)
	}
	// The remembered role switches again in one click.
	browse(t, ctx, "switched-from-history",
		chromedp.Click("#account-menu summary", chromedp.ByQuery),
		chromedp.WaitVisible("#role-history-0", chromedp.ByID),
		chromedp.Click("#role-history-0", chromedp.ByID),
		chromedp.WaitVisible("#switched-banner", chromedp.ByID),
		signedInText(&signed))
	if signed != "arn:aws:sts::123456789012:assumed-role/auditor/alice" {
		t.Fatalf("from the history: %q", signed)
	}
}
