package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kwtest"
)

var csrf = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// TestConsolePages drives the package's handler alone, in front of a
// Service on SQLite: sign-in, the users list, creating a user, and an IAM
// user refused what package iam does not allow.
func TestConsolePages(t *testing.T) {
	k := kwtest.New(t)
	srv := serveConsole(t, consoleConfig(k, time.Now))
	browser := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	get := func(hc *http.Client, path string) (int, string) {
		t.Helper()
		resp, err := hc.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(hc *http.Client, path string, form url.Values) (int, string) {
		t.Helper()
		resp, err := hc.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	signIn := func(hc *http.Client, form url.Values) int {
		t.Helper()
		_, page := get(hc, "/console/signin?as="+form.Get("kind"))
		form.Set("csrf", csrf.FindStringSubmatch(page)[1])
		status, _ := post(hc, "/console/signin", form)
		return status
	}
	token := func(hc *http.Client) string {
		_, page := get(hc, "/console/users/new")
		return csrf.FindStringSubmatch(page)[1]
	}

	root := browser()
	if status := signIn(root, url.Values{"kind": {"root"}, "accesskey": {kwtest.RootKeyID}, "secret": {kwtest.RootSecret}}); status != http.StatusSeeOther {
		t.Fatalf("root sign-in: %d", status)
	}
	if status, _ := post(root, "/console/users", url.Values{"name": {"bo"}, "csrf": {token(root)}}); status != http.StatusSeeOther {
		t.Fatalf("creating bo: %d", status)
	}
	if status, page := get(root, "/console/users"); status != http.StatusOK || !strings.Contains(page, ">bo<") {
		t.Fatalf("users list: %d", status)
	}
	if _, err := k.IAM.CreateLoginProfile(kwtest.AsRoot(context.Background()), "bo", "Bo-Passw0rd-1", false); err != nil {
		t.Fatal(err)
	}
	bo := browser()
	if status := signIn(bo, userForm("bo", "Bo-Passw0rd-1")); status != http.StatusSeeOther {
		t.Fatalf("bo's sign-in: %d", status)
	}
	if status, page := get(bo, "/console/users"); status != http.StatusForbidden ||
		!strings.Contains(page, "User: arn:aws:iam::123456789012:user/bo is not authorized to perform: iam:ListUsers") {
		t.Fatalf("bo's users list: %d", status)
	}
}
