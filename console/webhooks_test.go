package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/webhook"
)

// TestWebhooksPage: an administrator creates a subscription from the
// console with its URL, secret and events (checked by the operation's
// descriptor and package iam, as the API's), sees it listed by its host
// only, sees a parked delivery with its last error, and deletes the
// subscription; a refused URL is shown again with the error, and neither
// the URL's token nor the secret reaches the audit trail.
func TestWebhooksPage(t *testing.T) {
	s, rec := newAuditedSite(t)
	admin := s.browser()
	admin.signInRoot()
	status, page := admin.do(http.MethodGet, "/console/webhooks", nil)
	if status != http.StatusOK || !strings.Contains(page, "No webhook subscriptions.") || !strings.Contains(page, `id="event-access-key.expired"`) {
		t.Fatalf("empty page: %d %s", status, page)
	}
	token := csrfOf(t, page)
	form := url.Values{"csrf": {token}, "url": {"http://127.0.0.1:9/hook?token=console-tok"}, "secret": {"console-secret-0123456"},
		"event-access-key.created": {"on"}, "audit": {"CreateUser, audit.DeleteUser"}}
	status, page = admin.do(http.MethodPost, "/console/webhooks", form)
	if status != http.StatusBadRequest || !strings.Contains(page, `id="webhook-error"`) || !strings.Contains(page, "--webhook-allow-private") ||
		!strings.Contains(page, `name="event-access-key.created" id="event-access-key.created" value="on" checked`) {
		t.Fatalf("a loopback URL: %d %s", status, page)
	}
	form.Set("url", "https://hooks.example.com/in?token=console-tok")
	status, _ = admin.do(http.MethodPost, "/console/webhooks", form)
	if status != http.StatusSeeOther {
		t.Fatalf("create: %d", status)
	}
	subs, err := s.k.Store.ListWebhookSubscriptions(context.Background(), kwtest.AccountID)
	must(t, err)
	if len(subs) != 1 || strings.Join(subs[0].Events, " ") != "access-key.created audit.CreateUser audit.DeleteUser" {
		t.Fatalf("subscriptions %+v", subs)
	}
	id := subs[0].ID

	// A delivery given up, as the engine parks one.
	now := time.Now()
	_, err = s.k.Store.EnqueueDelivery(context.Background(), id, "evt-1", "io.keyward.access-key.created", []byte("{}"), now)
	must(t, err)
	ds, err := s.k.Store.Claim(context.Background(), webhook.ClaimQuery{Now: now, Limit: 1, Lease: time.Minute, PerSubscription: 1})
	must(t, err)
	must(t, s.k.Store.Failed(context.Background(), ds[0].ID, 1, now, "HTTP 410: gone for good"))
	ds, err = s.k.Store.Claim(context.Background(), webhook.ClaimQuery{Now: now, Limit: 1, Lease: time.Minute, PerSubscription: 1})
	must(t, err)
	must(t, s.k.Store.Park(context.Background(), ds[0].ID, 2, now, "Not delivered after 2 attempts"))

	_, page = admin.do(http.MethodGet, "/console/webhooks", nil)
	if !strings.Contains(page, `<tr data-webhook="`+id+`">`) || !strings.Contains(page, "https://hooks.example.com/…") || strings.Contains(page, "console-tok") {
		t.Fatalf("listed: %s", page)
	}
	if !regexp.MustCompile(`<td class="last-error">HTTP 410: gone for good</td>`).MatchString(page) {
		t.Fatalf("parked delivery not shown: %s", page)
	}
	status, _ = admin.do(http.MethodPost, "/console/webhooks/"+id+"/delete", url.Values{"csrf": {token}})
	if status != http.StatusSeeOther {
		t.Fatalf("delete: %d", status)
	}
	if subs, _ := s.k.Store.ListWebhookSubscriptions(context.Background(), kwtest.AccountID); len(subs) != 0 {
		t.Fatalf("after delete: %+v", subs)
	}
	// Without keyward:* a user is refused, and nothing changes.
	_, _ = s.k.User(t, "dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	_, err = s.k.IAM.CreateLoginProfile(root(), "dev", "Dev-Passw0rd-123", false)
	must(t, err)
	dev := s.browser()
	if status := dev.signInUser(kwtest.AccountID, "dev", "Dev-Passw0rd-123"); status != http.StatusSeeOther {
		t.Fatalf("dev sign-in: %d", status)
	}
	status, page = dev.do(http.MethodGet, "/console/webhooks", nil)
	if status != http.StatusForbidden {
		t.Fatalf("dev's webhooks page: %d %s", status, page)
	}
	must(t, rec.Flush(context.Background()))
	evs, _, err := s.k.Store.LookupEvents(context.Background(), keyward.EventQuery{Max: 100})
	must(t, err)
	var all strings.Builder
	for _, e := range evs {
		all.Write(e.Record)
	}
	if !strings.Contains(all.String(), "CreateWebhookSubscription") || strings.Contains(all.String(), "console-tok") ||
		strings.Contains(all.String(), "console-secret") {
		t.Fatalf("the audit trail: %s", all.String())
	}
}
