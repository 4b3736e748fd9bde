package console_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestConsoleFirstVisit is a new user's first visit in a browser: the
// server's address leads to the console's sign-in page, a wrong secret
// says so once, and at a phone's width (420 px) no page scrolls sideways,
// its tables scrolling in their own containers instead; the user page's
// policy list is drawn as the other fields are.
func TestConsoleFirstVisit(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	api := ts.RootIAM()
	bg := context.Background()
	_, err := api.CreateUser(bg, &iam.CreateUserInput{UserName: aws.String("bob-with-a-rather-long-user-name")})
	must(t, err)
	_, err = api.CreateAccessKey(bg, &iam.CreateAccessKeyInput{UserName: aws.String("bob-with-a-rather-long-user-name")})
	must(t, err)
	_, err = api.AttachUserPolicy(bg, &iam.AttachUserPolicyInput{UserName: aws.String("bob-with-a-rather-long-user-name"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")})
	must(t, err)

	t.Run("the API still answers at /", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/", nil)
		req.Header.Set("Accept", "*/*")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "<Code>MissingAuthenticationToken</Code>") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})

	ctx := newBrowser(t, t.TempDir())
	var location string
	var alerts int
	browse(t, ctx, "01-home",
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible("#signin-next", chromedp.ByID),
		chromedp.Location(&location))
	if u, err := url.Parse(location); err != nil || u.Path != "/console/signin" {
		t.Fatalf("the server's address leads to %q, not the sign-in page", location)
	}
	// As the README says: Root user, Next, the key and its secret, Sign in.
	browse(t, ctx, "02-wrong-secret",
		chromedp.Click(`label[for="as-root"]`, chromedp.ByQuery),
		chromedp.Click("#signin-next", chromedp.ByID),
		chromedp.WaitVisible("#accesskey", chromedp.ByID),
		chromedp.SendKeys("#accesskey", kwtest.RootKeyID, chromedp.ByID),
		chromedp.SendKeys("#secret", "wrong"+kwtest.RootSecret[5:], chromedp.ByID),
		chromedp.Click("#signin-submit", chromedp.ByID),
		chromedp.WaitVisible("#signin-error", chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll(".flash.error").length`, &alerts))
	if alerts != 1 {
		t.Fatalf("a wrong secret shows %d error messages", alerts)
	}
	browse(t, ctx, "03-signed-in",
		chromedp.SendKeys("#accesskey", kwtest.RootKeyID, chromedp.ByID),
		chromedp.SendKeys("#secret", kwtest.RootSecret, chromedp.ByID),
		chromedp.Click("#signin-submit", chromedp.ByID),
		chromedp.WaitVisible("#signed-in-as", chromedp.ByID))

	// What overflows at 420 px: the page (wrong), the header, and the
	// widest table's own container (right: it scrolls there).
	type overflow struct {
		Page, Header bool
		Tables       int
	}
	measure := `(() => ({
		Page: document.documentElement.scrollWidth > window.innerWidth,
		Header: document.querySelector(".topbar").scrollWidth > document.querySelector(".topbar").clientWidth,
		Tables: [...document.querySelectorAll(".table-wrap")].filter(w => w.scrollWidth > w.clientWidth).length,
	}))()`
	must(t, chromedp.Run(ctx, chromedp.EmulateViewport(420, 900)))
	for _, tc := range []struct {
		name, path, ready string
		tableScrolls      bool
	}{
		{"users", "/console/users", "#users", true},
		{"user", "/console/users/bob-with-a-rather-long-user-name", "#user-policies", false},
		{"user credentials", "/console/users/bob-with-a-rather-long-user-name?tab=credentials", "#access-keys", true},
		{"policies", "/console/policies", "main table", true},
		{"events", "/console/events", "#events", true},
		{"groups", "/console/groups", "main table", false},
		{"roles", "/console/roles", "main table", false},
		{"policy", "/console/policy?arn=arn:aws:iam::aws:policy/IAMReadOnlyAccess", "#policy-json", false},
		{"new key", "/console/users/bob-with-a-rather-long-user-name/keys/new", "#next-step", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got overflow
			browse(t, ctx, "420px-"+tc.name,
				chromedp.Navigate(ts.URL+tc.path),
				chromedp.WaitVisible(tc.ready, chromedp.ByQuery),
				chromedp.Evaluate(measure, &got))
			if got.Page || got.Header {
				t.Fatalf("at 420 px the page scrolls sideways (%+v)", got)
			}
			if tc.tableScrolls && got.Tables == 0 {
				t.Errorf("no table scrolls in its container: the check measured nothing")
			}
		})
	}

	t.Run("policy select styled as the fields", func(t *testing.T) {
		var differ []string
		browse(t, ctx, "select",
			chromedp.Navigate(ts.URL+"/console/users/bob-with-a-rather-long-user-name"),
			chromedp.WaitVisible("#attach-policy", chromedp.ByID),
			chromedp.Evaluate(`(() => {
				const sel = document.getElementById("attach-policy"), field = document.createElement("input");
				sel.form.appendChild(field);
				const a = getComputedStyle(sel), b = getComputedStyle(field), differ = [];
				for (const p of ["border-top-width", "border-top-style", "border-top-color", "border-top-left-radius",
					"padding-top", "padding-left", "font-family", "font-size", "color", "background-color"]) {
					if (a.getPropertyValue(p) !== b.getPropertyValue(p)) differ.push(p + ": " + a.getPropertyValue(p) + " vs " + b.getPropertyValue(p));
				}
				field.remove();
				return differ;
			})()`, &differ))
		if len(differ) > 0 {
			t.Fatalf("the policy list is not drawn as a text field: %q", differ)
		}
	})
}
