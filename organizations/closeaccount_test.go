package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestCloseAccount: the management account closes a member account with
// aws-sdk-go-v2's client; DescribeAccount and ListAccounts show it
// PENDING_CLOSURE, then SUSPENDED as the clock moves, until 90 days
// have passed and it is gone; closing it again is
// ConcurrentModificationException while the closure is pending and
// AccountAlreadyClosedException after; the closed account does not leave
// the organization, and may still move; its email stays taken; the
// closure is in the audit trail.
func TestCloseAccount(t *testing.T) {
	clock := kwtest.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	k := kwtest.NewWithClock(t, clock.Now)
	c := orgClient(k, kwtest.RootKeyID, kwtest.RootSecret)
	ctx := context.Background()
	_, err := c.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String("222222222222")})
	wantCode(t, err, "AWSOrganizationsNotInUseException")
	must2(t)(c.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{}))
	made, err := c.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String("b@example.com"), AccountName: aws.String("tenant-b")})
	must(t, err)
	member := aws.ToString(made.CreateAccountStatus.AccountId)
	state := func(t *testing.T, want types.AccountState) {
		t.Helper()
		d, err := c.DescribeAccount(ctx, &awsorg.DescribeAccountInput{AccountId: aws.String(member)})
		must(t, err)
		if d.Account.State != want || string(d.Account.Status) != string(want) {
			t.Fatalf("DescribeAccount: state %s, status %s, want %s", d.Account.State, d.Account.Status, want)
		}
		l, err := c.ListAccounts(ctx, &awsorg.ListAccountsInput{})
		must(t, err)
		for _, a := range l.Accounts {
			if aws.ToString(a.Id) == member && (a.State != want || string(a.Status) != string(want)) {
				t.Fatalf("ListAccounts: state %s, status %s, want %s", a.State, a.Status, want)
			}
		}
	}
	state(t, types.AccountStateActive)

	must2(t)(c.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String(member)}))
	state(t, types.AccountStatePendingClosure)
	_, err = c.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String(member)})
	wantCode(t, err, "ConcurrentModificationException")
	_, err = c.RemoveAccountFromOrganization(ctx, &awsorg.RemoveAccountFromOrganizationInput{AccountId: aws.String(member)})
	wantCode(t, err, "ConcurrentModificationException")

	clock.Add(keyward.AccountClosurePending)
	state(t, types.AccountStateSuspended)
	_, err = c.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String(member)})
	var closed *types.AccountAlreadyClosedException
	if !errors.As(err, &closed) {
		t.Fatalf("closing a suspended account again: %v", err)
	}
	_, err = c.RemoveAccountFromOrganization(ctx, &awsorg.RemoveAccountFromOrganizationInput{AccountId: aws.String(member)})
	var cv *types.ConstraintViolationException
	if !errors.As(err, &cv) || cv.Reason != types.ConstraintViolationExceptionReasonAccountCannotLeaveOrganization {
		t.Fatalf("removing a suspended account: %v", err)
	}
	// AWS advises moving closed accounts to an OU of their own.
	roots, err := c.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	ou, err := c.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: roots.Roots[0].Id, Name: aws.String("Suspended")})
	must(t, err)
	must2(t)(c.MoveAccount(ctx, &awsorg.MoveAccountInput{AccountId: aws.String(member), SourceParentId: roots.Roots[0].Id,
		DestinationParentId: ou.OrganizationalUnit.Id}))
	state(t, types.AccountStateSuspended)
	// Its email stays taken.
	again, err := c.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String("b@example.com"), AccountName: aws.String("tenant-b2")})
	must(t, err)
	if again.CreateAccountStatus.FailureReason != types.CreateAccountFailureReasonEmailAlreadyExists {
		t.Fatalf("a new account with the closed account's email: %+v", again.CreateAccountStatus)
	}

	// The organization is not empty while a closed account is in it.
	_, err = c.DeleteOrganization(ctx, &awsorg.DeleteOrganizationInput{})
	wantCode(t, err, "OrganizationNotEmptyException")

	// 90 days on, it is gone from the organization, as on AWS.
	clock.Add(keyward.AccountClosedRetention)
	_, err = c.DescribeAccount(ctx, &awsorg.DescribeAccountInput{AccountId: aws.String(member)})
	wantCode(t, err, "AccountNotFoundException")
	l, err := c.ListAccounts(ctx, &awsorg.ListAccountsInput{})
	must(t, err)
	if len(l.Accounts) != 1 || aws.ToString(l.Accounts[0].Id) != kwtest.AccountID {
		t.Fatalf("accounts 90 days after the closure: %+v", l.Accounts)
	}
	children, err := c.ListChildren(ctx, &awsorg.ListChildrenInput{ParentId: ou.OrganizationalUnit.Id, ChildType: types.ChildTypeAccount})
	must(t, err)
	if len(children.Children) != 0 {
		t.Fatalf("the OU's accounts 90 days after the closure: %+v", children.Children)
	}
	for _, err := range []error{
		func() error {
			_, err := c.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String(member)})
			return err
		}(),
		func() error {
			_, err := c.MoveAccount(ctx, &awsorg.MoveAccountInput{AccountId: aws.String(member), SourceParentId: ou.OrganizationalUnit.Id,
				DestinationParentId: roots.Roots[0].Id})
			return err
		}(),
	} {
		wantCode(t, err, "AccountNotFoundException")
	}

	// And the organization can be deleted; the account stays closed.
	must2(t)(c.DeleteOrganization(ctx, &awsorg.DeleteOrganizationInput{}))
	if a, err := k.Store.AccountByID(ctx, member); err != nil || !a.Closed() {
		t.Fatalf("the closed account after its organization was deleted: %+v, %v", a, err)
	}

	must(t, k.Audit.Flush(ctx))
	events, _, err := k.Store.LookupEvents(ctx, keyward.EventQuery{Source: keyward.EventSourceOrganizations, EventName: "CloseAccount", Max: 20})
	must(t, err)
	ok := 0
	for _, e := range events {
		if strings.Contains(string(e.Record), `"accountId":"`+member+`"`) && !strings.Contains(string(e.Record), `"errorCode"`) {
			ok++
		}
	}
	if ok != 1 || len(events) != 5 {
		t.Fatalf("%d successful closures among %d CloseAccount events", ok, len(events))
	}
}

// TestCloseAccountQuota: within a rolling 30 days an organization closes
// the higher of 250 and 20% of its member accounts; the next closure is
// ConstraintViolationException CLOSE_ACCOUNT_QUOTA_EXCEEDED, and closes
// nothing, until the window has moved past the first closures.
func TestCloseAccountQuota(t *testing.T) {
	clock := kwtest.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	k := kwtest.NewWithClock(t, clock.Now)
	c := orgClient(k, kwtest.RootKeyID, kwtest.RootSecret)
	ctx := context.Background()
	o, err := c.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{})
	must(t, err)
	roots, err := c.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	orgID, rootID := aws.ToString(o.Organization.Id), aws.ToString(roots.Roots[0].Id)
	// 250 accounts closed through the store (CreateAccount through the
	// API would make each one's role too, for nothing here), then two
	// more open ones.
	open := func(id string) {
		must(t, k.Store.CreateAccount(ctx, keyward.Account{ID: id, Status: keyward.AccountActive, CreatedAt: clock.Now()}, nil))
		must(t, k.Store.AddOrgAccount(ctx, orgID, keyward.OrgAccount{ID: id, ParentID: rootID, JoinedMethod: keyward.JoinedCreated, JoinedAt: clock.Now()}))
	}
	for i := range 250 {
		id := fmt.Sprintf("3%011d", i)
		open(id)
		must(t, k.Store.CloseOrgAccount(ctx, orgID, id, clock.Now(), clock.Now().Add(-time.Hour), func(int) int { return 1000 }))
	}
	open("444444444401")
	open("444444444402")
	clock.Add(29 * 24 * time.Hour)
	_, err = c.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String("444444444401")})
	var cv *types.ConstraintViolationException
	if !errors.As(err, &cv) || cv.Reason != types.ConstraintViolationExceptionReasonCloseAccountQuotaExceeded {
		t.Fatalf("the 251st closure within 30 days: %v", err)
	}
	if a, _ := k.Store.AccountByID(ctx, "444444444401"); a.Closed() {
		t.Fatal("an account closed past the quota")
	}
	clock.Add(24 * time.Hour)
	must2(t)(c.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String("444444444401")}))
}
