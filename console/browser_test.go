package console_test

import (
	"context"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// The console's tests in a real browser: Debian's Chromium, driven by
// chromedp, against the console and the API on one httptest server
// (newAPIServer), as keyward serve routes them. A browser needs no keyward
// process; what it checks is the console's pages, their scripts and their
// styles.

// chromium is Debian's Chromium, which `make test` installs.
const chromium = "/usr/bin/chromium"

// One Chromium serves every browser test of the package: starting it is
// most of what a short test costs. Each test gets a browser context of its
// own (Chromium's incognito profile: its own cookies, storage and
// downloads), so that tests see nothing of each other.
var shared struct {
	once    sync.Once
	ctx     context.Context
	err     error
	profile string
	cancel  []context.CancelFunc
}

// TestMain closes the shared Chromium after the package's tests.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, cancel := range shared.cancel {
		cancel()
	}
	if shared.profile != "" {
		// Chromium's helpers may still write to their profile for a moment
		// after the browser closes: removed leniently.
		for i := 0; i < 20 && os.RemoveAll(shared.profile) != nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
	}
	os.Exit(code)
}

func startBrowser() {
	shared.profile, shared.err = os.MkdirTemp("", "keyward-chromium-")
	if shared.err != nil {
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(shared.profile),
		chromedp.WindowSize(1400, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// chromedp v0.16 does not know every event of Debian's newer Chromium
	// and says so on each; those messages are not test failures.
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(func(format string, args ...any) {
		if !strings.Contains(format, "unhandled") {
			log.Printf("chromedp: "+format, args...)
		}
	}))
	shared.cancel = []context.CancelFunc{cancel, cancelAlloc}
	// The first Run starts the browser, which browser contexts need.
	shared.ctx, shared.err = ctx, chromedp.Run(ctx)
}

// newBrowser gives a test a browser of its own in the shared Chromium,
// downloading into dir.
func newBrowser(t *testing.T, downloads string) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromium); err != nil {
		t.Fatalf("Debian's chromium is needed (make test installs it): %v", err)
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

// browse runs browser actions and saves a screenshot of where they ended
// under the test's artifact directory.
func browse(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action) {
	t.Helper()
	// Each step gets its own deadline, so that a failure leaves the browser
	// usable for the screenshot that shows it.
	step, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(step, actions...); err != nil {
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
	if dir := os.Getenv("KEYWARD_SCREENSHOTS"); dir != "" { // to look at them after the run
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-")+"-"+name+".png"), shot, 0o644)
	}
}

// waitFor waits until a script is true, through page loads that make a
// single evaluation fail.
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

func signInRoot(ts *apiServer) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(ts.URL + "/console/signin?as=root"),
		chromedp.SendKeys("#accesskey", rootKeyID, chromedp.ByID),
		chromedp.SendKeys("#secret", rootSecret, chromedp.ByID),
		chromedp.Click("#signin-submit", chromedp.ByID),
		chromedp.WaitVisible("#signed-in-as", chromedp.ByID),
	}
}

// sessionClients returns IAM and STS clients signing with a session's
// credentials.
func (ts *apiServer) sessionClients(c *ststypes.Credentials) (*iam.Client, *sts.Client) {
	cfg := ts.ConfigIn("eu-west-1", "", "", "")
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return iam.NewFromConfig(cfg), sts.NewFromConfig(cfg)
}

// keyIDPatternAWS is the shape of AWS's access key IDs.
var keyIDPatternAWS = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
