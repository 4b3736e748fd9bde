package lifecycle_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/lifecycle"
)

// accountB is a second account of the installation.
const accountB = "222233334444"

// inAccount is the context of a request of the root user of account.
func inAccount(k *kwtest.Server, account string) context.Context {
	return keyward.WithCaller(context.Background(), &keyward.RequestContext{
		Principal: keyward.Principal{AccountID: account, Root: true}, CurrentTime: k.Clock.Now()})
}

// accountEvents returns the lifecycle's events in account's trail.
func accountEvents(t *testing.T, k *kwtest.Server, account string) []keyward.Event {
	t.Helper()
	must(t, k.Audit.Flush(context.Background()))
	stored, _, err := k.Store.InAccount(account).LookupEvents(context.Background(), keyward.EventQuery{Max: 1000})
	must(t, err)
	var out []keyward.Event
	for _, s := range stored {
		var e keyward.Event
		must(t, json.Unmarshal(s.Record, &e))
		if e.UserIdentity.InvokedBy == lifecycle.ServiceName {
			out = append(out, e)
		}
	}
	return out
}

// TestSweepActsInEveryAccountByItsPolicy: two accounts, each with its own
// key lifecycle policy; the sweep deactivates each account's keys by that
// account's policy alone, writes each transition's event in the key's
// account's trail, and a key's own expiry date is enforced in an account
// without a policy.
func TestSweepActsInEveryAccountByItsPolicy(t *testing.T) {
	k := kwtest.NewServer(t, kwtest.Options{})
	must(t, k.Store.CreateAccount(context.Background(), keyward.Account{ID: accountB, Name: "b", CreatedAt: k.Clock.Now()}, nil))
	const accountC = "555566667777" // no policy
	must(t, k.Store.CreateAccount(context.Background(), keyward.Account{ID: accountC, Name: "c", CreatedAt: k.Clock.Now()}, nil))
	ctxA, ctxB, ctxC := k.RootContext(), inAccount(k, accountB), inAccount(k, accountC)

	_, err := k.Lifecycle.PutAccessKeyPolicy(ctxA, lifecycle.PolicyInput{MaxAge: "30d"})
	must(t, err)
	_, err = k.Lifecycle.PutAccessKeyPolicy(ctxB, lifecycle.PolicyInput{MaxAge: "90d"})
	must(t, err)
	// Each account reads its own policy.
	for _, v := range []struct {
		ctx  context.Context
		want time.Duration
	}{{ctxA, 30 * day}, {ctxB, 90 * day}} {
		p, err := k.Lifecycle.AccessKeyPolicy(v.ctx)
		must(t, err)
		if p.MaxAge.After != v.want {
			t.Fatalf("max age %v, want %v", p.MaxAge.After, v.want)
		}
	}
	if _, err := k.Lifecycle.AccessKeyPolicy(ctxC); keyward.ErrorCode(err) != keyward.ENoSuchEntity {
		t.Fatalf("account C's policy: %v, want NoSuchEntity", err)
	}

	keyOf := func(ctx context.Context) string {
		_, err := k.IAM.CreateUser(ctx, "alice", "/", nil)
		must(t, err)
		key, _, err := k.IAM.CreateAccessKey(ctx, "alice")
		must(t, err)
		return key.ID
	}
	a, b, c := keyOf(ctxA), keyOf(ctxB), keyOf(ctxC)
	_, err = k.IAM.CreateUser(ctxC, "bob", "/", nil)
	must(t, err)
	expiring, _, err := k.IAM.CreateExpiringAccessKey(ctxC, "bob", "", 40*day)
	must(t, err)

	statuses := func() [4]string {
		return [4]string{status(t, k, a), status(t, k, b), status(t, k, c), status(t, k, expiring.ID)}
	}
	sweep(t, k)
	if got := statuses(); got != [4]string{"Active", "Active", "Active", "Active"} {
		t.Fatalf("at first: %v", got)
	}
	k.Clock.Add(31 * day)
	sweep(t, k)
	if got := statuses(); got != [4]string{"Inactive", "Active", "Active", "Active"} {
		t.Fatalf("after 31 days (A's max age 30d, B's 90d): %v", got)
	}
	k.Clock.Add(10 * day)
	sweep(t, k)
	if got := statuses(); got != [4]string{"Inactive", "Active", "Active", "Inactive"} {
		t.Fatalf("after 41 days (C's key expired at 40): %v", got)
	}
	k.Clock.Add(50 * day)
	sweep(t, k)
	if got := statuses(); got != [4]string{"Inactive", "Inactive", "Active", "Inactive"} {
		t.Fatalf("after 91 days: %v", got)
	}
	for _, v := range []struct {
		account, key, reason string
	}{{kwtest.AccountID, a, keyward.RuleMaxAge}, {accountB, b, keyward.RuleMaxAge}, {accountC, expiring.ID, keyward.RuleExpired}} {
		evs := accountEvents(t, k, v.account)
		if len(evs) != 1 || evs[0].RequestParameters["accessKeyId"] != v.key || evs[0].RequestParameters["reason"] != v.reason ||
			evs[0].RecipientAccountID != v.account || evs[0].UserIdentity.AccountID != v.account {
			t.Fatalf("account %s's lifecycle events: %+v", v.account, evs)
		}
	}
}
