package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
)

func policyTests() []namedTest {
	return []namedTest{
		{"Groups", testGroups},
		{"GroupMembership", testGroupMembership},
		{"InlinePolicies", testInlinePolicies},
		{"ManagedPolicies", testManagedPolicies},
		{"PolicyVersions", testPolicyVersions},
		{"Attachments", testAttachments},
		{"PrincipalPolicies", testPrincipalPolicies},
		{"DeleteUserInUse", testDeleteUserInUse},
		{"ConcurrentPolicyVersions", testConcurrentPolicyVersions},
	}
}

func group(name string) keyward.Group {
	return keyward.Group{ID: fmt.Sprintf("AGPA%017s", strings.ToUpper(name)), Name: name, Path: "/", CreatedAt: t0}
}

func policyDoc(action string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"` + action + `","Resource":"*"}}`
}

func managed(name string) keyward.ManagedPolicy {
	return keyward.ManagedPolicy{ID: fmt.Sprintf("ANPA%017s", strings.ToUpper(name)), Name: name, Path: "/",
		ARN: "arn:aws:iam::123456789012:policy/" + name, CreatedAt: t0, UpdatedAt: t0}
}

func init() {
	taggedKinds[keyward.TaggedPolicy] = taggedKind{func(t *testing.T, s keyward.Store) string {
		p := managed("P")
		must(t, s.CreatePolicy(context.Background(), p, policyDoc("s3:*"), quotas.Policies))
		return p.ARN
	}, keyward.ErrNoSuchPolicy}
}

func testGroups(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	must(t, s.CreateGroup(ctx, group("Admins"), quotas.Groups))
	dup := group("admins")
	dup.ID = "AGPADUPLICATE00000000"
	wantErr(t, s.CreateGroup(ctx, dup, quotas.Groups), keyward.ErrGroupExists)
	g, err := s.Group(ctx, "ADMINS")
	must(t, err)
	if g.Name != "Admins" || g.Path != "/" || !g.CreatedAt.Equal(t0) {
		t.Fatalf("group %+v", g)
	}
	_, err = s.Group(ctx, "nobody")
	wantErr(t, err, keyward.ErrNoSuchGroup)
	ops := group("ops")
	ops.Path = "/ops/"
	must(t, s.CreateGroup(ctx, ops, quotas.Groups))
	must(t, s.CreateGroup(ctx, group("zeta"), quotas.Groups))
	all, more, err := s.ListGroups(ctx, "/", "", 2)
	must(t, err)
	if len(all) != 2 || !more || all[0].Name != "Admins" || all[1].Name != "ops" {
		t.Fatalf("first page %+v", all)
	}
	rest, more, err := s.ListGroups(ctx, "/", all[1].Name, 2)
	must(t, err)
	if len(rest) != 1 || more || rest[0].Name != "zeta" {
		t.Fatalf("second page %+v", rest)
	}
	prefixed, _, err := s.ListGroups(ctx, "/ops/", "", 10)
	must(t, err)
	if len(prefixed) != 1 || prefixed[0].Name != "ops" {
		t.Fatalf("by path %+v", prefixed)
	}
	must(t, s.DeleteGroup(ctx, "zeta"))
	wantErr(t, s.DeleteGroup(ctx, "zeta"), keyward.ErrNoSuchGroup)
}

func testGroupMembership(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "mia")
	createUser(t, s, "ned")
	must(t, s.CreateGroup(ctx, group("devs"), quotas.Groups))
	must(t, s.CreateGroup(ctx, group("ops"), quotas.Groups))
	must(t, s.AddUserToGroup(ctx, "devs", "mia", quotas.GroupsPerUser))
	must(t, s.AddUserToGroup(ctx, "devs", "MIA", quotas.GroupsPerUser)) // again: no change
	must(t, s.AddUserToGroup(ctx, "devs", "ned", quotas.GroupsPerUser))
	must(t, s.AddUserToGroup(ctx, "ops", "mia", quotas.GroupsPerUser))
	wantErr(t, s.AddUserToGroup(ctx, "nogroup", "mia", quotas.GroupsPerUser), keyward.ErrNoSuchGroup)
	wantErr(t, s.AddUserToGroup(ctx, "devs", "nobody", quotas.GroupsPerUser), keyward.ErrNoSuchUser)

	members, more, err := s.GroupMembers(ctx, "devs", "", 10)
	must(t, err)
	if len(members) != 2 || more || members[0].Name != "mia" || members[1].Name != "ned" {
		t.Fatalf("members %+v", members)
	}
	groups, _, err := s.ListGroupsForUser(ctx, "mia", "", 10)
	must(t, err)
	if len(groups) != 2 || groups[0].Name != "devs" || groups[1].Name != "ops" {
		t.Fatalf("mia's groups %+v", groups)
	}
	_, _, err = s.ListGroupsForUser(ctx, "nobody", "", 10)
	wantErr(t, err, keyward.ErrNoSuchUser)

	wantErr(t, s.DeleteGroup(ctx, "devs"), keyward.ErrEntityInUse)
	must(t, s.RemoveUserFromGroup(ctx, "devs", "mia"))
	wantErr(t, s.RemoveUserFromGroup(ctx, "devs", "mia"), keyward.ErrNotAttached)
	must(t, s.RemoveUserFromGroup(ctx, "devs", "ned"))
	must(t, s.DeleteGroup(ctx, "devs"))
}

func testInlinePolicies(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "olga")
	must(t, s.CreateGroup(ctx, group("readers"), quotas.Groups))
	for _, e := range []keyward.Entity{{Kind: keyward.EntityUser, Name: "olga"}, {Kind: keyward.EntityGroup, Name: "readers"}} {
		must(t, s.PutInlinePolicy(ctx, e, "b", policyDoc("iam:Get*"), quotas.UserPolicySize))
		must(t, s.PutInlinePolicy(ctx, e, "a", policyDoc("iam:List*"), quotas.UserPolicySize))
		must(t, s.PutInlinePolicy(ctx, e, "b", policyDoc("iam:GetUser"), quotas.UserPolicySize)) // replaces
		doc, err := s.InlinePolicy(ctx, e, "b")
		must(t, err)
		if doc != policyDoc("iam:GetUser") {
			t.Fatalf("%s policy b: %s", e.Kind, doc)
		}
		names, more, err := s.ListInlinePolicies(ctx, e, "", 1)
		must(t, err)
		if len(names) != 1 || !more || names[0] != "a" {
			t.Fatalf("%s first page %v", e.Kind, names)
		}
		names, more, err = s.ListInlinePolicies(ctx, e, "a", 1)
		must(t, err)
		if len(names) != 1 || more || names[0] != "b" {
			t.Fatalf("%s second page %v", e.Kind, names)
		}
		_, err = s.InlinePolicy(ctx, e, "c")
		wantErr(t, err, keyward.ErrNoSuchPolicy)
		must(t, s.DeleteInlinePolicy(ctx, e, "a"))
		wantErr(t, s.DeleteInlinePolicy(ctx, e, "a"), keyward.ErrNoSuchPolicy)
	}
	wantErr(t, s.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "nobody"}, "a", policyDoc("*"), quotas.UserPolicySize), keyward.ErrNoSuchUser)
	wantErr(t, s.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityGroup, Name: "nobody"}, "a", policyDoc("*"), quotas.UserPolicySize), keyward.ErrNoSuchGroup)
	wantErr(t, s.DeleteGroup(ctx, "readers"), keyward.ErrEntityInUse)
}

func testManagedPolicies(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	p := managed("Deploy")
	p.Description = "deploys things"
	must(t, s.CreatePolicy(ctx, p, policyDoc("iam:*"), quotas.Policies))
	dup := managed("deploy")
	dup.ID = "ANPADUPLICATE00000000"
	wantErr(t, s.CreatePolicy(ctx, dup, policyDoc("iam:*"), quotas.Policies), keyward.ErrPolicyExists)
	got, err := s.Policy(ctx, p.ARN)
	must(t, err)
	if got.ID != p.ID || got.Name != "Deploy" || got.DefaultVersion != "v1" || got.Description != "deploys things" || got.AWSManaged || got.AttachmentCount != 0 {
		t.Fatalf("policy %+v", got)
	}
	_, err = s.Policy(ctx, "arn:aws:iam::123456789012:policy/nothing")
	wantErr(t, err, keyward.ErrNoSuchPolicy)

	aws := keyward.ManagedPolicy{ID: "ANPAAWSREADONLY000000", Name: "ReadOnly", Path: "/", ARN: "arn:aws:iam::aws:policy/ReadOnly",
		DefaultVersion: "v3", CreatedAt: t0, UpdatedAt: t0}
	must(t, s.PutAWSManagedPolicy(ctx, aws, policyDoc("iam:Get*")))
	must(t, s.PutAWSManagedPolicy(ctx, aws, policyDoc("iam:List*"))) // a later start updates it
	v, err := s.PolicyVersion(ctx, aws.ARN, "v3")
	must(t, err)
	if v.Document != policyDoc("iam:List*") || !v.Default {
		t.Fatalf("AWS managed version %+v", v)
	}
	scopes := map[string][]string{"All": {"ReadOnly", "Deploy"}, "AWS": {"ReadOnly"}, "Local": {"Deploy"}}
	for scope, want := range scopes {
		list, _, err := s.ListPolicies(ctx, scope, false, "/", "", 100)
		must(t, err)
		var names []string
		for _, p := range list {
			names = append(names, p.Name)
		}
		sort.Strings(names)
		sort.Strings(want)
		if strings.Join(names, ",") != strings.Join(want, ",") {
			t.Fatalf("scope %s: %v, want %v", scope, names, want)
		}
	}
	attached, _, err := s.ListPolicies(ctx, "All", true, "/", "", 100)
	must(t, err)
	if len(attached) != 0 {
		t.Fatalf("attached %+v", attached)
	}
	wantErr(t, s.DeletePolicy(ctx, aws.ARN), keyward.ErrNoSuchPolicy) // AWS's are not the account's to delete
	must(t, s.DeletePolicy(ctx, p.ARN))
	_, err = s.Policy(ctx, p.ARN)
	wantErr(t, err, keyward.ErrNoSuchPolicy)
}

func testPolicyVersions(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	p := managed("Versioned")
	must(t, s.CreatePolicy(ctx, p, policyDoc("iam:Get*"), quotas.Policies))
	at := t0.Add(time.Hour)
	v2, err := s.CreatePolicyVersion(ctx, p.ARN, policyDoc("iam:List*"), false, at)
	must(t, err)
	if v2.ID != "v2" || v2.Default {
		t.Fatalf("v2 %+v", v2)
	}
	v3, err := s.CreatePolicyVersion(ctx, p.ARN, policyDoc("iam:*"), true, at)
	must(t, err)
	got, err := s.Policy(ctx, p.ARN)
	must(t, err)
	if v3.ID != "v3" || got.DefaultVersion != "v3" {
		t.Fatalf("v3 %+v, default %s", v3, got.DefaultVersion)
	}
	for i := 4; i <= keyward.MaxPolicyVersions; i++ {
		_, err := s.CreatePolicyVersion(ctx, p.ARN, policyDoc("iam:*"), false, at)
		must(t, err)
	}
	_, err = s.CreatePolicyVersion(ctx, p.ARN, policyDoc("iam:*"), false, at)
	wantErr(t, err, keyward.ErrPolicyVersionQuota)
	wantErr(t, s.DeletePolicyVersion(ctx, p.ARN, "v3"), keyward.ErrDefaultVersion)
	must(t, s.DeletePolicyVersion(ctx, p.ARN, "v2"))
	wantErr(t, s.DeletePolicyVersion(ctx, p.ARN, "v2"), keyward.ErrNoSuchPolicyVersion)
	// Numbers are not reused.
	v6, err := s.CreatePolicyVersion(ctx, p.ARN, policyDoc("iam:*"), false, at)
	must(t, err)
	if v6.ID != "v6" {
		t.Fatalf("after deleting v2, new version %s", v6.ID)
	}
	must(t, s.SetDefaultPolicyVersion(ctx, p.ARN, "v1", at))
	wantErr(t, s.SetDefaultPolicyVersion(ctx, p.ARN, "v9", at), keyward.ErrNoSuchPolicyVersion)
	v1, err := s.PolicyVersion(ctx, p.ARN, "v1")
	must(t, err)
	if !v1.Default || v1.Document != policyDoc("iam:Get*") {
		t.Fatalf("v1 %+v", v1)
	}
	_, err = s.PolicyVersion(ctx, p.ARN, "v2")
	wantErr(t, err, keyward.ErrNoSuchPolicyVersion)
	versions, err := s.ListPolicyVersions(ctx, p.ARN)
	must(t, err)
	if len(versions) != keyward.MaxPolicyVersions {
		t.Fatalf("%d versions", len(versions))
	}
	wantErr(t, s.DeletePolicy(ctx, p.ARN), keyward.ErrPolicyInUse) // versions besides the default
}

func testAttachments(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "pia")
	must(t, s.CreateGroup(ctx, group("auditors"), quotas.Groups))
	p, q := managed("Alpha"), managed("Beta")
	must(t, s.CreatePolicy(ctx, p, policyDoc("iam:Get*"), quotas.Policies))
	must(t, s.CreatePolicy(ctx, q, policyDoc("iam:List*"), quotas.Policies))
	user := keyward.Entity{Kind: keyward.EntityUser, Name: "pia"}
	grp := keyward.Entity{Kind: keyward.EntityGroup, Name: "auditors"}
	must(t, s.AttachPolicy(ctx, user, p.ARN, quotas.AttachedPoliciesPerUser))
	must(t, s.AttachPolicy(ctx, user, p.ARN, quotas.AttachedPoliciesPerUser)) // again: no change
	must(t, s.AttachPolicy(ctx, user, q.ARN, quotas.AttachedPoliciesPerUser))
	must(t, s.AttachPolicy(ctx, grp, p.ARN, quotas.AttachedPoliciesPerUser))
	wantErr(t, s.AttachPolicy(ctx, user, "arn:aws:iam::123456789012:policy/none", quotas.AttachedPoliciesPerUser), keyward.ErrNoSuchPolicy)
	wantErr(t, s.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "nobody"}, p.ARN, quotas.AttachedPoliciesPerUser), keyward.ErrNoSuchUser)
	got, err := s.Policy(ctx, p.ARN)
	must(t, err)
	if got.AttachmentCount != 2 {
		t.Fatalf("attachment count %d", got.AttachmentCount)
	}
	list, more, err := s.ListAttachedPolicies(ctx, user, "/", "", 1)
	must(t, err)
	if len(list) != 1 || !more || list[0].Name != "Alpha" {
		t.Fatalf("attached first page %+v", list)
	}
	list, more, err = s.ListAttachedPolicies(ctx, user, "/", list[0].ARN, 1)
	must(t, err)
	if len(list) != 1 || more || list[0].Name != "Beta" {
		t.Fatalf("attached second page %+v", list)
	}
	onlyAttached, _, err := s.ListPolicies(ctx, "Local", true, "/", "", 10)
	must(t, err)
	if len(onlyAttached) != 2 {
		t.Fatalf("only attached %+v", onlyAttached)
	}
	wantErr(t, s.DeletePolicy(ctx, p.ARN), keyward.ErrPolicyInUse)
	must(t, s.DetachPolicy(ctx, user, p.ARN))
	wantErr(t, s.DetachPolicy(ctx, user, p.ARN), keyward.ErrNotAttached)
	must(t, s.DetachPolicy(ctx, grp, p.ARN))
	must(t, s.DeletePolicy(ctx, p.ARN))
}

func testPrincipalPolicies(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	u := createUser(t, s, "quinn")
	createUser(t, s, "other")
	must(t, s.CreateGroup(ctx, group("g1"), quotas.Groups))
	must(t, s.AddUserToGroup(ctx, "g1", "quinn", quotas.GroupsPerUser))
	must(t, s.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "quinn"}, "mine", policyDoc("iam:A"), quotas.UserPolicySize))
	must(t, s.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "other"}, "theirs", policyDoc("iam:X"), quotas.UserPolicySize))
	must(t, s.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityGroup, Name: "g1"}, "shared", policyDoc("iam:B"), quotas.UserPolicySize))
	p, q := managed("Direct"), managed("ViaGroup")
	must(t, s.CreatePolicy(ctx, p, policyDoc("iam:C1"), quotas.Policies))
	_, err := s.CreatePolicyVersion(ctx, p.ARN, policyDoc("iam:C2"), true, t0)
	must(t, err)
	must(t, s.CreatePolicy(ctx, q, policyDoc("iam:D"), quotas.Policies))
	must(t, s.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "quinn"}, p.ARN, quotas.AttachedPoliciesPerUser))
	must(t, s.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityGroup, Name: "g1"}, q.ARN, quotas.AttachedPoliciesPerUser))
	sources, err := s.PrincipalPolicies(ctx, keyward.EntityUser, u.ID)
	must(t, err)
	var got []string
	for _, src := range sources {
		got = append(got, src.Type+" "+src.ID+" "+src.Document)
	}
	sort.Strings(got)
	want := []string{
		"group g1/shared " + policyDoc("iam:B"),
		"user mine " + policyDoc("iam:A"),
		"user-managed " + p.ARN + " " + policyDoc("iam:C2"), // the default version
		"user-managed " + q.ARN + " " + policyDoc("iam:D"),
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("principal policies:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func testDeleteUserInUse(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "rita")
	must(t, s.CreateGroup(ctx, group("g"), quotas.Groups))
	p := managed("P")
	must(t, s.CreatePolicy(ctx, p, policyDoc("*"), quotas.Policies))
	rita := keyward.Entity{Kind: keyward.EntityUser, Name: "rita"}
	steps := []struct{ attach, detach func() error }{
		{func() error { return s.AddUserToGroup(ctx, "g", "rita", quotas.GroupsPerUser) }, func() error { return s.RemoveUserFromGroup(ctx, "g", "rita") }},
		{func() error { return s.PutInlinePolicy(ctx, rita, "x", policyDoc("*"), quotas.UserPolicySize) }, func() error { return s.DeleteInlinePolicy(ctx, rita, "x") }},
		{func() error { return s.AttachPolicy(ctx, rita, p.ARN, quotas.AttachedPoliciesPerUser) }, func() error { return s.DetachPolicy(ctx, rita, p.ARN) }},
	}
	for i, st := range steps {
		must(t, st.attach())
		if err := s.DeleteUser(ctx, "rita"); !errors.Is(err, keyward.ErrEntityInUse) {
			t.Fatalf("step %d: DeleteUser: %v", i, err)
		}
		must(t, st.detach())
	}
	must(t, s.DeleteUser(ctx, "rita"))
}

func testConcurrentPolicyVersions(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	p := managed("Busy")
	must(t, s.CreatePolicy(ctx, p, policyDoc("*"), quotas.Policies))
	const n = 12
	errs := concurrentErrors(n, func(int) error {
		_, err := s.CreatePolicyVersion(ctx, p.ARN, policyDoc("*"), true, t0)
		return err
	})
	if ok := countOK(t, errs, keyward.ErrPolicyVersionQuota); ok != keyward.MaxPolicyVersions-1 {
		t.Fatalf("%d concurrent versions made, want %d", ok, keyward.MaxPolicyVersions-1)
	}
}

func init() { suite(policyTests()...) }
