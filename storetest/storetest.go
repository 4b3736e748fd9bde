// Package storetest is the conformance suite that every keyward.Store
// backend runs, so that SQLite and PostgreSQL are proven by the same tests,
// concurrency included.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
)

// RunTests runs the suite. newStore must return an empty, migrated store
// that the test may close. It returns an organizations.Store, AWS
// Organizations' port, which every backend implements besides
// keyward.Store, so that the suite holds the backend to that port too.
func RunTests(t *testing.T, newStore func(t *testing.T) organizations.Store) {
	tests := []namedTest{
		{"Account", testAccount},
		{"Users", testUsers},
		{"UserNamesFoldCase", testUserNamesFoldCase},
		{"ListUsers", testListUsers},
		{"UpdateUser", testUpdateUser},
		{"AccessKeys", testAccessKeys},
		{"AccessKeyOwnership", testAccessKeyOwnership},
		{"RootAccessKeys", testRootAccessKeys},
		{"DeleteUserWithKeys", testDeleteUserWithKeys},
		{"LastUse", testLastUse},
		{"ConcurrentAccessKeyQuota", testConcurrentAccessKeyQuota},
		{"ConcurrentCreateUser", testConcurrentCreateUser},
		{"PortsOfViews", testPortsOfViews},
	}
	tests = append(tests, suiteTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			defer s.Close()
			tt.fn(t, s)
		})
	}
	t.Run("WebhookOutbox", func(t *testing.T) { runOutbox(t, newStore) })
}

// namedTest is one test of the suite.
type namedTest struct {
	name string
	fn   func(t *testing.T, s keyward.Store)
}

// orgTest is a test of AWS Organizations' store as the suite runs it,
// on the store RunTests's newStore returned: an organizations.Store, so
// that the assertion holds.
func orgTest(fn func(t *testing.T, s organizations.Store)) func(t *testing.T, s keyward.Store) {
	return func(t *testing.T, s keyward.Store) { fn(t, s.(organizations.Store)) }
}

// quotas are the quotas the suite's writes pass: AWS's.
var quotas = keyward.DefaultQuotas()

// suiteTests are the suite's tests besides the users' and keys' above,
// each file of the suite adding its own (suite), so that an entity's
// conformance is one file.
var suiteTests []namedTest

// suite adds tests to the suite.
func suite(tests ...namedTest) { suiteTests = append(suiteTests, tests...) }

// taggedKind is how testTagsOfEveryKind makes an entity of a taggable
// kind: make returns the name a request gives it by (in another case
// where the kind folds names), and missing is the kind's not-found error.
type taggedKind struct {
	make    func(t *testing.T, s keyward.Store) string
	missing error
}

// taggedKinds are the kinds testTagsOfEveryKind tags, each added by the
// file of its entity's tests.
var taggedKinds = map[keyward.TagKind]taggedKind{}

// TagKinds returns the taggable kinds the suite tags, in the order of
// their names, for a test to hold them to iam.TagKinds.
func TagKinds() []keyward.TagKind { return slices.Sorted(maps.Keys(taggedKinds)) }

var t0 = time.Date(2026, 11, 27, 5, 25, 50, 0, time.UTC)

func user(name string) keyward.User {
	return keyward.User{ID: "AIDA" + fmt.Sprintf("%017d", len(name)*7919+int(name[0])), Name: name, Path: "/", CreatedAt: t0}
}

var keySeq int
var keySeqMu sync.Mutex

func key() keyward.AccessKey {
	keySeqMu.Lock()
	keySeq++
	n := keySeq
	keySeqMu.Unlock()
	return keyward.AccessKey{ID: fmt.Sprintf("AKIATEST%012d", n), Status: keyward.StatusActive,
		// Every key is created in the same second: order must come from the
		// order of creation, not from the timestamp.
		CreatedAt: t0, SealedSecret: []byte("sealed")}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

func createUser(t *testing.T, s keyward.Store, name string) keyward.User {
	t.Helper()
	u := user(name)
	u.ID = fmt.Sprintf("AIDA%017s", name)
	must(t, s.CreateUser(context.Background(), u, quotas.Users))
	return u
}

func init() {
	taggedKinds[keyward.TaggedUser] = taggedKind{func(t *testing.T, s keyward.Store) string {
		createUser(t, s, "alice")
		return "ALICE"
	}, keyward.ErrNoSuchUser}
}

func testAccount(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	_, err := s.Account(ctx)
	wantErr(t, err, keyward.ErrNoAccount)
	root := key()
	a, err := s.InitAccount(ctx, keyward.Account{ID: "123456789012", CreatedAt: t0}, &root)
	must(t, err)
	if a.ID != "123456789012" || !a.CreatedAt.Equal(t0) {
		t.Fatalf("account %+v", a)
	}
	// A second start with another ID keeps the first account and adds no key.
	other := key()
	a, err = s.InitAccount(ctx, keyward.Account{ID: "999999999999", CreatedAt: t0}, &other)
	must(t, err)
	if a.ID != "123456789012" {
		t.Fatalf("account replaced: %+v", a)
	}
	_, err = s.AccessKey(ctx, other.ID)
	wantErr(t, err, keyward.ErrNoSuchAccessKey)
	k, err := s.AccessKey(ctx, root.ID)
	must(t, err)
	if !k.Root() || k.Status != keyward.StatusActive || string(k.SealedSecret) != "sealed" {
		t.Fatalf("root key %+v", k)
	}
}

func testUsers(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	u := user("alice")
	u.Path = "/eng/"
	u.Tags = []keyward.Tag{{Key: "team", Value: "eng"}, {Key: "cost", Value: ""}}
	must(t, s.CreateUser(ctx, u, quotas.Users))
	got, err := s.User(ctx, "alice")
	must(t, err)
	if got.ID != u.ID || got.Name != "alice" || got.Path != "/eng/" || !got.CreatedAt.Equal(t0) || len(got.Tags) != 2 ||
		got.Tags[0] != u.Tags[0] || got.Tags[1] != u.Tags[1] {
		t.Fatalf("got %+v, want %+v", got, u)
	}
	_, err = s.User(ctx, "bob")
	wantErr(t, err, keyward.ErrNoSuchUser)
	must(t, s.DeleteUser(ctx, "alice"))
	_, err = s.User(ctx, "alice")
	wantErr(t, err, keyward.ErrNoSuchUser)
	wantErr(t, s.DeleteUser(ctx, "alice"), keyward.ErrNoSuchUser)
	// The name is free again, and the deleted user's tags are gone.
	u2 := user("alice")
	u2.ID = "AIDAOTHER000000000000"
	must(t, s.CreateUser(ctx, u2, quotas.Users))
	got, err = s.User(ctx, "alice")
	must(t, err)
	if len(got.Tags) != 0 || got.ID != u2.ID {
		t.Fatalf("recreated user %+v", got)
	}
}

func testUserNamesFoldCase(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "Bob")
	u := user("bob")
	u.ID = "AIDADIFFERENT00000000"
	wantErr(t, s.CreateUser(ctx, u, quotas.Users), keyward.ErrUserExists)
	got, err := s.User(ctx, "BOB")
	must(t, err)
	if got.Name != "Bob" {
		t.Fatalf("lookup by other case: %+v", got)
	}
}

func testListUsers(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		u := user(fmt.Sprintf("user%d", i))
		u.ID = fmt.Sprintf("AIDAUSER%013d", i)
		if i%2 == 1 {
			u.Path = "/odd/"
		}
		must(t, s.CreateUser(ctx, u, quotas.Users))
	}
	var names []string
	after := ""
	for pages := 0; ; pages++ {
		page, more, err := s.ListUsers(ctx, "/", after, 3)
		must(t, err)
		for _, u := range page {
			names = append(names, u.Name)
		}
		if !more {
			break
		}
		if len(page) != 3 || pages > 5 {
			t.Fatalf("page of %d with more", len(page))
		}
		after = page[len(page)-1].Name
	}
	if fmt.Sprint(names) != "[user0 user1 user2 user3 user4 user5 user6]" {
		t.Fatalf("paged list %v", names)
	}
	odd, more, err := s.ListUsers(ctx, "/odd/", "", 100)
	must(t, err)
	if len(odd) != 3 || more || odd[0].Name != "user1" || odd[0].Path != "/odd/" {
		t.Fatalf("prefix list %+v more=%v", odd, more)
	}
	none, more, err := s.ListUsers(ctx, "/none/", "", 100)
	must(t, err)
	if len(none) != 0 || more {
		t.Fatalf("empty prefix list %+v", none)
	}
}

func testUpdateUser(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	u := createUser(t, s, "carol")
	createUser(t, s, "dave")
	k := key()
	_, err := s.CreateAccessKey(ctx, "carol", k)
	must(t, err)
	name, path := "caroline", "/ops/"
	got, err := s.UpdateUser(ctx, "carol", keyward.UserUpdate{NewName: &name, NewPath: &path})
	must(t, err)
	if got.ID != u.ID || got.Name != name || got.Path != path {
		t.Fatalf("updated %+v", got)
	}
	_, err = s.User(ctx, "carol")
	wantErr(t, err, keyward.ErrNoSuchUser)
	// Keys follow the user through a rename.
	kk, err := s.AccessKey(ctx, k.ID)
	must(t, err)
	if kk.UserName != "caroline" || kk.UserPath != "/ops/" {
		t.Fatalf("key after rename %+v", kk)
	}
	taken := "DAVE"
	_, err = s.UpdateUser(ctx, "caroline", keyward.UserUpdate{NewName: &taken})
	wantErr(t, err, keyward.ErrUserExists)
	_, err = s.UpdateUser(ctx, "nobody", keyward.UserUpdate{NewPath: &path})
	wantErr(t, err, keyward.ErrNoSuchUser)
	// Changing only the case of one's own name is allowed.
	upper := "CAROLINE"
	_, err = s.UpdateUser(ctx, "caroline", keyward.UserUpdate{NewName: &upper})
	must(t, err)
}

func testAccessKeys(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	u := createUser(t, s, "erin")
	_, err := s.CreateAccessKey(ctx, "nobody", key())
	wantErr(t, err, keyward.ErrNoSuchUser)
	k1, k2 := key(), key()
	got, err := s.CreateAccessKey(ctx, "erin", k1)
	must(t, err)
	if got.UserID != u.ID {
		t.Fatalf("created key %+v", got)
	}
	_, err = s.CreateAccessKey(ctx, "erin", k2)
	must(t, err)
	_, err = s.CreateAccessKey(ctx, "erin", key())
	wantErr(t, err, keyward.ErrAccessKeyQuota)
	dup := key()
	dup.ID = k1.ID
	createUser(t, s, "frank")
	_, err = s.CreateAccessKey(ctx, "frank", dup)
	wantErr(t, err, keyward.ErrAccessKeyExists)

	keys, more, err := s.ListAccessKeys(ctx, "erin", "", 100)
	must(t, err)
	if len(keys) != 2 || more || keys[0].ID != k1.ID || keys[1].ID != k2.ID || keys[0].UserName != "erin" {
		t.Fatalf("list %+v", keys)
	}
	page, more, err := s.ListAccessKeys(ctx, "erin", "", 1)
	must(t, err)
	if len(page) != 1 || !more || page[0].ID != k1.ID {
		t.Fatalf("first page %+v more=%v", page, more)
	}
	page, more, err = s.ListAccessKeys(ctx, "erin", page[0].ID, 1)
	must(t, err)
	if len(page) != 1 || more || page[0].ID != k2.ID {
		t.Fatalf("second page %+v more=%v", page, more)
	}
	_, _, err = s.ListAccessKeys(ctx, "nobody", "", 100)
	wantErr(t, err, keyward.ErrNoSuchUser)

	must(t, s.UpdateAccessKey(ctx, "erin", k1.ID, keyward.StatusInactive, time.Now()))
	got, err = s.AccessKey(ctx, k1.ID)
	must(t, err)
	if got.Status != keyward.StatusInactive || got.UserName != "erin" || got.UserID != u.ID || !got.CreatedAt.Equal(k1.CreatedAt) {
		t.Fatalf("after deactivate %+v", got)
	}
	must(t, s.UpdateAccessKey(ctx, "ERIN", k1.ID, keyward.StatusActive, time.Now()))
	must(t, s.DeleteAccessKey(ctx, "erin", k1.ID))
	_, err = s.AccessKey(ctx, k1.ID)
	wantErr(t, err, keyward.ErrNoSuchAccessKey)
	wantErr(t, s.DeleteAccessKey(ctx, "erin", k1.ID), keyward.ErrNoSuchAccessKey)
	wantErr(t, s.UpdateAccessKey(ctx, "erin", k1.ID, keyward.StatusActive, time.Now()), keyward.ErrNoSuchAccessKey)
	// A slot is free again.
	_, err = s.CreateAccessKey(ctx, "erin", key())
	must(t, err)
}

func testAccessKeyOwnership(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "gina")
	createUser(t, s, "hank")
	k := key()
	_, err := s.CreateAccessKey(ctx, "gina", k)
	must(t, err)
	wantErr(t, s.UpdateAccessKey(ctx, "hank", k.ID, keyward.StatusInactive, time.Now()), keyward.ErrNoSuchAccessKey)
	wantErr(t, s.DeleteAccessKey(ctx, "hank", k.ID), keyward.ErrNoSuchAccessKey)
	wantErr(t, s.DeleteAccessKey(ctx, "", k.ID), keyward.ErrNoSuchAccessKey)
	wantErr(t, s.UpdateAccessKey(ctx, "nobody", k.ID, keyward.StatusInactive, time.Now()), keyward.ErrNoSuchUser)
	got, err := s.AccessKey(ctx, k.ID)
	must(t, err)
	if got.Status != keyward.StatusActive {
		t.Fatalf("key changed by another user: %+v", got)
	}
}

func testRootAccessKeys(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	root := key()
	_, err := s.InitAccount(ctx, keyward.Account{ID: "123456789012", CreatedAt: t0}, &root)
	must(t, err)
	k2 := key()
	got, err := s.CreateAccessKey(ctx, "", k2)
	must(t, err)
	if !got.Root() {
		t.Fatalf("root key %+v", got)
	}
	_, err = s.CreateAccessKey(ctx, "", key())
	wantErr(t, err, keyward.ErrAccessKeyQuota)
	keys, _, err := s.ListAccessKeys(ctx, "", "", 10)
	must(t, err)
	if len(keys) != 2 || keys[0].ID != root.ID {
		t.Fatalf("root keys %+v", keys)
	}
	must(t, s.UpdateAccessKey(ctx, "", root.ID, keyward.StatusInactive, time.Now()))
}

func testDeleteUserWithKeys(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "ivan")
	k := key()
	_, err := s.CreateAccessKey(ctx, "ivan", k)
	must(t, err)
	wantErr(t, s.DeleteUser(ctx, "ivan"), keyward.ErrUserHasAccessKey)
	_, err = s.User(ctx, "ivan")
	must(t, err)
	must(t, s.DeleteAccessKey(ctx, "ivan", k.ID))
	must(t, s.DeleteUser(ctx, "ivan"))
}

func testLastUse(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "judy")
	k := key()
	_, err := s.CreateAccessKey(ctx, "judy", k)
	must(t, err)
	got, err := s.AccessKey(ctx, k.ID)
	must(t, err)
	if !got.LastUsed.IsZero() {
		t.Fatalf("new key used: %+v", got.LastUsed)
	}
	later := keyward.LastUse{Time: t0.Add(time.Hour), Service: "iam", Region: "us-east-1"}
	earlier := keyward.LastUse{Time: t0.Add(time.Minute), Service: "sts", Region: "eu-west-1"}
	must(t, s.RecordAccessKeyUses(ctx, []keyward.AccessKeyUse{{AccessKeyID: k.ID, LastUse: later}, {AccessKeyID: "AKIADELETED000000000", LastUse: later}}))
	// A batch from another replica with an older use must not win.
	must(t, s.RecordAccessKeyUses(ctx, []keyward.AccessKeyUse{{AccessKeyID: k.ID, LastUse: earlier}}))
	got, err = s.AccessKey(ctx, k.ID)
	must(t, err)
	if !got.LastUsed.Time.Equal(later.Time) || got.LastUsed.Service != "iam" || got.LastUsed.Region != "us-east-1" {
		t.Fatalf("last use %+v, want %+v", got.LastUsed, later)
	}
}

func testConcurrentAccessKeyQuota(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "kim")
	const n = 20
	ok := countOK(t, concurrentErrors(n, func(int) error {
		_, err := s.CreateAccessKey(ctx, "kim", key())
		return err
	}), keyward.ErrAccessKeyQuota)
	if ok != keyward.MaxAccessKeysPerUser {
		t.Fatalf("%d of %d concurrent creations succeeded, want %d", ok, n, keyward.MaxAccessKeysPerUser)
	}
	keys, _, err := s.ListAccessKeys(ctx, "kim", "", 100)
	must(t, err)
	if len(keys) != keyward.MaxAccessKeysPerUser {
		t.Fatalf("user has %d keys", len(keys))
	}
}

func testConcurrentCreateUser(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	const n = 10
	ok := countOK(t, concurrentErrors(n, func(i int) error {
		u := user("Leo")
		u.ID = fmt.Sprintf("AIDALEO%014d", i)
		if i%2 == 0 {
			u.Name = "leo"
		}
		return s.CreateUser(ctx, u, quotas.Users)
	}), keyward.ErrUserExists)
	if ok != 1 {
		t.Fatalf("%d concurrent creations of one name succeeded", ok)
	}
}

// concurrentErrors is concurrently for calls that fail: it returns their
// errors, the channel closed once all have returned.
func concurrentErrors(n int, fn func(i int) error) <-chan error {
	errs := make(chan error, n)
	concurrently(n, func(i int) { errs <- fn(i) })
	close(errs)
	return errs
}

// countOK counts the nil errors of concurrent calls; every other error
// must be refused.
func countOK(t *testing.T, errs <-chan error, refused error) int {
	t.Helper()
	ok := 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, refused):
			t.Errorf("unexpected error %v", err)
		}
	}
	return ok
}

// concurrently calls fn(0) to fn(n-1) at once and waits for them all:
// the racing callers of the store's concurrency tests.
func concurrently(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}
