package console_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestConsoleRootMFA: in a real browser, the root user follows the
// dashboard's "Add MFA for the root user" to its security credentials page,
// assigns a virtual device there (a name, the QR code and its secret
// shown, two consecutive codes), and the recommendation is gone. Signed
// out, the root user's sign-in then fails without a code and succeeds with
// the current one, computed from the secret the page showed. Removing the
// device brings the recommendation back; each step is audited under AWS's
// name, with the root user as the identity.
func TestConsoleRootMFA(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	ctx := newBrowser(t, t.TempDir())
	signOut := chromedp.ActionFunc(func(ctx context.Context) error { return network.ClearBrowserCookies().Do(ctx) })
	const advice = `[data-recommendation="root-mfa"]`
	var text string
	browse(t, ctx, "dashboard", signInRoot(ts),
		chromedp.Navigate(ts.URL+"/console/"),
		chromedp.WaitVisible(advice, chromedp.ByQuery),
		chromedp.Text(advice, &text, chromedp.ByQuery))
	if !strings.Contains(text, "Add MFA for the root user") {
		t.Fatalf("the recommendation: %q", text)
	}

	var seed string
	var qrWidth int
	browse(t, ctx, "root-mfa-qr",
		chromedp.Click(advice+" a", chromedp.ByQuery),
		chromedp.WaitVisible("#assign-mfa", chromedp.ByID),
		assignMFAStart("root-phone", &seed, &qrWidth))
	checkMFAQR(t, qrWidth, seed)
	const serial = "arn:aws:iam::" + kwtest.AccountID + ":mfa/root-phone"
	now := ts.Clock.Now()
	var notice string
	browse(t, ctx, "root-mfa-assigned",
		assignMFACodes(t, seed, now, &notice),
		chromedp.WaitVisible(`#mfa-devices tr[data-serial="`+serial+`"]`, chromedp.ByQuery))
	if !strings.HasPrefix(notice, "MFA device assigned. The root user") {
		t.Fatalf("after assigning: %q", notice)
	}
	var gone bool
	browse(t, ctx, "recommendation-gone",
		chromedp.Navigate(ts.URL+"/console/"),
		chromedp.WaitVisible("#resource-counts", chromedp.ByID),
		chromedp.Evaluate(`document.querySelector('`+advice+`') === null`, &gone))
	if !gone {
		t.Fatal("the dashboard still recommends MFA for the root user")
	}

	// Signed out, the secret alone no longer signs the root user in.
	ts.Clock.Add(30 * time.Second)
	var message string
	browse(t, ctx, "without-code", signOut,
		chromedp.Navigate(ts.URL+"/console/signin?as=root"),
		chromedp.SendKeys("#accesskey", kwtest.RootKeyID, chromedp.ByID),
		chromedp.SendKeys("#secret", kwtest.RootSecret, chromedp.ByID),
		chromedp.Click("#signin-submit", chromedp.ByID),
		chromedp.WaitVisible("#signin-error", chromedp.ByID),
		chromedp.Text("#signin-error", &message, chromedp.ByID))
	if !strings.Contains(message, "Your authentication information is incorrect") {
		t.Fatalf("without a code: %q", message)
	}
	browse(t, ctx, "with-code",
		chromedp.SendKeys("#accesskey", kwtest.RootKeyID, chromedp.ByID),
		chromedp.SendKeys("#secret", kwtest.RootSecret, chromedp.ByID),
		chromedp.SendKeys("#mfacode", kwtest.TOTPCode(t, seed, ts.Clock.Now()), chromedp.ByID),
		chromedp.Click("#signin-submit", chromedp.ByID),
		chromedp.WaitVisible("#signed-in-as", chromedp.ByID))

	// Removing the device brings the recommendation back.
	browse(t, ctx, "root-mfa-removed",
		chromedp.Navigate(ts.URL+"/console/security-credentials"),
		chromedp.Click(`#mfa-devices tr[data-serial="`+serial+`"] .action-remove-mfa`, chromedp.ByQuery),
		chromedp.WaitVisible("#notice", chromedp.ByID),
		chromedp.Navigate(ts.URL+"/console/"),
		chromedp.WaitVisible(advice, chromedp.ByQuery))

	bg := context.Background()
	must(t, ts.Audit.Flush(bg))
	events, _, err := ts.IAM.Store.LookupEvents(bg, keyward.EventQuery{Max: 50})
	must(t, err)
	var names []string
	for _, e := range events {
		if e.Name == "ConsoleLogin" {
			continue
		}
		var r struct {
			UserIdentity struct {
				Type string `json:"type"`
				ARN  string `json:"arn"`
			} `json:"userIdentity"`
			ErrorCode string `json:"errorCode"`
		}
		must(t, json.Unmarshal(e.Record, &r))
		if r.UserIdentity.Type != "Root" || r.UserIdentity.ARN != "arn:aws:iam::"+kwtest.AccountID+":root" || r.ErrorCode != "" {
			t.Errorf("%s: identity %+v, error %q", e.Name, r.UserIdentity, r.ErrorCode)
		}
		names = append(names, e.Name)
	}
	slices.Sort(names)
	if want := []string{"CreateVirtualMFADevice", "DeactivateMFADevice", "DeleteVirtualMFADevice", "EnableMFADevice"}; !slices.Equal(names, want) {
		t.Fatalf("events %q, want %q", names, want)
	}
}
