package kwtest

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/chromedp"
)

// Chromium is Debian's Chromium headless shell (package
// chromium-headless-shell), which `make test` installs, for the tests that
// drive the console in a real browser. It is Chromium's engine without the
// browser's windows, profile services and extensions, which the tests use
// none of: a test costs it half the CPU the full browser takes in headless
// mode, and the console's tests are most of make test's CPU. The binary,
// not /usr/bin's wrapper script: the wrapper does not exec it, so that
// killing the wrapper at the end of a test run would leave it running.
const Chromium = "/usr/lib/chromium/chromium-headless-shell"

// ChromiumOptions are the options a test browser starts with: headless,
// profile in dir, nothing fetched of its own accord, then extra.
func ChromiumOptions(profile string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium),
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

// QuietChromedp drops chromedp's messages about events of Debian's newer
// Chromium that chromedp v0.16 does not know: they are not failures.
func QuietChromedp(logf func(string, ...any)) chromedp.ContextOption {
	return chromedp.WithErrorf(func(format string, args ...any) {
		if !strings.Contains(format, "unhandled") {
			logf("chromedp: "+format, args...)
		}
	})
}

// NewProfile makes a Chromium profile directory and returns it with its
// removal. Chromium's helpers may still write to it for a moment after the
// browser closes, so it is removed leniently, not by t.TempDir, which
// fails the test on a leftover file.
func NewProfile() (string, func(), error) {
	profile, err := os.MkdirTemp("", "keyward-chromium-")
	return profile, func() {
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
	}, err
}

// Browse runs browser actions and saves a screenshot of where they ended
// under the test's artifact directory (and in $KEYWARD_SCREENSHOTS, to
// look at after the run).
func Browse(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action) {
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

// WaitFor waits until a script is true, through page loads that make a
// script fail for a moment, until the action's deadline.
func WaitFor(js string) chromedp.Action {
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

// JSString is s as a JavaScript string literal.
func JSString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
