package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/webhook"
	"github.com/keyward/keyward/webhook/outboxtest"
)

// outboxStore is a store that is also the webhook engine's outbox, as
// both of Keyward's are, with the writes the outbox's suite makes.
type outboxStore interface {
	keyward.Store
	webhook.Outbox
	webhook.ParkedLister
	EnqueueDelivery(ctx context.Context, subscriptionID, eventID, eventType string, body []byte, created time.Time) (string, error)
	ReplaceWebhookTarget(ctx context.Context, id, displayURL string, sealedURL []byte, secrets [][]byte) error
}

func webhookTests() []namedTest {
	return []namedTest{
		{"WebhookSubscriptions", testWebhookSubscriptions},
		{"ConcurrentWebhookQuota", testConcurrentWebhookQuota},
		{"WebhookDeliveriesWithTheChange", testDeliveriesWithTheChange},
		{"WebhookRootKeyUsed", testRootKeyUsed},
		{"WebhookSignInFailures", testSignInFailures},
		{"WebhookSignInFailuresPerAccount", testSignInFailuresPerAccount},
	}
}

// runOutbox holds the store to webhook.Outbox's contract (package
// outboxtest), each case on a new store.
func runOutbox(t *testing.T, newStore func(t *testing.T) organizations.Store) {
	outboxtest.Run(t, func(t *testing.T) outboxtest.Harness {
		s := newStore(t)
		t.Cleanup(func() { s.Close() })
		o, ok := s.(outboxStore)
		if !ok {
			t.Fatalf("%T is not a webhook outbox", s)
		}
		return harness{o}
	})
}

type harness struct{ outboxStore }

func (h harness) Subscribe(t testing.TB, s webhook.Subscription) {
	t.Helper()
	err := h.ReplaceWebhookTarget(context.Background(), s.ID, "https://hooks.example.com/…", s.SealedURL, s.Secrets)
	if errors.Is(err, keyward.ErrNoSuchWebhookSubscription) {
		err = h.CreateWebhookSubscription(context.Background(), keyward.WebhookSubscription{ID: s.ID, AccountID: s.AccountID,
			URL: "https://hooks.example.com/…", SealedURL: s.SealedURL, Secrets: s.Secrets, Events: []string{webhook.AccessKeyCreated}, CreatedAt: t0})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (h harness) Enqueue(t testing.TB, sub, eventID, eventType string, body []byte, created time.Time) string {
	t.Helper()
	id, err := h.EnqueueDelivery(context.Background(), sub, eventID, eventType, body, created)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

const webhookAccount = "123456789012"

func subscribe(t *testing.T, s keyward.Store, id string, events ...string) keyward.WebhookSubscription {
	t.Helper()
	sub := keyward.WebhookSubscription{ID: id, AccountID: webhookAccount, URL: "https://hooks.example.com/…", SealedURL: []byte("sealed-url-" + id),
		Secrets: [][]byte{[]byte("sealed-" + id)}, Events: events, CreatedAt: t0}
	must(t, s.CreateWebhookSubscription(context.Background(), sub))
	return sub
}

func testWebhookSubscriptions(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	a := subscribe(t, s, "whs-a", webhook.AccessKeyCreated, "audit.CreateUser")
	b := subscribe(t, s, "whs-b", webhook.RootKeyUsed)
	got, err := s.WebhookSubscription(ctx, webhookAccount, "whs-a")
	must(t, err)
	if got.ID != a.ID || got.URL != a.URL || string(got.SealedURL) != "sealed-url-whs-a" || !slices.Equal(got.Events, a.Events) || !got.CreatedAt.Equal(t0) ||
		len(got.Secrets) != 1 || string(got.Secrets[0]) != "sealed-whs-a" {
		t.Fatalf("WebhookSubscription = %+v", got)
	}
	_, err = s.WebhookSubscription(ctx, "999999999999", "whs-a")
	wantErr(t, err, keyward.ErrNoSuchWebhookSubscription)
	list, err := s.ListWebhookSubscriptions(ctx, webhookAccount)
	must(t, err)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("ListWebhookSubscriptions = %+v", list)
	}
	wantErr(t, s.DeleteWebhookSubscription(ctx, "999999999999", "whs-a"), keyward.ErrNoSuchWebhookSubscription)
	must(t, s.DeleteWebhookSubscription(ctx, webhookAccount, "whs-a"))
	wantErr(t, s.DeleteWebhookSubscription(ctx, webhookAccount, "whs-a"), keyward.ErrNoSuchWebhookSubscription)
	if list, _ := s.ListWebhookSubscriptions(ctx, webhookAccount); len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("after delete: %+v", list)
	}
}

func testConcurrentWebhookQuota(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	_, err := s.InitAccount(ctx, keyward.Account{ID: webhookAccount, CreatedAt: t0}, nil)
	must(t, err)
	n := keyward.MaxWebhookSubscriptions + 10
	ok := countOK(t, concurrentErrors(n, func(i int) error {
		return s.CreateWebhookSubscription(ctx, keyward.WebhookSubscription{ID: fmt.Sprintf("whs-%02d", i), AccountID: webhookAccount,
			URL: "https://hooks.example.com/", SealedURL: []byte("u"), Secrets: [][]byte{[]byte("x")}, Events: []string{webhook.AccessKeyCreated}, CreatedAt: t0})
	}), keyward.ErrWebhookSubscriptionQuota)
	if ok != keyward.MaxWebhookSubscriptions {
		t.Fatalf("%d subscriptions created, quota %d", ok, keyward.MaxWebhookSubscriptions)
	}
}

// claimAll claims every delivery due at now.
func claimAll(t *testing.T, s keyward.Store, now time.Time) []webhook.Delivery {
	t.Helper()
	ds, err := s.(outboxStore).Claim(context.Background(), webhook.ClaimQuery{Now: now, Limit: 100, Lease: time.Minute, PerSubscription: 100})
	must(t, err)
	return ds
}

func decode(t *testing.T, d webhook.Delivery) webhook.Event {
	t.Helper()
	var e webhook.Event
	if err := json.Unmarshal(d.Body, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// testDeliveriesWithTheChange: a change's event writes a delivery to each
// subscriber in the change's transaction, and a change that fails writes
// none.
func testDeliveriesWithTheChange(t *testing.T, s keyward.Store) {
	createUser(t, s, "alice")
	subscribe(t, s, "whs-created", webhook.AccessKeyCreated)
	subscribe(t, s, "whs-audit", "audit.CreateAccessKey", "audit.DeleteUser")
	subscribe(t, s, "whs-other", webhook.AccessKeyDeleted)
	event := func(id string) (keyward.Store, *keyward.PendingEvent) {
		pe := &keyward.PendingEvent{Event: keyward.Account{ID: webhookAccount}.NewEvent(keyward.EventSourceIAM, "CreateAccessKey", t0)}
		pe.Event.EventID = id
		pe.Event.UserIdentity = keyward.EventIdentity{Type: "Root", AccountID: webhookAccount}
		pe.Event.RequestParameters = map[string]any{"userName": "alice"}
		return s.Recording(pe), pe
	}
	ctx := context.Background()
	k := key()
	w, pe := event("evt-1")
	pe.Event.ResponseElements = map[string]any{"accessKey": map[string]any{"accessKeyId": k.ID, "userName": "alice", "status": "Active",
		"createDate": t0.Format(time.RFC3339)}}
	_, err := w.CreateAccessKey(ctx, "alice", k)
	must(t, err)
	// A change that fails (a third key for alice's quota of two is fine;
	// a user that does not exist is not) writes no delivery.
	w, _ = event("evt-2")
	_, err = w.CreateAccessKey(ctx, "nobody", key())
	wantErr(t, err, keyward.ErrNoSuchUser)

	ds := claimAll(t, s, t0)
	if len(ds) != 2 {
		t.Fatalf("claimed %d deliveries, want 2: %+v", len(ds), ds)
	}
	bySub := map[string]webhook.Event{}
	for _, d := range ds {
		bySub[d.Subscription.ID] = decode(t, d)
	}
	created, audit := bySub["whs-created"], bySub["whs-audit"]
	if created.Type != "io.keyward.access-key.created" || created.Subject != k.ID || created.Data.AccessKeyID != k.ID ||
		created.Data.UserName != "alice" || created.Data.AccountID != webhookAccount || created.Data.Status != "Active" ||
		created.Source != "keyward://keyward/accounts/"+webhookAccount || created.ID != "evt-1.access-key.created" {
		t.Fatalf("access-key.created = %+v", created)
	}
	if audit.Type != "io.keyward.audit.CreateAccessKey" || audit.Data.EventID != "evt-1" || len(audit.Data.Record) == 0 {
		t.Fatalf("audit.CreateAccessKey = %+v", audit)
	}
	// Written again (a retried batch), the event is delivered once.
	if _, err := s.(outboxStore).EnqueueDelivery(context.Background(), "whs-created", created.ID, created.Type, []byte("{}"), t0); err != nil {
		t.Fatal(err)
	}
	if ds = claimAll(t, s, t0.Add(time.Hour)); len(ds) != 2 {
		t.Fatalf("after a second write, %d deliveries", len(ds))
	}
	// Pruning the audit trail prunes delivered events, and only those.
	o := s.(outboxStore)
	must(t, o.Succeeded(context.Background(), ds[0].ID, ds[0].Attempt, t0.Add(time.Hour)))
	must(t, o.Park(context.Background(), ds[1].ID, ds[1].Attempt, t0.Add(time.Hour), "gave up"))
	_, err = s.PruneEvents(context.Background(), t0.Add(2*time.Hour))
	must(t, err)
	if ps, _ := o.Parked(context.Background(), webhookAccount, 10); len(ps) != 1 {
		t.Fatalf("pruning removed a parked delivery: %+v", ps)
	}
	if _, err := o.EnqueueDelivery(context.Background(), ds[0].Subscription.ID, created.ID, created.Type, []byte("{}"), t0); err != nil {
		t.Fatal(err)
	}
	// The pruned delivery's ID is free again: written again, it is due.
	if again := claimAll(t, s, t0.Add(3*time.Hour)); len(again) != 1 || again[0].ID != ds[0].ID {
		t.Fatalf("after pruning: %+v", again)
	}
}

func testRootKeyUsed(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	root := key()
	_, err := s.InitAccount(ctx, keyward.Account{ID: webhookAccount, CreatedAt: t0}, &root)
	must(t, err)
	createUser(t, s, "bob")
	bobs := key()
	_, err = s.CreateAccessKey(ctx, "bob", bobs)
	must(t, err)
	subscribe(t, s, "whs-root", webhook.RootKeyUsed)
	use := func(id string, at time.Time) keyward.AccessKeyUse {
		return keyward.AccessKeyUse{AccessKeyID: id, LastUse: keyward.LastUse{Time: at, Service: "iam", Region: "eu-west-1"}}
	}
	at := t0.Truncate(time.Hour).Add(time.Minute)
	must(t, s.RecordAccessKeyUses(ctx, []keyward.AccessKeyUse{use(root.ID, at), use(bobs.ID, at)}))
	must(t, s.RecordAccessKeyUses(ctx, []keyward.AccessKeyUse{use(root.ID, at.Add(30*time.Minute))})) // the same hour
	must(t, s.RecordAccessKeyUses(ctx, []keyward.AccessKeyUse{use(root.ID, at.Add(time.Hour))}))      // the next
	ds := claimAll(t, s, at.Add(2*time.Hour))
	if len(ds) != 2 {
		t.Fatalf("%d root-key.used deliveries, want one per hour: %+v", len(ds), ds)
	}
	e := decode(t, ds[0])
	if e.Type != "io.keyward.root-key.used" || e.Data.AccessKeyID != root.ID || e.Data.UserName != webhook.RootUserName ||
		e.Data.Region != "eu-west-1" || e.Data.Service != "iam" || e.Data.AccountID != webhookAccount {
		t.Fatalf("root-key.used = %+v", e)
	}
}

// signInFailure is carol's failed console sign-in in account at at, the
// event id.
func signInFailure(t *testing.T, account, id string, at time.Time) keyward.StoredEvent {
	e := keyward.Account{ID: account}.NewEvent(keyward.EventSourceSignIn, "ConsoleLogin", at)
	e.EventID, e.EventType = id, keyward.EventTypeConsoleSignIn
	e.UserIdentity = keyward.EventIdentity{Type: "IAMUser", UserName: "carol", AccountID: account}
	e.ResponseElements = map[string]any{"ConsoleLogin": "Failure"}
	se, err := e.Stored()
	must(t, err)
	return se
}

func testSignInFailures(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	subscribe(t, s, "whs-signin", webhook.ConsoleSignInFailures)
	failure := func(i int, at time.Time) keyward.StoredEvent {
		return signInFailure(t, webhookAccount, fmt.Sprintf("signin-%02d", i), at)
	}
	// Four failures a minute apart: no event; the fifth within five
	// minutes sends one, and the sixth, five failures within the window
	// again, none: one event per subscription and window.
	var batch []keyward.StoredEvent
	for i := range 6 {
		batch = append(batch, failure(i, t0.Add(time.Duration(i)*time.Minute)))
	}
	must(t, s.AppendEvents(ctx, batch[:4]))
	if ds := claimAll(t, s, t0.Add(time.Hour)); len(ds) != 0 {
		t.Fatalf("sent below the threshold: %+v", ds)
	}
	must(t, s.AppendEvents(ctx, batch[4:6]))
	ds := claimAll(t, s, t0.Add(time.Hour))
	if len(ds) != 1 {
		t.Fatalf("%d console.sign-in-failures deliveries, want 1", len(ds))
	}
	e := decode(t, ds[0])
	if e.Type != "io.keyward.console.sign-in-failures" || e.Data.Failures != 5 || e.Data.UserName != "carol" || e.Subject != "carol" {
		t.Fatalf("console.sign-in-failures = %+v", e)
	}
}

// testSignInFailuresPerAccount: console.sign-in-failures counts the
// failed sign-ins of the subscription's account alone. Another account's
// failures (every account's trail is in one table) neither reach the
// threshold for it nor show in its count: a subscriber would otherwise
// learn how many sign-ins failed in the other accounts, and be alerted
// for them.
func testSignInFailuresPerAccount(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	subscribe(t, s, "whs-signin", webhook.ConsoleSignInFailures)
	failure := func(account string, i int, at time.Time) keyward.StoredEvent {
		return signInFailure(t, account, fmt.Sprintf("signin-%s-%02d", account, i), at)
	}
	var batch []keyward.StoredEvent
	for i := range 4 {
		batch = append(batch, failure("999999999999", i, t0.Add(time.Duration(i)*time.Second)))
	}
	must(t, s.AppendEvents(ctx, batch))
	must(t, s.AppendEvents(ctx, []keyward.StoredEvent{failure(webhookAccount, 0, t0.Add(time.Minute))}))
	if ds := claimAll(t, s, t0.Add(time.Hour)); len(ds) != 0 {
		t.Fatalf("one failed sign-in of the account, four of another, sent %d console.sign-in-failures: %s", len(ds), ds[0].Body)
	}
}

func init() { suite(webhookTests()...) }
