package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
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

var accountIDPattern = regexp.MustCompile(`^[1-9]\d{11}$`)

// TestCreateAccount: the management account makes a member account, which
// the organization lists with its name and email, whose request's status
// is kept, and in which OrganizationAccountAccessRole trusts the
// management account with AdministratorAccess; an email another account
// has makes a FAILED request, as on AWS; the email is not in the audit
// trail.
func TestCreateAccount(t *testing.T) {
	k, _ := newClocked(t)
	c := rootClient(k)
	ctx := context.Background()
	_, err := c.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String("a@example.com"), AccountName: aws.String("tenant-a")})
	wantCode(t, err, "AWSOrganizationsNotInUseException")
	must2(t)(c.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{}))

	made, err := c.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String("a@example.com"), AccountName: aws.String("tenant-a"),
		Tags: []types.Tag{{Key: aws.String("tenant"), Value: aws.String("a")}}})
	must(t, err)
	st := made.CreateAccountStatus
	if st.State != types.CreateAccountStateSucceeded || !accountIDPattern.MatchString(aws.ToString(st.AccountId)) || aws.ToString(st.AccountId) == kwtest.AccountID ||
		!regexp.MustCompile(`^car-[a-z0-9]{32}$`).MatchString(aws.ToString(st.Id)) || aws.ToString(st.AccountName) != "tenant-a" || st.CompletedTimestamp == nil {
		t.Fatalf("CreateAccount: %+v", st)
	}
	tenant := aws.ToString(st.AccountId)
	described, err := c.DescribeCreateAccountStatus(ctx, &awsorg.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})
	must(t, err)
	if aws.ToString(described.CreateAccountStatus.AccountId) != tenant || described.CreateAccountStatus.State != types.CreateAccountStateSucceeded {
		t.Fatalf("DescribeCreateAccountStatus: %+v", described.CreateAccountStatus)
	}
	_, err = c.DescribeCreateAccountStatus(ctx, &awsorg.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String("car-abcdefgh")})
	wantCode(t, err, "CreateAccountStatusNotFoundException")

	// An email another account has: a FAILED request, no account.
	again, err := c.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String("a@example.com"), AccountName: aws.String("tenant-b")})
	must(t, err)
	if again.CreateAccountStatus.State != types.CreateAccountStateFailed || again.CreateAccountStatus.FailureReason != types.CreateAccountFailureReasonEmailAlreadyExists ||
		again.CreateAccountStatus.AccountId != nil {
		t.Fatalf("the same email again: %+v", again.CreateAccountStatus)
	}
	for state, want := range map[types.CreateAccountState]int{types.CreateAccountStateSucceeded: 1, types.CreateAccountStateFailed: 1, types.CreateAccountStateInProgress: 0} {
		l, err := c.ListCreateAccountStatus(ctx, &awsorg.ListCreateAccountStatusInput{States: []types.CreateAccountState{state}})
		must(t, err)
		if len(l.CreateAccountStatuses) != want {
			t.Errorf("%s requests: %+v", state, l.CreateAccountStatuses)
		}
	}
	all, err := c.ListCreateAccountStatus(ctx, &awsorg.ListCreateAccountStatusInput{MaxResults: aws.Int32(1)})
	must(t, err)
	if len(all.CreateAccountStatuses) != 1 || all.NextToken == nil {
		t.Fatalf("a page of one: %+v", all)
	}

	// The organization lists it, with its name, email and tags.
	accounts, err := c.ListAccounts(ctx, &awsorg.ListAccountsInput{})
	must(t, err)
	if len(accounts.Accounts) != 2 {
		t.Fatalf("accounts %+v", accounts.Accounts)
	}
	a, err := c.DescribeAccount(ctx, &awsorg.DescribeAccountInput{AccountId: aws.String(tenant)})
	must(t, err)
	if aws.ToString(a.Account.Name) != "tenant-a" || aws.ToString(a.Account.Email) != "a@example.com" || a.Account.Status != types.AccountStatusActive ||
		a.Account.JoinedMethod != types.AccountJoinedMethodCreated {
		t.Fatalf("DescribeAccount %+v", a.Account)
	}
	tags, err := c.ListTagsForResource(ctx, &awsorg.ListTagsForResourceInput{ResourceId: aws.String(tenant)})
	must(t, err)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "a" {
		t.Fatalf("the account's tags %+v", tags.Tags)
	}

	// Its access role, in its account alone.
	role, err := k.Store.InAccount(tenant).Role(ctx, "OrganizationAccountAccessRole")
	must(t, err)
	if !strings.Contains(role.TrustPolicy, `"AWS":"arn:aws:iam::`+kwtest.AccountID+`:root"`) {
		t.Fatalf("the access role trusts %s", role.TrustPolicy)
	}
	attached, _, err := k.Store.InAccount(tenant).ListAttachedPolicies(ctx, keyward.Entity{Kind: keyward.EntityRole, Name: role.Name}, "/", "", 10)
	must(t, err)
	if len(attached) != 1 || attached[0].Name != "AdministratorAccess" {
		t.Fatalf("the access role's policies %+v", attached)
	}
	if _, err := k.Store.Role(ctx, "OrganizationAccountAccessRole"); err == nil {
		t.Fatal("the access role is in the management account too")
	}

	// The email is not in the audit trail.
	must(t, k.Audit.Flush(ctx))
	events, _, err := k.Store.LookupEvents(ctx, keyward.EventQuery{Source: keyward.EventSourceOrganizations, Max: 100})
	must(t, err)
	n := 0
	for _, e := range events {
		if e.Name == "CreateAccount" {
			n++
			if strings.Contains(string(e.Record), "a@example.com") || strings.Contains(string(e.Record), "tenant-a\"") {
				t.Errorf("the event shows what the model calls sensitive: %s", e.Record)
			}
		}
	}
	// Refused before the organization, made, failed.
	if n != 3 {
		t.Errorf("%d CreateAccount events, want 3", n)
	}

}

// TestRemoveAccountFromOrganization: a member account leaves the
// organization with its SCP attachments and stays an account of the
// installation; the management account cannot leave this way.
func TestRemoveAccountFromOrganization(t *testing.T) {
	k := kwtest.New(t)
	c, _, _ := newOrganization(t, k)
	ctx := context.Background()
	made, err := c.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String("b@example.com"), AccountName: aws.String("tenant-b")})
	must(t, err)
	member := made.CreateAccountStatus.AccountId
	roots, err := c.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	must2(t)(c.EnablePolicyType(ctx, &awsorg.EnablePolicyTypeInput{RootId: roots.Roots[0].Id, PolicyType: types.PolicyTypeServiceControlPolicy}))

	_, err = c.RemoveAccountFromOrganization(ctx, &awsorg.RemoveAccountFromOrganizationInput{AccountId: aws.String(kwtest.AccountID)})
	wantCode(t, err, "MasterCannotLeaveOrganizationException")
	must2(t)(c.RemoveAccountFromOrganization(ctx, &awsorg.RemoveAccountFromOrganizationInput{AccountId: member}))
	_, err = c.RemoveAccountFromOrganization(ctx, &awsorg.RemoveAccountFromOrganizationInput{AccountId: member})
	wantCode(t, err, "AccountNotFoundException")
	_, err = c.DescribeAccount(ctx, &awsorg.DescribeAccountInput{AccountId: member})
	wantCode(t, err, "AccountNotFoundException")
	accounts, err := c.ListAccounts(ctx, &awsorg.ListAccountsInput{})
	must(t, err)
	if len(accounts.Accounts) != 1 || aws.ToString(accounts.Accounts[0].Id) != kwtest.AccountID {
		t.Fatalf("accounts after the removal: %+v", accounts.Accounts)
	}
	targets, err := c.ListTargetsForPolicy(ctx, &awsorg.ListTargetsForPolicyInput{PolicyId: aws.String(keyward.FullAWSAccessID)})
	must(t, err)
	for _, tg := range targets.Targets {
		if aws.ToString(tg.TargetId) == aws.ToString(member) {
			t.Fatalf("FullAWSAccess still attached to the removed account")
		}
	}
	// A standalone account of the installation, with its access role.
	if _, err := k.Store.AccountByID(ctx, aws.ToString(member)); err != nil {
		t.Fatalf("the removed account: %v", err)
	}
	if _, err := k.Store.InAccount(aws.ToString(member)).Role(ctx, "OrganizationAccountAccessRole"); err != nil {
		t.Fatalf("the removed account's role: %v", err)
	}
}

// TestMemberLearnsNothingOfTheOrganization: a member account's principal
// may do nothing with the organization but is decided before it is told
// so; a policy of its own that allows organizations:DescribeAccount on a
// resource tag would tell it, by which of two refusals it gets, the tags
// of the management account's accounts (and so that they exist). Every
// refusal of a member is one answer, whatever the target's tags.
func TestMemberLearnsNothingOfTheOrganization(t *testing.T) {
	k := kwtest.New(t)
	c, _, _ := newOrganization(t, k)
	ctx := context.Background()
	var ids []string
	for _, tenant := range []string{"b", "c", "d"} {
		made, err := c.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String(tenant + "@example.com"), AccountName: aws.String("tenant-" + tenant),
			Tags: []types.Tag{{Key: aws.String("tenant"), Value: aws.String(tenant)}}})
		must(t, err)
		ids = append(ids, aws.ToString(made.CreateAccountStatus.AccountId))
	}
	rootKey, rootSecret, err := k.IAM.CreateAccountRootKey(keyward.Internal(ctx), ids[0])
	must(t, err)
	b := k.IAMClient(rootKey.ID, rootSecret)
	must2(t)(b.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("spy")}))
	must2(t)(b.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("spy"), PolicyName: aws.String("probe"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:DescribeAccount","Resource":"*",
			"Condition":{"StringEquals":{"aws:ResourceTag/tenant":"c"}}}]}`)}))
	key, err := b.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("spy")})
	must(t, err)
	spy := orgClient(k, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))
	answer := func(id string) string {
		_, err := spy.DescribeAccount(ctx, &awsorg.DescribeAccountInput{AccountId: aws.String(id)})
		var e smithy.APIError
		if !errors.As(err, &e) {
			t.Fatalf("DescribeAccount(%s): %v", id, err)
		}
		return e.ErrorCode() + ": " + strings.ReplaceAll(e.ErrorMessage(), id, "<id>")
	}
	want := answer(ids[2]) // tagged tenant=d
	for _, id := range []string{ids[1], kwtest.AccountID, "999999999999"} {
		if got := answer(id); got != want {
			t.Fatalf("DescribeAccount(%s) answered %q, and %q for another account", id, got, want)
		}
	}
}

// TestCloseAccount: the management account closes a member account with
// aws-sdk-go-v2's client; DescribeAccount and ListAccounts show it
// PENDING_CLOSURE, then SUSPENDED as the clock moves, until 90 days
// have passed and it is gone; closing it again is
// ConcurrentModificationException while the closure is pending and
// AccountAlreadyClosedException after; the closed account does not leave
// the organization, and may still move; its email stays taken; the
// closure is in the audit trail.
func TestCloseAccount(t *testing.T) {
	k, clock := newClocked(t)
	c := rootClient(k)
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
	k, clock := newClocked(t)
	c := rootClient(k)
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
