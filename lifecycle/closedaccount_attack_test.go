package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/lifecycle"
)

// TestSweepLeavesClosedAccountsAlone: the background sweep does nothing
// in a closed account: none of its keys is warned about, deactivated or
// deleted by its policy or by its own expiry date, and no lifecycle
// event is written in its trail (where its webhooks would deliver it),
// while an open account's keys are swept as before. Before the fix, the
// sweep went on acting in a closed account, on its behalf, for ever.
func TestSweepLeavesClosedAccountsAlone(t *testing.T) {
	k := kwtestServer(t)
	ctx := context.Background()
	must(t, k.Store.CreateAccount(ctx, keyward.Account{ID: accountB, Name: "b", CreatedAt: k.Clock.Now()}, nil))
	ctxA, ctxB := k.RootContext(), inAccount(k, accountB)
	for _, c := range []context.Context{ctxA, ctxB} {
		_, err := k.Lifecycle.PutAccessKeyPolicy(c, lifecycle.PolicyInput{MaxAge: "30d", Warn: "7d", DeleteInactive: "1d"})
		must(t, err)
	}
	keyOf := func(ctx context.Context) (string, string) {
		_, err := k.IAM.CreateUser(ctx, "alice", "/", nil)
		must(t, err)
		key, _, err := k.IAM.CreateAccessKey(ctx, "alice")
		must(t, err)
		_, err = k.IAM.CreateUser(ctx, "bob", "/", nil)
		must(t, err)
		exp, _, err := k.IAM.CreateExpiringAccessKey(ctx, "bob", "", 10*day)
		must(t, err)
		return key.ID, exp.ID
	}
	a, aExp := keyOf(ctxA)
	b, bExp := keyOf(ctxB)
	sweep(t, k)

	// B is closed (CloseAccount's store write), and its closure announced.
	closeAccount(t, k, accountB)

	for range 3 {
		k.Clock.Add(20 * day)
		sweep(t, k)
	}
	if got := [2]string{status(t, k, a), status(t, k, aExp)}; got != [2]string{"deleted", "deleted"} {
		t.Fatalf("the open account's keys: %v", got)
	}
	if got := [2]string{status(t, k, b), status(t, k, bExp)}; got != [2]string{"Active", "Active"} {
		t.Errorf("the closed account's keys were swept: %v", got)
	}
	if evs := accountEvents(t, k, accountB); len(evs) != 0 {
		t.Errorf("lifecycle events in the closed account's trail: %d, first %s %v", len(evs), evs[0].EventName, evs[0].RequestParameters)
	}
}

// kwtestServer is the test's server.
func kwtestServer(t *testing.T) *kwtest.Server { return kwtest.NewServer(t, kwtest.Options{}) }

// closeAccount closes account, a member of an organization of the first
// account's made for it, as CloseAccount does: the store's write, then
// its change announced.
func closeAccount(t *testing.T, k *kwtest.Server, account string) {
	t.Helper()
	ctx := context.Background()
	now := k.Clock.Now()
	o := keyward.Organization{ID: "o-closetest1", MasterAccountID: kwtest.AccountID, FeatureSet: keyward.FeatureSetAll, RootID: "r-clo1",
		RootName: keyward.RootName, CreatedAt: now}
	must(t, k.Store.CreateOrganization(ctx, o, keyward.OrgAccount{ID: o.MasterAccountID, OrganizationID: o.ID, ParentID: o.RootID,
		JoinedMethod: keyward.JoinedCreated, JoinedAt: now}, nil))
	must(t, k.Store.AddOrgAccount(ctx, o.ID, keyward.OrgAccount{ID: account, ParentID: o.RootID, JoinedMethod: keyward.JoinedCreated, JoinedAt: now}))
	must(t, k.Store.CloseOrgAccount(ctx, o.ID, account, now, now.Add(-time.Hour), func(int) int { return 1000 }))
	k.IAM.Changes(keyward.Change{Kind: keyward.ChangedOrganizations})
}
