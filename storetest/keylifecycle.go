package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keyward/keyward"
)

func keyLifecycleTests() []namedTest {
	return []namedTest{
		{"AccessKeyPolicy", testAccessKeyPolicy},
		{"KeyLifecycleTransitions", testKeyLifecycleTransitions},
		{"KeyLifecycleAccounts", testKeyLifecycleAccounts},
	}
}

// testAccessKeyPolicy: the policy is put, read whole and deleted once.
func testAccessKeyPolicy(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	_, err := s.AccessKeyPolicy(ctx)
	wantErr(t, err, keyward.ErrNoAccessKeyPolicy)
	p := keyward.AccessKeyPolicy{MaxAge: keyward.KeyRule{After: 90 * 24 * time.Hour, PathPrefix: "/svc/"}, Warn: 14 * 24 * time.Hour,
		Unused: keyward.KeyRule{After: time.Hour, ReportOnly: true, TagKey: "team", TagValue: "ops"}, UpdatedAt: t0}
	must(t, s.PutAccessKeyPolicy(ctx, p))
	got, err := s.AccessKeyPolicy(ctx)
	must(t, err)
	if got != p {
		t.Fatalf("got %+v, want %+v", got, p)
	}
	must(t, s.DeleteAccessKeyPolicy(ctx))
	wantErr(t, s.DeleteAccessKeyPolicy(ctx), keyward.ErrNoAccessKeyPolicy)
}

// testKeyLifecycleTransitions: keys carry their expiry date and the date
// they were deactivated; each rule selects what it makes due, and a
// transition happens only while the key is still due, with its event.
func testKeyLifecycleTransitions(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	must(t, s.CreateUser(ctx, user("lena"), quotas.Users))
	must(t, s.CreateUser(ctx, user("omar"), quotas.Users))
	mk := func(owner, id string, created, expires time.Time) {
		_, err := s.CreateAccessKey(ctx, owner, keyward.AccessKey{ID: id, Status: keyward.StatusActive, CreatedAt: created, ExpiresAt: expires, SealedSecret: []byte("x")})
		must(t, err)
	}
	now := t0.Add(100 * 24 * time.Hour)
	mk("lena", "AKIALIFECYCLE0000001", t0, now.Add(-time.Minute)) // expired
	mk("lena", "AKIALIFECYCLE0000002", now.Add(-time.Hour), time.Time{})
	mk("omar", "AKIALIFECYCLE0000003", t0, time.Time{})
	k, err := s.AccessKey(ctx, "AKIALIFECYCLE0000001")
	must(t, err)
	if !k.ExpiresAt.Equal(now.Add(-time.Minute)) || !k.InactiveSince.IsZero() {
		t.Fatalf("key read back: %+v", k)
	}
	ids := func(q keyward.DueKeys) []string {
		t.Helper()
		keys, _, err := s.DueAccessKeys(ctx, q)
		must(t, err)
		var out []string
		for _, k := range keys {
			out = append(out, k.ID)
		}
		return out
	}
	same := func(got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	}
	same(ids(keyward.DueKeys{Reason: keyward.RuleExpired, Cutoff: now}), "AKIALIFECYCLE0000001")
	same(ids(keyward.DueKeys{Reason: keyward.RuleMaxAge, Cutoff: now.Add(-90 * 24 * time.Hour)}), "AKIALIFECYCLE0000001", "AKIALIFECYCLE0000003")
	same(ids(keyward.DueKeys{Reason: keyward.RuleMaxAge, Cutoff: now.Add(-90 * 24 * time.Hour), After: "AKIALIFECYCLE0000001"}), "AKIALIFECYCLE0000003")
	// A key used recently is not unused; a key never used counts from its creation.
	must(t, s.RecordAccessKeyUses(ctx, []keyward.AccessKeyUse{{AccessKeyID: "AKIALIFECYCLE0000003", LastUse: keyward.LastUse{Time: now.Add(-time.Hour), Service: "iam", Region: "us-east-1"}}}))
	same(ids(keyward.DueKeys{Reason: keyward.RuleUnused, Cutoff: now.Add(-45 * 24 * time.Hour)}), "AKIALIFECYCLE0000001")

	event := func(id string) keyward.StoredEvent {
		return keyward.StoredEvent{ID: "evt-" + id, Name: "UpdateAccessKey", UserName: "lena", Source: keyward.EventSourceIAM, Time: now, Record: []byte("{}")}
	}
	tr := keyward.KeyTransition{AccessKeyID: "AKIALIFECYCLE0000001", Reason: keyward.RuleExpired, Cutoff: now, At: now, Event: event("1")}
	done, err := s.TransitionAccessKey(ctx, tr)
	must(t, err)
	tr.Event = event("1-again")
	again, err := s.TransitionAccessKey(ctx, tr)
	must(t, err)
	if !done || again {
		t.Fatalf("transition made %v, then again %v", done, again)
	}
	// No longer due: a key used since is left alone.
	if done, err := s.TransitionAccessKey(ctx, keyward.KeyTransition{AccessKeyID: "AKIALIFECYCLE0000003", Reason: keyward.RuleUnused,
		Cutoff: now.Add(-45 * 24 * time.Hour), At: now, Event: event("3")}); err != nil || done {
		t.Fatalf("a key used since was deactivated: %v %v", done, err)
	}
	evs, _, err := s.LookupEvents(ctx, keyward.EventQuery{Max: 10})
	must(t, err)
	if len(evs) != 1 || evs[0].ID != "evt-1" {
		t.Fatalf("events: %+v", evs)
	}
	k, err = s.AccessKey(ctx, "AKIALIFECYCLE0000001")
	must(t, err)
	if k.Status != keyward.StatusInactive || !k.InactiveSince.Equal(now) {
		t.Fatalf("after the transition: %+v", k)
	}
	// Deactivated by hand, a key is inactive since then; reactivated, it is not.
	must(t, s.UpdateAccessKey(ctx, "lena", "AKIALIFECYCLE0000002", keyward.StatusInactive, now.Add(time.Minute)))
	must(t, s.UpdateAccessKey(ctx, "lena", "AKIALIFECYCLE0000002", keyward.StatusInactive, now.Add(time.Hour)))
	k, err = s.AccessKey(ctx, "AKIALIFECYCLE0000002")
	must(t, err)
	if !k.InactiveSince.Equal(now.Add(time.Minute)) {
		t.Fatalf("inactive since %v", k.InactiveSince)
	}
	same(ids(keyward.DueKeys{Reason: keyward.RuleDeleteInactive, Cutoff: now.Add(time.Minute)}), "AKIALIFECYCLE0000001", "AKIALIFECYCLE0000002")
	must(t, s.UpdateAccessKey(ctx, "lena", "AKIALIFECYCLE0000002", keyward.StatusActive, now.Add(2*time.Hour)))
	same(ids(keyward.DueKeys{Reason: keyward.RuleDeleteInactive, Cutoff: now.Add(3 * time.Hour)}), "AKIALIFECYCLE0000001")
	done, err = s.TransitionAccessKey(ctx, keyward.KeyTransition{AccessKeyID: "AKIALIFECYCLE0000001", Reason: keyward.RuleDeleteInactive,
		Cutoff: now, At: now, Event: event("delete")})
	must(t, err)
	if _, err := s.AccessKey(ctx, "AKIALIFECYCLE0000001"); !done || !errors.Is(err, keyward.ErrNoSuchAccessKey) {
		t.Fatalf("delete: %v %v", done, err)
	}

	// A warning is written once per end of life.
	warn := keyward.KeyTransition{AccessKeyID: "AKIALIFECYCLE0000003", Warn: t0.Add(90 * 24 * time.Hour), At: now, Event: event("warn")}
	same(ids(keyward.DueKeys{Reason: keyward.RuleMaxAge, Warn: true, MaxAge: 90 * 24 * time.Hour, Cutoff: now}), "AKIALIFECYCLE0000002", "AKIALIFECYCLE0000003")
	done, err = s.TransitionAccessKey(ctx, warn)
	must(t, err)
	warn.Event = event("warn-again")
	again, err = s.TransitionAccessKey(ctx, warn)
	must(t, err)
	if !done || again {
		t.Fatalf("warning made %v, then again %v", done, again)
	}
	same(ids(keyward.DueKeys{Reason: keyward.RuleMaxAge, Warn: true, MaxAge: 90 * 24 * time.Hour, Cutoff: now}), "AKIALIFECYCLE0000002")

	must(t, s.UpdateTags(ctx, keyward.TaggedUser, "omar", func([]keyward.Tag) ([]keyward.Tag, error) {
		return []keyward.Tag{{Key: keyward.ExemptTagKey, Value: keyward.ExemptTagValue}}, nil
	}))
	tagged, err := s.UsersTagged(ctx, keyward.ExemptTagKey, keyward.ExemptTagValue)
	must(t, err)
	if len(tagged) != 1 || !tagged[user("omar").ID] {
		t.Fatalf("tagged: %v", tagged)
	}
	byAge, expiring, err := s.CountAccessKeys(ctx, []time.Time{now.Add(-24 * time.Hour)}, now)
	must(t, err)
	if len(byAge) != 2 || byAge[0] != 1 || byAge[1] != 1 || expiring != 0 {
		t.Fatalf("counts: %v %d", byAge, expiring)
	}
}

// testKeyLifecycleAccounts: each account has its own policy, which the
// sweep pages through across accounts; a view's due keys and tagged users
// are its account's, while the keys past their own expiry dates are read
// across every account at once, each with its account, and the metrics'
// counts are the installation's.
func testKeyLifecycleAccounts(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	a, b, _, rootB := twoAccounts(t, s)
	pa := keyward.AccessKeyPolicy{MaxAge: keyward.KeyRule{After: 30 * 24 * time.Hour}, UpdatedAt: t0}
	pb := keyward.AccessKeyPolicy{Unused: keyward.KeyRule{After: 90 * 24 * time.Hour}, UpdatedAt: t0}
	must(t, a.PutAccessKeyPolicy(ctx, pa))
	must(t, b.PutAccessKeyPolicy(ctx, pb))
	for _, v := range []struct {
		view keyward.Store
		want keyward.AccessKeyPolicy
	}{{a, pa}, {b, pb}} {
		got, err := v.view.AccessKeyPolicy(ctx)
		must(t, err)
		if got != v.want {
			t.Fatalf("policy %+v, want %+v", got, v.want)
		}
	}
	var seen []keyward.AccountKeyPolicy
	for after := ""; ; {
		page, more, err := s.AccessKeyPolicies(ctx, after, 1)
		must(t, err)
		seen = append(seen, page...)
		if !more {
			break
		}
		after = page[len(page)-1].AccountID
	}
	if len(seen) != 2 || seen[0].AccountID != accountA || seen[0].Policy != pa || seen[1].AccountID != accountB || seen[1].Policy != pb {
		t.Fatalf("policies of every account: %+v", seen)
	}

	now := t0.Add(100 * 24 * time.Hour)
	for _, v := range []struct {
		view      keyward.Store
		owner, id string
		expires   time.Time
		tagExempt bool
	}{
		{a, "ann", "AKIAACCOUNTSA0000001", now.Add(-time.Minute), true},
		{b, "bea", "AKIAACCOUNTSB0000001", now.Add(-time.Hour), true},
		{b, "bea", "AKIAACCOUNTSB0000002", time.Time{}, true},
	} {
		if _, err := v.view.User(ctx, v.owner); err != nil {
			must(t, v.view.CreateUser(ctx, user(v.owner), quotas.Users))
			must(t, v.view.UpdateTags(ctx, keyward.TaggedUser, v.owner, func([]keyward.Tag) ([]keyward.Tag, error) {
				return []keyward.Tag{{Key: keyward.ExemptTagKey, Value: keyward.ExemptTagValue}}, nil
			}))
		}
		_, err := v.view.CreateAccessKey(ctx, v.owner, keyward.AccessKey{ID: v.id, Status: keyward.StatusActive, CreatedAt: t0, ExpiresAt: v.expires, SealedSecret: []byte("x")})
		must(t, err)
	}
	ids := func(view keyward.Store, q keyward.DueKeys) map[string]string {
		t.Helper()
		keys, _, err := view.DueAccessKeys(ctx, q)
		must(t, err)
		out := map[string]string{}
		for _, k := range keys {
			out[k.ID] = k.AccountID
		}
		return out
	}
	want := func(got map[string]string, want ...string) {
		t.Helper()
		if len(got) != len(want)/2 {
			t.Fatalf("due keys %v, want %v", got, want)
		}
		for i := 0; i < len(want); i += 2 {
			if got[want[i]] != want[i+1] {
				t.Fatalf("due keys %v, want %v", got, want)
			}
		}
	}
	expired := keyward.DueKeys{Reason: keyward.RuleExpired, Cutoff: now}
	want(ids(a, expired), "AKIAACCOUNTSA0000001", accountA)
	want(ids(b, expired), "AKIAACCOUNTSB0000001", accountB)
	expired.AllAccounts = true
	want(ids(a, expired), "AKIAACCOUNTSA0000001", accountA, "AKIAACCOUNTSB0000001", accountB)
	want(ids(b, keyward.DueKeys{Reason: keyward.RuleMaxAge, Cutoff: now}), "AKIAACCOUNTSB0000001", accountB, "AKIAACCOUNTSB0000002", accountB, rootB.ID, accountB)
	// Tagged when created, too.
	cy := user("cy")
	cy.Tags = []keyward.Tag{{Key: keyward.ExemptTagKey, Value: keyward.ExemptTagValue}}
	must(t, b.CreateUser(ctx, cy, quotas.Users))
	for _, v := range []struct {
		view   keyward.Store
		owners []string
	}{{a, []string{"ann"}}, {b, []string{"bea", "cy"}}} {
		tagged, err := v.view.UsersTagged(ctx, keyward.ExemptTagKey, keyward.ExemptTagValue)
		must(t, err)
		if len(tagged) != len(v.owners) {
			t.Fatalf("users tagged in %s's account: %v", v.owners[0], tagged)
		}
		for _, o := range v.owners {
			if !tagged[user(o).ID] {
				t.Fatalf("users tagged in %s's account: %v, without %s", v.owners[0], tagged, o)
			}
		}
	}
	// A transition of another account's key writes its event in that
	// account's trail.
	e := keyward.Account{ID: accountB}.NewEvent(keyward.EventSourceIAM, "UpdateAccessKey", now)
	e.EventID, e.RequestID = "lifecycle-accounts-1", "lifecycle-accounts-1"
	stored, err := e.Stored()
	must(t, err)
	done, err := s.TransitionAccessKey(ctx, keyward.KeyTransition{AccessKeyID: "AKIAACCOUNTSB0000001", Reason: keyward.RuleExpired, Cutoff: now, At: now, Event: stored})
	must(t, err)
	if !done {
		t.Fatal("B's expired key was not deactivated")
	}
	for _, v := range []struct {
		view keyward.Store
		n    int
	}{{a, 0}, {b, 1}} {
		evs, _, err := v.view.LookupEvents(ctx, keyward.EventQuery{EventID: "lifecycle-accounts-1"})
		must(t, err)
		if len(evs) != v.n {
			t.Fatalf("the transition's event in a view: %d, want %d", len(evs), v.n)
		}
	}
	byAge, expiring, err := b.CountAccessKeys(ctx, []time.Time{now.Add(-24 * time.Hour)}, now)
	must(t, err)
	// The installation's active keys: A's (expired, not yet deactivated),
	// B's second, and the two root keys.
	if byAge[0] != 0 || byAge[1] != 4 || expiring != 1 {
		t.Fatalf("counts of the installation: %v %d", byAge, expiring)
	}
}

func init() { suite(keyLifecycleTests()...) }
