package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// mfaOnlyPolicy lets its user list users only in a session signed in with
// MFA: aws:MultiFactorAuthPresent decides.
const mfaOnlyPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*",
"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`

// TestConsoleMFA assigns a virtual MFA device from the user's Security
// credentials tab in a real browser (the QR code shown, two codes typed),
// then signs in as the user: the password is followed by the code, a
// wrong or reused code is refused, and only the session signed in with MFA
// passes a policy that requires it.
func TestConsoleMFA(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	ctx := newBrowser(t, t.TempDir())
	api := ts.RootIAM()
	bg := context.Background()
	consoleUser(t, ts.Keyward, root(), "bob", "Bob-Passw0rd-1", mfaOnlyPolicy)
	signOut := chromedp.ActionFunc(func(ctx context.Context) error { return network.ClearBrowserCookies().Do(ctx) })
	signInBob := signInUser(ts, "", "bob", "Bob-Passw0rd-1")
	var message string

	// Without MFA, the policy's condition fails.
	browse(t, ctx, "no-mfa", signInBob, chromedp.WaitVisible("#signed-in-as", chromedp.ByID),
		chromedp.Navigate(ts.URL+"/console/users"), chromedp.WaitVisible("#error-message", chromedp.ByID),
		chromedp.Text("#error-message", &message, chromedp.ByID), signOut)
	if !strings.HasPrefix(message, "AccessDenied") {
		t.Fatalf("users page without MFA: %q", message)
	}

	// The administrator assigns bob a device.
	var seed string
	var qrWidth int
	browse(t, ctx, "mfa-qr", signInRoot(ts),
		chromedp.Navigate(ts.URL+"/console/users/bob?tab=credentials"),
		assignMFAStart("bob-phone", &seed, &qrWidth))
	checkMFAQR(t, qrWidth, seed)
	now := ts.Clock.Now()
	var notice string
	browse(t, ctx, "mfa-assigned",
		assignMFACodes(t, seed, now, &notice),
		chromedp.WaitVisible(`#mfa-devices tr[data-serial="arn:aws:iam::123456789012:mfa/bob-phone"]`, chromedp.ByQuery), signOut)
	devices, err := api.ListMFADevices(bg, &iam.ListMFADevicesInput{UserName: aws.String("bob")})
	must(t, err)
	if len(devices.MFADevices) != 1 || !strings.HasPrefix(notice, "MFA device assigned") {
		t.Fatalf("after assigning: %q, %d devices", notice, len(devices.MFADevices))
	}

	// Sign-in now asks for the code; a wrong one is refused.
	browse(t, ctx, "mfa-wrong", signInBob, chromedp.WaitVisible("#code", chromedp.ByID),
		chromedp.SendKeys("#code", kwtest.TOTPCode(t, seed, now.Add(time.Hour)), chromedp.ByID),
		chromedp.Click("#mfa-submit", chromedp.ByID),
		chromedp.WaitVisible("#signin-error", chromedp.ByID))
	// The next step's code signs bob in, and the policy's condition holds.
	ts.Clock.Add(30 * time.Second)
	code := kwtest.TOTPCode(t, seed, ts.Clock.Now())
	var users string
	browse(t, ctx, "mfa-signed-in",
		chromedp.SendKeys("#code", code, chromedp.ByID),
		chromedp.Click("#mfa-submit", chromedp.ByID),
		chromedp.WaitVisible("#signed-in-as", chromedp.ByID),
		chromedp.Navigate(ts.URL+"/console/users"),
		chromedp.WaitVisible(`a[href="/console/users/`+url.PathEscape("bob")+`"]`, chromedp.ByQuery),
		chromedp.Text("main", &users, chromedp.ByQuery), signOut)
	if strings.Contains(users, "AccessDenied") {
		t.Fatalf("users page with MFA: %q", users)
	}

	// The same code again is refused: it was used.
	browse(t, ctx, "mfa-reused", signInBob, chromedp.WaitVisible("#code", chromedp.ByID),
		chromedp.SendKeys("#code", code, chromedp.ByID),
		chromedp.Click("#mfa-submit", chromedp.ByID),
		chromedp.WaitVisible("#signin-error", chromedp.ByID),
		chromedp.Text("#signin-error", &message, chromedp.ByID))
	if !strings.Contains(message, "not valid") {
		t.Fatalf("reused code: %q", message)
	}
}

// assignMFAStart opens the assign-MFA form of the page shown, names the
// device and reads the QR code's width and the seed of the next step.
func assignMFAStart(device string, seed *string, qrWidth *int) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Click("#assign-mfa", chromedp.ByID),
		chromedp.WaitVisible("#device", chromedp.ByID),
		chromedp.SetValue("#device", device, chromedp.ByID),
		chromedp.Click("#mfa-next", chromedp.ByID),
		chromedp.WaitVisible("#mfa-qr", chromedp.ByID),
		waitFor(`document.getElementById("mfa-qr").complete`),
		chromedp.Evaluate(`document.getElementById("mfa-qr").naturalWidth`, qrWidth),
		chromedp.TextContent("#mfa-seed", seed, chromedp.ByID),
	}
}

// checkMFAQR fails unless the QR code was drawn (a CSP that blocked it
// leaves it 0 pixels wide) and the seed is a whole base32 seed.
func checkMFAQR(t *testing.T, qrWidth int, seed string) {
	t.Helper()
	if qrWidth != 256 || len(seed) != 64 {
		t.Fatalf("QR code %d pixels wide (blocked?), seed %q", qrWidth, seed)
	}
}

// assignMFACodes enters two consecutive codes of seed at now, submits the
// form and reads the notice.
func assignMFACodes(t *testing.T, seed string, now time.Time, notice *string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.SendKeys("#code1", kwtest.TOTPCode(t, seed, now.Add(-30*time.Second)), chromedp.ByID),
		chromedp.SendKeys("#code2", kwtest.TOTPCode(t, seed, now), chromedp.ByID),
		chromedp.Click("#mfa-assign", chromedp.ByID),
		chromedp.WaitVisible("#notice", chromedp.ByID),
		chromedp.Text("#notice", notice, chromedp.ByID),
	}
}

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

	// Each the root user's, without an error.
	byRoot := " Root arn:aws:iam::" + kwtest.AccountID + ":root "
	wantChanges(t, trail(t, ts.Keyward, ts.Audit, keyward.EventQuery{Max: 50}), func(e trailEvent) string {
		return e.Name + " " + e.UserIdentity.Type + " " + e.UserIdentity.ARN + " " + e.ErrorCode
	}, "CreateVirtualMFADevice"+byRoot, "DeactivateMFADevice"+byRoot, "DeleteVirtualMFADevice"+byRoot, "EnableMFADevice"+byRoot)
}
