package iam_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/password"
)

// TestSecondAccountSeesItsOwn: a key of an account other than the first
// (made in the store, as AWS Organizations will) authenticates into its
// own account: the same user name is free there, the ARNs name its
// account, and neither account lists or reads the other's users.
func TestSecondAccountSeesItsOwn(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	ctx := context.Background()
	const accountB, keyB, secretB = "210987654321", "AKIASECONDACCOUNT001", "secondAccountRootSecretKey00000000000000"
	made := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	sealed, err := ts.IAM.Sealer.Seal(keyB, secretB)
	must(t, err)
	must(t, ts.Store.CreateAccount(ctx, keyward.Account{ID: accountB, CreatedAt: made},
		&keyward.AccessKey{ID: keyB, Status: keyward.StatusActive, CreatedAt: made, SealedSecret: sealed}))
	a, b := ts.RootIAM(), ts.IAMClient(keyB, secretB)

	for _, c := range []*iam.Client{a, b} {
		_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
		must(t, err)
	}
	_, err = a.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")})
	must(t, err)
	first, err := ts.Store.Account(ctx)
	must(t, err)
	for _, v := range []struct {
		c       *iam.Client
		account string
		users   int
	}{{a, first.ID, 2}, {b, accountB, 1}} {
		got, err := v.c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
		must(t, err)
		if want := "arn:aws:iam::" + v.account + ":user/alice"; aws.ToString(got.User.Arn) != want {
			t.Errorf("alice is %s, want %s", aws.ToString(got.User.Arn), want)
		}
		list, err := v.c.ListUsers(ctx, &iam.ListUsersInput{})
		must(t, err)
		if len(list.Users) != v.users {
			t.Errorf("account %s lists %d users, want %d", v.account, len(list.Users), v.users)
		}
		me, err := v.c.GetUser(ctx, &iam.GetUserInput{})
		must(t, err)
		if want := "arn:aws:iam::" + v.account + ":root"; aws.ToString(me.User.Arn) != want {
			t.Errorf("the caller is %s, want %s", aws.ToString(me.User.Arn), want)
		}
	}
	// What is cached by name is cached per account: alice's keys in A are
	// not B's alice's.
	_, err = a.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	must(t, err)
	for _, v := range []struct {
		c    *iam.Client
		keys int
	}{{a, 1}, {b, 0}, {a, 1}, {b, 0}} {
		out, err := v.c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
		must(t, err)
		if len(out.AccessKeyMetadata) != v.keys {
			t.Fatalf("alice has %d keys, want %d", len(out.AccessKeyMetadata), v.keys)
		}
	}
	_, err = b.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "The user with name bob cannot be found.")
	_, err = b.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "The user with name bob cannot be found.")
}

// countingHasher counts the passwords hashed, made or checked, to tell
// which refusals hash one, and keeps the last hash checked.
type countingHasher struct {
	keyward.PasswordHasher
	made, verified int
	checked        string
	// busy makes every hash fail as password.Hasher's does when the
	// hashes waiting for their turn outlast its MaxWait.
	busy bool
	// failNext are the errors of the next hashes made, in turn.
	failNext []error
}

func (h *countingHasher) Hash(pw string) (string, error) {
	h.made++
	if h.busy {
		return "", password.ErrBusy
	}
	if len(h.failNext) > 0 {
		err := h.failNext[0]
		h.failNext = h.failNext[1:]
		return "", err
	}
	return h.PasswordHasher.Hash(pw)
}

func (h *countingHasher) Verify(hash, pw string) (bool, error) {
	h.verified++
	h.checked = hash
	if h.busy {
		return false, password.ErrBusy
	}
	return h.PasswordHasher.Verify(hash, pw)
}

// TestSignInWhileHashingIsBusy: when the hashing of passwords is busy (a
// flood of sign-in attempts fills its turns), a sign-in is answered
// ServiceUnavailable, which the console neither counts as a failed guess
// nor shows as a wrong password: a right password refused as wrong and
// counted would let a flood lock users out. Every refusal is the same
// while busy, so that the answer tells no more of which users and
// accounts exist than when it is not.
func TestSignInWhileHashingIsBusy(t *testing.T) {
	ts := newAPIServer(t)
	ctx := context.Background()
	_, err := ts.IAM.CreateUser(ts.RootContext(), "dora", "/", nil)
	must(t, err)
	_, err = ts.IAM.CreateLoginProfile(ts.RootContext(), "dora", "Dora-Passw0rd-1", false)
	must(t, err)
	ts.IAM.Passwords = &countingHasher{PasswordHasher: ts.IAM.Passwords, busy: true}
	for _, tc := range []struct{ account, user, password string }{
		{account, "dora", "Dora-Passw0rd-1"},
		{account, "dora", "Wrong-Passw0rd-1"},
		{account, "nobody", "Dora-Passw0rd-1"},
		{"999999999999", "dora", "Dora-Passw0rd-1"},
	} {
		_, _, err := ts.IAM.SignInUser(ctx, tc.account, tc.user, tc.password)
		if keyward.ErrorCode(err) != keyward.EServiceUnavailable {
			t.Errorf("%s/%s while busy: %v, want ServiceUnavailable", tc.account, tc.user, err)
		}
	}
}

// TestSignInToAnyAccount: a user signs in to the account the form names,
// by its ID or its alias, whichever account of the installation it is;
// every refusal (an account that is not here, a user that is not there, a
// wrong password) is the same error after hashing one password, so that
// neither the answer nor its time tells which accounts exist.
func TestSignInToAnyAccount(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	ctx := context.Background()
	const accountB = "210987654321"
	must(t, ts.Store.CreateAccount(ctx, keyward.Account{ID: accountB, CreatedAt: time.Now()}, nil))
	inB := keyward.WithCaller(ctx, &keyward.RequestContext{Principal: keyward.Principal{AccountID: accountB, Root: true}, CurrentTime: time.Now()})
	must(t, ts.IAM.CreateAccountAlias(inB, "tenant-b"))
	_, err := ts.IAM.CreateUser(inB, "dora", "/", nil)
	must(t, err)
	_, err = ts.IAM.CreateLoginProfile(inB, "dora", "Dora-Passw0rd-1", false)
	must(t, err)
	h := &countingHasher{PasswordHasher: ts.IAM.Passwords}
	ts.IAM.Passwords = h

	for _, account := range []string{accountB, "tenant-b"} {
		p, _, err := ts.IAM.SignInUser(ctx, account, "dora", "Dora-Passw0rd-1")
		if err != nil || p.AccountID != accountB || p.UserName != "dora" {
			t.Fatalf("sign-in to %s: %+v, %v", account, p, err)
		}
	}
	var want error
	for _, tc := range []struct{ account, user, password string }{
		{accountB, "dora", "Wrong-Passw0rd-1"},
		{"123456789012", "dora", "Dora-Passw0rd-1"},
		{"999999999999", "dora", "Dora-Passw0rd-1"},
		{"no-such-alias", "dora", "Dora-Passw0rd-1"},
		{"", "dora", "Dora-Passw0rd-1"},
		{"tenant-b", "nobody", "Dora-Passw0rd-1"},
	} {
		before := h.made + h.verified
		_, _, err := ts.IAM.SignInUser(ctx, tc.account, tc.user, tc.password)
		if want == nil {
			want = err
		}
		if err == nil || err.Error() != want.Error() {
			t.Errorf("%s/%s: %v, want %v", tc.account, tc.user, err, want)
		}
		if n := h.made + h.verified - before; n != 1 {
			t.Errorf("%s/%s: %d passwords hashed, want 1", tc.account, tc.user, n)
		}
	}
}
