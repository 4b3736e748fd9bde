package organizations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// AccessRoleName is the role CreateAccount makes in a new account when
// the request names none: it trusts the management account and has
// AdministratorAccess, as on AWS.
const AccessRoleName = "OrganizationAccountAccessRole"

// administratorAccessARN is the AWS managed policy the access role has.
const administratorAccessARN = keyward.AWSManagedPolicyARNPrefix + "/AdministratorAccess"

// CreateAccountStatus is the model's CreateAccountStatus.
type CreateAccountStatus struct {
	ID                 string     `json:"Id"`
	AccountName        string     `json:"AccountName"`
	State              string     `json:"State"`
	RequestedTimestamp Timestamp  `json:"RequestedTimestamp"`
	CompletedTimestamp *Timestamp `json:"CompletedTimestamp,omitempty"`
	AccountID          string     `json:"AccountId,omitempty"`
	FailureReason      string     `json:"FailureReason,omitempty"`
}

func createStatusOf(st keyward.CreateAccountStatus) CreateAccountStatus {
	out := CreateAccountStatus{ID: st.ID, AccountName: st.AccountName, State: st.State, RequestedTimestamp: Timestamp(st.RequestedAt),
		AccountID: st.AccountID, FailureReason: st.FailureReason}
	if !st.CompletedAt.IsZero() {
		t := Timestamp(st.CompletedAt)
		out.CompletedTimestamp = &t
	}
	return out
}

// AccountInput is what CreateAccount makes an account of.
type AccountInput struct {
	Email, Name, RoleName string
	Tags                  []keyward.Tag
}

// CreateAccount makes a new account of the installation in the caller's
// organization, under its root, with the access role (RoleName, or
// OrganizationAccountAccessRole) that the management account's principals
// assume to administer it. The account has no root credentials: the
// operator gives a tenant that administers itself its root access key.
// Keyward makes the account at once; the status answered is final, and
// a failure (an email another account has, the organization's quota of
// accounts reached) is a FAILED status, as AWS reports it, not an error.
func (s *Service) CreateAccount(ctx context.Context, in AccountInput) (CreateAccountStatus, error) {
	o, err := s.organizationWith(ctx, "organizations:CreateAccount", anyResource, authz.RequestTagKeys(in.Tags))
	if err != nil {
		return CreateAccountStatus{}, err
	}
	if err := checkTags(in.Tags); err != nil {
		return CreateAccountStatus{}, err
	}
	if in.RoleName == "" {
		in.RoleName = AccessRoleName
	}
	now := s.now()
	st := keyward.CreateAccountStatus{AccountName: in.Name, State: keyward.CreateAccountInProgress, RequestedAt: now}
	if st.ID, err = keyward.RandomString(s.Rand, "car-", 32, "abcdefghijklmnopqrstuvwxyz0123456789"); err != nil {
		return CreateAccountStatus{}, err
	}
	changes := s.changing(ctx)
	fail := func(reason string) (CreateAccountStatus, error) {
		st.State, st.FailureReason, st.CompletedAt = keyward.CreateAccountFailed, reason, s.now()
		return createStatusOf(st), changes.PutCreateAccountStatus(ctx, o.ID, st)
	}
	a := keyward.Account{Name: in.Name, Email: in.Email, Status: keyward.AccountActive, CreatedAt: now}
	member := keyward.OrgAccount{OrganizationID: o.ID, ParentID: o.RootID, JoinedMethod: keyward.JoinedCreated, JoinedAt: now, Tags: in.Tags}
	// The account and its membership are made in one transaction, which
	// counts the organization's accounts with it locked: two creations at
	// once never pass the quota together, and a refused one makes nothing.
	// A closed member counts until it is gone from the organization.
	quota := s.accountQuota(o)
	for range 10 {
		if a.ID, err = keyward.NewAccountID(s.Rand); err != nil {
			return CreateAccountStatus{}, err
		}
		member.ID = a.ID
		err = changes.CreateOrgAccount(ctx, o.ID, a, member, quota, now.Add(-keyward.AccountClosedRetention))
		if !errors.Is(err, keyward.ErrAccountExists) {
			break
		}
	}
	switch {
	case errors.Is(err, keyward.ErrOrgAccountQuota):
		return fail("ACCOUNT_LIMIT_EXCEEDED")
	case errors.Is(err, keyward.ErrAccountEmailExists):
		return fail("EMAIL_ALREADY_EXISTS")
	case err != nil:
		return CreateAccountStatus{}, fmt.Errorf("organizations: making account %s: %w", a.ID, err)
	}
	if err := s.makeAccessRole(ctx, o, a.ID, in.RoleName); err != nil {
		return CreateAccountStatus{}, fmt.Errorf("organizations: the access role of account %s: %w", a.ID, err)
	}
	st.State, st.AccountID, st.CompletedAt = keyward.CreateAccountSucceeded, a.ID, s.now()
	if err := changes.PutCreateAccountStatus(ctx, o.ID, st); err != nil {
		return CreateAccountStatus{}, err
	}
	return createStatusOf(st), s.changed(nil)
}

// accountQuota is the most accounts o may hold, its management account
// included; 0 for no bound. The organization of the installation's first
// account is the operator's, and is bounded apart (MaxFirstAccounts): at
// Keyward's scale it holds tens of thousands of tenants, while every
// other organization is a tenant's, held to AWS's quota by default so
// that no tenant makes accounts of the installation without end.
func (s *Service) accountQuota(o keyward.Organization) int {
	if o.MasterAccountID == s.Authz.FirstAccount().ID {
		return s.MaxFirstAccounts
	}
	return s.MaxAccounts
}

// makeAccessRole makes the role in the new account that trusts the
// management account (its principals whose own policies allow
// sts:AssumeRole on it), with AdministratorAccess.
func (s *Service) makeAccessRole(ctx context.Context, o keyward.Organization, accountID, name string) error {
	id, err := keyward.RandomString(s.Rand, keyward.RoleIDPrefix, 17, keyward.Base32Alphabet)
	if err != nil {
		return err
	}
	st := s.Store.InAccount(accountID)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + o.MasterAccountID +
		`:root"},"Action":"sts:AssumeRole"}]}`
	r := keyward.Role{ID: id, Name: name, Path: "/", TrustPolicy: trust, MaxSessionDuration: keyward.DefaultRoleSessionDuration, CreatedAt: s.now()}
	// The account is new: AWS's default quotas hold whatever the
	// installation configured.
	q := keyward.DefaultQuotas()
	if err := st.CreateRole(ctx, r, q.Roles); err != nil {
		return err
	}
	return st.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityRole, Name: name}, administratorAccessARN, q.AttachedPoliciesPerRole)
}

// DescribeCreateAccountStatus describes a CreateAccount request.
func (s *Service) DescribeCreateAccountStatus(ctx context.Context, id string) (CreateAccountStatus, error) {
	o, err := s.organization(ctx, "organizations:DescribeCreateAccountStatus", anyResource)
	if err != nil {
		return CreateAccountStatus{}, err
	}
	st, err := s.Store.CreateAccountStatus(ctx, o.ID, id)
	if errors.Is(err, keyward.ErrNoSuchCreateAccountStatus) {
		return CreateAccountStatus{}, keyward.Errorf(ECreateAccountStatusNotFound, "We can't find a create account request with the CreateAccountRequestId that you specified.")
	} else if err != nil {
		return CreateAccountStatus{}, err
	}
	return createStatusOf(st), nil
}

// ListCreateAccountStatus lists the organization's CreateAccount requests,
// those in states only unless it is empty.
func (s *Service) ListCreateAccountStatus(ctx context.Context, states []string, page Page) ([]CreateAccountStatus, string, error) {
	o, err := s.organization(ctx, "organizations:ListCreateAccountStatus", anyResource)
	if err != nil {
		return nil, "", err
	}
	after, err := page.after()
	if err != nil {
		return nil, "", err
	}
	sts, more, err := s.Store.CreateAccountStatuses(ctx, o.ID, states, after, page.max())
	if err != nil {
		return nil, "", err
	}
	out := make([]CreateAccountStatus, len(sts))
	last := ""
	for i, st := range sts {
		out[i], last = createStatusOf(st), st.ID
	}
	return out, nextToken(more, last), nil
}

// RemoveAccountFromOrganization takes a member account out of the
// organization: its SCPs and tags there go, and the account stays in the
// installation, a standalone account that its own principals still use.
// The management account cannot leave this way, nor an open account that
// an organization other than the first account's made (keepsMade).
func (s *Service) RemoveAccountFromOrganization(ctx context.Context, accountID string) error {
	o, err := s.organization(ctx, "organizations:RemoveAccountFromOrganization", func(o keyward.Organization) string { return o.AccountARN(accountID) })
	if err != nil {
		return err
	}
	if keep, err := s.keepsMade(ctx, o, accountID); err != nil {
		return err
	} else if keep {
		return constraint("MEMBER_ACCOUNT_PAYMENT_INSTRUMENT_REQUIRED",
			"You can't remove an account that this organization created: only the installation's own organization makes standalone accounts. Close the account instead.")
	}
	err = s.changed(s.changing(ctx).RemoveOrgAccount(ctx, o.ID, accountID))
	switch {
	case errors.Is(err, keyward.ErrNoSuchOrgAccount):
		return keyward.Errorf(EAccountNotFound, "You specified an account that doesn't exist.")
	case errors.Is(err, keyward.ErrAccountClosed):
		return s.closedAccount(ctx, accountID, constraint("ACCOUNT_CANNOT_LEAVE_ORGANIZATION",
			"You can't remove a closed account from the organization. It leaves the organization by itself 90 days after it was closed."))
	case errors.Is(err, keyward.ErrMasterAccount):
		return keyward.Errorf(EMasterCannotLeave, "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization.")
	}
	return err
}

// keepsMade reports whether o keeps accountID, an open member it made
// with CreateAccount, from leaving it. AWS lets an account CreateAccount
// made leave only once it holds what a standalone account needs (its own
// payment method): leaving costs its owner. In Keyward it would cost
// nothing, and an organization's account quota would bound nothing: a
// tenant would make accounts up to its quota, take them out, and make
// more, each removed account a standalone account of the installation
// that the tenant still administers through its access role, and that
// may make an organization of its own. So only the organization of the
// installation's first account, the operator's, lets the accounts it
// made go. How an account joined never changes while it is a member, so
// reading it before the removal's transaction decides as reading it in
// it would. A closed account, the management account and another
// organization's account are left to the store's answers.
func (s *Service) keepsMade(ctx context.Context, o keyward.Organization, accountID string) (bool, error) {
	if o.MasterAccountID == s.Authz.FirstAccount().ID || accountID == o.MasterAccountID {
		return false, nil
	}
	m, err := s.Store.OrgAccount(ctx, o.ID, accountID)
	switch {
	case errors.Is(err, keyward.ErrNoSuchOrgAccount):
		return false, nil
	case err != nil:
		return false, err
	case m.JoinedMethod != keyward.JoinedCreated:
		return false, nil
	}
	a, err := s.Store.AccountByID(ctx, accountID)
	if err != nil {
		return false, err
	}
	return !a.Closed(), nil
}

// Account closure: AWS lets an organization close, within a rolling 30
// days, the higher of 250 and 20% of its member accounts, at most 1,000
// (CloseAccount's documentation in the service model).
const (
	closeQuotaWindow = 30 * 24 * time.Hour
	closeQuotaMin    = 250
	closeQuotaMax    = 1000
)

// closeQuota is how many of an organization's members accounts may be
// closed within the window.
func closeQuota(members int) int {
	return min(max(closeQuotaMin, members/5), closeQuotaMax)
}

// CloseAccount closes a member account of the organization, for good: its
// status reads PENDING_CLOSURE, then SUSPENDED, and from the moment it is
// closed none of its principals can do anything (their keys, sessions and
// console sessions are refused on every replica, and no role of it can be
// assumed). Only the management account closes accounts, never itself.
// Nothing reopens an account: AWS's support can within 90 days, and
// Keyward has no support.
func (s *Service) CloseAccount(ctx context.Context, accountID string) error {
	o, err := s.organization(ctx, "organizations:CloseAccount", func(o keyward.Organization) string { return o.AccountARN(accountID) })
	if err != nil {
		return err
	}
	now := s.now()
	err = s.changed(s.changing(ctx).CloseOrgAccount(ctx, o.ID, accountID, now, now.Add(-closeQuotaWindow), closeQuota))
	switch {
	case errors.Is(err, keyward.ErrNoSuchOrgAccount):
		return errAccountNotFound
	case errors.Is(err, keyward.ErrMasterAccount):
		return constraint("CANNOT_CLOSE_MANAGEMENT_ACCOUNT", "You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization.")
	case errors.Is(err, keyward.ErrAccountClosed):
		return s.closedAccount(ctx, accountID, keyward.Errorf(EAccountAlreadyClosed, "You attempted to close an account that is already closed."))
	case errors.Is(err, keyward.ErrCloseAccountQuota):
		return constraint("CLOSE_ACCOUNT_QUOTA_EXCEEDED", "You have exceeded close account quota for the past 30 days.")
	}
	return err
}

// errAccountNotFound is AccountNotFoundException.
var errAccountNotFound = keyward.Errorf(EAccountNotFound, "You specified an account that doesn't exist.")

// closedAccount is the answer to a change of a closed account: while its
// closure is still pending, ConcurrentModificationException (the closure
// is the change under way); once its retention has passed, the account
// is gone, AccountNotFoundException; otherwise suspended, the operation's
// own answer.
func (s *Service) closedAccount(ctx context.Context, accountID string, suspended error) error {
	a, err := s.Store.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	now := s.now()
	switch {
	case a.Gone(now):
		return errAccountNotFound
	case a.StatusAt(now) == keyward.AccountPendingClosure:
		return keyward.Errorf(EConcurrentModification, "The target of the operation is currently being modified by a different request. Try again later.")
	}
	return suspended
}
