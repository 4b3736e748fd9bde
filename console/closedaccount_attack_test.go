package console_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/organizations"
)

// TestClosedAccountConsole: the console sessions of an account the
// management account closes end at their next request, whoever signed
// in (an IAM user with its password, the root user with its key), and a
// management account's user switched into one of its roles is switched
// back to itself; signing in to the closed account again is refused as
// a wrong password is, by its ID and by its alias.
func TestClosedAccountConsole(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := root()
	o := s.k.Organizations
	if _, err := o.CreateOrganization(ctx, keyward.FeatureSetAll); err != nil {
		t.Fatal(err)
	}
	made, err := o.CreateAccount(ctx, organizations.AccountInput{Email: "b@example.com", Name: "tenant-b", RoleName: organizations.AccessRoleName})
	must(t, err)
	b := made.AccountID
	ctxB := keyward.WithCaller(ctx, &keyward.RequestContext{Principal: keyward.Principal{AccountID: b, Root: true}})
	must(t, s.k.IAM.CreateAccountAlias(ctxB, "closing-tenant"))
	consoleUser(t, s.k, ctxB, "alice", passwordB, "")
	must(t, s.k.IAM.PutInlinePolicy(ctxB, keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}, "all",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
	rootKey, rootSecret, err := s.k.IAM.CreateAccountRootKey(keyward.Internal(ctx), b)
	must(t, err)
	consoleUser(t, s.k, root(), "operator", passwordA, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","iam:ListUsers"],"Resource":"*"}]}`)

	user, rootUser, switched := s.browser(), s.browser(), s.browser()
	if status := user.signInUser(b, "alice", passwordB); status != http.StatusSeeOther {
		t.Fatalf("B's alice signs in: %d", status)
	}
	if status := rootUser.signIn(url.Values{"kind": {"root"}, "accesskey": {rootKey.ID}, "secret": {rootSecret}}); status != http.StatusSeeOther {
		t.Fatalf("B's root user signs in: %d", status)
	}
	if status := switched.signInUser(kwtest.AccountID, "operator", passwordA); status != http.StatusSeeOther {
		t.Fatalf("the operator signs in: %d", status)
	}
	_, page := switched.do(http.MethodGet, "/console/switchrole", nil)
	if status, _ := switched.do(http.MethodPost, "/console/switchrole", url.Values{"csrf": {csrfOf(t, page)}, "account": {b},
		"role": {organizations.AccessRoleName}}); status != http.StatusSeeOther {
		t.Fatalf("the operator switches into B: %d", status)
	}
	for name, br := range map[string]*browser{"alice": user, "root": rootUser, "switched": switched} {
		if status, _ := br.do(http.MethodGet, "/console/users", nil); status != http.StatusOK {
			t.Fatalf("%s's console before the closure: %d", name, status)
		}
	}

	must(t, o.CloseAccount(ctx, b))

	for name, br := range map[string]*browser{"alice": user, "root": rootUser} {
		resp, err := br.HTTP.Get(s.url + "/console/users")
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
			t.Errorf("%s's console session after the closure: %d → %s", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, err := switched.HTTP.Get(s.url + "/console/users")
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/?notice=switch-ended" {
		t.Errorf("the switched session after the closure: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, _ := switched.do(http.MethodGet, "/console/users", nil); status != http.StatusOK {
		t.Errorf("the operator's own session after switching back: %d", status)
	}

	for _, account := range []string{b, "closing-tenant"} {
		if status := s.browser().signInUser(account, "alice", passwordB); status != http.StatusUnauthorized {
			t.Errorf("B's alice signs in to %s after the closure: %d", account, status)
		}
	}
	if status := s.browser().signIn(url.Values{"kind": {"root"}, "accesskey": {rootKey.ID}, "secret": {rootSecret}}); status != http.StatusUnauthorized {
		t.Errorf("B's root user signs in after the closure: %d", status)
	}
}
