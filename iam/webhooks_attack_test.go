package iam_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/webhook"
)

// Attacks on the webhook subscriptions through the API: an administrator
// (or a stolen administrator's key) subscribing URLs that reach the host's
// own services, the private network or the cloud's metadata service, to
// make Keyward a request forger (SSRF), by address, by a name that
// resolves to one, or through a redirect. The engine's own defences are
// in package webhook's attack tests; these go through the server's path.

// counting is a receiver that counts what reaches it.
func counting(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestAttackWebhookToPrivateAddresses: without --webhook-allow-private,
// a URL written with a loopback, private, link-local (metadata),
// unspecified or mapped address, or localhost, is refused when the
// subscription is created, with Keyward's code, a message that does not
// repeat the URL (it may carry a token), and nothing stored.
func TestAttackWebhookToPrivateAddresses(t *testing.T) {
	k := kwtest.New(t)
	for _, target := range []string{
		"http://127.0.0.1:8080/hook?token=tok-1",
		"http://127.1/hook?token=tok-1",
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/?token=tok-1",
		"http://[fd00:ec2::254]/latest/meta-data/?token=tok-1",
		"http://10.0.0.1/hook?token=tok-1",
		"http://172.16.5.4/hook?token=tok-1",
		"http://192.168.1.1/hook?token=tok-1",
		"http://100.64.0.1/hook?token=tok-1",
		"http://[::1]:9000/hook?token=tok-1",
		"http://[::ffff:127.0.0.1]/hook?token=tok-1",
		"http://[::127.0.0.1]/hook?token=tok-1",
		"http://[::ffff:0:127.0.0.1]/hook?token=tok-1",
		"http://[fec0::1]/hook?token=tok-1",
		"http://[fe80::1]/hook?token=tok-1",
		"http://0.0.0.0/hook?token=tok-1",
		"http://localhost:9000/hook?token=tok-1",
		"http://admin.localhost/hook?token=tok-1",
		"file:///etc/passwd?token=tok-1",
		"gopher://127.0.0.1:6379/_FLUSHALL?token=tok-1",
		"https://user:tok-1@hooks.example.com/",
		"https://hooks.example.com/#tok-1",
	} {
		status, body := keywardCall(t, k, kwtest.RootKeyID, kwtest.RootSecret, "CreateWebhookSubscription", subscribeParams(target, webhook.AccessKeyCreated))
		if status != http.StatusBadRequest || !strings.Contains(body, "<Code>InvalidWebhookUrl</Code>") {
			t.Errorf("%s: %d %s", target, status, body)
		}
		if strings.Contains(body, "tok-1") {
			t.Errorf("%s: the answer repeats the URL: %s", target, body)
		}
	}
	subs, err := k.Store.ListWebhookSubscriptions(context.Background(), kwtest.AccountID)
	must(t, err)
	if len(subs) != 0 {
		t.Fatalf("subscribed: %+v", subs)
	}
	if strings.Contains(k.AuditStream.String(), "tok-1") || strings.Contains(k.Log.String(), "tok-1") {
		t.Fatal("a refused URL's token reached the audit trail or the log")
	}
}

// TestAttackWebhookNameResolvingToLoopback: a name is checked when a
// delivery connects, after resolution: a subscription to a name that
// resolves to loopback is accepted (what it resolves to may change), but
// no delivery ever reaches the loopback receiver.
func TestAttackWebhookNameResolvingToLoopback(t *testing.T) {
	host, err := os.Hostname()
	must(t, err)
	addrs, err := net.LookupHost(host)
	loopback := err == nil && len(addrs) > 0
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		loopback = loopback && err == nil && ip.IsLoopback()
	}
	if !loopback || strings.EqualFold(host, "localhost") {
		t.Skipf("this host's name %q does not resolve to loopback only (%v, %v): the engine's TestTargetSafety covers names", host, addrs, err)
	}
	k := kwtest.New(t)
	srv, n := counting(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	u, _ := url.Parse(srv.URL)
	target := "http://" + net.JoinHostPort(host, u.Port()) + "/hook?token=tok-2"
	status, body := keywardCall(t, k, kwtest.RootKeyID, kwtest.RootSecret, "CreateWebhookSubscription", subscribeParams(target, webhook.AccessKeyCreated))
	if status != http.StatusOK {
		t.Fatalf("a public-looking name was refused at creation: %d %s", status, body)
	}
	_, err = k.RootIAM().CreateAccessKey(context.Background(), &iam.CreateAccessKeyInput{})
	must(t, err)
	if got, err := k.Webhooks.DeliverDue(context.Background()); got != 1 || err != nil {
		t.Fatalf("DeliverDue = %d, %v", got, err)
	}
	if n.Load() != 0 {
		t.Fatalf("the loopback receiver got %d requests through the name %s", n.Load(), host)
	}
	if log := k.Log.String(); !strings.Contains(log, "not a public address") || strings.Contains(log, "tok-2") {
		t.Fatalf("the log: %s", log)
	}
}

// TestAttackWebhookRedirect: a receiver that answers with a redirect (to
// the metadata service, or to another local service) is not followed: the
// delivery fails, and the redirect's target gets nothing.
func TestAttackWebhookRedirect(t *testing.T) {
	k := kwtest.NewWithOptions(t, kwtest.Options{WebhookAllowPrivate: true})
	inner, innerN := counting(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for i, to := range []string{inner.URL + "/internal", "http://169.254.169.254/latest/meta-data/"} {
		outer, outerN := counting(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusTemporaryRedirect) })
		status, body := keywardCall(t, k, kwtest.RootKeyID, kwtest.RootSecret, "CreateWebhookSubscription", subscribeParams(outer.URL+"/hook", "audit.CreateUser"))
		if status != http.StatusOK {
			t.Fatalf("CreateWebhookSubscription: %d %s", status, body)
		}
		_, err := k.RootIAM().CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("user%d", i))})
		must(t, err)
		if got, err := k.Webhooks.DeliverDue(context.Background()); got < 1 || err != nil {
			t.Fatalf("DeliverDue = %d, %v", got, err)
		}
		if outerN.Load() == 0 {
			t.Fatal("the receiver got nothing")
		}
		if innerN.Load() != 0 {
			t.Fatalf("a redirect to %s was followed", to)
		}
		if !strings.Contains(k.Log.String(), "redirects are not followed") {
			t.Fatalf("the log: %s", k.Log.String())
		}
	}
}

// TestAttackWebhookOversizedAuditRecord: a user with no permissions sends
// a change with a megabyte of list parameters; it is refused, and its
// audit record, which holds them, is larger than an event may be. With a
// subscription to that event's name, the record still does not stop the
// audit trail (the recorder writes its batch again on every failure, so
// one unwritable event would keep every later one out), and the
// subscriber still hears of it, without the record.
func TestAttackWebhookOversizedAuditRecord(t *testing.T) {
	k := kwtest.New(t)
	status, body := keywardCall(t, k, kwtest.RootKeyID, kwtest.RootSecret, "CreateWebhookSubscription",
		subscribeParams("https://hooks.example.com/in", "audit.CreateUser"))
	if status != http.StatusOK {
		t.Fatalf("CreateWebhookSubscription: %d %s", status, body)
	}
	id, secret := k.User(t, "nobody", "")
	params := url.Values{"UserName": {"bulky"}}
	long := strings.Repeat("k", 128)
	for i := 1; i <= 3000; i++ {
		params.Set(fmt.Sprintf("Tags.member.%d.Key", i), long)
	}
	status, body = keywardCall(t, k, id, secret, "CreateUser", params)
	if status == http.StatusOK {
		t.Fatalf("CreateUser by a user without permissions: %d %s", status, body)
	}
	if err := k.Audit.Flush(context.Background()); err != nil {
		t.Fatalf("the audit trail cannot be written: %v", err)
	}
	_, err := k.RootIAM().CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("after")})
	must(t, err)
	must(t, k.Audit.Flush(context.Background()))
	evs, _, err := k.Store.LookupEvents(context.Background(), keyward.EventQuery{EventName: "CreateUser", Max: 10})
	must(t, err)
	if len(evs) != 2 {
		t.Fatalf("%d CreateUser events written, want the refusal and the later one", len(evs))
	}
	ds, err := k.Store.Claim(context.Background(), webhook.ClaimQuery{Now: time.Now().Add(time.Minute), Limit: 10, Lease: time.Minute, PerSubscription: 10})
	must(t, err)
	if len(ds) != 2 {
		t.Fatalf("%d deliveries, want one for each CreateUser", len(ds))
	}
	for _, d := range ds {
		if len(d.Body) > webhook.MaxEventSize {
			t.Errorf("a delivery of %d bytes", len(d.Body))
		}
	}
}

// TestAttackWebhookLongEventName: a subscription may name any audit event
// name up to 128 characters, but an outsider's request naming such an
// action is audited under no name it chose (only known actions name an
// event), so no event whose ID would be too long is made of it and the
// audit trail is written.
func TestAttackWebhookLongEventName(t *testing.T) {
	k := kwtest.New(t)
	name := "Get" + strings.Repeat("Everything", 12)
	status, body := keywardCall(t, k, kwtest.RootKeyID, kwtest.RootSecret, "CreateWebhookSubscription",
		subscribeParams("https://hooks.example.com/in", "audit."+name))
	if status != http.StatusOK {
		t.Fatalf("CreateWebhookSubscription: %d %s", status, body)
	}
	status, _ = keywardCall(t, k, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", name, url.Values{})
	if status == http.StatusOK {
		t.Fatal("an unknown key was let in")
	}
	if err := k.Audit.Flush(context.Background()); err != nil {
		t.Fatalf("the audit trail cannot be written: %v", err)
	}
}
