package organizations

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/keyward/keyward"
)

// PolicyTypeSummary is a policy type and its status on a root.
type PolicyTypeSummary struct {
	Type   string `json:"Type"`
	Status string `json:"Status"`
}

// Organization is the model's Organization.
type Organization struct {
	ID                   string              `json:"Id"`
	ARN                  string              `json:"Arn"`
	FeatureSet           string              `json:"FeatureSet"`
	MasterAccountARN     string              `json:"MasterAccountArn"`
	MasterAccountID      string              `json:"MasterAccountId"`
	MasterAccountEmail   string              `json:"MasterAccountEmail,omitempty"`
	AvailablePolicyTypes []PolicyTypeSummary `json:"AvailablePolicyTypes"`
}

// Root is the model's Root.
type Root struct {
	ID          string              `json:"Id"`
	ARN         string              `json:"Arn"`
	Name        string              `json:"Name"`
	PolicyTypes []PolicyTypeSummary `json:"PolicyTypes"`
}

// Account is the model's Account.
type Account struct {
	ID              string    `json:"Id"`
	ARN             string    `json:"Arn"`
	Email           string    `json:"Email,omitempty"`
	Name            string    `json:"Name"`
	Status          string    `json:"Status"`
	State           string    `json:"State"`
	JoinedMethod    string    `json:"JoinedMethod"`
	JoinedTimestamp Timestamp `json:"JoinedTimestamp"`
}

// Timestamp is a time as the model's JSON protocol writes it: seconds
// since the epoch.
type Timestamp time.Time

// MarshalJSON implements json.Marshaler.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(time.Time(t).UnixMilli())/1000, 'f', -1, 64), nil
}

func organizationOf(o keyward.Organization) Organization {
	return Organization{ID: o.ID, ARN: o.ARN(), FeatureSet: o.FeatureSet, MasterAccountARN: o.AccountARN(o.MasterAccountID),
		MasterAccountID: o.MasterAccountID,
		// AWS lists SCPs here as enabled whatever the root says (the
		// member is deprecated in favour of the root's PolicyTypes).
		AvailablePolicyTypes: []PolicyTypeSummary{{Type: keyward.ServiceControlPolicyType, Status: "ENABLED"}}}
}

func rootOf(o keyward.Organization) Root {
	r := Root{ID: o.RootID, ARN: o.RootARN(), Name: o.RootName, PolicyTypes: []PolicyTypeSummary{}}
	for _, t := range o.PolicyTypes {
		r.PolicyTypes = append(r.PolicyTypes, PolicyTypeSummary{Type: t, Status: "ENABLED"})
	}
	return r
}

// accountOf describes an account of the organization: its name and email
// as CreateAccount gave them, or, for an account made otherwise (the
// installation's first), its alias or its ID, and no email; its status.
// A closed account whose retention has passed is gone, as on AWS:
// errGone.
func (s *Service) accountOf(ctx context.Context, o keyward.Organization, a keyward.OrgAccount) (Account, error) {
	acct, err := s.Store.AccountByID(ctx, a.ID)
	if err != nil && !errors.Is(err, keyward.ErrNoAccount) {
		return Account{}, err
	}
	now := s.now()
	if acct.Gone(now) {
		return Account{}, errGone
	}
	name := acct.Name
	if name == "" {
		name = a.ID
		aliases, err := s.Store.InAccount(a.ID).AccountAliases(ctx)
		if err != nil {
			return Account{}, err
		}
		if len(aliases) > 0 {
			name = aliases[0]
		}
	}
	status := acct.StatusAt(now)
	return Account{ID: a.ID, ARN: o.AccountARN(a.ID), Name: name, Email: acct.Email, Status: status, State: status, JoinedMethod: a.JoinedMethod,
		JoinedTimestamp: Timestamp(a.JoinedAt)}, nil
}

// CreateOrganization makes an organization of the caller's account, which
// becomes its management account, with its root and the AWS managed
// FullAWSAccess policy. Only the feature set ALL is offered: consolidated
// billing alone means nothing to Keyward.
func (s *Service) CreateOrganization(ctx context.Context, featureSet string) (Organization, error) {
	if err := s.Authz.Authorize(ctx, "organizations:CreateOrganization", "*"); err != nil {
		return Organization{}, err
	}
	acct := s.Authz.Account(ctx)
	if _, err := s.Store.OrganizationOf(ctx, acct.ID); err == nil {
		return Organization{}, alreadyIn()
	} else if !errors.Is(err, keyward.ErrNotInOrganization) {
		return Organization{}, err
	}
	if featureSet == "" {
		featureSet = keyward.FeatureSetAll
	}
	if featureSet != keyward.FeatureSetAll {
		return Organization{}, constraint("ORGANIZATION_NOT_IN_ALL_FEATURES_MODE",
			"Keyward's organizations have all features: the feature set must be ALL.")
	}
	orgID, rootID, err := newOrganizationIDs(s.Rand)
	if err != nil {
		return Organization{}, err
	}
	now := s.now()
	o := keyward.Organization{ID: orgID, MasterAccountID: acct.ID, FeatureSet: featureSet, RootID: rootID, RootName: keyward.RootName, CreatedAt: now}
	master := keyward.OrgAccount{ID: acct.ID, OrganizationID: orgID, ParentID: rootID, JoinedMethod: keyward.JoinedCreated, JoinedAt: now}
	err = s.changed(s.changing(ctx).CreateOrganization(ctx, o, master, []keyward.OrgPolicy{fullAWSAccess}))
	if errors.Is(err, keyward.ErrAlreadyInOrganization) {
		return Organization{}, alreadyIn()
	} else if err != nil {
		return Organization{}, err
	}
	return organizationOf(o), nil
}

func alreadyIn() error {
	return keyward.Errorf(EAlreadyIn, "The AWS account is already a member of an organization.")
}

// fullAWSAccess is the AWS managed SCP every organization has.
var fullAWSAccess = keyward.OrgPolicy{ID: keyward.FullAWSAccessID, Name: keyward.FullAWSAccessName,
	Description: "Allows access to every operation", Type: keyward.ServiceControlPolicyType, Content: keyward.FullAWSAccessContent, AWSManaged: true}

// DescribeOrganization describes the caller's organization.
func (s *Service) DescribeOrganization(ctx context.Context) (Organization, error) {
	o, err := s.organization(ctx, "organizations:DescribeOrganization", anyResource)
	if err != nil {
		return Organization{}, err
	}
	return organizationOf(o), nil
}

// DeleteOrganization deletes the caller's organization, which must have
// no member accounts, with its OUs and policies.
func (s *Service) DeleteOrganization(ctx context.Context) error {
	o, err := s.organization(ctx, "organizations:DeleteOrganization", anyResource)
	if err != nil {
		return err
	}
	err = s.changed(s.changing(ctx).DeleteOrganization(ctx, o.ID, s.now().Add(-keyward.AccountClosedRetention)))
	switch {
	case errors.Is(err, keyward.ErrOrganizationNotEmpty):
		return keyward.Errorf(ENotEmpty, "The organization that you specified is not empty: remove all its member accounts first.")
	case errors.Is(err, keyward.ErrNotInOrganization):
		return errNotInUse
	}
	return err
}

// ListRoots lists the organization's root, its one.
func (s *Service) ListRoots(ctx context.Context, page Page) ([]Root, string, error) {
	o, err := s.organization(ctx, "organizations:ListRoots", anyResource)
	if err != nil {
		return nil, "", err
	}
	if _, err := page.after(); err != nil {
		return nil, "", err
	}
	if page.Token != "" {
		return []Root{}, "", nil
	}
	return []Root{rootOf(o)}, "", nil
}

// ListAccounts lists the organization's accounts.
func (s *Service) ListAccounts(ctx context.Context, page Page) ([]Account, string, error) {
	o, err := s.organization(ctx, "organizations:ListAccounts", anyResource)
	if err != nil {
		return nil, "", err
	}
	return s.accounts(ctx, o, "", page)
}

// ListAccountsForParent lists the accounts directly under the root or an OU.
func (s *Service) ListAccountsForParent(ctx context.Context, parentID string, page Page) ([]Account, string, error) {
	o, err := s.organization(ctx, "organizations:ListAccountsForParent", func(o keyward.Organization) string { return targetARN(o, parentID) })
	if err != nil {
		return nil, "", err
	}
	return s.accounts(ctx, o, parentID, page)
}

func (s *Service) accounts(ctx context.Context, o keyward.Organization, parentID string, page Page) ([]Account, string, error) {
	after, err := page.after()
	if err != nil {
		return nil, "", err
	}
	as, more, err := s.store(ctx).OrgAccounts(ctx, o.ID, parentID, after, page.max())
	if errors.Is(err, keyward.ErrNoSuchParent) {
		return nil, "", parentNotFound()
	} else if err != nil {
		return nil, "", err
	}
	out := make([]Account, 0, len(as))
	for _, a := range as {
		v, err := s.accountOf(ctx, o, a)
		if errors.Is(err, errGone) {
			continue
		} else if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	last := ""
	if len(as) > 0 {
		last = as[len(as)-1].ID
	}
	return out, nextToken(more, last), nil
}

// DescribeAccount describes an account of the organization.
func (s *Service) DescribeAccount(ctx context.Context, accountID string) (Account, error) {
	o, err := s.organization(ctx, "organizations:DescribeAccount", func(o keyward.Organization) string { return o.AccountARN(accountID) })
	if err != nil {
		return Account{}, err
	}
	a, err := s.store(ctx).OrgAccount(ctx, o.ID, accountID)
	if errors.Is(err, keyward.ErrNoSuchOrgAccount) {
		return Account{}, errAccountNotFound
	} else if err != nil {
		return Account{}, err
	}
	v, err := s.accountOf(ctx, o, a)
	if errors.Is(err, errGone) {
		return Account{}, errAccountNotFound
	}
	return v, err
}

// errGone is accountOf's answer for a closed account past its retention.
var errGone = errors.New("organizations: the closed account is gone")

// MoveAccount moves an account of the organization from its parent,
// source, to destination (the root or an OU), as AWS's MoveAccount: the
// decision is on the account, the resource AWS's authorization reference
// gives the action, and what SCPs the account inherits follows its new
// parent.
func (s *Service) MoveAccount(ctx context.Context, accountID, source, destination string) error {
	o, err := s.organization(ctx, "organizations:MoveAccount", func(o keyward.Organization) string { return o.AccountARN(accountID) })
	if err != nil {
		return err
	}
	// A suspended account may still move (to an OU that gathers closed
	// accounts, as AWS advises); one gone is not there to move.
	if acct, err := s.Store.AccountByID(ctx, accountID); err == nil && acct.Gone(s.now()) {
		return errAccountNotFound
	}
	err = s.changed(s.changing(ctx).MoveOrgAccount(ctx, o.ID, accountID, source, destination))
	switch {
	case errors.Is(err, keyward.ErrNoSuchOrgAccount):
		return keyward.Errorf(EAccountNotFound, "You specified an account that doesn't exist.")
	case errors.Is(err, keyward.ErrNoSuchSourceParent):
		return keyward.Errorf(ESourceParentNotFound, "We can't find a source root or OU with the ParentId that you specified.")
	case errors.Is(err, keyward.ErrNoSuchParent):
		return keyward.Errorf(EDestParentNotFound, "We can't find the destination container (a root or OU) with the ParentId that you specified.")
	case errors.Is(err, keyward.ErrAccountInParent):
		return keyward.Errorf(EDuplicateAccount, "That account is already present in the specified destination.")
	}
	return err
}

func parentNotFound() error {
	return keyward.Errorf(EParentNotFound, "We can't find a root or OU with the ParentId that you specified.")
}
