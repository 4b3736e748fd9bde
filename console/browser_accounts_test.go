package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestAccountsInBrowser: AWS's account sign-in URL of a second account
// (by its alias) opens the sign-in page with the account filled in; its
// user signs in to it, sees its ID and alias in the top bar and its users
// alone, signs out, and a user of the first account of the same name then
// signs in there and sees the first account's users alone.
func TestAccountsInBrowser(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	ctxB := secondAccount(t, ts.Keyward)
	read := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","iam:Get*"],"Resource":"*"}]}`
	for _, u := range []string{"alice", "adam"} {
		consoleUser(t, ts.Keyward, root(), u, passwordA, "")
	}
	for _, u := range []string{"alice", "bea"} {
		consoleUser(t, ts.Keyward, ctxB, u, passwordB, "")
	}
	must(t, ts.IAM.PutInlinePolicy(root(), keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}, "read", read))
	must(t, ts.IAM.PutInlinePolicy(ctxB, keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}, "read", read))

	ctx := newBrowser(t, t.TempDir())
	var account, id, alias, signed, users string
	browse(t, ctx, "account-url",
		chromedp.Navigate(ts.URL+"/console?account=tenant-b"),
		chromedp.WaitVisible("#as-user", chromedp.ByID),
		chromedp.Click("#as-user", chromedp.ByID),
		chromedp.Click("#signin-next", chromedp.ByID),
		chromedp.WaitVisible("#account", chromedp.ByID),
		chromedp.Value("#account", &account, chromedp.ByID))
	if account != "tenant-b" {
		t.Fatalf("the sign-in form's account is %q", account)
	}
	browse(t, ctx, "signed-in-to-b",
		chromedp.SendKeys("#username", "alice", chromedp.ByID),
		chromedp.SendKeys("#password", passwordB, chromedp.ByID),
		chromedp.Click("#signin-submit", chromedp.ByID),
		chromedp.WaitVisible("#users", chromedp.ByID),
		chromedp.Text("#account-id", &id, chromedp.ByID),
		chromedp.Text("#account-alias", &alias, chromedp.ByID),
		signedInText(&signed),
		chromedp.Text("#users", &users, chromedp.ByID))
	if id != accountB || alias != "tenant-b" || signed != "arn:aws:iam::"+accountB+":user/alice" {
		t.Fatalf("top bar: account %q (%q), signed in as %q", id, alias, signed)
	}
	if !strings.Contains(users, "bea") || strings.Contains(users, "adam") {
		t.Fatalf("B's users page shows %q", users)
	}
	browse(t, ctx, "signed-out", signOutThenAsk(ts.URL+"/console/users"))
	browse(t, ctx, "signed-in-to-a", signInUser(ts, kwtest.AccountID, "alice", passwordA),
		chromedp.WaitVisible("#users", chromedp.ByID),
		chromedp.Text("#account-id", &id, chromedp.ByID),
		signedInText(&signed),
		chromedp.Text("#users", &users, chromedp.ByID))
	if id != kwtest.AccountID || signed != "arn:aws:iam::"+kwtest.AccountID+":user/alice" {
		t.Fatalf("top bar: account %q, signed in as %q", id, signed)
	}
	if !strings.Contains(users, "adam") || strings.Contains(users, "bea") {
		t.Fatalf("the first account's users page shows %q", users)
	}
}
