package iam_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward"
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
