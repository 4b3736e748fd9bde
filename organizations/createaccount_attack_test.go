package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// removedTenant makes, in k's installation account's organization, a
// tenant's account, gives it its root key, takes it out of the
// organization, and lets its root user make an organization of its own:
// what a tenant set loose does. It returns the tenant's client.
func removedTenant(t *testing.T, k *kwtest.Keyward) *awsorg.Client {
	t.Helper()
	ctx := context.Background()
	c, _, _ := newOrganization(t, k)
	made, err := c.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String("tenant@example.com"), AccountName: aws.String("tenant")})
	must(t, err)
	tenant := aws.ToString(made.CreateAccountStatus.AccountId)
	key, secret, err := k.IAM.CreateAccountRootKey(keyward.Internal(ctx), tenant)
	must(t, err)
	must2(t)(c.RemoveAccountFromOrganization(ctx, &awsorg.RemoveAccountFromOrganizationInput{AccountId: aws.String(tenant)}))
	tc := orgClient(k, key.ID, secret)
	must2(t)(tc.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{}))
	return tc
}

// installationAccounts counts the accounts of k's installation.
func installationAccounts(t *testing.T, k *kwtest.Keyward) int {
	t.Helper()
	n, after := 0, ""
	for {
		page, more, err := k.Store.Accounts(context.Background(), after, 100)
		must(t, err)
		n += len(page)
		if !more {
			return n
		}
		after = page[len(page)-1].ID
	}
}

// createAccount asks c for a new account named name and returns its
// status.
func createAccount(t *testing.T, c *awsorg.Client, name string) *types.CreateAccountStatus {
	t.Helper()
	made, err := c.CreateAccount(context.Background(), &awsorg.CreateAccountInput{Email: aws.String(name + "@example.com"), AccountName: aws.String(name)})
	must(t, err)
	return made.CreateAccountStatus
}

// wantLimitExceeded fails t unless st is a CreateAccount request refused
// for the organization's quota, as AWS reports it: the call succeeds, and
// its status (DescribeCreateAccountStatus's too) is FAILED with
// ACCOUNT_LIMIT_EXCEEDED and no account.
func wantLimitExceeded(t *testing.T, c *awsorg.Client, st *types.CreateAccountStatus) {
	t.Helper()
	described, err := c.DescribeCreateAccountStatus(context.Background(), &awsorg.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})
	must(t, err)
	for _, got := range []*types.CreateAccountStatus{st, described.CreateAccountStatus} {
		if got.State != types.CreateAccountStateFailed || got.FailureReason != types.CreateAccountFailureReasonAccountLimitExceeded || got.AccountId != nil {
			t.Fatalf("a creation past the quota: %s %s, account %q", got.State, got.FailureReason, aws.ToString(got.AccountId))
		}
	}
}

// orgAccounts counts the accounts of c's organization.
func orgAccounts(t *testing.T, c *awsorg.Client) int {
	t.Helper()
	n := 0
	p := awsorg.NewListAccountsPaginator(c, &awsorg.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		must(t, err)
		n += len(page.Accounts)
	}
	return n
}

// TestCreateAccountQuota: an organization holds at most its quota of
// accounts, its management account included: AWS's 10 by default
// (--max-organization-accounts) for every organization but the first
// account's, which has none by default (--max-first-organization-accounts).
// A creation past it fails as AWS's does, FAILED with
// ACCOUNT_LIMIT_EXCEEDED, and makes no account. Before the quota, a tenant
// taken out of the installation's organization made accounts without end,
// each with a role allowed everything.
func TestCreateAccountQuota(t *testing.T) {
	const tries = 12 // more than AWS's quota
	for _, tt := range []struct {
		name   string
		opts   kwtest.Options
		tenant bool // the removed tenant's organization, else the first account's
		made   int  // accounts made before the first refusal; tries for none
	}{
		{"a removed tenant's organization, by default", kwtest.Options{}, true, 9},
		{"the first account's organization, by default", kwtest.Options{}, false, tries},
		{"a removed tenant's organization, at 3", kwtest.Options{MaxOrganizationAccounts: 3}, true, 2},
		{"a removed tenant's organization, without a quota", kwtest.Options{MaxOrganizationAccounts: -1}, true, tries},
		{"the first account's organization, at 3", kwtest.Options{MaxFirstOrganizationAccounts: 3}, false, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := kwtest.NewWithOptions(t, tt.opts)
			var c *awsorg.Client
			if tt.tenant {
				c = removedTenant(t, k)
			} else {
				c, _, _ = newOrganization(t, k)
			}
			made := 0
			for i := range tries {
				before := installationAccounts(t, k)
				st := createAccount(t, c, fmt.Sprintf("made-%02d", i))
				if st.State == types.CreateAccountStateSucceeded {
					made++
					continue
				}
				wantLimitExceeded(t, c, st)
				if after := installationAccounts(t, k); after != before {
					t.Fatalf("a refused creation: %d accounts in the installation, %d before", after, before)
				}
				break
			}
			if made != tt.made {
				t.Fatalf("%d accounts made, want %d", made, tt.made)
			}
			if made == tries {
				return
			}
			if n := orgAccounts(t, c); n != made+1 {
				t.Fatalf("%d accounts in the organization, want %d", n, made+1)
			}
			// It stays refused.
			wantLimitExceeded(t, c, createAccount(t, c, "again"))
		})
	}
}

// TestCreateAccountQuotaCounts: the quota counts accounts as AWS does: a
// member taken out of the organization no longer counts; a closed one
// counts for its 90 days in the organization (SUSPENDED), and no longer
// once it is gone.
func TestCreateAccountQuotaCounts(t *testing.T) {
	clock := kwtest.NewClock(start)
	k := kwtest.NewWithOptions(t, kwtest.Options{Now: clock.Now, MaxFirstOrganizationAccounts: 3})
	c, _, _ := newOrganization(t, k)
	ctx := context.Background()
	a, b := createAccount(t, c, "a"), createAccount(t, c, "b")
	if a.State != types.CreateAccountStateSucceeded || b.State != types.CreateAccountStateSucceeded {
		t.Fatalf("two accounts within the quota: %s, %s", a.State, b.State)
	}
	wantLimitExceeded(t, c, createAccount(t, c, "c"))

	must2(t)(c.RemoveAccountFromOrganization(ctx, &awsorg.RemoveAccountFromOrganizationInput{AccountId: a.AccountId}))
	if st := createAccount(t, c, "c"); st.State != types.CreateAccountStateSucceeded {
		t.Fatalf("a creation in the place of a removed account: %s %s", st.State, st.FailureReason)
	}

	must2(t)(c.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: b.AccountId}))
	wantLimitExceeded(t, c, createAccount(t, c, "d"))
	clock.Add(keyward.AccountClosedRetention - 1)
	wantLimitExceeded(t, c, createAccount(t, c, "d"))
	clock.Add(1)
	if st := createAccount(t, c, "d"); st.State != types.CreateAccountStateSucceeded {
		t.Fatalf("a creation once the closed account is gone: %s %s", st.State, st.FailureReason)
	}
}

// TestCreateAccountQuotaConcurrent: of eight creations at once in an
// organization with room for one more account, one makes it; the others
// fail as past the quota, and make nothing.
func TestCreateAccountQuotaConcurrent(t *testing.T) {
	k := kwtest.NewWithOptions(t, kwtest.Options{MaxOrganizationAccounts: 3})
	c := removedTenant(t, k)
	if st := createAccount(t, c, "first"); st.State != types.CreateAccountStateSucceeded {
		t.Fatalf("the first account: %s %s", st.State, st.FailureReason)
	}
	before := installationAccounts(t, k)
	const n = 8
	sts := make([]*types.CreateAccountStatus, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			made, err := c.CreateAccount(context.Background(), &awsorg.CreateAccountInput{Email: aws.String(fmt.Sprintf("at-once-%d@example.com", i)),
				AccountName: aws.String(fmt.Sprintf("at-once-%d", i))})
			if errs[i] = err; err == nil {
				sts[i] = made.CreateAccountStatus
			}
		})
	}
	wg.Wait()
	won := 0
	for i, st := range sts {
		must(t, errs[i])
		if st.State == types.CreateAccountStateSucceeded {
			won++
			continue
		}
		wantLimitExceeded(t, c, st)
	}
	if won != 1 {
		t.Fatalf("%d of %d creations at once made an account, want 1", won, n)
	}
	if after := installationAccounts(t, k); after != before+1 {
		t.Fatalf("%d accounts in the installation, want %d", after, before+1)
	}
	if got := orgAccounts(t, c); got != 3 {
		t.Fatalf("%d accounts in the organization, want 3", got)
	}
}

// TestTenantKeepsTheAccountsItMade: an organization other than the first
// account's cannot take out an account it made, so that making accounts
// and removing them in turn does not pass its quota: each removed one
// would be a standalone account of the installation, still administered
// by the tenant through its access role, and free to make an
// organization of its own. The first account's organization, the
// operator's, still removes the accounts it made.
func TestTenantKeepsTheAccountsItMade(t *testing.T) {
	k := kwtest.NewWithOptions(t, kwtest.Options{MaxOrganizationAccounts: 3})
	c := removedTenant(t, k)
	ctx := context.Background()
	var made []string
	for _, name := range []string{"a", "b"} {
		st := createAccount(t, c, name)
		if st.State != types.CreateAccountStateSucceeded {
			t.Fatalf("account %s: %s %s", name, st.State, st.FailureReason)
		}
		made = append(made, aws.ToString(st.AccountId))
	}
	before := installationAccounts(t, k)
	for _, id := range made {
		_, err := c.RemoveAccountFromOrganization(ctx, &awsorg.RemoveAccountFromOrganizationInput{AccountId: aws.String(id)})
		var cv *types.ConstraintViolationException
		if !errors.As(err, &cv) || cv.Reason != types.ConstraintViolationExceptionReasonMemberAccountPaymentInstrumentRequired {
			t.Fatalf("the tenant's organization removing an account it made: %v", err)
		}
		wantLimitExceeded(t, c, createAccount(t, c, "instead-of-"+id))
	}
	if n := orgAccounts(t, c); n != 3 {
		t.Fatalf("%d accounts in the tenant's organization, want 3", n)
	}
	if after := installationAccounts(t, k); after != before {
		t.Fatalf("%d accounts in the installation, %d before", after, before)
	}
	// Its management account cannot leave either, as before.
	o, err := c.DescribeOrganization(ctx, &awsorg.DescribeOrganizationInput{})
	must(t, err)
	_, err = c.RemoveAccountFromOrganization(ctx, &awsorg.RemoveAccountFromOrganizationInput{AccountId: o.Organization.MasterAccountId})
	wantCode(t, err, "MasterCannotLeaveOrganizationException")
}
