package console_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
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
	shared.profile, remove, shared.err = newProfile()
	if shared.err != nil {
		return
	}
	shared.remove = remove
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromiumOptions(shared.profile)...)
	ctx, cancel := chromedp.NewContext(actx, quietChromedp(log.Printf))
	shared.cancel = []context.CancelFunc{cancel, cancelAlloc}
	// The first Run starts the browser, which browser contexts need.
	shared.ctx, shared.err = ctx, chromedp.Run(ctx)
}

// newBrowser gives a test a browser of its own in the shared Chromium,
// downloading into dir.
func newBrowser(t *testing.T, downloads string) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromium); err != nil {
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

// chromium is Debian's Chromium headless shell (package
// chromium-headless-shell), which `make test` installs, for the tests that
// drive the console in a real browser. It is Chromium's engine without the
// browser's windows, profile services and extensions, which the tests use
// none of: a test costs it half the CPU the full browser takes in headless
// mode, and the console's tests are most of make test's CPU. The binary,
// not /usr/bin's wrapper script: the wrapper does not exec it, so that
// killing the wrapper at the end of a test run would leave it running.
const chromium = "/usr/lib/chromium/chromium-headless-shell"

// chromiumOptions are the options a test browser starts with: headless,
// its profile in the directory profile, nothing fetched of its own accord,
// then extra.
func chromiumOptions(profile string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 1000),
	)
	return append(opts, extra...)
}

// quietChromedp drops chromedp's messages about events of Debian's newer
// Chromium that chromedp v0.16 does not know: they are not failures.
func quietChromedp(logf func(string, ...any)) chromedp.ContextOption {
	return chromedp.WithErrorf(func(format string, args ...any) {
		if !strings.Contains(format, "unhandled") {
			logf("chromedp: "+format, args...)
		}
	})
}

// newProfile makes a Chromium profile directory and returns it with its
// removal. Chromium's helpers may still write to it for a moment after the
// browser closes, so it is removed leniently, not by t.TempDir, which
// fails the test on a leftover file.
func newProfile() (string, func(), error) {
	profile, err := os.MkdirTemp("", "keyward-chromium-")
	return profile, func() {
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
	}, err
}

// browse runs browser actions and saves a screenshot of where they ended
// under the test's artifact directory (and in $KEYWARD_SCREENSHOTS, to
// look at after the run).
func browse(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action) {
	t.Helper()
	// Each step gets its own deadline, so that a failure leaves the browser
	// usable for the screenshot that shows it.
	step, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := runActions(step, actions); err != nil {
		var shot []byte
		late, cancelLate := context.WithTimeout(ctx, 10*time.Second)
		defer cancelLate()
		chromedp.Run(late, chromedp.FullScreenshot(&shot, 100))
		os.WriteFile(filepath.Join(t.ArtifactDir(), name+"-failed.png"), shot, 0o644)
		var html string
		chromedp.Run(late, chromedp.OuterHTML("main", &html, chromedp.ByQuery))
		t.Fatalf("%s: %v\n%s", name, err, html)
	}
	var shot []byte
	// Bounded too: a page still loading can keep a screenshot waiting.
	shotCtx, cancelShot := context.WithTimeout(ctx, 10*time.Second)
	defer cancelShot()
	if err := chromedp.Run(shotCtx, chromedp.FullScreenshot(&shot, 100)); err == nil {
		os.WriteFile(filepath.Join(t.ArtifactDir(), name+".png"), shot, 0o644)
	}
	if dir := os.Getenv("KEYWARD_SCREENSHOTS"); dir != "" {
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-")+"-"+name+".png"), shot, 0o644)
	}
}

// runActions runs actions in turn. An action that looked up an element of
// the page the browser has just left (a form's submission, a click on a
// link) is run again: the DevTools client had not yet learnt of the new
// document, and the browser no longer knows the node. The lookup fails
// before the action does anything (a click's or a key's input is sent only
// once the node is found), so running it again does it once.
func runActions(ctx context.Context, actions []chromedp.Action) error {
	for _, a := range actions {
		for {
			err := chromedp.Run(ctx, a)
			if err == nil {
				break
			}
			if !staleNode(err) {
				return err
			}
			select {
			case <-ctx.Done():
				return err
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return nil
}

// staleNode says whether err is DevTools' answer for a node of a document
// the page no longer holds (its two wordings: the node's box, the node).
func staleNode(err error) bool {
	var cdp *cdproto.Error
	return errors.As(err, &cdp) && (cdp.Message == "Could not find node with given id" || cdp.Message == "No node with given id found")
}

// waitFor waits until a script is true, through page loads that make a
// script fail for a moment, until the action's deadline.
func waitFor(js string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			var ok bool
			if err := chromedp.Evaluate(js, &ok).Do(ctx); err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestStaleNode: DevTools' two wordings of a node the page no longer
// holds, wrapped or not, are stale nodes; another error, or the wording
// outside a DevTools error, is not.
func TestStaleNode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"a node's box", &cdproto.Error{Code: -32000, Message: "Could not find node with given id"}, true},
		{"a node", &cdproto.Error{Code: -32000, Message: "No node with given id found"}, true},
		{"wrapped", fmt.Errorf("click: %w", &cdproto.Error{Code: -32000, Message: "Could not find node with given id"}), true},
		{"another DevTools error", &cdproto.Error{Code: -32000, Message: "DOM Error while querying"}, false},
		{"the message alone", errors.New("Could not find node with given id (-32000)"), false},
		{"a deadline", context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := staleNode(tt.err); got != tt.want {
				t.Errorf("staleNode(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
