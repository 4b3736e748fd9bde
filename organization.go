package keyward

import (
	"errors"
	"slices"
	"time"
)

// AWS Organizations: an organization of accounts under one management
// account, its root, its organizational units (OUs) and its service
// control policies (SCPs). Today an installation holds one account, which
// can make an organization and become its management account; the store
// keeps the organization's accounts in a table of their own so that
// member accounts join it without another schema change.

// ServiceOrganizations is the signing name, and the IAM action prefix, of
// AWS Organizations; EventSourceOrganizations is its events' source.
const (
	ServiceOrganizations     = "organizations"
	EventSourceOrganizations = "organizations.amazonaws.com"
)

// The values of the Organizations model Keyward uses.
const (
	FeatureSetAll            = "ALL"
	ServiceControlPolicyType = "SERVICE_CONTROL_POLICY"
	// FullAWSAccessID is the ID of the AWS managed SCP that allows
	// everything, attached by default to every root, OU and account while
	// SCPs are enabled.
	FullAWSAccessID   = "p-FullAWSAccess"
	FullAWSAccessName = "FullAWSAccess"
	// FullAWSAccessARN is its ARN, the same in every organization.
	FullAWSAccessARN = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
	// FullAWSAccessContent is its document, as AWS publishes it.
	FullAWSAccessContent = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	// RootName is the name AWS gives an organization's root.
	RootName = "Root"
	// The ways an account joins an organization.
	JoinedCreated = "CREATED"
	JoinedInvited = "INVITED"
)

// Organization is an organization and its root.
type Organization struct {
	// ID is o- and 10 characters.
	ID string
	// MasterAccountID is the management account's ID.
	MasterAccountID string
	FeatureSet      string
	// RootID is r- and 4 characters; its OUs' IDs repeat those 4.
	RootID    string
	RootName  string
	CreatedAt time.Time
	// PolicyTypes are the policy types enabled on the root.
	PolicyTypes []string
	// RootTags are the root's tags.
	RootTags []Tag
}

// OrgServiceAccess is an AWS service the organization trusts to act in
// its accounts (EnableAWSServiceAccess), since EnabledAt.
type OrgServiceAccess struct {
	ServicePrincipal string
	EnabledAt        time.Time
}

// ARN is the organization's ARN.
func (o Organization) ARN() string {
	return "arn:aws:organizations::" + o.MasterAccountID + ":organization/" + o.ID
}

// RootARN is its root's ARN.
func (o Organization) RootARN() string {
	return "arn:aws:organizations::" + o.MasterAccountID + ":root/" + o.ID + "/" + o.RootID
}

// OUARN is the ARN of one of its OUs.
func (o Organization) OUARN(id string) string {
	return "arn:aws:organizations::" + o.MasterAccountID + ":ou/" + o.ID + "/" + id
}

// AccountARN is the ARN of one of its accounts.
func (o Organization) AccountARN(accountID string) string {
	return "arn:aws:organizations::" + o.MasterAccountID + ":account/" + o.ID + "/" + accountID
}

// PolicyARN is the ARN of one of its policies: the AWS managed ones have
// the same in every organization.
func (o Organization) PolicyARN(p OrgPolicy) string {
	if p.AWSManaged {
		return "arn:aws:organizations::aws:policy/service_control_policy/" + p.ID
	}
	return "arn:aws:organizations::" + o.MasterAccountID + ":policy/" + o.ID + "/service_control_policy/" + p.ID
}

// RootPath is the path of the root, which begins every other path
// ("o-…/r-…/").
func (o Organization) RootPath() string { return o.ID + "/" + o.RootID + "/" }

// Enabled reports whether policyType is enabled on the root.
func (o Organization) Enabled(policyType string) bool {
	return slices.Contains(o.PolicyTypes, policyType)
}

// OrgAccount is an account's membership of an organization.
type OrgAccount struct {
	ID             string
	OrganizationID string
	// ParentID is the root's or an OU's ID.
	ParentID     string
	JoinedMethod string
	JoinedAt     time.Time
	Tags         []Tag
}

// CreateAccountStatus is a CreateAccount request and how it went.
type CreateAccountStatus struct {
	// ID is car- and 32 characters.
	ID          string
	AccountName string
	// State is CreateAccountInProgress, CreateAccountSucceeded or
	// CreateAccountFailed; FailureReason says why it failed in AWS's words.
	State                    string
	RequestedAt, CompletedAt time.Time
	AccountID                string
	FailureReason            string
}

// The states of a CreateAccount request.
const (
	CreateAccountInProgress = "IN_PROGRESS"
	CreateAccountSucceeded  = "SUCCEEDED"
	CreateAccountFailed     = "FAILED"
)

// OrganizationalUnit is an OU.
type OrganizationalUnit struct {
	// ID is ou-, the root's 4 characters, - and 8 characters.
	ID       string
	ParentID string
	Name     string
	// Path is its path from the organization, ending in "/": OUs never
	// move, so it is fixed when the OU is made.
	Path      string
	CreatedAt time.Time
	Tags      []Tag
}

// OrgPolicy is a policy of an organization: a service control policy.
type OrgPolicy struct {
	// ID is p- and 10 characters, or p-FullAWSAccess.
	ID          string
	Name        string
	Description string
	Type        string
	Content     string
	AWSManaged  bool
	Tags        []Tag
}

// OrgTarget is what a policy attaches to: the root, an OU or an account.
type OrgTarget struct {
	ID string
	// Type is ROOT, ORGANIZATIONAL_UNIT or ACCOUNT.
	Type string
}

// The types of targets, children and parents.
const (
	TargetRoot    = "ROOT"
	TargetOU      = "ORGANIZATIONAL_UNIT"
	TargetAccount = "ACCOUNT"
)

// TargetType returns the type of the target an ID names by its form:
// r-… a root, ou-… an OU, 12 digits an account; "" otherwise.
func TargetType(id string) string {
	switch {
	case len(id) > 2 && id[:2] == "r-":
		return TargetRoot
	case len(id) > 3 && id[:3] == "ou-":
		return TargetOU
	case len(id) == 12 && digits(id):
		return TargetAccount
	}
	return ""
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Sentinel errors of the organizations store (organizations.Store).
var (
	ErrAlreadyInOrganization     = errors.New("keyward: the account is already in an organization")
	ErrNotInOrganization         = errors.New("keyward: the account is in no organization")
	ErrOrganizationNotEmpty      = errors.New("keyward: the organization has member accounts")
	ErrNoSuchOrgAccount          = errors.New("keyward: no such account in the organization")
	ErrNoSuchParent              = errors.New("keyward: no such parent in the organization")
	ErrNoSuchOU                  = errors.New("keyward: no such organizational unit")
	ErrOUExists                  = errors.New("keyward: an organizational unit of that name exists under the parent")
	ErrOUNotEmpty                = errors.New("keyward: the organizational unit has children")
	ErrPolicyTypeEnabled         = errors.New("keyward: the policy type is already enabled")
	ErrPolicyTypeNotEnabled      = errors.New("keyward: the policy type is not enabled")
	ErrNoSuchOrgPolicy           = errors.New("keyward: no such organization policy")
	ErrOrgPolicyExists           = errors.New("keyward: an organization policy of that name and type exists")
	ErrOrgPolicyInUse            = errors.New("keyward: the organization policy is attached")
	ErrNoSuchTarget              = errors.New("keyward: no such policy target")
	ErrPolicyAttached            = errors.New("keyward: the policy is already attached to the target")
	ErrPolicyNotAttached         = errors.New("keyward: the policy is not attached to the target")
	ErrMasterAccount             = errors.New("keyward: the management account cannot leave its organization")
	ErrNoSuchCreateAccountStatus = errors.New("keyward: no such CreateAccount request")
	ErrLastPolicyAttachment      = errors.New("keyward: the target's last policy of the type")
	ErrNoSuchSourceParent        = errors.New("keyward: the account is not under the source parent")
	ErrAccountInParent           = errors.New("keyward: the account is already under the destination parent")
	ErrAccountClosed             = errors.New("keyward: the account is closed")
	ErrCloseAccountQuota         = errors.New("keyward: the organization's quota of account closures is used up")
	ErrOrgAccountQuota           = errors.New("keyward: the organization's quota of accounts is used up")
)

// OrganizationsChanged is the change a store announces, beside access key
// IDs, when what decisions read of an organization changes (its policy
// types, an SCP's content or attachments, an account's place): every
// replica then drops what it cached of organizations.
const OrganizationsChanged = "*organizations"

// MaxOUDepth is how deep AWS lets organizational units nest under the
// root: with the root and the account, at most MaxSCPLevels levels of
// SCPs limit a decision.
const MaxOUDepth = 5

// OrgStanding is what an access decision needs of an account's place in
// an organization (organizations.Store's OrgStanding): the organization, the
// account's path and the service control policies at each level above and
// at the account.
type OrgStanding struct {
	Organization Organization
	// ParentID is the root's or the OU's ID the account is directly under.
	ParentID string
	// Path is the account's path in AWS's form of aws:PrincipalOrgPaths
	// and aws:ResourceOrgPaths: the organization's ID, the root's and each
	// OU's down to the account's parent, each followed by "/"
	// ("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/").
	Path string
	// SCPs are the SCPs attached at each level, the root's first, then
	// each OU's from the root down, then the account's own; nil when SCPs
	// are not enabled on the root. A level whose slice is empty has none
	// (a state the store never leaves while SCPs are enabled), and allows
	// nothing.
	SCPs [][]OrgPolicy
}
