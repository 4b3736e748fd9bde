package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keyward/keyward"
)

// The installation's accounts: each view sees only its own account's
// entities, names are unique per account, IDs across the installation.

func init() {
	suite(
		namedTest{"AccountsIsolated", testAccountsIsolated},
		namedTest{"AccountViewsCombine", testAccountViewsCombine},
		namedTest{"CreateAccount", testCreateAccount},
		namedTest{"ConcurrentCreateAccount", testConcurrentCreateAccount},
		namedTest{"AccountByAlias", testAccountByAlias},
		namedTest{"PruneEventsEveryAccount", testPruneEventsEveryAccount},
	)
}

// The suite's two accounts: A is the installation's first (InitAccount),
// B one it made besides.
const (
	accountA = "123456789012"
	accountB = "210987654321"
)

// twoAccounts makes accounts A and B, each with a root key, and returns
// their views (A's the store as opened) and the root keys.
func twoAccounts(t *testing.T, s keyward.Store) (a, b keyward.Store, rootA, rootB keyward.AccessKey) {
	t.Helper()
	ctx := context.Background()
	rootA, rootB = key(), key()
	_, err := s.InitAccount(ctx, keyward.Account{ID: accountA, CreatedAt: t0}, &rootA)
	must(t, err)
	must(t, s.CreateAccount(ctx, keyward.Account{ID: accountB, Name: "tenant-b", Email: "b@example.com", CreatedAt: t0}, &rootB))
	return s, s.InAccount(accountB), rootA, rootB
}

// sameNames makes, in the account view v, the entities every account of
// testAccountsIsolated holds under the same names: a user with a key, a
// group, a managed policy attached to the group, a role, an MFA device,
// an instance profile, an OIDC provider and an alias; IDs and ARNs are
// the account's own. It returns the user's and the key's IDs.
func sameNames(t *testing.T, v keyward.Store, account string) (userID, keyID string) {
	t.Helper()
	ctx := context.Background()
	u := user("alice")
	u.ID = "AIDA" + account + "ALICE"
	must(t, v.CreateUser(ctx, u, quotas.Users))
	k, err := v.CreateAccessKey(ctx, "alice", key())
	must(t, err)
	if k.AccountID != account {
		t.Fatalf("key created in account %s: %q", account, k.AccountID)
	}
	g := group("devs")
	g.ID = "AGPA" + account + "DEVS0"
	must(t, v.CreateGroup(ctx, g, quotas.Groups))
	must(t, v.AddUserToGroup(ctx, "devs", "alice", quotas.GroupsPerUser))
	p := keyward.ManagedPolicy{ID: "ANPA" + account + "READ0", Name: "Read", Path: "/", ARN: "arn:aws:iam::" + account + ":policy/Read", CreatedAt: t0, UpdatedAt: t0}
	must(t, v.CreatePolicy(ctx, p, policyDoc("s3:Get*"), quotas.Policies))
	must(t, v.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityGroup, Name: "devs"}, p.ARN, quotas.AttachedPoliciesPerGroup))
	must(t, v.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}, "own", policyDoc("iam:*"), quotas.UserPolicySize))
	must(t, v.CreateRole(ctx, keyward.Role{ID: "AROA" + account + "DEPLOY", Name: "deployer", Path: "/", TrustPolicy: "{}",
		MaxSessionDuration: 3600, CreatedAt: t0}, quotas.Roles))
	must(t, v.CreateMFADevice(ctx, keyward.MFADevice{SerialNumber: "arn:aws:iam::" + account + ":mfa/phone", Path: "/", Name: "phone",
		CreatedAt: t0, SealedSeed: []byte("seed")}))
	must(t, v.CreateInstanceProfile(ctx, keyward.InstanceProfile{ID: "AIPA" + account + "WEB00", Name: "web", Path: "/", CreatedAt: t0}, quotas.InstanceProfiles))
	must(t, v.CreateOIDCProvider(ctx, keyward.OIDCProvider{ARN: "arn:aws:iam::" + account + ":oidc-provider/issuer.example.com",
		URL: "https://issuer.example.com", CreatedAt: t0}, 10))
	must(t, v.CreateAccountAlias(ctx, "alias-"+account))
	must(t, v.PutPasswordPolicy(ctx, keyward.PasswordPolicy{MinimumPasswordLength: len(account)}))
	return u.ID, k.ID
}

// testAccountsIsolated: two accounts hold entities of the same names;
// each view reads, lists, counts and changes only its own, and a key
// found by its ID, from either view, carries its account.
func testAccountsIsolated(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	a, b, rootA, rootB := twoAccounts(t, s)
	userA, keyA := sameNames(t, a, accountA)
	userB, keyB := sameNames(t, b, accountB)
	// A name only account A has is not found in B.
	u := user("bob")
	u.ID = "AIDA" + accountA + "BOB00"
	must(t, a.CreateUser(ctx, u, quotas.Users))
	_, err := b.User(ctx, "bob")
	wantErr(t, err, keyward.ErrNoSuchUser)
	wantErr(t, b.DeleteUser(ctx, "bob"), keyward.ErrNoSuchUser)

	for _, v := range []struct {
		name          string
		s             keyward.Store
		account       string
		user, key     string
		otherKey      string
		root, another keyward.AccessKey
	}{
		{"A", a, accountA, userA, keyA, keyB, rootA, rootB},
		{"B", b, accountB, userB, keyB, keyA, rootB, rootA},
	} {
		t.Run(v.name, func(t *testing.T) {
			acct, err := v.s.Account(ctx)
			must(t, err)
			if acct.ID != v.account || acct.Status != keyward.AccountActive {
				t.Fatalf("view's account %+v", acct)
			}
			got, err := v.s.User(ctx, "ALICE")
			must(t, err)
			if got.ID != v.user {
				t.Fatalf("alice is %s, want %s", got.ID, v.user)
			}
			users, _, err := v.s.ListUsers(ctx, "/", "", 100)
			must(t, err)
			wantUsers := 1
			if v.account == accountA {
				wantUsers = 2 // and bob
			}
			if len(users) != wantUsers {
				t.Fatalf("%d users listed, want %d: %+v", len(users), wantUsers, users)
			}
			keys, _, err := v.s.ListAccessKeys(ctx, "alice", "", 10)
			must(t, err)
			if len(keys) != 1 || keys[0].ID != v.key {
				t.Fatalf("alice's keys %+v, want %s", keys, v.key)
			}
			roots, _, err := v.s.ListAccessKeys(ctx, "", "", 10)
			must(t, err)
			if len(roots) != 1 || roots[0].ID != v.root.ID {
				t.Fatalf("root keys %+v, want %s", roots, v.root.ID)
			}
			// Access key IDs are global: either view finds either key,
			// with its account, but changes only its own.
			for id, account := range map[string]string{v.key: v.account, v.otherKey: map[string]string{accountA: accountB, accountB: accountA}[v.account], v.another.ID: map[string]string{accountA: accountB, accountB: accountA}[v.account]} {
				k, err := v.s.AccessKey(ctx, id)
				must(t, err)
				if k.AccountID != account {
					t.Fatalf("key %s found in account %q, want %s", id, k.AccountID, account)
				}
			}
			wantErr(t, v.s.DeleteAccessKey(ctx, "alice", v.otherKey), keyward.ErrNoSuchAccessKey)
			wantErr(t, v.s.DeleteAccessKey(ctx, "", v.another.ID), keyward.ErrNoSuchAccessKey)
			groups, _, err := v.s.ListGroupsForUser(ctx, "alice", "", 10)
			must(t, err)
			if len(groups) != 1 || groups[0].ID != "AGPA"+v.account+"DEVS0" {
				t.Fatalf("alice's groups %+v", groups)
			}
			policies, _, err := v.s.ListPolicies(ctx, "Local", false, "/", "", 10)
			must(t, err)
			if len(policies) != 1 || policies[0].ARN != "arn:aws:iam::"+v.account+":policy/Read" || policies[0].AttachmentCount != 1 {
				t.Fatalf("local policies %+v", policies)
			}
			other := map[string]string{accountA: accountB, accountB: accountA}[v.account]
			_, err = v.s.Policy(ctx, "arn:aws:iam::"+other+":policy/Read")
			wantErr(t, err, keyward.ErrNoSuchPolicy)
			wantErr(t, v.s.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}, "arn:aws:iam::"+other+":policy/Read", quotas.AttachedPoliciesPerGroup),
				keyward.ErrNoSuchPolicy)
			sources, err := v.s.PrincipalPolicies(ctx, keyward.EntityUser, v.user)
			must(t, err)
			if len(sources) != 2 {
				t.Fatalf("alice's policies %+v", sources)
			}
			r, err := v.s.Role(ctx, "Deployer")
			must(t, err)
			if r.ID != "AROA"+v.account+"DEPLOY" {
				t.Fatalf("role %+v", r)
			}
			devices, _, err := v.s.ListMFADevices(ctx, keyward.MFAFilter{}, "", 10)
			must(t, err)
			if len(devices) != 1 || devices[0].SerialNumber != "arn:aws:iam::"+v.account+":mfa/phone" {
				t.Fatalf("MFA devices %+v", devices)
			}
			_, err = v.s.MFADevice(ctx, "arn:aws:iam::"+other+":mfa/phone")
			wantErr(t, err, keyward.ErrNoSuchMFADevice)
			profiles, _, err := v.s.ListInstanceProfiles(ctx, "/", "", "", 10)
			must(t, err)
			if len(profiles) != 1 || profiles[0].ID != "AIPA"+v.account+"WEB00" {
				t.Fatalf("instance profiles %+v", profiles)
			}
			providers, err := v.s.OIDCProviders(ctx)
			must(t, err)
			if len(providers) != 1 || providers[0].ARN != "arn:aws:iam::"+v.account+":oidc-provider/issuer.example.com" {
				t.Fatalf("OIDC providers %+v", providers)
			}
			aliases, err := v.s.AccountAliases(ctx)
			must(t, err)
			if len(aliases) != 1 || aliases[0] != "alias-"+v.account {
				t.Fatalf("aliases %v", aliases)
			}
			pp, err := v.s.PasswordPolicy(ctx)
			must(t, err)
			if pp.MinimumPasswordLength != len(v.account) {
				t.Fatalf("password policy %+v", pp)
			}
			counts, err := v.s.AccountCounts(ctx)
			must(t, err)
			if counts.Users != wantUsers || counts.Groups != 1 || counts.Policies != 1 || counts.MFADevices != 1 || counts.RootAccessKeys != 1 {
				t.Fatalf("account counts %+v", counts)
			}
		})
	}
	// An alias is unique across the installation.
	must(t, b.DeleteAccountAlias(ctx, "alias-"+accountB))
	wantErr(t, b.DeleteAccountAlias(ctx, "alias-"+accountA), keyward.ErrNoSuchAlias)
	wantErr(t, b.CreateAccountAlias(ctx, "alias-"+accountA), keyward.ErrAliasExists)
	// Per-account quotas count within the account: B's users fill B.
	wantErr(t, b.CreateUser(ctx, keyward.User{ID: "AIDAQUOTA", Name: "carol", Path: "/", CreatedAt: t0}, 1), keyward.ErrQuotaExceeded)
	must(t, b.CreateUser(ctx, keyward.User{ID: "AIDAQUOTA", Name: "carol", Path: "/", CreatedAt: t0}, 2))
	// Each account's root has its own two keys.
	for _, v := range []keyward.Store{a, b} {
		_, err := v.CreateAccessKey(ctx, "", key())
		must(t, err)
		_, err = v.CreateAccessKey(ctx, "", key())
		wantErr(t, err, keyward.ErrAccessKeyQuota)
	}
	// Deleting A's alice leaves B's.
	must(t, a.DeleteAccessKey(ctx, "alice", keyA))
	must(t, a.RemoveUserFromGroup(ctx, "devs", "alice"))
	must(t, a.DeleteInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}, "own"))
	must(t, a.DeleteUser(ctx, "alice"))
	_, err = a.User(ctx, "alice")
	wantErr(t, err, keyward.ErrNoSuchUser)
	got, err := b.User(ctx, "alice")
	must(t, err)
	if got.ID != userB {
		t.Fatalf("B's alice after A's was deleted: %+v", got)
	}
}

// testAccountViewsCombine: a view of an account that records an event
// is the same whichever view is taken first, and the store as opened is
// the first account's.
func testAccountViewsCombine(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	_, b, _, _ := twoAccounts(t, s)
	// A request's event names its account (recipientAccountId), whose
	// trail holds it.
	first := auditEvent("e-1", "CreateUser", "dave", t0)
	first.Event.RecipientAccountID = accountB
	must(t, s.InAccount(accountB).Recording(first).CreateUser(ctx, keyward.User{ID: "AIDADAVE1", Name: "dave", Path: "/", CreatedAt: t0}, quotas.Users))
	second := auditEvent("e-2", "CreateUser", "erin", t0)
	second.Event.RecipientAccountID = accountB
	must(t, s.Recording(second).InAccount(accountB).CreateUser(ctx, keyward.User{ID: "AIDAERIN1", Name: "erin", Path: "/", CreatedAt: t0}, quotas.Users))
	for _, pe := range []*keyward.PendingEvent{first, second} {
		if !pe.Claimed() {
			t.Fatalf("event %s not written with its change", pe.Event.EventID)
		}
	}
	users, _, err := b.ListUsers(ctx, "/", "", 10)
	must(t, err)
	if len(users) != 2 {
		t.Fatalf("B's users %+v", users)
	}
	users, _, err = s.ListUsers(ctx, "/", "", 10)
	must(t, err)
	if len(users) != 0 {
		t.Fatalf("the first account sees B's users: %+v", users)
	}
	acct, err := s.Account(ctx)
	must(t, err)
	if acct.ID != accountA {
		t.Fatalf("the store as opened serves %s", acct.ID)
	}
	// The events are B's.
	for _, v := range []struct {
		s    keyward.Store
		want int
	}{{s, 0}, {b, 2}} {
		events, _, err := v.s.LookupEvents(ctx, keyward.EventQuery{})
		must(t, err)
		if len(events) != v.want {
			t.Fatalf("%d events, want %d", len(events), v.want)
		}
	}
}

// testCreateAccount: CreateAccount stores the account and its root key,
// refuses an ID taken, and Accounts pages every account by ID.
func testCreateAccount(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	_, _, _, rootB := twoAccounts(t, s)
	got, err := s.AccountByID(ctx, accountB)
	must(t, err)
	if got.Name != "tenant-b" || got.Email != "b@example.com" || got.Status != keyward.AccountActive || !got.CreatedAt.Equal(t0) {
		t.Fatalf("account %+v", got)
	}
	_, err = s.AccountByID(ctx, "999999999999")
	wantErr(t, err, keyward.ErrNoAccount)
	wantErr(t, s.CreateAccount(ctx, keyward.Account{ID: accountB, CreatedAt: t0}, nil), keyward.ErrAccountExists)
	wantErr(t, s.CreateAccount(ctx, keyward.Account{ID: accountA, CreatedAt: t0}, nil), keyward.ErrAccountExists)
	k, err := s.AccessKey(ctx, rootB.ID)
	must(t, err)
	if !k.Root() || k.AccountID != accountB {
		t.Fatalf("B's root key %+v", k)
	}
	for i := range 3 {
		must(t, s.CreateAccount(ctx, keyward.Account{ID: fmt.Sprintf("30000000000%d", i), CreatedAt: t0}, nil))
	}
	var ids []string
	after := ""
	for {
		page, more, err := s.Accounts(ctx, after, 2)
		must(t, err)
		for _, a := range page {
			ids = append(ids, a.ID)
		}
		if !more {
			break
		}
		after = page[len(page)-1].ID
	}
	want := []string{accountA, accountB, "300000000000", "300000000001", "300000000002"}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("accounts %v, want %v", ids, want)
	}
}

// testConcurrentCreateAccount: of creations of one ID at once, one wins.
func testConcurrentCreateAccount(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	onlyOneWins(t, keyward.ErrAccountExists, func(i int) error {
		root := key()
		return s.CreateAccount(ctx, keyward.Account{ID: accountB, CreatedAt: t0}, &root)
	})
	roots, _, err := s.InAccount(accountB).ListAccessKeys(ctx, "", "", 10)
	must(t, err)
	if len(roots) != 1 {
		t.Fatalf("%d root keys after the race, want the winner's", len(roots))
	}
}

// testAccountByAlias: an alias names its account from any view, and no
// other; an alias deleted or never made names none.
func testAccountByAlias(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	a, b, _, _ := twoAccounts(t, s)
	must(t, a.CreateAccountAlias(ctx, "alias-of-a"))
	must(t, b.CreateAccountAlias(ctx, "alias-of-b"))
	for _, view := range []keyward.Store{a, b} {
		for alias, want := range map[string]string{"alias-of-a": accountA, "alias-of-b": accountB} {
			got, err := view.AccountByAlias(ctx, alias)
			must(t, err)
			if got.ID != want {
				t.Fatalf("alias %s names %s, want %s", alias, got.ID, want)
			}
		}
	}
	for _, alias := range []string{"alias-of-c", accountB, "ALIAS-OF-B", ""} {
		_, err := a.AccountByAlias(ctx, alias)
		wantErr(t, err, keyward.ErrNoAccount)
	}
	must(t, b.DeleteAccountAlias(ctx, "alias-of-b"))
	_, err := a.AccountByAlias(ctx, "alias-of-b")
	wantErr(t, err, keyward.ErrNoAccount)
}

// testPruneEventsEveryAccount: the audit trail's retention is the
// installation's: pruning through any view deletes the old events of
// every account and keeps every account's newer ones.
func testPruneEventsEveryAccount(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	a, b, _, _ := twoAccounts(t, s)
	var events []keyward.StoredEvent
	for i, v := range []struct {
		account string
		at      time.Time
	}{{accountA, t0}, {accountB, t0}, {accountA, t0.Add(3 * time.Hour)}, {accountB, t0.Add(3 * time.Hour)}} {
		e := keyward.Account{ID: v.account}.NewEvent(keyward.EventSourceIAM, "ListUsers", v.at)
		e.EventID = fmt.Sprintf("prune-%d", i)
		st, err := e.Stored()
		must(t, err)
		events = append(events, st)
	}
	must(t, s.AppendEvents(ctx, events))
	n, err := b.PruneEvents(ctx, t0.Add(time.Hour))
	must(t, err)
	if n != 2 {
		t.Fatalf("pruned %d, want the old event of each account", n)
	}
	for _, v := range []keyward.Store{a, b} {
		left, _, err := v.LookupEvents(ctx, keyward.EventQuery{})
		must(t, err)
		if len(left) != 1 || !left[0].Time.Equal(t0.Add(3*time.Hour)) {
			t.Fatalf("left in a view: %+v", left)
		}
	}
}
