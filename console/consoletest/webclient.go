// Package consoletest drives the console as a browser without JavaScript
// does, for the tests of the console and of keyward serve, which serves
// it: both sign in through the same form and read the same pages.
package consoletest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"
)

// Client is a browser without JavaScript: cookies, no redirects
// followed, so that tests see each answer.
type Client struct {
	t testing.TB
	// URL is the server's; the paths the client asks for are below it.
	URL string
	// HTTP holds the client's cookies.
	HTTP *http.Client
}

// NewClient is a client of the server at url without cookies yet.
func NewClient(t testing.TB, url string) *Client {
	return &Client{t: t, URL: url, HTTP: CookieClient()}
}

// CookieClient is the HTTP client of a browser without cookies yet: it
// keeps those it is given and follows no redirects, so that tests see
// each answer, and can follow one to another site (an identity provider)
// themselves.
func CookieClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// Get asks for path and returns the answer and its body.
func (c *Client) Get(path string) (*http.Response, string) {
	c.t.Helper()
	return Page(c.t, c.HTTP, c.URL+path, nil)
}

// Post sends form to path and returns the answer and its body.
func (c *Client) Post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return Page(c.t, c.HTTP, c.URL+path, form)
}

// Page is what the browser hc gets at u, a URL of any site (the console's
// or an identity provider's): a GET, or a POST of form when form is not
// nil. It returns the answer and its body; the test stops when the
// request fails.
func Page(t testing.TB, hc *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if form == nil {
		resp, err = hc.Get(u)
	} else {
		resp, err = hc.PostForm(u, form)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// CSRF is the CSRF token of the form in html; the test stops when it has
// none.
func CSRF(t testing.TB, html string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no CSRF token in\n%s", html)
	}
	return m[1]
}

// SignIn posts form (its "kind" names the sign-in page: root or user) to
// the sign-in form with that page's CSRF token and returns the answer.
func (c *Client) SignIn(form url.Values) *http.Response {
	c.t.Helper()
	_, page := c.Get("/console/signin?as=" + form.Get("kind"))
	form.Set("csrf", CSRF(c.t, page))
	resp, _ := c.Post("/console/signin", form)
	return resp
}
