package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestConsoleDashboardAndWebhooks walks, in a real browser, from the
// dashboard's recommendation about the root user's keys to the page that
// fixes it, and subscribes a receiver on the Webhooks page, whose list
// shows the URL's host but not the token its path holds.
func TestConsoleDashboardAndWebhooks(t *testing.T) {
	ts, ctx, _ := rootBrowserTest(t)

	var advice string
	browse(t, ctx, "dashboard",
		chromedp.Navigate(ts.URL+"/console/"),
		chromedp.WaitVisible(`[data-recommendation="root-keys"]`, chromedp.ByQuery),
		chromedp.Text("#recommendations", &advice, chromedp.ByID))
	if !strings.Contains(advice, "The root user has access keys.") {
		t.Fatalf("recommendations: %q", advice)
	}
	var keys string
	browse(t, ctx, "root-credentials",
		chromedp.Click(`[data-recommendation="root-keys"] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`#access-keys tr[data-key="`+kwtest.RootKeyID+`"]`, chromedp.ByQuery),
		chromedp.Text("#access-keys", &keys, chromedp.ByID))
	if !strings.Contains(keys, "Active") {
		t.Fatalf("the root user's keys: %q", keys)
	}

	const token = "T0KEN-in-the-path-5e1f"
	var listed string
	browse(t, ctx, "webhook-created",
		chromedp.Navigate(ts.URL+"/console/webhooks"),
		chromedp.WaitVisible("#webhook-url", chromedp.ByID),
		chromedp.SendKeys("#webhook-url", "https://hooks.example.com/services/"+token, chromedp.ByID),
		chromedp.SendKeys("#webhook-secret", "a-receiver-secret-0123456789", chromedp.ByID),
		chromedp.Click(`[id="event-access-key.created"]`, chromedp.ByQuery),
		chromedp.Click("#create-webhook", chromedp.ByID),
		waitFor(`document.querySelectorAll("#webhooks tbody tr[data-webhook]").length === 1`),
		chromedp.Text("#webhooks", &listed, chromedp.ByID))
	if !strings.Contains(listed, "https://hooks.example.com/") || !strings.Contains(listed, "access-key.created") || strings.Contains(listed, token) {
		t.Fatalf("the subscriptions listed: %q", listed)
	}
}
