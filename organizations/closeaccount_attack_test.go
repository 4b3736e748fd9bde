package organizations_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestCloseAccountAttacks: who may not close an account closes none, and
// what is refused changes nothing: a member account's root user (allowed
// everything by its own policies) closing itself, its sibling or the
// management account; a management account's user whose policies do not
// allow organizations:CloseAccount; the management account closing
// itself; another organization's account, refused as an account that is
// not there is. Once closed, nothing reopens an account: closing it
// again, taking it out of the organization, a new root key, a new
// account with its email.
func TestCloseAccountAttacks(t *testing.T) {
	k := kwtest.New(t)
	c, _, _ := newOrganization(t, k)
	ctx := context.Background()
	var ids []string
	for _, name := range []string{"b", "c"} {
		made, err := c.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String(name + "@example.com"), AccountName: aws.String("tenant-" + name)})
		must(t, err)
		ids = append(ids, aws.ToString(made.CreateAccountStatus.AccountId))
	}
	b, sibling := ids[0], ids[1]
	bKey, bSecret, err := k.IAM.CreateAccountRootKey(keyward.Internal(ctx), b)
	must(t, err)
	member := orgClient(k, bKey.ID, bSecret)

	// Another organization in the installation: a standalone account's
	// root user makes one, with a member of its own.
	xc, xMember := otherOrganization(t, k)

	id, secret := k.User(t, "operator", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"organizations:CloseAccount","Resource":"*"}]}`)
	denied := orgClient(k, id, secret)

	closeAs := func(c *awsorg.Client, account string) error {
		_, err := c.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String(account)})
		return err
	}
	answer := func(err error) string {
		var e smithy.APIError
		if !errors.As(err, &e) {
			t.Fatalf("not an API error: %v", err)
		}
		return e.ErrorCode() + ": " + e.ErrorMessage()
	}
	for _, tt := range []struct {
		name    string
		c       *awsorg.Client
		account string
		code    string
	}{
		{"a member closes itself", member, b, "AccessDeniedException"},
		{"a member closes its sibling", member, sibling, "AccessDeniedException"},
		{"a member closes the management account", member, kwtest.AccountID, "AccessDeniedException"},
		{"a user denied CloseAccount", denied, b, "AccessDeniedException"},
		{"the management account closes itself", c, kwtest.AccountID, "ConstraintViolationException"},
		{"another organization's account", c, xMember, "AccountNotFoundException"},
		{"another organization's management account", c, otherAccount, "AccountNotFoundException"},
		{"the other organization closes this one's member", xc, b, "AccountNotFoundException"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, closeAs(tt.c, tt.account), tt.code) })
	}
	var cv *types.ConstraintViolationException
	if err := closeAs(c, kwtest.AccountID); !errors.As(err, &cv) || cv.Reason != types.ConstraintViolationExceptionReasonCannotCloseManagementAccount {
		t.Fatalf("closing the management account: %v", err)
	}
	if got, want := answer(closeAs(c, xMember)), answer(closeAs(c, "999999999999")); got != want {
		t.Fatalf("another organization's account answered %q, one that is not there %q", got, want)
	}
	for _, id := range []string{b, sibling, kwtest.AccountID, otherAccount, xMember} {
		if a, err := k.Store.AccountByID(ctx, id); err != nil || a.Closed() {
			t.Fatalf("account %s after the refusals: %+v, %v", id, a, err)
		}
	}
	// The member's key still works: nothing was closed.
	if _, err := k.IAMClient(bKey.ID, bSecret).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("the member's root key before its closure: %v", err)
	}

	must(t, closeAs(c, b))
	wantCode(t, closeAs(c, b), "ConcurrentModificationException")
	_, err = c.RemoveAccountFromOrganization(ctx, &awsorg.RemoveAccountFromOrganizationInput{AccountId: aws.String(b)})
	wantCode(t, err, "ConcurrentModificationException")
	if _, _, err := k.IAM.CreateAccountRootKey(keyward.Internal(ctx), b); err == nil {
		t.Fatal("a new root key for the closed account")
	}
	again, err := c.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String("b@example.com"), AccountName: aws.String("tenant-b")})
	must(t, err)
	if again.CreateAccountStatus.State != types.CreateAccountStateFailed {
		t.Fatalf("a new account with the closed account's email: %+v", again.CreateAccountStatus)
	}
	// Its own root user, whose key worked a moment ago, can do nothing.
	if _, err := k.IAMClient(bKey.ID, bSecret).ListUsers(ctx, &iam.ListUsersInput{}); err == nil || !strings.Contains(err.Error(), "InvalidClientTokenId") {
		t.Fatalf("the closed account's root key: %v", err)
	}
	if a, err := k.Store.AccountByID(ctx, b); err != nil || a.Status != keyward.AccountPendingClosure {
		t.Fatalf("the closed account: %+v, %v", a, err)
	}
	if _, err := c.DescribeAccount(ctx, &awsorg.DescribeAccountInput{AccountId: aws.String(b)}); err != nil {
		t.Fatalf("the closed account left the organization: %v", err)
	}
}

// TestRemoveOtherOrganizationsClosedAccount: another organization's
// closed account, named to RemoveAccountFromOrganization, is answered as
// an account that is not there is, as an open one of it is. Before the
// fix, the store refused a closed account before looking whether it was
// the organization's at all: the answer (ConcurrentModificationException
// while pending, ConstraintViolationException once suspended) told any
// organization's management account which accounts of the installation
// were closed, and when.
func TestRemoveOtherOrganizationsClosedAccount(t *testing.T) {
	k, clock := newClocked(t)
	c, _, _ := newOrganization(t, k)
	ctx := context.Background()

	xc, xMember := otherOrganization(t, k)
	_, err := xc.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String(xMember)})
	must(t, err)

	answer := func(account string) string {
		_, err := c.RemoveAccountFromOrganization(ctx, &awsorg.RemoveAccountFromOrganizationInput{AccountId: aws.String(account)})
		var e smithy.APIError
		if !errors.As(err, &e) {
			t.Fatalf("removing %s: not an API error: %v", account, err)
		}
		return e.ErrorCode() + ": " + e.ErrorMessage()
	}
	missing := answer("999999999999")
	for _, when := range []string{"pending", "suspended"} {
		if got := answer(xMember); got != missing {
			t.Errorf("another organization's closed account (%s) answered %q, one that is not there %q", when, got, missing)
		}
		clock.Add(keyward.AccountClosurePending + time.Second)
	}
}
