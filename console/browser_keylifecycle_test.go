package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

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
	ctx := newBrowser(t, t.TempDir())
	browse(t, ctx, "sign-in", signInRoot(ts))

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
