package iam_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	ce "github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	kwiam "github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/query"
	"github.com/keyward/keyward/webhook"
)

const webhookSecret = "receiver-secret-0123456789"

// receiver is a webhook receiver as a subscriber writes one: it checks
// the signature with webhook.Verify over the exact body and a five-minute
// window, and reads the event with the CloudEvents SDK.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	events chan ce.Event
}

func newReceiver(t *testing.T) *receiver { return newReceiverAt(t, time.Now) }

// newReceiverAt is a receiver whose clock, which a signature's timestamp
// must be near, is now.
func newReceiverAt(t *testing.T, now func() time.Time) *receiver {
	rc := &receiver{t: t, events: make(chan ce.Event, 16)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body", http.StatusBadRequest)
			return
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != webhook.ContentType {
			t.Errorf("receiver: %s with %q", r.Method, r.Header.Get("Content-Type"))
		}
		if err := webhook.Verify([]byte(webhookSecret), r.Header.Get(webhook.SignatureHeader), body, now(), 5*time.Minute); err != nil {
			t.Errorf("receiver: signature: %v", err)
			http.Error(w, "signature", http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		ev, err := cehttp.NewEventFromHTTPRequest(r)
		if err != nil {
			t.Errorf("receiver: CloudEvents SDK: %v", err)
			http.Error(w, "event", http.StatusBadRequest)
			return
		}
		if err := ev.Validate(); err != nil {
			t.Errorf("receiver: invalid CloudEvent: %v", err)
		}
		rc.events <- *ev
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// next waits for the next event, at most within.
func (rc *receiver) next(within time.Duration) ce.Event {
	rc.t.Helper()
	select {
	case ev := <-rc.events:
		return ev
	case <-time.After(within):
		rc.t.Fatalf("no event within %v", within)
		return ce.Event{}
	}
}

// keywardCall calls one of Keyward's own actions on the IAM endpoint,
// signed with the key, and returns the status and body.
func keywardCall(t *testing.T, k *kwtest.Keyward, id, secret, action string, params url.Values) (int, string) {
	t.Helper()
	params.Set("Action", action)
	params.Set("Version", query.IAMVersion)
	status, _, body := kwtest.RawDo(t, kwtest.SignedFor(t, k.URL, params.Encode(), "iam", "us-east-1", id, secret))
	return status, body
}

func subscribeParams(target string, events ...string) url.Values {
	v := url.Values{"Url": {target}, "Secret": {webhookSecret}}
	for i, e := range events {
		v.Set("Events.member."+string(rune('1'+i)), e)
	}
	return v
}

// TestWebhookDeliveredThroughTheServer: an administrator subscribes a
// receiver to access-key.created through the API; a CreateAccessKey made
// with the SDK reaches it within five seconds, signed, as a CloudEvent
// the SDK reads, with the key, its user and the account. The URL's token
// and the secret are in no audit record.
func TestWebhookDeliveredThroughTheServer(t *testing.T) {
	k := kwtest.NewWithOptions(t, kwtest.Options{WebhookAllowPrivate: true})
	k.StartWebhooks()
	rc := newReceiver(t)
	target := rc.srv.URL + "/hooks?token=url-token-9f8e7d"
	status, body := keywardCall(t, k, kwtest.RootKeyID, kwtest.RootSecret, "CreateWebhookSubscription",
		subscribeParams(target, webhook.AccessKeyCreated, "audit.CreateUser"))
	if status != http.StatusOK {
		t.Fatalf("CreateWebhookSubscription: %d %s", status, body)
	}
	var created struct {
		ID string `xml:"CreateWebhookSubscriptionResult>WebhookSubscription>Id"`
	}
	must(t, xml.Unmarshal([]byte(body), &created))
	if !strings.HasPrefix(created.ID, "whs-") {
		t.Fatalf("subscription ID %q in %s", created.ID, body)
	}
	// The URL's token is in the database only sealed: url holds what
	// listings show, url_sealed the whole URL sealed for the subscription.
	var display string
	var sealedURL []byte
	must(t, k.Store.DB.QueryRow(`SELECT url, url_sealed FROM webhook_subscriptions WHERE id = ?`, created.ID).Scan(&display, &sealedURL))
	if display != kwiam.DisplayURL(target) || display != rc.srv.URL+"/…" || strings.Contains(string(sealedURL), "url-token-9f8e7d") {
		t.Fatalf("stored url %q, url_sealed %q", display, sealedURL)
	}
	if opened, err := k.IAM.Sealer.Open(webhook.URLAssociatedData(created.ID), sealedURL); err != nil || opened != target {
		t.Fatalf("url_sealed opens to %q, %v", opened, err)
	}
	if _, err := k.IAM.Sealer.Open(created.ID, sealedURL); err == nil {
		t.Fatal("url_sealed opens as the subscription's secret")
	}
	db, err := os.ReadFile(filepath.Join(k.Dir, "keyward.db"))
	must(t, err)
	wal, _ := os.ReadFile(filepath.Join(k.Dir, "keyward.db-wal"))
	if stored := string(db) + string(wal); strings.Contains(stored, "url-token-9f8e7d") || strings.Contains(stored, webhookSecret) {
		t.Fatal("the URL's token or the secret is stored in plaintext")
	}

	ctx := context.Background()
	root := k.RootIAM()
	_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")})
	must(t, err)
	user := rc.next(5 * time.Second)
	if user.Type() != "io.keyward.audit.CreateUser" {
		t.Fatalf("first event %s, want io.keyward.audit.CreateUser", user.Type())
	}
	start := time.Now()
	out, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	must(t, err)
	ev := rc.next(5 * time.Second)
	t.Logf("access-key.created received %v after CreateAccessKey", time.Since(start))
	var data webhook.Data
	must(t, ev.DataAs(&data))
	keyID := aws.ToString(out.AccessKey.AccessKeyId)
	if ev.Type() != "io.keyward.access-key.created" || ev.Subject() != keyID || ev.Source() != "keyward://keyward.test/accounts/"+kwtest.AccountID ||
		data.AccessKeyID != keyID || data.UserName != "bob" || data.AccountID != kwtest.AccountID || data.Status != "Active" ||
		data.Reason != "request" || data.Actor != "arn:aws:iam::"+kwtest.AccountID+":root" {
		t.Fatalf("event %s %s %s, data %+v", ev.Type(), ev.Subject(), ev.Source(), data)
	}
	// No secret anywhere in the audit trail.
	k.Audit.Flush(ctx)
	stream := k.AuditStream.String()
	if !strings.Contains(stream, "CreateWebhookSubscription") {
		t.Fatal("CreateWebhookSubscription was not audited")
	}
	for _, secret := range []string{"url-token-9f8e7d", webhookSecret, aws.ToString(out.AccessKey.SecretAccessKey)} {
		if strings.Contains(stream, secret) || strings.Contains(k.Log.String(), secret) {
			t.Errorf("%q is in the audit trail or the log", secret)
		}
	}

	// Listed, then deleted: no more deliveries.
	status, body = keywardCall(t, k, kwtest.RootKeyID, kwtest.RootSecret, "ListWebhookSubscriptions", url.Values{})
	if status != http.StatusOK || !strings.Contains(body, created.ID) || strings.Contains(body, "url-token") {
		t.Fatalf("ListWebhookSubscriptions: %d %s", status, body)
	}
	if status, body = keywardCall(t, k, kwtest.RootKeyID, kwtest.RootSecret, "DeleteWebhookSubscription", url.Values{"Id": {created.ID}}); status != http.StatusOK {
		t.Fatalf("DeleteWebhookSubscription: %d %s", status, body)
	}
	status, body = keywardCall(t, k, kwtest.RootKeyID, kwtest.RootSecret, "GetWebhookSubscription", url.Values{"Id": {created.ID}})
	if status != http.StatusNotFound || !strings.Contains(body, "<Code>NoSuchWebhookSubscription</Code>") {
		t.Fatalf("GetWebhookSubscription after delete: %d %s", status, body)
	}
}

// TestWebhookSubscriptionsNeedPermission: a user without keyward:*
// permissions is refused each action with AccessDenied, and nothing is
// subscribed; one allowed keyward:CreateWebhookSubscription may.
func TestWebhookSubscriptionsNeedPermission(t *testing.T) {
	k := kwtest.NewWithOptions(t, kwtest.Options{WebhookAllowPrivate: true})
	id, secret := k.User(t, "dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	for action, params := range map[string]url.Values{
		"CreateWebhookSubscription":   subscribeParams("https://hooks.example.com/x", webhook.AccessKeyCreated),
		"ListWebhookSubscriptions":    {},
		"GetWebhookSubscription":      {"Id": {"whs-x"}},
		"DeleteWebhookSubscription":   {"Id": {"whs-x"}},
		"ListParkedWebhookDeliveries": {},
	} {
		status, body := keywardCall(t, k, id, secret, action, params)
		if status != http.StatusForbidden || !strings.Contains(body, "<Code>AccessDenied</Code>") ||
			!strings.Contains(body, "keyward:"+action) {
			t.Errorf("%s as a user with iam:* only: %d %s", action, status, body)
		}
	}
	subs, err := k.Store.ListWebhookSubscriptions(context.Background(), kwtest.AccountID)
	must(t, err)
	if len(subs) != 0 {
		t.Fatalf("subscribed without permission: %+v", subs)
	}
	id, secret = k.User(t, "ops", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"keyward:CreateWebhookSubscription","Resource":"arn:aws:keyward::123456789012:webhook-subscription/*"}]}`)
	if status, body := keywardCall(t, k, id, secret, "CreateWebhookSubscription", subscribeParams("https://hooks.example.com/x", webhook.AccessKeyCreated)); status != http.StatusOK {
		t.Fatalf("CreateWebhookSubscription as allowed: %d %s", status, body)
	}
}

// TestRootKeyUsedOncePerHour: a subscriber to root-key.used hears of the
// root user's key signing requests once per key and hour, when the
// last-use recorder writes what it saw; a user's key is not the root's.
// The test delivers what is due itself, in its own goroutine: a
// background engine would see the test's jumps of the clock end the lease
// of a delivery whose answer it had not yet recorded, and send it again
// (at least once, as a subscriber is told to expect).
func TestRootKeyUsedOncePerHour(t *testing.T) {
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Hour).Add(10 * time.Minute))
	k := kwtest.NewWithOptions(t, kwtest.Options{WebhookAllowPrivate: true, Now: clock.Now})
	rc := newReceiverAt(t, clock.Now)
	if status, body := keywardCall(t, k, kwtest.RootKeyID, kwtest.RootSecret, "CreateWebhookSubscription",
		subscribeParams(rc.srv.URL+"/hooks", webhook.RootKeyUsed)); status != http.StatusOK {
		t.Fatalf("CreateWebhookSubscription: %d %s", status, body)
	}
	ctx := context.Background()
	userID, userSecret := k.User(t, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	// use signs a request with the key, has the last uses written and
	// what is due delivered, and returns the events the receiver got.
	use := func(id, secret string) []ce.Event {
		t.Helper()
		if _, err := k.IAMClient(id, secret).GetUser(ctx, &iam.GetUserInput{}); err != nil {
			t.Fatal(err)
		}
		must(t, k.Uses.Flush(ctx))
		if _, err := k.Webhooks.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		var got []ce.Event
		for {
			select {
			case ev := <-rc.events:
				got = append(got, ev)
			default:
				return got
			}
		}
	}
	// The subscription was asked for with the root's key.
	got := use(kwtest.RootKeyID, kwtest.RootSecret)
	if len(got) != 1 {
		t.Fatalf("the root's key: %d events, want 1", len(got))
	}
	ev := got[0]
	var data webhook.Data
	must(t, ev.DataAs(&data))
	if ev.Type() != "io.keyward.root-key.used" || data.AccessKeyID != kwtest.RootKeyID || data.AccountID != kwtest.AccountID {
		t.Fatalf("event %s with %+v, want root-key.used of the root key", ev.Type(), data)
	}
	if got := use(userID, userSecret); len(got) != 0 {
		t.Fatalf("a user's key: %d events, the first %s", len(got), got[0].Type())
	}
	// Again within the hour: nothing; the next hour: once more.
	clock.Add(20 * time.Minute)
	if got := use(kwtest.RootKeyID, kwtest.RootSecret); len(got) != 0 {
		t.Fatalf("again within the hour: %d events, the first %s", len(got), got[0].ID())
	}
	clock.Add(40 * time.Minute)
	got = use(kwtest.RootKeyID, kwtest.RootSecret)
	if len(got) != 1 || got[0].Type() != "io.keyward.root-key.used" || got[0].ID() == ev.ID() {
		t.Fatalf("the next hour: %d events, want one other than %s", len(got), ev.ID())
	}
}
