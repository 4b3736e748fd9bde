package organizations

import (
	"context"
	"time"

	"github.com/keyward/keyward"
)

// Store is what AWS Organizations keeps: its own port, declared here by
// the package that applies Organizations' rules rather than in package
// keyward, so that only the code that needs an organization's methods
// names them. Every backend implements it (the conformance suite takes
// one, storetest.RunTests), and so does every view of a backend
// (InAccount, Recording), which is why Service may assert a keyward.Store
// view it gets back to a Store.
//
// It keeps organizations. Every method but CreateOrganization and
// OrganizationOf takes the organization's ID and sees nothing of another
// organization. Listings are in order of ID, after the ID marker after
// (exclusive; "" for the first page), up to max, and say whether more
// follow. The sentinel errors the methods name are package keyward's
// (keyward.ErrNotInOrganization and the others).
type Store interface {
	keyward.Store

	// CreateOrganization stores an organization, its management account
	// (master, under the root) and its AWS managed policies (FullAWSAccess);
	// ErrAlreadyInOrganization if master's account is in one already: of
	// two at once, one wins.
	CreateOrganization(ctx context.Context, o keyward.Organization, master keyward.OrgAccount, managed []keyward.OrgPolicy) error
	// OrganizationOf returns the organization accountID belongs to;
	// ErrNotInOrganization.
	OrganizationOf(ctx context.Context, accountID string) (keyward.Organization, error)
	// DeleteOrganization deletes an organization with its OUs, policies,
	// attachments and tags; ErrNotInOrganization, ErrOrganizationNotEmpty
	// while an account other than the management account is in it. A
	// member account closed at or before goneBefore no longer counts, as
	// on AWS once its 90 days have passed: its membership goes with the
	// organization, and the account stays closed.
	DeleteOrganization(ctx context.Context, orgID string, goneBefore time.Time) error

	// OrgStanding returns what decisions need of accountID's place in its
	// organization, read as of one moment: a move, an attachment or a
	// policy type changed meanwhile is seen entirely or not at all.
	// ErrNotInOrganization.
	OrgStanding(ctx context.Context, accountID string) (keyward.OrgStanding, error)
	// AddOrgAccount adds an account of the installation to the
	// organization under a.ParentID (what an accepted invitation does),
	// with FullAWSAccess attached while SCPs are enabled.
	// ErrNotInOrganization for an organization that does not exist,
	// ErrNoSuchParent, ErrAlreadyInOrganization when the account is in an
	// organization already (of two at once, one wins).
	AddOrgAccount(ctx context.Context, orgID string, a keyward.OrgAccount) error
	// CreateOrgAccount makes a new account of the installation, without
	// root credentials (as keyward.AccountsStore's CreateAccount), and adds
	// it to the organization as m (as AddOrgAccount), in one transaction:
	// on any error neither is made. With max above 0 it counts the
	// organization's accounts first, with the organization locked, and
	// returns ErrOrgAccountQuota when they number max or more: every
	// member, the management account included, and a closed member until
	// it is gone (closed at or before goneBefore, as DeleteOrganization
	// counts); an account removed from the organization is not a member.
	// Of creations at once at the quota, no more pass than it allows.
	// ErrNotInOrganization, ErrNoSuchParent, ErrAccountExists,
	// ErrAccountEmailExists.
	CreateOrgAccount(ctx context.Context, orgID string, a keyward.Account, m keyward.OrgAccount, max int, goneBefore time.Time) error
	// OrgAccount returns an account of the organization; ErrNoSuchOrgAccount.
	OrgAccount(ctx context.Context, orgID, accountID string) (keyward.OrgAccount, error)
	// OrgAccounts lists the organization's accounts, those directly under
	// parentID only unless it is ""; ErrNoSuchParent for a parentID that
	// is neither its root nor one of its OUs.
	OrgAccounts(ctx context.Context, orgID, parentID, after string, max int) ([]keyward.OrgAccount, bool, error)
	// MoveOrgAccount moves an account from under source to under
	// destination, each the root or an OU; ErrNoSuchOrgAccount,
	// ErrNoSuchSourceParent when the account is not under source (an OU
	// that is gone included), ErrNoSuchParent for a destination that is
	// neither, ErrAccountInParent when it is under destination already.
	// Checked with the organization locked, so that an OU deleted at the
	// same time is never left with an account under it.
	MoveOrgAccount(ctx context.Context, orgID, accountID, source, destination string) error

	// CreateOU stores an OU under ou.ParentID, and attaches FullAWSAccess
	// to it if SCPs are enabled then; ErrNoSuchParent, ErrOUExists when a
	// sibling has the same name (of two at once, one wins).
	CreateOU(ctx context.Context, orgID string, ou keyward.OrganizationalUnit) error
	// OU returns an OU; ErrNoSuchOU.
	OU(ctx context.Context, orgID, id string) (keyward.OrganizationalUnit, error)
	// OUs lists the OUs directly under parentID; ErrNoSuchParent.
	OUs(ctx context.Context, orgID, parentID, after string, max int) ([]keyward.OrganizationalUnit, bool, error)
	// RenameOU renames an OU and returns it; ErrNoSuchOU, ErrOUExists.
	RenameOU(ctx context.Context, orgID, id, name string) (keyward.OrganizationalUnit, error)
	// DeleteOU deletes an OU with its attachments; ErrNoSuchOU,
	// ErrOUNotEmpty while an OU or an account is under it.
	DeleteOU(ctx context.Context, orgID, id string) error

	// SetPolicyType enables or disables a policy type on the root and
	// returns the organization after. Enabling SCPs attaches FullAWSAccess
	// to the root, every OU and every account; disabling them detaches
	// every SCP from everything. ErrPolicyTypeEnabled,
	// ErrPolicyTypeNotEnabled.
	SetPolicyType(ctx context.Context, orgID, policyType string, enabled bool) (keyward.Organization, error)

	// CreateOrgPolicy stores a policy; ErrOrgPolicyExists when one of the
	// same type has its name.
	CreateOrgPolicy(ctx context.Context, orgID string, p keyward.OrgPolicy) error
	// OrgPolicy returns a policy; ErrNoSuchOrgPolicy.
	OrgPolicy(ctx context.Context, orgID, id string) (keyward.OrgPolicy, error)
	// OrgPolicies lists the policies of a type.
	OrgPolicies(ctx context.Context, orgID, policyType, after string, max int) ([]keyward.OrgPolicy, bool, error)
	// UpdateOrgPolicy replaces a policy with what fn makes of it and
	// returns it; ErrNoSuchOrgPolicy, ErrOrgPolicyExists, or fn's error.
	UpdateOrgPolicy(ctx context.Context, orgID, id string, fn func(*keyward.OrgPolicy) error) (keyward.OrgPolicy, error)
	// DeleteOrgPolicy deletes a policy; ErrNoSuchOrgPolicy,
	// ErrOrgPolicyInUse while it is attached to anything (an attachment
	// made at the same time makes one of the two fail).
	DeleteOrgPolicy(ctx context.Context, orgID, id string) error

	// AttachOrgPolicy attaches a policy to a target; ErrNoSuchOrgPolicy,
	// ErrNoSuchTarget, ErrPolicyTypeNotEnabled while the policy's type is
	// not enabled, ErrPolicyAttached.
	AttachOrgPolicy(ctx context.Context, orgID, policyID, targetID string) error
	// DetachOrgPolicy detaches it; ErrNoSuchOrgPolicy, ErrNoSuchTarget,
	// ErrPolicyNotAttached, ErrLastPolicyAttachment when it is the
	// target's last policy of its type (a target always has one while the
	// type is enabled).
	DetachOrgPolicy(ctx context.Context, orgID, policyID, targetID string) error
	// PoliciesForTarget lists the policies of a type attached to a target;
	// ErrNoSuchTarget.
	PoliciesForTarget(ctx context.Context, orgID, targetID, policyType, after string, max int) ([]keyward.OrgPolicy, bool, error)
	// TargetsForPolicy lists the targets a policy is attached to;
	// ErrNoSuchOrgPolicy.
	TargetsForPolicy(ctx context.Context, orgID, policyID, after string, max int) ([]keyward.OrgTarget, bool, error)

	// SetOrgServiceAccess trusts the service principal from at, or no
	// longer trusts it; trusting it again, or ending a trust that is not,
	// changes nothing. ErrNotInOrganization.
	SetOrgServiceAccess(ctx context.Context, orgID, principal string, enabled bool, at time.Time) error
	// OrgServiceAccess lists the service principals the organization
	// trusts, in order of name.
	OrgServiceAccess(ctx context.Context, orgID, after string, max int) ([]keyward.OrgServiceAccess, bool, error)

	// CloseOrgAccount closes a member account of the organization at at:
	// its status becomes AccountPendingClosure, with at as its ClosedAt,
	// for good. ErrNoSuchOrgAccount, ErrMasterAccount for the management
	// account, ErrAccountClosed when it is closed already (of two at once,
	// one wins), ErrCloseAccountQuota when the organization's accounts
	// closed after since number quota(n) or more, n being its member
	// accounts (the management account not counted). Checked with the
	// organization locked, so that two closures at once never pass the
	// quota together. The closure is announced as OrganizationsChanged,
	// so that every replica stops the account's principals at once.
	CloseOrgAccount(ctx context.Context, orgID, accountID string, at, since time.Time, quota func(members int) int) error
	// RemoveOrgAccount takes a member account out of the organization,
	// with its policy attachments and tags there; the account itself stays
	// in the installation. ErrNoSuchOrgAccount, ErrMasterAccount for the
	// management account, ErrAccountClosed for a closed account, which
	// stays where its closure is seen.
	RemoveOrgAccount(ctx context.Context, orgID, accountID string) error

	// PutCreateAccountStatus stores a CreateAccount request's status, or
	// replaces it; ErrNotInOrganization.
	PutCreateAccountStatus(ctx context.Context, orgID string, st keyward.CreateAccountStatus) error
	// CreateAccountStatus returns one; ErrNoSuchCreateAccountStatus.
	CreateAccountStatus(ctx context.Context, orgID, id string) (keyward.CreateAccountStatus, error)
	// CreateAccountStatuses lists them in order of ID, those in one of
	// states only unless it is empty.
	CreateAccountStatuses(ctx context.Context, orgID string, states []string, after string, max int) ([]keyward.CreateAccountStatus, bool, error)

	// OrgResourceTags returns the tags of the root, an OU, an account or a
	// policy, named by its ID; ErrNoSuchTarget.
	OrgResourceTags(ctx context.Context, orgID, id string) ([]keyward.Tag, error)
	// UpdateOrgResourceTags replaces them with what fn makes of them,
	// atomically; ErrNoSuchTarget, or fn's error.
	UpdateOrgResourceTags(ctx context.Context, orgID, id string, fn func([]keyward.Tag) ([]keyward.Tag, error)) error
}
