package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keyward/keyward"
)

func quotaTests() []namedTest {
	return []namedTest{
		{"AccountQuotas", testAccountQuotas},
		{"EntityQuotas", testEntityQuotas},
		{"ConcurrentAccountQuota", testConcurrentAccountQuota},
		{"ConcurrentEntityQuotas", testConcurrentEntityQuotas},
	}
}

// sizedDoc is a policy document of n characters as keyward.PolicySize
// counts them, with white space besides.
func sizedDoc(t *testing.T, n int) string {
	t.Helper()
	base := policyDoc("s3:")
	pad := n - keyward.PolicySize(base)
	if pad < 0 {
		t.Fatalf("no document of %d characters", n)
	}
	return strings.Replace(policyDoc("s3:"+strings.Repeat("x", pad)), ",", ",\n  ", -1)
}

// testAccountQuotas: a create at an account's quota is refused and writes
// nothing; AWS's managed policies do not count against the account's.
func testAccountQuotas(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	createUser(t, s, "alice")
	must(t, s.CreateUser(ctx, user("bob"), 2))
	wantErr(t, s.CreateUser(ctx, user("carol"), 2), keyward.ErrQuotaExceeded)
	if _, err := s.User(ctx, "carol"); !errors.Is(err, keyward.ErrNoSuchUser) {
		t.Fatalf("the refused user was written: %v", err)
	}

	must(t, s.CreateGroup(ctx, group("g1"), 1))
	wantErr(t, s.CreateGroup(ctx, group("g2"), 1), keyward.ErrQuotaExceeded)

	must(t, s.CreateRole(ctx, keyward.Role{ID: "AROA1", Name: "r1", Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0}, 1))
	wantErr(t, s.CreateRole(ctx, keyward.Role{ID: "AROA2", Name: "r2", Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0}, 1), keyward.ErrQuotaExceeded)

	aws := managed("ReadOnly")
	aws.ARN, aws.DefaultVersion = "arn:aws:iam::aws:policy/ReadOnly", "v1"
	must(t, s.PutAWSManagedPolicy(ctx, aws, policyDoc("iam:Get*")))
	must(t, s.CreatePolicy(ctx, managed("p1"), policyDoc("s3:*"), 1))
	wantErr(t, s.CreatePolicy(ctx, managed("p2"), policyDoc("s3:*"), 1), keyward.ErrQuotaExceeded)
	if _, err := s.Policy(ctx, managed("p2").ARN); !errors.Is(err, keyward.ErrNoSuchPolicy) {
		t.Fatalf("the refused policy was written: %v", err)
	}

	must(t, s.CreateInstanceProfile(ctx, keyward.InstanceProfile{ID: "AIPA1", Name: "ip1", Path: "/", CreatedAt: t0}, 1))
	wantErr(t, s.CreateInstanceProfile(ctx, keyward.InstanceProfile{ID: "AIPA2", Name: "ip2", Path: "/", CreatedAt: t0}, 1), keyward.ErrQuotaExceeded)
}

// testEntityQuotas: what one entity holds (groups, attached policies,
// inline policies by size) stays within its quota; doing again what is
// done, or replacing a policy, is not counted twice.
func testEntityQuotas(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	createUser(t, s, "alice")
	must(t, s.CreateGroup(ctx, group("g1"), quotas.Groups))
	must(t, s.CreateGroup(ctx, group("g2"), quotas.Groups))
	must(t, s.AddUserToGroup(ctx, "g1", "alice", 1))
	must(t, s.AddUserToGroup(ctx, "g1", "alice", 1))
	wantErr(t, s.AddUserToGroup(ctx, "g2", "alice", 1), keyward.ErrQuotaExceeded)
	wantErr(t, s.AddUserToGroup(ctx, "g2", "nobody", 1), keyward.ErrNoSuchUser)

	must(t, s.CreatePolicy(ctx, managed("p1"), policyDoc("s3:*"), quotas.Policies))
	must(t, s.CreatePolicy(ctx, managed("p2"), policyDoc("s3:*"), quotas.Policies))
	alice := keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}
	must(t, s.AttachPolicy(ctx, alice, managed("p1").ARN, 1))
	must(t, s.AttachPolicy(ctx, alice, managed("p1").ARN, 1))
	wantErr(t, s.AttachPolicy(ctx, alice, managed("p2").ARN, 1), keyward.ErrQuotaExceeded)
	// Each entity counts its own.
	must(t, s.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityGroup, Name: "g1"}, managed("p2").ARN, 1))

	must(t, s.PutInlinePolicy(ctx, alice, "a", sizedDoc(t, 120), 200))
	must(t, s.PutInlinePolicy(ctx, alice, "a", sizedDoc(t, 200), 200))
	wantErr(t, s.PutInlinePolicy(ctx, alice, "b", sizedDoc(t, 100), 200), keyward.ErrQuotaExceeded)
	must(t, s.PutInlinePolicy(ctx, alice, "a", sizedDoc(t, 100), 200))
	must(t, s.PutInlinePolicy(ctx, alice, "b", sizedDoc(t, 100), 200))
	wantErr(t, s.PutInlinePolicy(ctx, alice, "b", sizedDoc(t, 101), 200), keyward.ErrQuotaExceeded)
	if doc, err := s.InlinePolicy(ctx, alice, "b"); err != nil || keyward.PolicySize(doc) != 100 {
		t.Fatalf("the refused replacement was written: %d characters, %v", keyward.PolicySize(doc), err)
	}
}

// testConcurrentAccountQuota: creates racing for the last places of a
// quota, on one replica or several, take exactly those places.
func testConcurrentAccountQuota(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	var ok, refused atomic.Int32
	concurrently(8, func(i int) {
		u := user(fmt.Sprintf("racer%d", i))
		u.ID = fmt.Sprintf("AIDAQUOTA%012d", i)
		switch err := s.CreateUser(ctx, u, 3); {
		case err == nil:
			ok.Add(1)
		case errors.Is(err, keyward.ErrQuotaExceeded):
			refused.Add(1)
		default:
			t.Error(err)
		}
	})
	users, _, err := s.ListUsers(ctx, "/", "", 100)
	must(t, err)
	if ok.Load() != 3 || refused.Load() != 5 || len(users) != 3 {
		t.Fatalf("%d created, %d refused, %d stored; want 3, 5, 3", ok.Load(), refused.Load(), len(users))
	}
}

// testConcurrentEntityQuotas: attachments and inline policies racing for
// one entity's last room take exactly that room.
func testConcurrentEntityQuotas(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	createUser(t, s, "alice")
	alice := keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}
	for i := range 8 {
		must(t, s.CreatePolicy(ctx, managed(fmt.Sprintf("p%d", i)), policyDoc("s3:*"), quotas.Policies))
	}
	race := func(what string, want int, write func(i int) error) {
		t.Helper()
		var ok atomic.Int32
		concurrently(8, func(i int) {
			switch err := write(i); {
			case err == nil:
				ok.Add(1)
			case !errors.Is(err, keyward.ErrQuotaExceeded):
				t.Error(err)
			}
		})
		if int(ok.Load()) != want {
			t.Fatalf("%s: %d succeeded, want %d", what, ok.Load(), want)
		}
	}
	race("attach", 2, func(i int) error { return s.AttachPolicy(ctx, alice, managed(fmt.Sprintf("p%d", i)).ARN, 2) })
	attached, _, err := s.ListAttachedPolicies(ctx, alice, "/", "", 100)
	must(t, err)
	if len(attached) != 2 {
		t.Fatalf("%d attached, want 2", len(attached))
	}
	doc := sizedDoc(t, 90)
	race("put inline", 3, func(i int) error { return s.PutInlinePolicy(ctx, alice, fmt.Sprintf("i%d", i), doc, 280) })
	names, _, err := s.ListInlinePolicies(ctx, alice, "", 100)
	must(t, err)
	if len(names) != 3 {
		t.Fatalf("%d inline policies, want 3", len(names))
	}
}

func init() { suite(quotaTests()...) }
