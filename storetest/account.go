package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/keyward/keyward"
)

func accountTests() []namedTest {
	return []namedTest{
		{"AccountAliases", testAccountAliases},
		{"ConcurrentAccountAliases", testConcurrentAccountAliases},
		{"AccountCounts", testAccountCounts},
		{"AuthorizationDetails", testAuthorizationDetails},
	}
}

func initAccount(t *testing.T, s keyward.Store) {
	_, err := s.InitAccount(context.Background(), keyward.Account{ID: "123456789012", CreatedAt: t0}, nil)
	must(t, err)
}

func testAccountAliases(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	must(t, s.CreateAccountAlias(ctx, "one"))
	wantErr(t, s.CreateAccountAlias(ctx, "one"), keyward.ErrAliasExists)
	wantErr(t, s.CreateAccountAlias(ctx, "two"), keyward.ErrAliasQuota)
	wantErr(t, s.DeleteAccountAlias(ctx, "two"), keyward.ErrNoSuchAlias)
	must(t, s.DeleteAccountAlias(ctx, "one"))
	if as, err := s.AccountAliases(ctx); err != nil || len(as) != 0 {
		t.Fatalf("aliases %v, %v", as, err)
	}
}

// testConcurrentAccountAliases: of different aliases created at once, one
// is kept.
func testConcurrentAccountAliases(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.CreateAccountAlias(ctx, fmt.Sprintf("alias-%d", i)); err != nil && err != keyward.ErrAliasQuota {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if as, err := s.AccountAliases(ctx); err != nil || len(as) != 1 {
		t.Fatalf("aliases %v, %v", as, err)
	}
}

func testAccountCounts(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	createUser(t, s, "alice")
	createUser(t, s, "bob")
	must(t, s.CreateGroup(ctx, group("g")))
	must(t, s.CreatePolicy(ctx, managed("P"), policyDoc("s3:*")))
	must(t, s.CreateMFADevice(ctx, device("phone")))
	_, err := s.CreateAccessKey(ctx, "", key())
	must(t, err)
	c, err := s.AccountCounts(ctx)
	must(t, err)
	want := keyward.AccountCounts{Users: 2, Groups: 1, Policies: 1, MFADevices: 1, PolicyVersionsInUse: 1, RootAccessKeys: 1}
	if c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
}

// testAuthorizationDetails: a page of users carries each one's own
// policies, groups and tags, not a neighbour's.
func testAuthorizationDetails(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	for _, n := range []string{"alice", "bob", "carol"} {
		createUser(t, s, n)
	}
	must(t, s.PutUserTag(ctx, "bob", keyward.Tag{Key: "team", Value: "ops"}))
	must(t, s.CreateGroup(ctx, group("ops")))
	must(t, s.AddUserToGroup(ctx, "ops", "bob"))
	must(t, s.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "carol"}, "mine", policyDoc("s3:*")))
	p := managed("P")
	must(t, s.CreatePolicy(ctx, p, policyDoc("ec2:*")))
	must(t, s.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityGroup, Name: "ops"}, p.ARN))
	must(t, s.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}, p.ARN))

	us, more, err := s.UserDetails(ctx, "", 2)
	must(t, err)
	if len(us) != 2 || !more || us[0].User.Name != "alice" || len(us[0].Attached) != 1 || len(us[0].Groups) != 0 ||
		us[1].User.Name != "bob" || len(us[1].Groups) != 1 || len(us[1].User.Tags) != 1 || len(us[1].Attached) != 0 {
		t.Fatalf("first page %+v", us)
	}
	us, more, err = s.UserDetails(ctx, "bob", 2)
	must(t, err)
	if len(us) != 1 || more || us[0].User.Name != "carol" || len(us[0].Inline) != 1 || us[0].Inline[0].Document != policyDoc("s3:*") {
		t.Fatalf("second page %+v", us)
	}
	gs, _, err := s.GroupDetails(ctx, "", 10)
	must(t, err)
	if len(gs) != 1 || len(gs[0].Attached) != 1 {
		t.Fatalf("groups %+v", gs)
	}
	ps, _, err := s.PolicyDetails(ctx, "", 10)
	must(t, err)
	if len(ps) != 1 || ps[0].ARN != p.ARN || len(ps[0].Versions) != 1 || !ps[0].Versions[0].Default || ps[0].AttachmentCount != 2 {
		t.Fatalf("policies %+v", ps)
	}
	es, _, err := s.PolicyEntities(ctx, p.ARN, "", "/", "", "", 10)
	must(t, err)
	if len(es) != 2 || es[0].Kind != keyward.EntityGroup || es[1].Name != "alice" {
		t.Fatalf("entities %+v", es)
	}
}
