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

// EntityDetail is a user or a group with everything that decides its
// access, as GetAccountAuthorizationDetails shows it.
type EntityDetail struct {
	// User is set for a user, Group for a group.
	User     User
	Group    Group
	Inline   []NamedPolicy
	Attached []ManagedPolicy
	// Groups are a user's groups, by name.
	Groups []string
}

// RoleDetail is a role with its policies.
type RoleDetail struct {
	Role     Role
	Inline   []NamedPolicy
	Attached []ManagedPolicy
	// InstanceProfiles are those that hold the role.
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
	// UserDetails and GroupDetails page users and groups by name with their
	// policies; PolicyDetails pages the account's managed policies and the
	// AWS managed policies attached to something, by ARN, with their
	// versions.
	UserDetails(ctx context.Context, after string, max int) ([]EntityDetail, bool, error)
	GroupDetails(ctx context.Context, after string, max int) ([]EntityDetail, bool, error)
	RoleDetails(ctx context.Context, after string, max int) ([]RoleDetail, bool, error)
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
	Users, Groups []EntityDetail
	Roles         []RoleDetail
	Policies      []PolicyDetail
	Next          string
}
