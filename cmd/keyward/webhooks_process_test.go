package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/query"
	"github.com/keyward/keyward/webhook"
)

// TestWebhookDeliveredAfterKill9: at least once, whatever happens to the
// process delivering. keyward serve on SQLite sends access-key.created to
// a receiver that hangs; the server is killed with SIGKILL in the middle
// of the delivery, and started again; the receiver gets the event (the
// same CloudEvent id and delivery) once the first attempt's lease ends.
// Only a process shows it: the delivery is leased in the database by one
// process and claimed again by the next. The next is a Keyward in this
// test's process on the same data, its clock past the lease, rather than
// a second process waiting out the lease in real time.
func TestWebhookDeliveredAfterKill9(t *testing.T) {
	t.Parallel() // its own process, data and receiver
	const secret = "process-test-secret-0123"
	type got struct {
		delivery string
		event    webhook.Event
	}
	hanging := make(chan got, 1)
	delivered := make(chan got, 1)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var first atomic.Bool
	first.Store(true)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := webhook.Verify([]byte(secret), r.Header.Get(webhook.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("receiver: %v", err)
			http.Error(w, "signature", http.StatusUnauthorized)
			return
		}
		var ev webhook.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("receiver: %v", err)
		}
		g := got{r.Header.Get("X-Keyward-Delivery"), ev}
		if first.CompareAndSwap(true, false) { // the first attempt hangs
			hanging <- g
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		select {
		case delivered <- g:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)

	dir := t.TempDir()
	env := append([]string{"KEYWARD_WEBHOOK_ALLOW_PRIVATE=true", "KEYWARD_WEBHOOK_TIMEOUT=1s"}, rootEnv...)
	p := startProcess(t, dir, env...)
	form := url.Values{"Action": {"CreateWebhookSubscription"}, "Version": {query.IAMVersion}, "Url": {rc.URL + "/hook"},
		"Secret": {secret}, "Events.member.1": {webhook.AccessKeyCreated}}
	status, _, body := kwtest.RawDo(t, kwtest.SignedFor(t, "http://"+p.addr, form.Encode(), "iam", "us-east-1", rootKeyID, rootSecret))
	if status != http.StatusOK {
		t.Fatalf("CreateWebhookSubscription: %d %s", status, body)
	}
	var sub struct {
		ID string `xml:"CreateWebhookSubscriptionResult>WebhookSubscription>Id"`
	}
	must(t, xml.Unmarshal([]byte(body), &sub))
	ctx := context.Background()
	k, err := p.iam(rootKeyID, rootSecret).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	must(t, err)
	keyID := aws.ToString(k.AccessKey.AccessKeyId)

	var inFlight got
	select {
	case inFlight = <-hanging:
	case <-time.After(10 * time.Second):
		t.Fatalf("no delivery began:\n%s", p.stderr.String())
	}
	if inFlight.event.Data.AccessKeyID != keyID {
		t.Fatalf("in flight: %+v", inFlight.event)
	}
	// Killed in the middle of the delivery: nothing recorded how it went.
	must(t, p.cmd.Process.Signal(syscall.SIGKILL))
	p.wait()

	// Longer than the lease of a delivery of at most a second.
	const pastTheLease = time.Minute
	startServerWith(t, dir, func(m *Main) {
		m.Config.WebhookAllowPrivate = true
		m.Config.WebhookTimeout = time.Second
		now := m.Now
		m.Now = func() time.Time { return now().Add(pastTheLease) }
	})
	select {
	case g := <-delivered:
		if g.event.ID != inFlight.event.ID || g.delivery != inFlight.delivery || g.event.Type != "io.keyward.access-key.created" ||
			g.event.Data.AccessKeyID != keyID || g.event.Data.AccountID != accountID {
			t.Fatalf("delivered after the restart %+v (%s), in flight %+v (%s)", g.event, g.delivery, inFlight.event, inFlight.delivery)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the event in flight when Keyward was killed was never delivered")
	}
}
