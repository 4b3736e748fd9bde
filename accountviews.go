package keyward

import (
	"context"
	"errors"
)

// The account-wide views: aliases, the summary of counts and quotas, the
// entities a policy is attached to, and the whole authorization picture
// (GetAccountAuthorizationDetails) that audit tools read.

// Store errors of the account's aliases.
var (
	ErrAliasExists = errors.New("keyward: account alias exists")
	ErrAliasQuota  = errors.New("keyward: the account has an alias already")
	ErrNoSuchAlias = errors.New("keyward: no such account alias")
)

// AccountCounts are what GetAccountSummary counts.
type AccountCounts struct {
	Users, Groups, Policies     int
	MFADevices, MFADevicesInUse int
	PolicyVersionsInUse         int
	RootAccessKeys              int
	// RootMFADevices are the MFA devices enabled for the root user.
	RootMFADevices     int
	ServerCertificates int
}

// PolicyEntity is a user or a group a managed policy is attached to.
type PolicyEntity struct {
	Kind string // EntityUser or EntityGroup
	Name string
	ID   string
}

// NamedPolicy is an inline policy with its document.
type NamedPolicy struct {
	Name     string
	Document string
}

// EntityDetail is a user, a group or a role with everything that decides
// its access, as GetAccountAuthorizationDetails shows it.
type EntityDetail struct {
	// User is set for a user, Group for a group, Role for a role.
	User     User
	Group    Group
	Role     Role
	Inline   []NamedPolicy
	Attached []ManagedPolicy
	// Groups are a user's groups, by name.
	Groups []string
	// InstanceProfiles are those that hold a role.
	InstanceProfiles []InstanceProfile
}

// PolicyDetail is a managed policy with every version's document.
type PolicyDetail struct {
	ManagedPolicy
	Versions []PolicyVersion
}

// AccountStore serves the account-wide views.
type AccountStore interface {
	// AccountAliases returns the account's aliases (one at most).
	AccountAliases(ctx context.Context) ([]string, error)
	// CreateAccountAlias sets the alias; ErrAliasExists if it is already
	// the alias, ErrAliasQuota if the account has another.
	CreateAccountAlias(ctx context.Context, alias string) error
	// DeleteAccountAlias removes it; ErrNoSuchAlias.
	DeleteAccountAlias(ctx context.Context, alias string) error
	// AccountCounts counts the account's entities.
	AccountCounts(ctx context.Context) (AccountCounts, error)
	// PolicyEntities pages the users and groups a managed policy is attached
	// to, or bounds (usage "PermissionsPolicy", "PermissionsBoundary", ""
	// for both), groups first, then roles, then users, each by name; kind ""
	// is all.
	// The marker is "<kind>:<name>". ErrNoSuchPolicy.
	PolicyEntities(ctx context.Context, arn, kind, pathPrefix, usage, after string, max int) ([]PolicyEntity, bool, error)
	// EntityDetails pages the users, groups or roles (kind EntityUser,
	// EntityGroup or EntityRole) by name with their policies, and a user's
	// groups and tags (a role's instance profiles are not filled in);
	// PolicyDetails pages the account's managed policies and the AWS
	// managed policies attached to something, by ARN, with their versions.
	EntityDetails(ctx context.Context, kind, after string, max int) ([]EntityDetail, bool, error)
	PolicyDetails(ctx context.Context, after string, max int) ([]PolicyDetail, bool, error)
	// TokenVersion and SetTokenVersion keep the account's
	// GlobalEndpointTokenVersion (1 or 2).
	TokenVersion(ctx context.Context) (int, error)
	SetTokenVersion(ctx context.Context, v int) error
}

// MaxAccountAliases is AWS's quota: one alias per account.
const MaxAccountAliases = 1

// SummaryEntry is one key of GetAccountSummary's SummaryMap.
type SummaryEntry struct {
	Key   string
	Value int
}

// AuthorizationDetails is one page of GetAccountAuthorizationDetails.
type AuthorizationDetails struct {
	Users, Groups, Roles []EntityDetail
	Policies             []PolicyDetail
	Next                 string
}

// Name is the name of the user, group or role.
func (d EntityDetail) Name() string {
	switch {
	case d.User.ID != "":
		return d.User.Name
	case d.Group.ID != "":
		return d.Group.Name
	}
	return d.Role.Name
}
