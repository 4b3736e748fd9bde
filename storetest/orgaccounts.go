package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
)

func init() {
	suite(
		namedTest{"OrganizationCreateAccount", orgTest(testOrganizationCreateAccount)},
		namedTest{"OrganizationConcurrentCreateAccount", orgTest(testOrganizationConcurrentCreateAccount)},
	)
}

// newMember is the account CreateOrgAccount makes of id, and its
// membership under parent.
func newMember(id, parent string) (keyward.Account, keyward.OrgAccount) {
	return keyward.Account{ID: id, Name: "tenant-" + id, Email: id + "@example.com", Status: keyward.AccountActive, CreatedAt: t0},
		keyward.OrgAccount{ID: id, ParentID: parent, JoinedMethod: keyward.JoinedCreated, JoinedAt: t0, Tags: []keyward.Tag{{Key: "team", Value: id}}}
}

// madeNothing fails t unless neither the account of id nor a membership
// of it in o exists.
func madeNothing(t *testing.T, s organizations.Store, o keyward.Organization, id string) {
	t.Helper()
	ctx := context.Background()
	if a, err := s.AccountByID(ctx, id); err == nil {
		t.Fatalf("account %s was made: %+v", id, a)
	}
	if _, err := s.OrgAccount(ctx, o.ID, id); err == nil {
		t.Fatalf("account %s was added to the organization", id)
	}
}

// testOrganizationCreateAccount: an account and its membership are made
// together or not at all; the quota counts the organization's accounts,
// its management account included, a closed one until it is gone, and a
// removed one not at all; no quota (0) counts nothing.
func testOrganizationCreateAccount(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	_, err := s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
	must(t, err)
	create := func(id string, max int, goneBefore time.Time) error {
		a, m := newMember(id, o.RootID)
		return s.CreateOrgAccount(ctx, o.ID, a, m, max, goneBefore)
	}

	// The management account and two members fill a quota of 3.
	must(t, create("222222222201", 3, t0))
	must(t, create("222222222202", 3, t0))
	wantErr(t, create("222222222203", 3, t0), keyward.ErrOrgAccountQuota)
	madeNothing(t, s, o, "222222222203")

	// What was made: the account, and its membership as given, with
	// FullAWSAccess attached since SCPs are enabled.
	a, err := s.AccountByID(ctx, "222222222201")
	if err != nil || a.Name != "tenant-222222222201" || a.Email != "222222222201@example.com" || a.Closed() {
		t.Fatalf("the account made: %+v, %v", a, err)
	}
	m, err := s.OrgAccount(ctx, o.ID, "222222222201")
	if err != nil || m.ParentID != o.RootID || m.JoinedMethod != keyward.JoinedCreated || len(m.Tags) != 1 || m.Tags[0].Value != "222222222201" {
		t.Fatalf("its membership: %+v, %v", m, err)
	}
	ps, _, err := s.PoliciesForTarget(ctx, o.ID, "222222222201", keyward.ServiceControlPolicyType, "", 20)
	if err != nil || len(ps) != 1 || ps[0].ID != keyward.FullAWSAccessID {
		t.Fatalf("its SCPs: %+v, %v", ps, err)
	}

	// A removed account is no longer the organization's: it frees its
	// place.
	must(t, s.RemoveOrgAccount(ctx, o.ID, "222222222202"))
	must(t, create("222222222203", 3, t0))
	wantErr(t, create("222222222204", 3, t0), keyward.ErrOrgAccountQuota)

	// A closed account counts until it is gone: closed at t1, it counts
	// while goneBefore is before t1.
	t1 := t0.Add(time.Hour)
	must(t, s.CloseOrgAccount(ctx, o.ID, "222222222203", t1, t0, func(int) int { return 100 }))
	wantErr(t, create("222222222204", 3, t1.Add(-time.Second)), keyward.ErrOrgAccountQuota)
	madeNothing(t, s, o, "222222222204")
	must(t, create("222222222204", 3, t1))

	// No quota: nothing is counted.
	must(t, create("222222222205", 0, t0))

	// The other errors make nothing either: an email another account has,
	// a parent that is not there, an organization that is not there.
	taken, tm := newMember("222222222206", o.RootID)
	taken.Email = "222222222201@example.com"
	wantErr(t, s.CreateOrgAccount(ctx, o.ID, taken, tm, 0, t0), keyward.ErrAccountEmailExists)
	madeNothing(t, s, o, "222222222206")
	orphan, om := newMember("222222222207", "ou-zzzz-zzzzzzzz")
	wantErr(t, s.CreateOrgAccount(ctx, o.ID, orphan, om, 0, t0), keyward.ErrNoSuchParent)
	madeNothing(t, s, o, "222222222207")
	lost, lm := newMember("222222222208", o.RootID)
	wantErr(t, s.CreateOrgAccount(ctx, "o-zzzzzzzzzz", lost, lm, 0, t0), keyward.ErrNotInOrganization)
	madeNothing(t, s, o, "222222222208")
	// An ID that is taken is ErrAccountExists, so that the caller draws
	// another.
	dup, dm := newMember("222222222201", o.RootID)
	dup.Email = "another@example.com"
	wantErr(t, s.CreateOrgAccount(ctx, o.ID, dup, dm, 0, t0), keyward.ErrAccountExists)
}

// testOrganizationConcurrentCreateAccount: of eight creations at once in
// an organization with room for one more account, one makes it; the
// others make nothing.
func testOrganizationConcurrentCreateAccount(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	ids := make([]string, 8)
	for i := range ids {
		ids[i] = fmt.Sprintf("2222222222%02d", i)
	}
	onlyOneWins(t, keyward.ErrOrgAccountQuota, func(i int) error {
		a, m := newMember(ids[i], o.RootID)
		return s.CreateOrgAccount(ctx, o.ID, a, m, 2, t0)
	})
	members, _, err := s.OrgAccounts(ctx, o.ID, "", "", 20)
	must(t, err)
	if len(members) != 2 {
		t.Fatalf("%d accounts in the organization, want 2: %+v", len(members), members)
	}
	made := 0
	for _, id := range ids {
		if _, err := s.AccountByID(ctx, id); err == nil {
			made++
		}
	}
	if made != 1 {
		t.Fatalf("%d accounts made, want 1", made)
	}
}
