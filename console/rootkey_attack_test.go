package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestCreateRootKeyFormAttacks: the console's Create root access key
// decides nothing itself: posted by a management account's user whose
// policies allow everything of IAM and Organizations but not
// keyward:CreateAccountRootKey, or by the member account's own root user
// signed in to its console, it makes no key and shows no secret, and the
// refusal is the management account's (or the member's) event; a form
// that does not repeat the account's ID makes none either.
func TestCreateRootKeyFormAttacks(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	bg := context.Background()
	f := newMemberFixture(t, ts)
	member := f.member
	memberKey, memberSecret, err := ts.IAM.CreateAccountRootKey(keyward.Internal(bg), member)
	must(t, err)
	consoleUser(t, ts.Keyward, root(), "ops", "Ops-Passw0rd-1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:*","sts:*"],"Resource":"*"}]}`)
	ops := signedIn(t, ts, userForm("ops", "Ops-Passw0rd-1"))
	tenant := signedIn(t, ts, url.Values{"kind": {"root"}, "accesskey": {memberKey.ID}, "secret": {memberSecret}})

	for _, tt := range []struct {
		name    string
		c       *webClient
		confirm string
		status  int
	}{
		{"a management user without keyward:CreateAccountRootKey", ops, member, http.StatusForbidden},
		{"the member's own root user", tenant, member, http.StatusForbidden},
		{"the management root user, the ID not typed", f.mgmt, "", http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := f.rootKeys(t)
			resp, page := f.create(tt.c, tt.confirm)
			if resp.StatusCode != tt.status || strings.Contains(page, `id="secret"`) {
				t.Fatalf("answered %d, want %d:\n%s", resp.StatusCode, tt.status, page)
			}
			if after := f.rootKeys(t); after != before {
				t.Fatalf("the member's root user has %d keys, had %d", after, before)
			}
		})
	}
	must(t, ts.Audit.Flush(bg))
	refused, _, err := ts.Store.LookupEvents(bg, keyward.EventQuery{EventName: "CreateAccountRootKey", Max: 10})
	must(t, err)
	var byOps int
	for _, e := range refused {
		if rec := string(e.Record); strings.Contains(rec, `"userName":"ops"`) && strings.Contains(rec, `"errorCode":"AccessDenied"`) &&
			strings.Contains(rec, `"accountId":"`+member+`"`) {
			byOps++
		}
	}
	if byOps != 1 {
		t.Fatalf("%d events of the management account, %d of ops's refusal", len(refused), byOps)
	}
}

// TestCreateRootKeyFormTampering: the management root user's own form,
// tampered with, makes no key: no CSRF token, another session's, the
// token in the query string; the form sent by GET; an account ID that is
// not exactly twelve digits (spaces, an alias, eleven digits, none); the
// confirmation of another ID. The one key made is shown on a page no
// cache keeps and no referer carries, and neither the trail nor the log
// holds its secret.
func TestCreateRootKeyFormTampering(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	bg := context.Background()
	f := newMemberFixture(t, ts)
	member, mgmt := f.member, f.mgmt
	other := signedInRoot(t, ts)
	token := mgmt.token()
	rootKeys := func() int { return f.rootKeys(t) }
	form := func(csrf, id, confirm string) url.Values {
		return url.Values{"csrf": {csrf}, "accountId": {id}, "confirm": {confirm}}
	}
	for _, tt := range []struct {
		name string
		do   func() (*http.Response, string)
		code string
	}{
		{"no CSRF token", func() (*http.Response, string) {
			return mgmt.Post("/console/organizations/root-key", url.Values{"accountId": {member}, "confirm": {member}})
		}, ""},
		{"another session's CSRF token", func() (*http.Response, string) {
			return mgmt.Post("/console/organizations/root-key", form(other.token(), member, member))
		}, ""},
		{"the form in the query string", func() (*http.Response, string) {
			return mgmt.Post("/console/organizations/root-key?"+form(token, member, member).Encode(), nil)
		}, ""},
		{"the form sent by GET", func() (*http.Response, string) {
			return mgmt.Get("/console/organizations/root-key?" + form(token, member, member).Encode())
		}, ""},
		{"the ID with a space", func() (*http.Response, string) {
			return mgmt.Post("/console/organizations/root-key", form(token, " "+member, " "+member))
		}, keyward.EValidationError},
		{"the ID with a newline", func() (*http.Response, string) {
			return mgmt.Post("/console/organizations/root-key", form(token, member+"\n", member+"\n"))
		}, keyward.EValidationError},
		{"an alias", func() (*http.Response, string) {
			return mgmt.Post("/console/organizations/root-key", form(token, "tenant", "tenant"))
		}, keyward.EValidationError},
		{"eleven digits", func() (*http.Response, string) {
			return mgmt.Post("/console/organizations/root-key", form(token, member[1:], member[1:]))
		}, keyward.EValidationError},
		{"no ID", func() (*http.Response, string) {
			return mgmt.Post("/console/organizations/root-key", form(token, "", ""))
		}, keyward.EValidationError},
		{"another ID confirmed", func() (*http.Response, string) {
			return mgmt.Post("/console/organizations/root-key", form(token, member, kwtest.AccountID))
		}, keyward.EValidationError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, page := tt.do()
			if resp.StatusCode == http.StatusOK || strings.Contains(page, `id="secret"`) || rootKeys() != 0 {
				t.Fatalf("answered %d, the member has %d root keys:\n%s", resp.StatusCode, rootKeys(), page)
			}
			if tt.code != "" && !strings.Contains(page, tt.code) {
				t.Fatalf("answered %d, not %s:\n%s", resp.StatusCode, tt.code, page)
			}
		})
	}

	resp, page := mgmt.Post("/console/organizations/root-key", form(token, member, member))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="secret"`) || rootKeys() != 1 {
		t.Fatalf("the form: %d, %d root keys\n%s", resp.StatusCode, rootKeys(), page)
	}
	if cc, rp := resp.Header.Get("Cache-Control"), resp.Header.Get("Referrer-Policy"); cc != "no-store" || rp != "no-referrer" {
		t.Fatalf("the new key's page: Cache-Control %q, Referrer-Policy %q", cc, rp)
	}
	keys, _, err := ts.Store.InAccount(member).ListAccessKeys(bg, "", "", 10)
	must(t, err)
	cred, err := ts.IAM.Credential(keyward.Internal(bg), keys[0].ID)
	must(t, err)
	if !strings.Contains(html.UnescapeString(page), cred.Secret) {
		t.Fatalf("the page does not show the key's secret %q:\n%s", cred.Secret, page)
	}
	must(t, ts.Audit.Flush(bg))
	if strings.Contains(ts.AuditStream.String(), cred.Secret) || strings.Contains(ts.Log.String(), cred.Secret) {
		t.Fatal("the trail or the log holds the root key's secret")
	}
}

// TestCreateRootKeyFormEvent: the management account's event of the
// form names the account the form names, refused by validation or not,
// and nothing a field the form does not take would add (a user's name).
func TestCreateRootKeyFormEvent(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	bg := context.Background()
	f := newMemberFixture(t, ts)
	resp, _ := f.mgmt.Post("/console/organizations/root-key", url.Values{"csrf": {f.mgmt.token()}, "accountId": {f.member}, "confirm": {"x"}, "name": {"alice"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("answered %d", resp.StatusCode)
	}
	must(t, ts.Audit.Flush(bg))
	events, _, err := ts.Store.LookupEvents(bg, keyward.EventQuery{EventName: "CreateAccountRootKey", Max: 10})
	must(t, err)
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	if rec := string(events[0].Record); !strings.Contains(rec, `"requestParameters":{"accountId":"`+f.member+`"}`) {
		t.Fatalf("the refusal's event: %s", rec)
	}
}

// TestCreateRootKeyFormSwitchedSession: a management user allowed
// keyward:CreateAccountRootKey, switched into the member account's
// access role, acts as that role, in the member account: the form makes
// no key there (the role's session decides, not the signed-in user);
// switched back, the user makes one.
func TestCreateRootKeyFormSwitchedSession(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	f := newMemberFixture(t, ts)
	// bob, not alice: "role/OrganizationAccountAccessRole/alice" is forty
	// characters, which the trail's check of secrets takes for a key.
	consoleUser(t, ts.Keyward, root(), "bob", switchPassword, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","sts:AssumeRole","keyward:CreateAccountRootKey"],"Resource":"*"}]}`)
	bob := signedIn(t, ts, userForm("bob", switchPassword))
	if resp, page := bob.switchTo(f.member, "OrganizationAccountAccessRole", "", ""); resp.StatusCode != http.StatusSeeOther || bob.session().Switched == nil {
		t.Fatalf("bob switches into the member's role: %d\n%s", resp.StatusCode, page)
	}
	resp, page := f.create(bob, f.member)
	if resp.StatusCode != http.StatusForbidden || strings.Contains(page, `id="secret"`) || f.rootKeys(t) != 0 {
		t.Fatalf("switched: answered %d, %d root keys\n%s", resp.StatusCode, f.rootKeys(t), page)
	}
	_, home := bob.Get("/console/")
	if resp, _ := bob.Post("/console/switchrole/back", url.Values{"csrf": {csrfOf(t, home)}}); resp.StatusCode != http.StatusSeeOther || bob.session().Switched != nil {
		t.Fatalf("switch back: %d", resp.StatusCode)
	}
	resp, page = f.create(bob, f.member)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="secret"`) || f.rootKeys(t) != 1 {
		t.Fatalf("switched back: answered %d, %d root keys\n%s", resp.StatusCode, f.rootKeys(t), page)
	}
}

// newMember makes an organization of ts's first account, as its root
// user, and one member account, Tenant; it returns the root user's
// Organizations client and the member's ID.
func newMember(t *testing.T, ts *apiServer) (*awsorg.Client, string) {
	t.Helper()
	bg := context.Background()
	api := ts.RootOrganizations()
	_, err := api.CreateOrganization(bg, &awsorg.CreateOrganizationInput{})
	must(t, err)
	made, err := api.CreateAccount(bg, &awsorg.CreateAccountInput{Email: aws.String("tenant@example.com"), AccountName: aws.String("Tenant")})
	must(t, err)
	return api, aws.ToString(made.CreateAccountStatus.AccountId)
}

// memberFixture is an organization of ts's first account with one member
// account, Tenant, and the management account's root user signed in to
// the console.
type memberFixture struct {
	ts     *apiServer
	member string
	mgmt   *webClient
}

func newMemberFixture(t *testing.T, ts *apiServer) memberFixture {
	t.Helper()
	_, member := newMember(t, ts)
	return memberFixture{ts: ts, member: member, mgmt: signedInRoot(t, ts)}
}

// rootKeys counts the access keys of the member account's root user.
func (f memberFixture) rootKeys(t *testing.T) int {
	t.Helper()
	keys, _, err := f.ts.Store.InAccount(f.member).ListAccessKeys(context.Background(), "", "", 10)
	must(t, err)
	return len(keys)
}

// create posts c's Create root access key form for the member account,
// its ID confirmed as confirm.
func (f memberFixture) create(c *webClient, confirm string) (*http.Response, string) {
	return c.Post("/console/organizations/root-key", url.Values{"csrf": {c.token()}, "accountId": {f.member}, "confirm": {confirm}})
}
