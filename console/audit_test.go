package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestFormsAuditAndCheckTheirOperation: a form's event is the operation it
// performs, as the API names it (a managed policy's forms were once
// recorded under names of their own), and a form's fields are checked by
// that operation's constraints, in the API's words.
func TestFormsAuditAndCheckTheirOperation(t *testing.T) {
	s, rec := newAuditedSite(t)
	admin := s.browser()
	admin.signInRoot()
	_, page := admin.do(http.MethodGet, "/console/users/new", nil)
	token := csrfOf(t, page)
	post := func(path string, form url.Values, want int) string {
		t.Helper()
		form.Set("csrf", token)
		status, body := admin.do(http.MethodPost, path, form)
		if status != want {
			t.Fatalf("POST %s: %d, want %d\n%.500s", path, status, want, body)
		}
		return body
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	post("/console/policies", url.Values{"name": {"p"}, "document": {doc}}, http.StatusSeeOther)
	arn := "arn:aws:iam::" + kwtest.AccountID + ":policy/p"
	post("/console/policies", url.Values{"arn": {arn}, "document": {doc}}, http.StatusSeeOther)
	post("/console/policy/default", url.Values{"arn": {arn}, "version": {"v1"}}, http.StatusSeeOther)
	post("/console/policy/delete-version", url.Values{"arn": {arn}, "version": {"v2"}}, http.StatusSeeOther)
	post("/console/policy/delete", url.Values{"arn": {arn}, "confirm": {"p"}}, http.StatusSeeOther)

	// The API's ValidationError, from CreateGroup's descriptor.
	body := post("/console/groups", url.Values{"name": {"a*b"}}, http.StatusBadRequest)
	if !strings.Contains(body, "Value &#39;a*b&#39; at &#39;groupName&#39; failed to satisfy constraint: Member must satisfy regular expression pattern") {
		t.Fatalf("a bad group name:\n%.2000s", body)
	}

	wantChanges(t, trail(t, s.k, rec, keyward.EventQuery{Max: 50}), func(e trailEvent) string { return e.Name },
		"CreatePolicy", "CreatePolicyVersion", "DeletePolicy", "DeletePolicyVersion", "SetDefaultPolicyVersion")
}

// TestConsoleAuditTrail: the console's sign-ins (AWS's ConsoleLogin, a
// failure too) and its changing forms (named after the API operation they
// perform, written with the change) are events; the Event history page and
// the user's Events tab show them.
func TestConsoleAuditTrail(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	web := newWebClient(t, ts)
	if resp := web.SignIn(rootForm("wrong-" + kwtest.RootSecret)); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong secret: %d", resp.StatusCode)
	}
	if resp := web.SignIn(rootForm(kwtest.RootSecret)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	if resp, body := web.Post("/console/users", url.Values{"name": {"carol"}, "csrf": {web.token()}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create user: %d %s", resp.StatusCode, body)
	}
	must(t, ts.Audit.Flush(context.Background()))

	resp, body := web.Get("/console/events")
	if resp.StatusCode != 200 {
		t.Fatalf("event history: %d", resp.StatusCode)
	}
	for _, want := range []string{`data-event="ConsoleLogin"`, `data-event="CreateUser"`, `&#34;ConsoleLogin&#34;:&#34;Failure&#34;`, `&#34;ConsoleLogin&#34;:&#34;Success&#34;`} {
		if !strings.Contains(body, want) {
			t.Fatalf("the event history lacks %s:\n%s", want, body)
		}
	}
	resp, body = web.Get("/console/users/carol?tab=events")
	if resp.StatusCode != 200 || !strings.Contains(body, `data-event="CreateUser"`) || !strings.Contains(body, `&#34;userName&#34;:&#34;carol&#34;`) {
		t.Fatalf("carol's events tab: %d\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, kwtest.RootSecret) {
		t.Fatal("a secret in the console's events")
	}
}

// TestRootMFAWrongCodesAuditedAsRefused: two wrong codes on the page that
// assigns a device (the root user's or a user's) are audited as a refused
// EnableMFADevice, and the device they leave useless is deleted under its
// own DeleteVirtualMFADevice event. The deletion once carried the form's
// event, which recorded the refused EnableMFADevice as done.
func TestRootMFAWrongCodesAuditedAsRefused(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	_, err := ts.IAM.CreateUser(kwtest.AsRoot(context.Background()), "bob", "/", nil)
	must(t, err)
	web := signedInRoot(t, ts)
	for _, base := range []string{"/console/security-credentials/mfa", "/console/users/bob/mfa"} {
		_, page := web.Get(base + "/new")
		tok := csrfOf(t, page)
		if resp, body := web.Post(base+"/new", url.Values{"csrf": {tok}, "device": {"phone"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s/new: %d\n%.1000s", base, resp.StatusCode, body)
		}
		resp, body := web.Post(base+"/enable", url.Values{"csrf": {tok}, "serial": {"arn:aws:iam::" + kwtest.AccountID + ":mfa/phone"},
			"code1": {"000000"}, "code2": {"111111"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Start again with a new device.") {
			t.Fatalf("%s/enable with wrong codes: %d\n%.1000s", base, resp.StatusCode, body)
		}
	}
	wantChanges(t, trail(t, ts.Keyward, ts.Audit, keyward.EventQuery{Max: 50}), func(e trailEvent) string { return e.Name + " " + e.ErrorCode },
		"CreateVirtualMFADevice ", "CreateVirtualMFADevice ", "DeleteVirtualMFADevice ", "DeleteVirtualMFADevice ",
		"EnableMFADevice InvalidAuthenticationCode", "EnableMFADevice InvalidAuthenticationCode")
}

// TestRefusedPolicySaveAudited: a policy the policy editor's save refuses
// (a document that is not a policy, a name that is taken) is audited as
// the refused CreatePolicy it is, as the API's refusal is, not left out of
// the trail because the page answered with the editor again.
func TestRefusedPolicySaveAudited(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	web := signedInRoot(t, ts)
	_, page := web.Get("/console/policies/new")
	tok := csrfOf(t, page)
	resp, body := web.Post("/console/policies", url.Values{"csrf": {tok}, "name": {"broken"}, "document": {`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}`}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("saving a policy whose effect is neither Allow nor Deny: %d\n%.1000s", resp.StatusCode, body)
	}
	events := trail(t, ts.Keyward, ts.Audit, keyward.EventQuery{EventName: "CreatePolicy", Max: 10})
	if len(events) != 1 {
		t.Fatalf("%d CreatePolicy events, want the refused one", len(events))
	}
	if events[0].ErrorCode != "MalformedPolicyDocument" {
		t.Fatalf("the refused save's event has error code %q, want MalformedPolicyDocument", events[0].ErrorCode)
	}
}

// TestEventHistoryTellsFailedSignIns: a failed ConsoleLogin and a good
// one looked alike; the Error code column shows the failure, as AWS
// records it (an errorMessage: ConsoleLogin has no errorCode).
func TestEventHistoryTellsFailedSignIns(t *testing.T) {
	s, rec := newAuditedSite(t)

	if status := s.browser().signIn(url.Values{"kind": {"root"}, "accesskey": {kwtest.RootKeyID}, "secret": {"wrong" + kwtest.RootSecret[5:]}}); status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", status)
	}
	admin := s.browser()
	admin.signInRoot()
	must(t, rec.Flush(context.Background()))
	row := regexp.MustCompile(`<tr data-event="ConsoleLogin">.*?<td>([^<]*)</td></tr>`)
	_, page := admin.do(http.MethodGet, "/console/events", nil)
	var errors []string
	for _, m := range row.FindAllStringSubmatch(page, -1) {
		errors = append(errors, html.UnescapeString(m[1]))
	}
	// The good sign-in and the failed one, in either order (they may
	// share a timestamp).
	slices.Sort(errors)
	if !slices.Equal(errors, []string{"", "Failed authentication"}) {
		t.Fatalf("ConsoleLogin error codes %q, want \"\" and \"Failed authentication\"", errors)
	}
}
