package console_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestConsoleAccessKeyProcedures walks through every access-key procedure
// of the console in a real browser, one subtest a procedure, checking the
// API agrees at each step. The subtests share the browser and build on
// each other, as an administrator's session does.
func TestConsoleAccessKeyProcedures(t *testing.T) {
	ts, ctx, downloads := rootBrowserTest(t)
	api := ts.RootIAM()
	bg := context.Background()
	var keyID, secret string
	var alice *sts.Client
	keyPage := func() string { return ts.URL + "/console/users/alice/keys/" + keyID }

	t.Run("SignIn", func(t *testing.T) {
		var signedAs string
		browse(t, ctx, "signed-in-as", signedInText(&signedAs))
		if signedAs != "arn:aws:iam::123456789012:root" {
			t.Fatalf("signed in as %q", signedAs)
		}
	})
	t.Run("CreateUser", func(t *testing.T) {
		var heading, notice string
		browse(t, ctx, "create-user",
			chromedp.Navigate(ts.URL+"/console/users"),
			chromedp.Click("#create-user", chromedp.ByID),
			chromedp.SendKeys("#name", "alice", chromedp.ByID),
			chromedp.Click("#create-user-submit", chromedp.ByID),
			chromedp.WaitVisible("#user-name", chromedp.ByID),
			chromedp.Text("#user-name", &heading, chromedp.ByID),
			chromedp.Text("#notice", &notice, chromedp.ByID))
		if heading != "alice" || notice != "User created." {
			t.Fatalf("after create: %q %q", heading, notice)
		}
		if _, err := api.GetUser(bg, &iam.GetUserInput{UserName: aws.String("alice")}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("CreateAccessKeyThroughBestPractices", func(t *testing.T) {
		browse(t, ctx, "best-practices",
			chromedp.Navigate(ts.URL+"/console/users/alice"),
			chromedp.Click("#tab-credentials", chromedp.ByID),
			// The tab is a link: the next click is on the page it loads,
			// not on the one a loaded machine may still show.
			waitFor(`location.search === "?tab=credentials" && document.readyState === "complete"`),
			chromedp.Click("#create-access-key", chromedp.ByID),
			chromedp.WaitVisible("#usecase-cli", chromedp.ByID),
			chromedp.Click("#usecase-cli", chromedp.ByID),
			chromedp.WaitVisible("#alt-cli", chromedp.ByID))
		browse(t, ctx, "description",
			chromedp.Click("#understand", chromedp.ByID),
			chromedp.Click("#next-step", chromedp.ByID),
			chromedp.WaitVisible("#description", chromedp.ByID),
			chromedp.SendKeys("#description", "alice laptop", chromedp.ByID))
		browse(t, ctx, "retrieve",
			chromedp.Click("#create-key-submit", chromedp.ByID),
			chromedp.WaitVisible("#new-key-id", chromedp.ByID),
			chromedp.Text("#new-key-id", &keyID, chromedp.ByID))
		if !keyIDPatternAWS.MatchString(keyID) {
			t.Fatalf("new key %q", keyID)
		}
	})
	t.Run("ShowSecretAndDownloadCSV", func(t *testing.T) {
		var hiddenBefore, hiddenAfter bool
		var unsavedBefore, unsavedAfter string
		browse(t, ctx, "show-secret",
			chromedp.Evaluate(`document.getElementById("secret").hidden`, &hiddenBefore),
			chromedp.Click("#show-secret", chromedp.ByID),
			chromedp.Evaluate(`document.getElementById("secret").hidden`, &hiddenAfter),
			chromedp.Text("#secret", &secret, chromedp.ByID))
		if len(secret) != 40 || !hiddenBefore || hiddenAfter {
			t.Fatalf("secret %q (hidden %v then %v)", secret, hiddenBefore, hiddenAfter)
		}
		// The secret and the links beside it keep apart ("…fHHide" once),
		// and Copy copies.
		var gap float64
		var copied string
		browse(t, ctx, "copy-secret",
			chromedp.Evaluate(`document.getElementById("show-secret").getBoundingClientRect().left - document.getElementById("secret").getBoundingClientRect().right`, &gap),
			chromedp.Click("#copy-secret", chromedp.ByID),
			chromedp.Poll(`document.getElementById("copy-secret").textContent !== "Copy" && document.getElementById("copy-secret").textContent`, &copied))
		if gap < 6 {
			t.Errorf("the secret runs into Hide: %.1f px apart", gap)
		}
		if copied != "Copied" {
			t.Errorf("the copy button says %q", copied)
		}
		// Leaving before the secret is saved asks first; downloading saves it.
		browse(t, ctx, "download-csv",
			chromedp.Evaluate(`document.getElementById("retrieve").dataset.unsaved`, &unsavedBefore),
			chromedp.Click("#download-csv", chromedp.ByID),
			chromedp.Evaluate(`document.getElementById("retrieve").dataset.unsaved`, &unsavedAfter))
		if unsavedBefore != "true" || unsavedAfter != "false" {
			t.Fatalf("leave guard: %q before the download, %q after", unsavedBefore, unsavedAfter)
		}
		wantKeyCSV(t, filepath.Join(downloads, "alice_accessKeys.csv"), keyID, secret)
		alice = ts.STSIn(keyID, secret, "us-east-1")
		if _, err := alice.GetCallerIdentity(bg, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("the new key does not sign: %v", err)
		}
		var description string
		browse(t, ctx, "key-listed",
			chromedp.Click("#done", chromedp.ByID),
			chromedp.WaitVisible("#access-keys", chromedp.ByID),
			chromedp.Text(`tr[data-key="`+keyID+`"] td:nth-child(2)`, &description, chromedp.ByQuery))
		if description != "alice laptop" {
			t.Fatalf("description %q", description)
		}
	})
	t.Run("Deactivate", func(t *testing.T) {
		var status string
		browse(t, ctx, "deactivate",
			chromedp.Navigate(keyPage()+"/deactivate"),
			chromedp.Click("#confirm-deactivate", chromedp.ByID),
			chromedp.WaitVisible("#access-keys", chromedp.ByID),
			chromedp.Text(`tr[data-key="`+keyID+`"] .status`, &status, chromedp.ByQuery))
		if status != "Inactive" {
			t.Fatalf("status after deactivate %q", status)
		}
		_, err := alice.GetCallerIdentity(bg, &sts.GetCallerIdentityInput{})
		wantAPIError(t, err, "InvalidClientTokenId", 403, "")
	})
	t.Run("Activate", func(t *testing.T) {
		// Immediate, from the key's Actions menu.
		var status string
		browse(t, ctx, "activate",
			chromedp.Click(`tr[data-key="`+keyID+`"] details.menu summary`, chromedp.ByQuery),
			chromedp.Click(`tr[data-key="`+keyID+`"] .action-activate`, chromedp.ByQuery),
			waitFor(`(document.getElementById("notice") || {}).textContent === "Access key activated."`),
			// One evaluation, not a node looked up and then read: the page
			// the redirect loads may replace the node between the two.
			chromedp.Evaluate(`document.querySelector('tr[data-key="`+keyID+`"] .status').textContent`, &status))
		if status != "Active" {
			t.Fatalf("status after activate %q", status)
		}
		if _, err := alice.GetCallerIdentity(bg, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("activated key refused: %v", err)
		}
	})
	t.Run("DeleteByTypingTheID", func(t *testing.T) {
		// An active key must be deactivated first; then its ID typed.
		browse(t, ctx, "asks-to-deactivate",
			chromedp.Navigate(keyPage()+"/delete"),
			chromedp.WaitVisible("#deactivate-first", chromedp.ByID),
			chromedp.Click("#deactivate-first-submit", chromedp.ByID),
			chromedp.WaitVisible("#access-keys", chromedp.ByID))
		var empty string
		browse(t, ctx, "deleted",
			chromedp.Navigate(keyPage()+"/delete"),
			confirmByTyping("#confirm", "#confirm-delete", keyID),
			chromedp.WaitVisible("#access-keys", chromedp.ByID),
			chromedp.Text("#access-keys tbody", &empty, chromedp.ByQuery))
		if empty != "No access keys." {
			t.Fatalf("after delete: %q", empty)
		}
		keys, err := api.ListAccessKeys(bg, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
		must(t, err)
		if len(keys.AccessKeyMetadata) != 0 {
			t.Fatalf("API still lists %d keys", len(keys.AccessKeyMetadata))
		}
	})
	t.Run("CreateDisabledAtTwoKeys", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			_, err := api.CreateAccessKey(bg, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
			must(t, err)
		}
		var createDisabled bool
		var why string
		browse(t, ctx, "create-disabled",
			chromedp.Navigate(ts.URL+"/console/users/alice?tab=credentials"),
			chromedp.WaitVisible("#access-keys", chromedp.ByID),
			chromedp.Evaluate(`document.getElementById("create-access-key").disabled`, &createDisabled),
			chromedp.Text("#create-disabled", &why, chromedp.ByID))
		if !createDisabled || !strings.Contains(why, "at most two access keys") {
			t.Fatalf("create with two keys: disabled %v, %q", createDisabled, why)
		}
	})
	t.Run("DeleteUser", func(t *testing.T) {
		// The user still has two keys: the console removes them first.
		var notice string
		browse(t, ctx, "delete-user",
			chromedp.Navigate(ts.URL+"/console/users/alice/delete"),
			confirmByTyping("#confirm", "#delete-user-submit", "alice"),
			chromedp.WaitVisible("#users", chromedp.ByID),
			chromedp.Text("#notice", &notice, chromedp.ByID))
		if notice != "User deleted." {
			t.Fatalf("notice %q", notice)
		}
		_, err := api.GetUser(bg, &iam.GetUserInput{UserName: aws.String("alice")})
		wantAPIError(t, err, "NoSuchEntity", 404, "")
	})
}

// TestConsoleUsersSearchAndReport switches on the key columns of the users
// list, finds a user by key ID, and downloads the credential report.
func TestConsoleUsersSearchAndReport(t *testing.T) {
	ts, ctx, downloads := rootBrowserTest(t)
	api := ts.RootIAM()
	bg := context.Background()
	keyID, secret := kwtest.CreateUserKey(t, api, "bob")
	_, err := ts.STSIn(keyID, secret, "eu-west-1").GetCallerIdentity(bg, &sts.GetCallerIdentityInput{})
	must(t, err)
	// keyward serve writes last use on a timer; the test writes it now.
	must(t, ts.Uses.Flush(bg))
	_, err = api.CreateUser(bg, &iam.CreateUserInput{UserName: aws.String("carol")})
	must(t, err)

	t.Run("KeyColumns", func(t *testing.T) {
		var keyCellHidden bool
		browse(t, ctx, "01-users",
			chromedp.Navigate(ts.URL+"/console/users"),
			chromedp.WaitVisible("#users", chromedp.ByID),
			chromedp.Evaluate(`document.querySelector('td[data-col="keyid"]').classList.contains("col-hidden")`, &keyCellHidden))
		if !keyCellHidden {
			t.Fatal("the Access key ID column is shown by default")
		}
		// The search box's placeholder is shown whole.
		var room float64
		browse(t, ctx, "01-search-box", chromedp.Evaluate(`(() => {
			const box = document.getElementById("search-box"), st = getComputedStyle(box);
			const ctx = document.createElement("canvas").getContext("2d");
			ctx.font = st.font;
			return box.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight) - ctx.measureText(box.placeholder).width;
		})()`, &room))
		if room < 0 {
			t.Errorf("the search placeholder is cut off by %.1f px", -room)
		}
		var bobKeys, carolKeys, bobUsed, bobUsedTitle string
		browse(t, ctx, "02-preferences",
			chromedp.Click("#preferences", chromedp.ByID),
			chromedp.WaitVisible("#preferences-dialog", chromedp.ByID),
			chromedp.Click(`#preferences-dialog input[value="keyid"]`, chromedp.ByQuery),
			chromedp.Click(`#preferences-dialog input[value="keyused"]`, chromedp.ByQuery),
			chromedp.Click("#preferences-confirm", chromedp.ByID),
			chromedp.WaitNotVisible("#preferences-dialog", chromedp.ByID),
			// The choice is saved when the dialog's close event has run.
			waitFor(`(localStorage.getItem("keyward.users.columns") || "").includes("keyid")`),
			// Remembered across a reload.
			chromedp.Reload(),
			chromedp.WaitVisible(`#users tbody tr:nth-child(1) td[data-col="keyid"]`, chromedp.ByQuery),
			chromedp.Text(`#users tbody tr:nth-child(1) td[data-col="keyid"]`, &bobKeys, chromedp.ByQuery),
			chromedp.Text(`#users tbody tr:nth-child(2) td[data-col="keyid"]`, &carolKeys, chromedp.ByQuery),
			chromedp.Text(`#users tbody tr:nth-child(1) td[data-col="keyused"]`, &bobUsed, chromedp.ByQuery),
			chromedp.AttributeValue(`#users tbody tr:nth-child(1) td[data-col="keyused"] time`, "title", &bobUsedTitle, nil, chromedp.ByQuery))
		if bobKeys != "Active - "+keyID || carolKeys != "-" || bobUsed != "Now" || !strings.HasPrefix(bobUsedTitle, ts.Clock.Now().UTC().Format("2006-01-02")) {
			t.Fatalf("columns: bob %q, carol %q, last used %q (%q)", bobKeys, carolKeys, bobUsed, bobUsedTitle)
		}
	})
	t.Run("FindUserByKeyID", func(t *testing.T) {
		var result, href string
		browse(t, ctx, "03-search-by-key",
			chromedp.SendKeys("#search-box", keyID+"\n", chromedp.ByID),
			chromedp.WaitVisible("#search-results", chromedp.ByID),
			chromedp.Text("#search-results li", &result, chromedp.ByQuery),
			chromedp.AttributeValue("#search-results a", "href", &href, nil, chromedp.ByQuery))
		if !strings.HasPrefix(result, "bob") || href != "/console/users/bob" {
			t.Fatalf("search result %q → %q", result, href)
		}
	})
	t.Run("CredentialReport", func(t *testing.T) {
		browse(t, ctx, "04-report",
			chromedp.Navigate(ts.URL+"/console/reports"),
			chromedp.Click("#generate-report", chromedp.ByID),
			chromedp.WaitVisible("#notice", chromedp.ByID))
		ts.Reports.Wait()
		browse(t, ctx, "05-report-ready",
			chromedp.Reload(),
			chromedp.WaitVisible("#download-report", chromedp.ByID),
			chromedp.Click("#download-report", chromedp.ByID))
		if rows := downloadedCSV(t, filepath.Join(downloads, "status_reports_*.csv")); len(rows) != 4 || rows[0][0] != "user" || rows[1][0] != "<root_account>" || rows[2][0] != "bob" || rows[2][11] != "eu-west-1" {
			t.Fatalf("downloaded report %q", rows)
		}
	})
}

// TestConsoleKeyLifecycle walks the key lifecycle in a real browser: the
// policy page previews a draft ("these 1 keys would be deactivated
// today", the key listed) and saves it; the sweep deactivates the key;
// the create-key flow's expiry is shown with the new key and in the
// user's keys.
func TestConsoleKeyLifecycle(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	api := ts.RootIAM()
	bg := context.Background()
	oldKey, _ := kwtest.CreateUserKey(t, api, "old")
	// A hundred days later.
	ts.Clock.Add(100 * 24 * time.Hour)
	ctx, _ := rootInBrowser(t, ts)

	var title, listed string
	browse(t, ctx, "key-policy-preview",
		chromedp.Navigate(ts.URL+"/console/keys/policy"),
		chromedp.WaitVisible("#max-age", chromedp.ByID),
		chromedp.SendKeys("#max-age", "90d", chromedp.ByID),
		chromedp.Click("#preview-policy", chromedp.ByID),
		chromedp.WaitVisible(`#preview-keys tr[data-key="`+oldKey+`"]`, chromedp.ByQuery),
		chromedp.Text("#preview-title", &title, chromedp.ByID),
		chromedp.Text("#preview-keys", &listed, chromedp.ByID))
	if title != "Preview of this draft: these 1 keys would be deactivated today" || !strings.Contains(listed, "old") || !strings.Contains(listed, "max-age") {
		t.Fatalf("preview: %q\n%s", title, listed)
	}
	var notice string
	browse(t, ctx, "key-policy-saved",
		chromedp.Click("#save-policy", chromedp.ByID),
		chromedp.WaitVisible("#notice", chromedp.ByID),
		chromedp.Text("#notice", &notice, chromedp.ByID))
	if !strings.HasPrefix(notice, "Key lifecycle policy saved.") {
		t.Fatalf("notice %q", notice)
	}
	if _, err := ts.Lifecycle.Run(bg); err != nil {
		t.Fatal(err)
	}
	if k, err := ts.Store.AccessKey(bg, oldKey); err != nil || k.Status != keyward.StatusInactive {
		t.Fatalf("after the sweep: %+v %v", k, err)
	}

	var expires, column string
	browse(t, ctx, "new-key-use-case",
		chromedp.Navigate(ts.URL+"/console/users/old/keys/new"),
		chromedp.WaitVisible("#usecase-cli", chromedp.ByID),
		chromedp.Click("#usecase-cli", chromedp.ByID),
		chromedp.Click("#understand", chromedp.ByID),
		chromedp.Click("#next-step", chromedp.ByID),
		chromedp.WaitVisible("#expires", chromedp.ByID))
	var page string
	browse(t, ctx, "new-key-expiry",
		chromedp.SetValue("#expires", "30d", chromedp.ByID),
		chromedp.Click("#create-key-submit", chromedp.ByID),
		chromedp.WaitVisible("#new-key-id", chromedp.ByID),
		chromedp.OuterHTML("main", &page, chromedp.ByQuery))
	if !strings.Contains(page, `id="new-key-expires"`) {
		t.Fatalf("the retrieve step does not show the expiry:\n%s", page)
	}
	browse(t, ctx, "new-key-listed",
		chromedp.Text("#new-key-expires", &expires, chromedp.ByID),
		// As if the secret were saved: the page asks before leaving otherwise.
		chromedp.Evaluate(`document.getElementById("retrieve").dataset.unsaved = "false"`, nil),
		chromedp.Navigate(ts.URL+"/console/users/old?tab=credentials"),
		chromedp.WaitVisible("#access-keys", chromedp.ByID),
		chromedp.Text("#access-keys", &column, chromedp.ByID))
	want := ts.Clock.Now().Add(30 * 24 * time.Hour).UTC().Format("2006-01-02T")
	if !strings.Contains(expires, want) || !strings.Contains(column, want) || !strings.Contains(column, "Never") {
		t.Fatalf("expiry shown %q; keys:\n%s", expires, column)
	}
}
