package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"
)

// webClient is a browser without JavaScript: cookies, no redirects
// followed, so that tests see each answer.
type webClient struct {
	t    testing.TB
	ts   *testServer
	http *http.Client
}

func newWebClient(t testing.TB, ts *testServer) *webClient {
	jar, _ := cookiejar.New(nil)
	return &webClient{t: t, ts: ts, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (c *webClient) get(path string) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.ts.URL + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *webClient) post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.PostForm(c.ts.URL+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrfOf(t testing.TB, html string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no CSRF token in\n%s", html)
	}
	return m[1]
}

// signInRoot signs in with the root key and returns the session's token.
func (c *webClient) signIn(form url.Values) *http.Response {
	c.t.Helper()
	_, page := c.get("/console/signin?as=" + form.Get("kind"))
	form.Set("csrf", csrfOf(c.t, page))
	resp, _ := c.post("/console/signin", form)
	return resp
}

func rootForm(secret string) url.Values {
	return url.Values{"kind": {"root"}, "accesskey": {rootKeyID}, "secret": {secret}}
}
