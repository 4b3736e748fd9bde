package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
)

func accountTests() []namedTest {
	return []namedTest{
		{"AccountAliases", testAccountAliases},
		{"ConcurrentAccountAliases", testConcurrentAccountAliases},
		{"AccountCounts", testAccountCounts},
		{"AuthorizationDetails", testAuthorizationDetails},
		{"ServiceAccess", testServiceAccess},
		{"ConsoleUserSorts", testConsoleUserSorts},
		{"Roles", testRoles},
		{"TrustPrincipals", testTrustPrincipals},
		{"OIDCProviders", testOIDCProviders},
		{"OIDCSignIns", testOIDCSignIns},
		{"RolePoliciesAndUses", testRolePoliciesAndUses},
		{"TagsOfEveryKind", testTagsOfEveryKind},
		{"AuditEventsWithTheirChange", testAuditEventsWithTheirChange},
		{"AuditLookupAndPrune", testAuditLookupAndPrune},
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
	concurrently(6, func(i int) {
		if err := s.CreateAccountAlias(ctx, fmt.Sprintf("alias-%d", i)); err != nil && err != keyward.ErrAliasQuota {
			t.Error(err)
		}
	})
	if as, err := s.AccountAliases(ctx); err != nil || len(as) != 1 {
		t.Fatalf("aliases %v, %v", as, err)
	}
}

func testAccountCounts(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	createUser(t, s, "alice")
	createUser(t, s, "bob")
	must(t, s.CreateGroup(ctx, group("g"), quotas.Groups))
	must(t, s.CreatePolicy(ctx, managed("P"), policyDoc("s3:*"), quotas.Policies))
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
	must(t, s.UpdateTags(ctx, keyward.TaggedUser, "bob", func([]keyward.Tag) ([]keyward.Tag, error) { return []keyward.Tag{{Key: "team", Value: "ops"}}, nil }))
	must(t, s.CreateGroup(ctx, group("ops"), quotas.Groups))
	must(t, s.AddUserToGroup(ctx, "ops", "bob", quotas.GroupsPerUser))
	must(t, s.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "carol"}, "mine", policyDoc("s3:*"), quotas.UserPolicySize))
	p := managed("P")
	must(t, s.CreatePolicy(ctx, p, policyDoc("ec2:*"), quotas.Policies))
	must(t, s.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityGroup, Name: "ops"}, p.ARN, quotas.AttachedPoliciesPerUser))
	must(t, s.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}, p.ARN, quotas.AttachedPoliciesPerUser))

	us, more, err := s.EntityDetails(ctx, keyward.EntityUser, "", 2)
	must(t, err)
	if len(us) != 2 || !more || us[0].User.Name != "alice" || len(us[0].Attached) != 1 || len(us[0].Groups) != 0 ||
		us[1].User.Name != "bob" || len(us[1].Groups) != 1 || len(us[1].User.Tags) != 1 || len(us[1].Attached) != 0 {
		t.Fatalf("first page %+v", us)
	}
	us, more, err = s.EntityDetails(ctx, keyward.EntityUser, "bob", 2)
	must(t, err)
	if len(us) != 1 || more || us[0].User.Name != "carol" || len(us[0].Inline) != 1 || us[0].Inline[0].Document != policyDoc("s3:*") {
		t.Fatalf("second page %+v", us)
	}
	gs, _, err := s.EntityDetails(ctx, keyward.EntityGroup, "", 10)
	must(t, err)
	if len(gs) != 1 || len(gs[0].Attached) != 1 {
		t.Fatalf("groups %+v", gs)
	}
	must(t, s.CreateRole(ctx, keyward.Role{ID: "AROA1", Name: "ci", Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0}, quotas.Roles))
	must(t, s.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityRole, Name: "ci"}, "r", policyDoc("sts:*"), quotas.RolePolicySize))
	rs, _, err := s.EntityDetails(ctx, keyward.EntityRole, "", 10)
	must(t, err)
	if len(rs) != 1 || rs[0].Name() != "ci" || len(rs[0].Inline) != 1 || len(rs[0].Attached) != 0 {
		t.Fatalf("roles %+v", rs)
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

// testServiceAccess: uses merge to each owner's latest per service; a
// deleted key's use is dropped; reports round-trip.
func testServiceAccess(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	alice := createUser(t, s, "alice")
	k := key()
	_, err := s.CreateAccessKey(ctx, "alice", k)
	must(t, err)
	use := func(service string, at time.Time, region string) keyward.ServiceUse {
		return keyward.ServiceUse{AccessKeyID: k.ID, LastUse: keyward.LastUse{Time: at, Service: service, Region: region}}
	}
	must(t, s.RecordServiceUses(ctx, []keyward.ServiceUse{use("iam", t0, "us-east-1"), use("s3", t0.Add(time.Minute), "eu-west-1"),
		{AccessKeyID: "AKIADELETED000000000", LastUse: keyward.LastUse{Time: t0, Service: "iam", Region: "us-east-1"}}}))
	must(t, s.RecordServiceUses(ctx, []keyward.ServiceUse{use("iam", t0.Add(-time.Hour), "ap-south-1"), use("iam", t0.Add(time.Hour), "us-west-2")}))
	got, err := s.ServiceAccesses(ctx, []string{alice.ID, "nobody"})
	must(t, err)
	byService := map[string]keyward.ServiceAccess{}
	for _, a := range got {
		byService[a.Service] = a
	}
	if len(got) != 2 || !byService["iam"].Time.Equal(t0.Add(time.Hour)) || byService["iam"].Region != "us-west-2" || byService["s3"].Region != "eu-west-1" {
		t.Fatalf("accesses %+v", got)
	}
	// A store keeps as many reports as it is told; a small bound here,
	// since every report is a durable write.
	const keep = 7
	job := keyward.AccessJob{ID: "00000000-0000-4000-8000-000000000001", ARN: "arn", Granularity: "SERVICE_LEVEL", CreatedAt: t0, CompletedAt: t0,
		Services: []keyward.ServiceLastAccessed{{Namespace: "iam", Name: "IAM", TotalEntities: 1}}}
	must(t, s.PutAccessJob(ctx, job, keep))
	back, err := s.AccessJob(ctx, job.ID)
	must(t, err)
	if back.ARN != "arn" || len(back.Services) != 1 || back.Services[0].TotalEntities != 1 {
		t.Fatalf("job %+v", back)
	}
	_, err = s.AccessJob(ctx, "00000000-0000-4000-8000-000000000002")
	wantErr(t, err, keyward.ErrNoSuchJob)

	// The most recent keep are kept, those of one instant too.
	for i := range keep {
		later := job
		later.ID, later.CreatedAt = fmt.Sprintf("10000000-0000-4000-8000-%012d", i), t0.Add(time.Second)
		must(t, s.PutAccessJob(ctx, later, keep))
	}
	_, err = s.AccessJob(ctx, job.ID)
	wantErr(t, err, keyward.ErrNoSuchJob)
	for _, i := range []int{0, keep - 1} {
		_, err := s.AccessJob(ctx, fmt.Sprintf("10000000-0000-4000-8000-%012d", i))
		must(t, err)
	}
}

// testConsoleUserSorts: every sortable column of the console's users table
// orders alike on every store, users without the thing first.
func testConsoleUserSorts(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	for _, n := range []string{"ann", "bob", "cat"} {
		createUser(t, s, n)
	}
	// ann: an old active key used late; bob: a new key, a password used
	// early and an MFA device; cat: nothing.
	old, young := key(), key()
	old.CreatedAt, young.CreatedAt = t0.Add(-48*time.Hour), t0.Add(-time.Hour)
	_, err := s.CreateAccessKey(ctx, "ann", old)
	must(t, err)
	_, err = s.CreateAccessKey(ctx, "bob", young)
	must(t, err)
	must(t, s.RecordAccessKeyUses(ctx, []keyward.AccessKeyUse{{AccessKeyID: old.ID, LastUse: keyward.LastUse{Time: t0, Service: "iam", Region: "us-east-1"}}}))
	must(t, s.CreateLoginProfile(ctx, "bob", keyward.LoginProfile{PasswordHash: "h", CreatedAt: t0.Add(-2 * time.Hour), ChangedAt: t0.Add(-2 * time.Hour)}))
	must(t, s.RecordPasswordUse(ctx, "bob", t0.Add(-30*time.Minute)))
	must(t, s.CreateMFADevice(ctx, device("bob-phone")))
	_, err = s.UpdateMFADevice(ctx, device("bob-phone").SerialNumber, func(d *keyward.MFADevice) error {
		d.User = keyward.User{Name: "bob"}
		return nil
	})
	must(t, err)
	for sort, want := range map[string]string{
		"name": "ann bob cat", "activity": "cat bob ann", "passwordage": "ann cat bob", "signin": "ann cat bob",
		"keyage": "cat ann bob", "keyused": "bob cat ann", "mfa": "ann cat bob",
	} {
		us, _, err := s.ConsoleUsers(ctx, keyward.UserQuery{Sort: sort, Limit: 10})
		must(t, err)
		var got []string
		for _, u := range us {
			got = append(got, u.User.Name)
		}
		// Ties (users without the thing) are broken by ID: compare the
		// users that have it.
		if g := strings.Join(got, " "); !sameOrderFor(g, want, sort) {
			t.Errorf("sorted by %s: %s, want %s", sort, g, want)
		}
		if sort == "mfa" && us[len(us)-1].MFADevices != 1 {
			t.Errorf("MFA devices of bob: %d", us[len(us)-1].MFADevices)
		}
	}

	// Each user comes with its tags and boundary, which decide what of it
	// the caller may see.
	must(t, s.UpdateTags(ctx, keyward.TaggedUser, "cat", func([]keyward.Tag) ([]keyward.Tag, error) {
		return []keyward.Tag{{Key: "team", Value: "blue"}}, nil
	}))
	boundary := managed("Boundary")
	must(t, s.CreatePolicy(ctx, boundary, policyDoc("iam:*"), quotas.Policies))
	must(t, s.SetUserPermissionsBoundary(ctx, "cat", boundary.ARN))
	us, _, err := s.ConsoleUsers(ctx, keyward.UserQuery{Sort: "name", Limit: 10})
	must(t, err)
	if c := us[2].User; c.Name != "cat" || len(c.Tags) != 1 || c.Tags[0].Value != "blue" || c.PermissionsBoundary != boundary.ARN || len(us[0].User.Tags) != 0 {
		t.Errorf("the users list's users: %+v", us)
	}
}

// sameOrderFor compares two orders of the three users, ignoring the order
// of those tied at 0 for the column.
func sameOrderFor(got, want, sort string) bool {
	tied := map[string][]string{
		"activity": {"cat"}, "passwordage": {"ann", "cat"}, "signin": {"ann", "cat"}, "keyage": {"cat"},
		"keyused": {"bob", "cat"}, "mfa": {"ann", "cat"},
	}[sort]
	norm := func(s string) string {
		parts := strings.Fields(s)
		for i, p := range parts {
			for _, t := range tied {
				if p == t {
					parts[i] = "*"
				}
			}
		}
		return strings.Join(parts, " ")
	}
	return norm(got) == norm(want)
}

func testRoles(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	role := keyward.Role{ID: "AROA1", Name: "ci", Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0, Tags: []keyward.Tag{{Key: "k", Value: "v"}}}
	must(t, s.CreateRole(ctx, role, quotas.Roles))
	role.ID, role.Name = "AROA2", "CI"
	wantErr(t, s.CreateRole(ctx, role, quotas.Roles), keyward.ErrRoleExists)
	r, err := s.Role(ctx, "Ci")
	must(t, err)
	if r.ID != "AROA1" || len(r.Tags) != 1 || !r.CreatedAt.Equal(t0) {
		t.Fatalf("read %+v", r)
	}
	_, err = s.UpdateRole(ctx, "ci", func(r *keyward.Role) error {
		r.PermissionsBoundary = "arn:aws:iam::123456789012:policy/None"
		return nil
	})
	wantErr(t, err, keyward.ErrNoSuchPolicy)
	_, err = s.UpdateRole(ctx, "ci", func(r *keyward.Role) error { r.Description, r.MaxSessionDuration = "d", 7200; return nil })
	must(t, err)
	e := keyward.Entity{Kind: keyward.EntityRole, Name: "ci"}
	must(t, s.PutInlinePolicy(ctx, e, "p", policyDoc("s3:*"), quotas.UserPolicySize))
	wantErr(t, s.DeleteRole(ctx, "ci"), keyward.ErrEntityInUse)
	must(t, s.DeleteInlinePolicy(ctx, e, "p"))
	rs, more, err := s.ListRoles(ctx, "/", "", 10)
	must(t, err)
	if len(rs) != 1 || more || rs[0].Description != "d" || rs[0].MaxSessionDuration != 7200 {
		t.Fatalf("listed %+v", rs)
	}
	must(t, s.DeleteRole(ctx, "ci"))
	wantErr(t, s.DeleteRole(ctx, "ci"), keyward.ErrNoSuchRole)
	wantErr(t, s.PutInlinePolicy(ctx, e, "p", policyDoc("s3:*"), quotas.UserPolicySize), keyward.ErrNoSuchRole)
}

// testTrustPrincipals: a role keeps the bindings of its trust policy's
// principals as written, and IdentityARNs tells, of the IDs bound, which
// are still the account's users and roles and under which ARNs: never
// another account's, never one deleted.
func testTrustPrincipals(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	a, b, _, _ := twoAccounts(t, s)
	must(t, a.CreateUser(ctx, keyward.User{ID: "AIDAALICE", Name: "alice", Path: "/eng/", CreatedAt: t0}, quotas.Users))
	must(t, a.CreateUser(ctx, keyward.User{ID: "AIDABOB", Name: "bob", Path: "/", CreatedAt: t0}, quotas.Users))
	must(t, b.CreateUser(ctx, keyward.User{ID: "AIDACAROL", Name: "carol", Path: "/", CreatedAt: t0}, quotas.Users))
	must(t, a.CreateRole(ctx, keyward.Role{ID: "AROAHOP", Name: "hop", Path: "/ci/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0}, quotas.Roles))
	bound := map[string]string{
		"arn:aws:iam::" + accountA + ":user/eng/alice": "AIDAALICE",
		"arn:aws:iam::" + accountA + ":role/ci/hop":    "AROAHOP",
		"arn:aws:iam::" + accountB + ":user/carol":     "AIDACAROL",
	}
	must(t, a.CreateRole(ctx, keyward.Role{ID: "AROATARGET", Name: "target", Path: "/", TrustPolicy: "{}", TrustPrincipals: bound, MaxSessionDuration: 3600, CreatedAt: t0}, quotas.Roles))
	read := func(t *testing.T) map[string]string {
		t.Helper()
		r, err := a.Role(ctx, "target")
		must(t, err)
		rs, _, err := a.ListRoles(ctx, "/", "", 10)
		must(t, err)
		details, _, err := a.EntityDetails(ctx, keyward.EntityRole, "", 10)
		must(t, err)
		for _, other := range []keyward.Role{rs[1], details[1].Role} {
			if other.Name != "target" || !maps.Equal(other.TrustPrincipals, r.TrustPrincipals) {
				t.Fatalf("listed %+v, read %+v", other, r)
			}
		}
		return r.TrustPrincipals
	}
	if got := read(t); !maps.Equal(got, bound) {
		t.Fatalf("bound %v, want %v", got, bound)
	}
	// Replaced with the trust policy, and kept by other changes.
	rebound := map[string]string{"arn:aws:iam::" + accountA + ":user/bob": "AIDABOB"}
	_, err := a.UpdateRole(ctx, "target", func(r *keyward.Role) error { r.TrustPrincipals = rebound; return nil })
	must(t, err)
	_, err = a.UpdateRole(ctx, "target", func(r *keyward.Role) error { r.Description = "d"; return nil })
	must(t, err)
	if got := read(t); !maps.Equal(got, rebound) {
		t.Fatalf("rebound %v, want %v", got, rebound)
	}
	_, err = a.UpdateRole(ctx, "target", func(r *keyward.Role) error { r.TrustPrincipals = nil; return nil })
	must(t, err)
	if got := read(t); len(got) != 0 {
		t.Fatalf("unbound %v", got)
	}

	must(t, a.DeleteUser(ctx, "bob"))
	moved := "/ops/"
	_, err = a.UpdateUser(ctx, "alice", keyward.UserUpdate{NewPath: &moved})
	must(t, err)
	got, err := a.IdentityARNs(ctx, []string{"AIDAALICE", "AIDABOB", "AROAHOP", "AIDACAROL", "AIDANONE"})
	must(t, err)
	want := map[string]string{"AIDAALICE": "arn:aws:iam::" + accountA + ":user/ops/alice", "AROAHOP": "arn:aws:iam::" + accountA + ":role/ci/hop"}
	if !maps.Equal(got, want) {
		t.Fatalf("A's identities %v, want %v", got, want)
	}
	got, err = b.IdentityARNs(ctx, []string{"AIDAALICE", "AIDACAROL"})
	must(t, err)
	if want := map[string]string{"AIDACAROL": "arn:aws:iam::" + accountB + ":user/carol"}; !maps.Equal(got, want) {
		t.Fatalf("B's identities %v, want %v", got, want)
	}
	if got, err := a.IdentityARNs(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no IDs: %v, %v", got, err)
	}
}

func testOIDCProviders(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	p := keyward.OIDCProvider{ARN: "arn:aws:iam::123456789012:oidc-provider/a.example", URL: "a.example", ClientIDs: []string{"c"},
		Thumbprints: []string{"t"}, CreatedAt: t0}
	must(t, s.CreateOIDCProvider(ctx, p, 2))
	wantErr(t, s.CreateOIDCProvider(ctx, p, 2), keyward.ErrOIDCProviderExists)
	p2 := p
	p2.ARN, p2.URL = "arn:aws:iam::123456789012:oidc-provider/b.example", "b.example"
	must(t, s.CreateOIDCProvider(ctx, p2, 2))
	p2.ARN = "arn:aws:iam::123456789012:oidc-provider/c.example"
	wantErr(t, s.CreateOIDCProvider(ctx, p2, 2), keyward.ErrOIDCProviderQuota)
	must(t, s.UpdateOIDCProvider(ctx, p.ARN, func(p *keyward.OIDCProvider) error {
		p.ClientIDs, p.Tags = append(p.ClientIDs, "d"), []keyward.Tag{{Key: "k", Value: "v"}}
		return nil
	}))
	got, err := s.OIDCProvider(ctx, p.ARN)
	must(t, err)
	if len(got.ClientIDs) != 2 || len(got.Thumbprints) != 1 || len(got.Tags) != 1 || !got.CreatedAt.Equal(t0) {
		t.Fatalf("read %+v", got)
	}
	all, err := s.OIDCProviders(ctx)
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("%d providers", len(all))
	}
	must(t, s.DeleteOIDCProvider(ctx, p.ARN))
	wantErr(t, s.DeleteOIDCProvider(ctx, p.ARN), keyward.ErrNoSuchOIDCProvider)
	_, err = s.OIDCProvider(ctx, p.ARN)
	wantErr(t, err, keyward.ErrNoSuchOIDCProvider)
}

// testRolePoliciesAndUses: a role's sources for evaluation (inline,
// attached at the default version, boundary) in one read, and uses
// recorded under its role ID reaching RoleLastUsed, newest kept.
func testRolePoliciesAndUses(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	must(t, s.CreatePolicy(ctx, keyward.ManagedPolicy{ID: "ANPA1", Name: "P", Path: "/", ARN: "arn:aws:iam::123456789012:policy/P", CreatedAt: t0, UpdatedAt: t0}, policyDoc("s3:GetObject"), quotas.Policies))
	must(t, s.CreatePolicy(ctx, keyward.ManagedPolicy{ID: "ANPA2", Name: "B", Path: "/", ARN: "arn:aws:iam::123456789012:policy/B", CreatedAt: t0, UpdatedAt: t0}, policyDoc("s3:*"), quotas.Policies))
	must(t, s.CreateRole(ctx, keyward.Role{ID: "AROA1", Name: "ci", Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0,
		PermissionsBoundary: "arn:aws:iam::123456789012:policy/B"}, quotas.Roles))
	must(t, s.CreateRole(ctx, keyward.Role{ID: "AROA2", Name: "other", Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0}, quotas.Roles))
	e := keyward.Entity{Kind: keyward.EntityRole, Name: "ci"}
	must(t, s.PutInlinePolicy(ctx, e, "inline", policyDoc("iam:ListRoles"), quotas.UserPolicySize))
	must(t, s.AttachPolicy(ctx, e, "arn:aws:iam::123456789012:policy/P", quotas.AttachedPoliciesPerUser))
	must(t, s.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityRole, Name: "other"}, "x", policyDoc("iam:*"), quotas.UserPolicySize))
	_, err := s.CreatePolicyVersion(ctx, "arn:aws:iam::123456789012:policy/P", policyDoc("s3:PutObject"), true, t0)
	must(t, err)
	srcs, err := s.PrincipalPolicies(ctx, keyward.EntityRole, "AROA1")
	must(t, err)
	got := map[string]string{}
	for _, src := range srcs {
		got[src.Type+" "+src.ID] = src.Document
	}
	want := map[string]string{"role inline": policyDoc("iam:ListRoles"), "user-managed arn:aws:iam::123456789012:policy/P": policyDoc("s3:PutObject"),
		"permissions-boundary arn:aws:iam::123456789012:policy/B": policyDoc("s3:*")}
	if len(got) != len(want) {
		t.Fatalf("sources %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("source %s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if srcs, err := s.PrincipalPolicies(ctx, keyward.EntityRole, "AROA9"); err != nil || len(srcs) != 0 {
		t.Fatalf("a role that does not exist: %v %v", srcs, err)
	}

	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	must(t, s.RecordAccessKeyUses(ctx, []keyward.AccessKeyUse{{AccessKeyID: "AROA1", LastUse: keyward.LastUse{Time: t2, Service: "sts", Region: "eu-west-1"}}}))
	must(t, s.RecordAccessKeyUses(ctx, []keyward.AccessKeyUse{{AccessKeyID: "AROA1", LastUse: keyward.LastUse{Time: t1, Service: "iam", Region: "us-east-1"}},
		{AccessKeyID: "AROA9", LastUse: keyward.LastUse{Time: t1, Service: "iam", Region: "us-east-1"}}}))
	r, err := s.Role(ctx, "ci")
	must(t, err)
	if !r.LastUsed.Equal(t2) || r.LastUsedRegion != "eu-west-1" {
		t.Fatalf("last used %v in %q", r.LastUsed, r.LastUsedRegion)
	}
}

func auditEvent(id, name, user string, at time.Time) *keyward.PendingEvent {
	return &keyward.PendingEvent{Event: keyward.Event{EventID: id, EventName: name, EventTime: at, EventSource: keyward.EventSourceIAM,
		UserIdentity: keyward.EventIdentity{Type: "IAMUser", UserName: user}, RequestParameters: map[string]any{"userName": user}}}
}

// testAuditEventsWithTheirChange: a write through the view Recording
// gives writes the event in its transaction; a write that fails writes
// none and gives the event back; a view's second write writes it no
// more; the store itself writes none, whatever the context carries;
// concurrent writes each keep their own.
func testAuditEventsWithTheirChange(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	ok := auditEvent("e-ok", "CreateUser", "alice", t0)
	view := s.Recording(ok)
	must(t, view.CreateUser(ctx, user("alice"), quotas.Users))
	if !ok.Claimed() {
		t.Fatal("the change's event was not written with it")
	}
	must(t, view.CreateUser(ctx, user("bob"), quotas.Users))
	failed := auditEvent("e-failed", "CreateUser", "alice", t0)
	wantErr(t, s.Recording(failed).CreateUser(ctx, user("alice"), quotas.Users), keyward.ErrUserExists)
	if failed.Claimed() {
		t.Fatal("a failed write kept its event")
	}
	// The event is an argument of the write, never read from the context.
	unrecorded := auditEvent("e-unrecorded", "CreateUser", "carol", t0)
	must(t, s.CreateUser(keyward.WithEvent(ctx, unrecorded), user("carol"), quotas.Users))
	if unrecorded.Claimed() {
		t.Fatal("the store itself wrote the event its context carried")
	}
	concurrently(8, func(i int) {
		name := fmt.Sprintf("u%d", i)
		pe := auditEvent("e-"+name, "CreateUser", name, t0.Add(time.Duration(i)*time.Second))
		u := user(name)
		u.ID = fmt.Sprintf("AIDAAUDIT%012d", i) // user() derives IDs that collide for these names
		if err := s.Recording(pe).CreateUser(ctx, u, quotas.Users); err != nil {
			t.Error(err)
		}
	})
	got, more, err := s.LookupEvents(ctx, keyward.EventQuery{EventName: "CreateUser", Max: 50})
	must(t, err)
	if len(got) != 9 || more {
		t.Fatalf("%d events, more %v", len(got), more)
	}
	for _, e := range got {
		if e.ID == "e-failed" {
			t.Fatal("the failed write's event is stored")
		}
	}
}

func testAuditLookupAndPrune(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	var events []keyward.StoredEvent
	for i := range 5 {
		e := auditEvent(fmt.Sprintf("e%d", i), []string{"CreateUser", "DeleteUser"}[i%2], []string{"alice", "bob"}[i%2], t0.Add(time.Duration(i)*time.Hour))
		se, err := e.Event.Stored()
		must(t, err)
		events = append(events, se)
	}
	must(t, s.AppendEvents(ctx, events[:2]))
	// A batch written again (its commit not acknowledged, or an event of
	// it written before) takes the events not yet written and skips the
	// others, rather than failing for ever.
	must(t, s.AppendEvents(ctx, events))
	page1, more, err := s.LookupEvents(ctx, keyward.EventQuery{Max: 2})
	must(t, err)
	if len(page1) != 2 || !more || page1[0].ID != "e4" || page1[1].ID != "e3" {
		t.Fatalf("first page %v %v", page1, more)
	}
	page2, more, err := s.LookupEvents(ctx, keyward.EventQuery{Max: 2, After: page1[1].ID})
	must(t, err)
	if len(page2) != 2 || !more || page2[0].ID != "e2" {
		t.Fatalf("second page %v %v", page2, more)
	}
	alice, _, err := s.LookupEvents(ctx, keyward.EventQuery{UserName: "alice"})
	must(t, err)
	since, _, err := s.LookupEvents(ctx, keyward.EventQuery{Since: t0.Add(3 * time.Hour)})
	must(t, err)
	if len(alice) != 3 || len(since) != 2 {
		t.Fatalf("alice's %d, since the fourth hour %d", len(alice), len(since))
	}
	var rec map[string]any
	must(t, json.Unmarshal(alice[0].Record, &rec))
	if rec["eventName"] != "CreateUser" {
		t.Fatalf("record %v", rec)
	}
	_, _, err = s.LookupEvents(ctx, keyward.EventQuery{After: "none"})
	wantErr(t, err, keyward.ErrNoSuchEvent)
	n, err := s.PruneEvents(ctx, t0.Add(2*time.Hour))
	must(t, err)
	left, _, err := s.LookupEvents(ctx, keyward.EventQuery{})
	must(t, err)
	if n != 2 || len(left) != 3 {
		t.Fatalf("pruned %d, %d left", n, len(left))
	}
}

// testTagsOfEveryKind: UpdateTags finds each kind's entity by its name (as
// the kind compares names), keeps the order fn gives, writes nothing when
// fn fails, and names a missing entity with the kind's error.
func testTagsOfEveryKind(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	refused := errors.New("refused")
	for _, kind := range TagKinds() {
		name := taggedKinds[kind].make(t, s)
		set := func(tags ...keyward.Tag) func([]keyward.Tag) ([]keyward.Tag, error) {
			return func(old []keyward.Tag) ([]keyward.Tag, error) { return append(old, tags...), nil }
		}
		must(t, s.UpdateTags(ctx, kind, name, set(keyward.Tag{Key: "b", Value: "1"}, keyward.Tag{Key: "a", Value: "2"})))
		var seen []keyward.Tag
		wantErr(t, s.UpdateTags(ctx, kind, name, func(old []keyward.Tag) ([]keyward.Tag, error) { seen = old; return nil, refused }), refused)
		if len(seen) != 2 || seen[0].Key != "b" || seen[1] != (keyward.Tag{Key: "a", Value: "2"}) {
			t.Fatalf("%s: tags read back %+v", kind, seen)
		}
		must(t, s.UpdateTags(ctx, kind, name, func(old []keyward.Tag) ([]keyward.Tag, error) { seen = old; return old[1:], nil }))
		must(t, s.UpdateTags(ctx, kind, name, func(old []keyward.Tag) ([]keyward.Tag, error) { seen = old; return old, nil }))
		if len(seen) != 1 || seen[0].Key != "a" {
			t.Fatalf("%s: after dropping one, %+v", kind, seen)
		}
		wantErr(t, s.UpdateTags(ctx, kind, "none", set()), taggedKinds[kind].missing)
	}
	u, err := s.User(ctx, "alice")
	must(t, err)
	r, err := s.Role(ctx, "ci")
	must(t, err)
	if len(u.Tags) != 1 || u.Tags[0].Key != "a" || len(r.Tags) != 1 || r.Tags[0].Key != "a" {
		t.Fatalf("user's tags %+v, role's %+v", u.Tags, r.Tags)
	}
}

func init() {
	taggedKinds[keyward.TaggedRole] = taggedKind{func(t *testing.T, s keyward.Store) string {
		must(t, s.CreateRole(context.Background(), keyward.Role{ID: "AROA1", Name: "ci", Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0}, quotas.Roles))
		return "CI"
	}, keyward.ErrNoSuchRole}
	taggedKinds[keyward.TaggedOIDCProvider] = taggedKind{func(t *testing.T, s keyward.Store) string {
		p := keyward.OIDCProvider{ARN: "arn:aws:iam::123456789012:oidc-provider/a.example", URL: "a.example", ClientIDs: []string{"c"}, CreatedAt: t0}
		must(t, s.CreateOIDCProvider(context.Background(), p, 2))
		return p.ARN
	}, keyward.ErrNoSuchOIDCProvider}
}

func init() { suite(accountTests()...) }
