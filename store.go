package keyward

import (
	"context"
	"time"
)

// Store persists the account, its users and their access keys. Every
// backend runs the conformance suite in package storetest.
//
// Rules that must hold under concurrency (unique user names, the access key
// quota) are enforced inside the store's transactions, never by a read
// followed by a write in Go.
type Store interface {
	// Account returns the view's account, or ErrNoAccount before
	// InitAccount (or when the view's account does not exist).
	Account(ctx context.Context) (Account, error)
	// InitAccount creates the installation's first account with the given
	// ID and its root access key if no account exists yet, and returns the
	// first account as it exists afterwards; rootKey may be nil. It is
	// safe to call from several processes at once. What an unscoped store
	// wrote before it belongs to the first account.
	InitAccount(ctx context.Context, a Account, rootKey *AccessKey) (Account, error)
	// AccountsStore makes the installation's accounts and the views
	// scoped to each.
	AccountsStore

	// Recording returns the view of the store that one request's change is
	// written through: each write transaction made through it writes pe,
	// the request's audit event, with the change, so that the two commit
	// together or not at all. The first transaction to commit claims the
	// event (PendingEvent.Claim) and later ones write none; writes through
	// the store itself write no event.
	Recording(pe *PendingEvent) Store

	// SetKeyCheck stores the account's master key check value.
	SetKeyCheck(ctx context.Context, check []byte) error
	// SealedSecrets calls fn with every sealed secret (access key secrets,
	// by key ID), each with the associated data it was sealed with (a
	// webhook subscription's URL with webhook.URLAssociatedData of its ID),
	// until fn returns an error, which it returns.
	SealedSecrets(ctx context.Context, fn func(id string, sealed []byte) error) error
	// Reseal replaces, in one transaction, every sealed secret with what
	// reseal returns for it, and the key check value with check: a store
	// is under one master key or under the other, never half and half.
	Reseal(ctx context.Context, reseal func(id string, sealed []byte) ([]byte, error), check []byte) error

	// CreateUser stores a new user; ErrUserExists if the name is taken,
	// compared case-insensitively, ErrQuotaExceeded if the account has max
	// users already.
	CreateUser(ctx context.Context, u User, max int) error
	// User returns the user with the given name (exact match), or
	// ErrNoSuchUser.
	User(ctx context.Context, name string) (User, error)
	// ListUsers returns up to max users whose path starts with pathPrefix,
	// in order of name, after the name marker (exclusive; "" for the first
	// page), and whether more follow.
	ListUsers(ctx context.Context, pathPrefix, after string, max int) ([]User, bool, error)
	// UpdateUser renames or moves a user and returns it as updated;
	// ErrNoSuchUser, or ErrUserExists if the new name is taken.
	UpdateUser(ctx context.Context, name string, upd UserUpdate) (User, error)
	// DeleteUser deletes a user and its tags; ErrNoSuchUser,
	// ErrUserHasAccessKey while it has access keys, or ErrEntityInUse while
	// it has policies, belongs to groups, or has an MFA device, an SSH key,
	// a service-specific credential or a signing certificate.
	DeleteUser(ctx context.Context, name string) error

	// CreateAccessKey stores a key for the user named userName (root when
	// empty) and returns it with UserID filled in; ErrNoSuchUser,
	// ErrAccessKeyQuota when the owner already has MaxAccessKeysPerUser
	// keys, ErrAccessKeyExists on an ID collision.
	CreateAccessKey(ctx context.Context, userName string, k AccessKey) (AccessKey, error)
	// AccessKey returns the key with the given ID, its account, its
	// owner's name and its last use; ErrNoSuchAccessKey. Access key IDs are
	// unique across the installation, so that this lookup is global
	// whatever the view's account: authentication finds a key's account
	// with it.
	AccessKey(ctx context.Context, id string) (AccessKey, error)
	// ListAccessKeys returns the keys of userName (root when empty) in
	// order of creation, after the key ID marker (exclusive), up to max,
	// and whether more follow; ErrNoSuchUser.
	ListAccessKeys(ctx context.Context, userName, after string, max int) ([]AccessKey, bool, error)
	// UpdateAccessKey sets the status of a key owned by userName (root when
	// empty) at the time at (a key deactivated is inactive since then);
	// ErrNoSuchUser, or ErrNoSuchAccessKey when the key does not exist or
	// belongs to someone else.
	UpdateAccessKey(ctx context.Context, userName, id, status string, at time.Time) error
	// DeleteAccessKey deletes a key owned by userName (root when empty),
	// with the same errors as UpdateAccessKey.
	DeleteAccessKey(ctx context.Context, userName, id string) error
	// RecordAccessKeyUses merges a batch of uses, keeping for each key the
	// latest; uses of keys deleted meanwhile are ignored.
	RecordAccessKeyUses(ctx context.Context, uses []AccessKeyUse) error

	// PolicyStore is the part of the store for groups and policies.
	PolicyStore
	// LoginStore is the part for passwords and the credential report.
	LoginStore
	// ConsoleStore is what the web console needs besides.
	ConsoleStore
	// KeyLifecycleStore is the key lifecycle's policy and transitions.
	KeyLifecycleStore
	// WebhookStore keeps the webhook subscriptions.
	WebhookStore
	// MFAStore keeps virtual MFA devices, CredentialStore the other
	// credentials of users, AccountStore the account's aliases and views.
	MFAStore
	CredentialStore
	ServerCertificateStore
	AccountStore
	AccessStore
	RoleStore
	OIDCStore
	OIDCSignInStore
	SAMLStore
	InstanceProfileStore
	// TagStore keeps the tags of every taggable kind.
	TagStore
	AuditStore

	// Close releases the store's resources.
	Close() error
}

// PolicyStore persists groups, inline policies, managed policies and their
// attachments. Every change here must reach every replica's Authorizer:
// stores shared by replicas announce PoliciesChanged with it.
type PolicyStore interface {
	// CreateGroup stores a group; ErrGroupExists if the name is taken
	// (case-insensitively), ErrQuotaExceeded at max groups.
	CreateGroup(ctx context.Context, g Group, max int) error
	// Group returns a group by name; ErrNoSuchGroup.
	Group(ctx context.Context, name string) (Group, error)
	// ListGroups pages groups by name, as ListUsers pages users.
	ListGroups(ctx context.Context, pathPrefix, after string, max int) ([]Group, bool, error)
	// GroupMembers pages a group's users by name; ErrNoSuchGroup.
	GroupMembers(ctx context.Context, group, after string, max int) ([]User, bool, error)
	// UpdateGroup renames or moves a group and returns it as updated;
	// ErrNoSuchGroup, or ErrGroupExists if the new name is taken.
	UpdateGroup(ctx context.Context, name string, newName, newPath *string) (Group, error)
	// DeleteGroup deletes a group; ErrNoSuchGroup, or ErrEntityInUse while
	// it has members or policies.
	DeleteGroup(ctx context.Context, name string) error
	// AddUserToGroup adds a user to a group (again: no change);
	// ErrNoSuchGroup, ErrNoSuchUser, or ErrQuotaExceeded when the user
	// belongs to max groups already.
	AddUserToGroup(ctx context.Context, group, user string, max int) error
	// RemoveUserFromGroup removes a user; ErrNoSuchGroup, ErrNoSuchUser, or
	// ErrNotAttached when the user is not a member.
	RemoveUserFromGroup(ctx context.Context, group, user string) error
	// ListGroupsForUser pages the groups of a user by name; ErrNoSuchUser.
	ListGroupsForUser(ctx context.Context, user, after string, max int) ([]Group, bool, error)

	// PutInlinePolicy creates or replaces an entity's inline policy;
	// ErrNoSuchUser or ErrNoSuchGroup, or ErrQuotaExceeded when the
	// entity's inline policies would then be larger than maxSize together
	// (PolicySize).
	PutInlinePolicy(ctx context.Context, e Entity, name, document string, maxSize int) error
	// InlinePolicy returns an inline policy's document; ErrNoSuchPolicy.
	InlinePolicy(ctx context.Context, e Entity, name string) (string, error)
	// ListInlinePolicies pages the names of an entity's inline policies.
	ListInlinePolicies(ctx context.Context, e Entity, after string, max int) ([]string, bool, error)
	// DeleteInlinePolicy deletes an inline policy; ErrNoSuchPolicy.
	DeleteInlinePolicy(ctx context.Context, e Entity, name string) error

	// CreatePolicy stores a managed policy with its first version (v1, the
	// default); ErrPolicyExists if the account has one of that name,
	// ErrQuotaExceeded if it has max of its own already.
	CreatePolicy(ctx context.Context, p ManagedPolicy, document string, max int) error
	// PutAWSManagedPolicy creates or updates one of AWS's managed policies,
	// replacing its document.
	PutAWSManagedPolicy(ctx context.Context, p ManagedPolicy, document string) error
	// Policy returns a managed policy by ARN, with its attachment count;
	// ErrNoSuchPolicy.
	Policy(ctx context.Context, arn string) (ManagedPolicy, error)
	// ListPolicies pages managed policies by name. scope is "All", "AWS"
	// or "Local"; onlyAttached keeps those attached to some entity.
	ListPolicies(ctx context.Context, scope string, onlyAttached bool, pathPrefix, after string, max int) ([]ManagedPolicy, bool, error)
	// DeletePolicy deletes one of the account's managed policies;
	// ErrNoSuchPolicy, or ErrPolicyInUse while it is attached or has versions
	// besides the default.
	DeletePolicy(ctx context.Context, arn string) error
	// SetUserPermissionsBoundary sets a user's permissions boundary to a
	// managed policy, or removes it when arn is ""; ErrNoSuchUser,
	// ErrNoSuchPolicy.
	SetUserPermissionsBoundary(ctx context.Context, userName, arn string) error
	// PolicyVersion returns a version; ErrNoSuchPolicy, ErrNoSuchPolicyVersion.
	PolicyVersion(ctx context.Context, arn, version string) (PolicyVersion, error)
	// ListPolicyVersions returns every version, newest first.
	ListPolicyVersions(ctx context.Context, arn string) ([]PolicyVersion, error)
	// CreatePolicyVersion adds a version, the default if setDefault;
	// ErrNoSuchPolicy, or ErrPolicyVersionQuota at MaxPolicyVersions.
	CreatePolicyVersion(ctx context.Context, arn, document string, setDefault bool, at time.Time) (PolicyVersion, error)
	// SetDefaultPolicyVersion makes a version the default.
	SetDefaultPolicyVersion(ctx context.Context, arn, version string, at time.Time) error
	// DeletePolicyVersion deletes a version; ErrDefaultVersion for the
	// default one.
	DeletePolicyVersion(ctx context.Context, arn, version string) error

	// AttachPolicy attaches a managed policy to an entity (again: no
	// change); ErrNoSuchPolicy, ErrNoSuchUser, ErrNoSuchGroup, or
	// ErrQuotaExceeded when the entity has max policies attached already.
	AttachPolicy(ctx context.Context, e Entity, arn string, max int) error
	// DetachPolicy detaches it; ErrNotAttached.
	DetachPolicy(ctx context.Context, e Entity, arn string) error
	// ListAttachedPolicies pages an entity's attached policies by name.
	ListAttachedPolicies(ctx context.Context, e Entity, pathPrefix, after string, max int) ([]ManagedPolicy, bool, error)

	// PrincipalPolicies returns every policy that applies to the user or
	// role (kind EntityUser or EntityRole) with this ID: its inline and
	// attached policies, a user's groups' too, managed ones at their
	// default version, and its permissions boundary (type
	// PolicySourceBoundary).
	PrincipalPolicies(ctx context.Context, kind, id string) ([]PolicySource, error)
}
