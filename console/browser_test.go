package console_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward/internal/kwtest"
)

// The console's tests in a real browser: Debian's Chromium, driven by
// chromedp, against the console and the API on one httptest server
// (newAPIServer), as keyward serve routes them. A browser needs no keyward
// process; what it checks is the console's pages, their scripts and their
// styles.

// One Chromium serves every browser test of the package: starting it is
// most of what a short test costs. Each test gets a browser context of its
// own (Chromium's incognito profile: its own cookies, storage and
// downloads), so that tests see nothing of each other.
var shared struct {
	once    sync.Once
	ctx     context.Context
	err     error
	profile string
	remove  func()
	cancel  []context.CancelFunc
}

// TestMain closes the shared Chromium after the package's tests.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, cancel := range shared.cancel {
		cancel()
	}
	if shared.remove != nil {
		shared.remove()
	}
	os.Exit(code)
}

func startBrowser() {
	var remove func()
	shared.profile, remove, shared.err = kwtest.NewProfile()
	if shared.err != nil {
		return
	}
	shared.remove = remove
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), kwtest.ChromiumOptions(shared.profile)...)
	ctx, cancel := chromedp.NewContext(actx, kwtest.QuietChromedp(log.Printf))
	shared.cancel = []context.CancelFunc{cancel, cancelAlloc}
	// The first Run starts the browser, which browser contexts need.
	shared.ctx, shared.err = ctx, chromedp.Run(ctx)
}

// newBrowser gives a test a browser of its own in the shared Chromium,
// downloading into dir.
func newBrowser(t *testing.T, downloads string) context.Context {
	t.Helper()
	if _, err := exec.LookPath(kwtest.Chromium); err != nil {
		t.Fatalf("Debian's chromium-headless-shell is needed (make test installs it): %v", err)
	}
	shared.once.Do(startBrowser)
	if shared.err != nil {
		t.Fatalf("starting Chromium: %v", shared.err)
	}
	// A browser context and a window in it, made here rather than by
	// chromedp.WithNewBrowserContext: Chromium opens a target in a new
	// browser context only in a new window of its own.
	// Browser-wide commands go to the browser, not to a page.
	browser := cdp.WithExecutor(shared.ctx, chromedp.FromContext(shared.ctx).Browser)
	bctx, err := target.CreateBrowserContext().WithDisposeOnDetach(true).Do(browser)
	if err != nil {
		t.Fatalf("a browser context: %v", err)
	}
	tid, err := target.CreateTarget("about:blank").WithBrowserContextID(bctx).WithNewWindow(true).Do(browser)
	if err != nil {
		t.Fatalf("a window: %v", err)
	}
	ctx, cancel := chromedp.NewContext(shared.ctx, chromedp.WithTargetID(tid))
	t.Cleanup(func() {
		cancel()
		target.DisposeBrowserContext(bctx).Do(browser)
	})
	if err := cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).
		WithBrowserContextID(bctx).WithDownloadPath(downloads).Do(browser); err != nil {
		t.Fatalf("downloads: %v", err)
	}
	if err := chromedp.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// The helpers every browser test uses, from kwtest.
var (
	browse   = kwtest.Browse
	waitFor  = kwtest.WaitFor
	jsString = kwtest.JSString
)

// TestBrowseLooksAgainForAStaleNode: an action that met a node of the
// page the browser had just left is run again, once; the actions after
// it run once each.
func TestBrowseLooksAgainForAStaleNode(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t, t.TempDir())
	var first, second int
	browse(t, ctx, "stale-node",
		chromedp.ActionFunc(func(context.Context) error {
			if first++; first == 1 {
				return fmt.Errorf("clicking: %w", &cdproto.Error{Code: -32000, Message: "Could not find node with given id"})
			}
			return nil
		}),
		chromedp.ActionFunc(func(context.Context) error { second++; return nil }))
	if first != 2 || second != 1 {
		t.Fatalf("the stale action ran %d times, the next %d; want 2 and 1", first, second)
	}
}

// signedInText reads who the page says is signed in (#signed-in-as) in
// one evaluation of the page as it is: a query by node, as chromedp.Text
// makes, can meet the node of a page the browser has just replaced after
// a redirect ("No node with given id found").
func signedInText(out *string) chromedp.Action {
	return chromedp.Evaluate(`document.getElementById("signed-in-as").innerText`, out)
}

// waitForFile waits for a download to land.
func waitForFile(t *testing.T, pattern string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			if !strings.HasSuffix(m, ".crdownload") {
				if fi, err := os.Stat(m); err == nil && fi.Size() > 0 {
					return m
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no download matching %s", pattern)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// downloadedCSV waits for a CSV file to be downloaded to a path matching
// pattern and returns its rows.
func downloadedCSV(t *testing.T, pattern string) [][]string {
	t.Helper()
	f, err := os.Open(waitForFile(t, pattern))
	must(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	must(t, err)
	return rows
}

// wantKeyCSV fails the test unless the access key's CSV, downloaded to
// path, holds the key's ID and secret under AWS's headings.
func wantKeyCSV(t *testing.T, path, keyID, secret string) {
	t.Helper()
	if rows := downloadedCSV(t, path); len(rows) != 2 || rows[0][0] != "Access key ID" || rows[0][1] != "Secret access key" || rows[1][0] != keyID || rows[1][1] != secret {
		t.Fatalf("downloaded %q", rows)
	}
}

// rootBrowserTest starts a browser test, in parallel with the others: a
// Keyward of its own whose root user is signed in to the console in a
// browser of the test's own (rootInBrowser).
func rootBrowserTest(t *testing.T) (ts *apiServer, ctx context.Context, downloads string) {
	t.Helper()
	t.Parallel()
	ts = newAPIServer(t)
	ctx, downloads = rootInBrowser(t, ts)
	return ts, ctx, downloads
}

// rootInBrowser gives a test a browser of its own, downloading into a
// directory of the test's, with ts's root user signed in to the console.
func rootInBrowser(t *testing.T, ts *apiServer) (ctx context.Context, downloads string) {
	t.Helper()
	downloads = t.TempDir()
	ctx = newBrowser(t, downloads)
	browse(t, ctx, "sign-in", signInRoot(ts))
	return ctx, downloads
}

// signInUser signs the user name in with password, in account, or in the
// account the sign-in form offers when account is "".
func signInUser(ts *apiServer, account, name, password string) chromedp.Tasks {
	tasks := chromedp.Tasks{chromedp.Navigate(ts.URL + "/console/signin?as=user")}
	if account != "" {
		tasks = append(tasks, chromedp.WaitVisible("#account", chromedp.ByID), chromedp.SetValue("#account", account, chromedp.ByID))
	}
	return append(tasks,
		chromedp.SendKeys("#username", name, chromedp.ByID),
		chromedp.SendKeys("#password", password, chromedp.ByID),
		chromedp.Click("#signin-submit", chromedp.ByID))
}

func signInRoot(ts *apiServer) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(ts.URL + "/console/signin?as=root"),
		chromedp.SendKeys("#accesskey", kwtest.RootKeyID, chromedp.ByID),
		chromedp.SendKeys("#secret", kwtest.RootSecret, chromedp.ByID),
		chromedp.Click("#signin-submit", chromedp.ByID),
		chromedp.WaitVisible("#signed-in-as", chromedp.ByID),
	}
}

// signOutThenAsk signs out from the top bar and then asks for page, a
// URL of the console's that a signed-out browser is sent on from to the
// sign-in page: the session is gone, not only the page left.
func signOutThenAsk(page string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Click("#signout", chromedp.ByID),
		waitFor(`location.pathname === "/console/signin"`),
		chromedp.Navigate(page),
		waitFor(`location.pathname === "/console/signin"`),
	}
}

// confirmByTyping types text into the confirmation field (a selector) and
// clicks the button it enables (console.js's data-must-equal): the step
// fails unless the button is disabled with nothing and with all but the
// last character typed, and enabled once the whole text is.
func confirmByTyping(field, button, text string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := chromedp.WaitVisible(field, chromedp.ByQuery).Do(ctx); err != nil {
			return err
		}
		typed := ""
		for _, part := range []string{"", text[:len(text)-1], text[len(text)-1:]} {
			if part != "" {
				if err := chromedp.SendKeys(field, part, chromedp.ByQuery).Do(ctx); err != nil {
					return err
				}
				typed += part
			}
			var disabled bool
			if err := chromedp.Evaluate(`document.querySelector(`+jsString(button)+`).disabled`, &disabled).Do(ctx); err != nil {
				return err
			}
			if disabled != (typed != text) {
				return fmt.Errorf("%s disabled %v with %q of %q typed", button, disabled, typed, text)
			}
		}
		return chromedp.Click(button, chromedp.ByQuery).Do(ctx)
	})
}

// wantBrokenPolicyKept opens the JSON policy editor with open, names the
// new policy name and saves broken, a document that stops being JSON at
// where ("line 4, column 25"); it fails the test unless the editor shows
// where and keeps the document, for the user to mend, in the editor left
// open.
func wantBrokenPolicyKept(t *testing.T, ctx context.Context, step string, open chromedp.Action, name, broken, where string) {
	t.Helper()
	var shown, kept string
	browse(t, ctx, step,
		open,
		chromedp.WaitVisible("#policy-document", chromedp.ByID),
		chromedp.SendKeys("#policy-name", name, chromedp.ByID),
		chromedp.SetValue("#policy-document", broken, chromedp.ByID),
		chromedp.Click("#save-policy", chromedp.ByID),
		chromedp.WaitVisible("#policy-problem", chromedp.ByID),
		chromedp.Text("#policy-problem-where", &shown, chromedp.ByID),
		chromedp.Value("#policy-document", &kept, chromedp.ByID))
	if shown != where || kept != broken {
		t.Fatalf("error shown at %q, want %q; the document kept: %v", shown, where, kept == broken)
	}
}

// keyIDPatternAWS is the shape of AWS's access key IDs.
var keyIDPatternAWS = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
