package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/console/consoletest"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestConsolePages drives the package's handler alone, in front of a
// Service on SQLite: sign-in, the users list, creating a user, and an IAM
// user refused what package iam does not allow.
func TestConsolePages(t *testing.T) {
	k := kwtest.New(t)
	srv := serveConsole(t, consoleConfig(k, time.Now))
	root := consoletest.NewClient(t, srv.URL)
	if resp := root.SignIn(rootForm(kwtest.RootSecret)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("root sign-in: %d", resp.StatusCode)
	}
	_, form := root.Get("/console/users/new")
	if resp, _ := root.Post("/console/users", url.Values{"name": {"bo"}, "csrf": {csrfOf(t, form)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("creating bo: %d", resp.StatusCode)
	}
	if resp, page := root.Get("/console/users"); resp.StatusCode != http.StatusOK || !strings.Contains(page, ">bo<") {
		t.Fatalf("users list: %d", resp.StatusCode)
	}
	if _, err := k.IAM.CreateLoginProfile(kwtest.AsRoot(context.Background()), "bo", "Bo-Passw0rd-1", false); err != nil {
		t.Fatal(err)
	}
	bo := consoletest.NewClient(t, srv.URL)
	if resp := bo.SignIn(userForm("bo", "Bo-Passw0rd-1")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bo's sign-in: %d", resp.StatusCode)
	}
	if resp, page := bo.Get("/console/users"); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(page, "User: arn:aws:iam::123456789012:user/bo is not authorized to perform: iam:ListUsers") {
		t.Fatalf("bo's users list: %d", resp.StatusCode)
	}
}
