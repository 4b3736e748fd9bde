package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestKeyPolicyPage: the policy page previews a draft ("these N keys
// would be deactivated today", listed) without saving it, saves and
// deletes the policy through the forms, refuses a bad duration changing
// nothing, and the create-key flow offers an expiry shown with the key.
func TestKeyPolicyPage(t *testing.T) {
	ts := newAPIServer(t)
	ctx := kwtest.AsRoot(context.Background())
	for _, u := range []string{"old", "young"} {
		_, err := ts.IAM.CreateUser(ctx, u, "/", nil)
		must(t, err)
	}
	oldKey, _, err := ts.IAM.CreateAccessKey(ctx, "old")
	must(t, err)
	ts.Clock.Add(100 * 24 * time.Hour)
	youngKey, _, err := ts.IAM.CreateAccessKey(ctx, "young")
	must(t, err)

	c := signedInRoot(t, ts)
	resp, page := c.Get("/console/keys/policy")
	if resp.StatusCode != 200 || !strings.Contains(page, "No key lifecycle policy") || !strings.Contains(page, "these 0 keys would be deactivated today") {
		t.Fatalf("no policy: %d %s", resp.StatusCode, page)
	}
	resp, page = c.Get("/console/keys/policy?preview=1&max-age=90d&warn=&unused=&delete-inactive=")
	if resp.StatusCode != 200 || !strings.Contains(page, "these 1 keys would be deactivated today") ||
		!strings.Contains(page, `data-key="`+oldKey.ID+`"`) || strings.Contains(page, `data-key="`+youngKey.ID+`"`) {
		t.Fatalf("draft preview: %d %s", resp.StatusCode, page)
	}
	if _, err := ts.Store.AccessKeyPolicy(context.Background()); err == nil {
		t.Fatal("a preview saved the policy")
	}
	token := csrfOf(t, page)
	// The form's Preview posts the draft: as a GET of the same form it
	// wrote the session's CSRF token into the address (history, logs).
	if !strings.Contains(page, `formaction="/console/keys/policy/preview"`) || strings.Contains(page, `formmethod="get"`) {
		t.Fatalf("the form's preview is not posted:\n%s", page)
	}
	resp, page = c.Post("/console/keys/policy/preview", url.Values{"csrf": {token}, "max-age": {"90d"}})
	if resp.StatusCode != 200 || !strings.Contains(page, "Preview of this draft: these 1 keys would be deactivated today") ||
		!strings.Contains(page, `data-key="`+oldKey.ID+`"`) || strings.Contains(page, `data-key="`+youngKey.ID+`"`) {
		t.Fatalf("posted draft preview: %d %s", resp.StatusCode, page)
	}
	if resp, _ := c.Post("/console/keys/policy/preview", url.Values{"max-age": {"90d"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a preview posted without the CSRF token: %d", resp.StatusCode)
	}
	if _, err := ts.Store.AccessKeyPolicy(context.Background()); err == nil {
		t.Fatal("a preview saved the policy")
	}
	resp, page = c.Post("/console/keys/policy/put", url.Values{"csrf": {token}, "max-age": {"ninety"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "failed to satisfy constraint") {
		t.Fatalf("a bad duration: %d %s", resp.StatusCode, page)
	}
	if _, err := ts.Store.AccessKeyPolicy(context.Background()); err == nil {
		t.Fatal("a refused form saved the policy")
	}
	resp, _ = c.Post("/console/keys/policy/put", url.Values{"csrf": {token}, "max-age": {"90d"}, "warn": {"14d"}, "report-only": {"on"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	p, err := ts.Store.AccessKeyPolicy(context.Background())
	must(t, err)
	if p.MaxAge.After != 90*24*time.Hour || !p.MaxAge.ReportOnly || p.Warn != 14*24*time.Hour {
		t.Fatalf("saved: %+v", p)
	}
	_, page = c.Get("/console/keys/policy")
	if !strings.Contains(page, "these 0 keys would be deactivated today") || !strings.Contains(page, "reported only") || !strings.Contains(page, `value="90d"`) {
		t.Fatalf("report-only policy: %s", page)
	}
	must(t, ts.Audit.Flush(context.Background()))
	evs, _, err := ts.Store.LookupEvents(context.Background(), keyward.EventQuery{EventName: "PutAccessKeyPolicy"})
	must(t, err)
	if len(evs) != 2 { // the refused form and the saved one
		t.Fatalf("PutAccessKeyPolicy events: %d", len(evs))
	}
	if resp, _ = c.Post("/console/keys/policy/delete", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if _, err := ts.Store.AccessKeyPolicy(context.Background()); err == nil {
		t.Fatal("the policy is still there")
	}
}

// TestNewKeyExpires: the create-key flow's expiry makes a key that
// expires then, shown on the page and in the user's keys; a lifetime the
// API refuses is refused and no key is made.
func TestNewKeyExpires(t *testing.T) {
	ts := newAPIServer(t)
	ctx := kwtest.AsRoot(context.Background())
	_, err := ts.IAM.CreateUser(ctx, "ci", "/", nil)
	must(t, err)
	c := signedInRoot(t, ts)
	token := c.token()
	resp, page := c.Post("/console/users/ci/keys/new", url.Values{"csrf": {token}, "step": {"1"}, "usecase": {"cli"}, "understand": {"on"}})
	if resp.StatusCode != 200 || !strings.Contains(page, `<select id="expires" name="expires"`) || !strings.Contains(page, `<option value="30d"`) {
		t.Fatalf("step 2: %d %s", resp.StatusCode, page)
	}
	resp, page = c.Post("/console/users/ci/keys/new", url.Values{"csrf": {token}, "step": {"2"}, "usecase": {"cli"}, "expires": {"10s"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a lifetime below a minute: %d %s", resp.StatusCode, page)
	}
	if keys, _, _ := ts.Store.ListAccessKeys(context.Background(), "ci", "", 10); len(keys) != 0 {
		t.Fatal("a refused form made a key")
	}
	resp, page = c.Post("/console/users/ci/keys/new", url.Values{"csrf": {token}, "step": {"2"}, "usecase": {"cli"}, "expires": {"30d"}})
	want := ts.Clock.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	if resp.StatusCode != 200 || !strings.Contains(page, `id="new-key-expires"`) || !strings.Contains(page, want) {
		t.Fatalf("step 3: %d %s", resp.StatusCode, page)
	}
	_, page = c.Get("/console/users/ci?tab=credentials")
	if !strings.Contains(page, `<td class="expires"><time datetime="`+want+`"`) {
		t.Fatalf("the user's keys do not show the expiry:\n%s", page)
	}
}

// TestNewKeyWizardOffersWhatAppliesHere: "Application running on an AWS
// compute service" means nothing beside Keyward; the wizard offers AWS's
// other use cases, each with its alternative, and refuses one it did not
// offer.
func TestNewKeyWizardOffersWhatAppliesHere(t *testing.T) {
	s := newSite(t)
	s.k.User(t, "bo", "")
	admin := s.browser()
	admin.signInRoot()
	_, page := admin.do(http.MethodGet, "/console/users/bo/keys/new", nil)
	if strings.Contains(page, "compute service") {
		t.Error("the wizard offers an application running on an AWS compute service")
	}
	for _, want := range []string{"Command Line Interface (CLI)", "Local code", "Third-party service", "Application running outside AWS", "Other"} {
		if !strings.Contains(page, ">"+want+"</label>") {
			t.Errorf("the wizard does not offer %q", want)
		}
	}
	if n := strings.Count(page, "Alternative recommended:"); n != 5 {
		t.Errorf("%d alternatives, want one per use case", n)
	}
	token := csrfOf(t, page)
	for _, tc := range []struct {
		usecase string
		status  int
	}{{"cli", http.StatusOK}, {"compute", http.StatusBadRequest}, {"made-up", http.StatusBadRequest}} {
		status, _ := admin.do(http.MethodPost, "/console/users/bo/keys/new", url.Values{"step": {"1"}, "usecase": {tc.usecase}, "understand": {"on"}, "csrf": {token}})
		if status != tc.status {
			t.Errorf("use case %q: %d, want %d", tc.usecase, status, tc.status)
		}
	}
}
