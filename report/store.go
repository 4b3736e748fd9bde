package report

import (
	"context"

	"github.com/keyward/keyward"
)

// Store is what the reports read, and where they keep what they generated.
type Store interface {
	// Recorder gives the view a request's change is written through,
	// with the request's audit event.
	keyward.Recorder
	// InAccount gives the view of one account's entities
	// (keyward.Store's).
	InAccount(id string) keyward.Store
	// Exclusive runs a generation on one replica at a time.
	Exclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error)

	CredentialReport(ctx context.Context) (keyward.CredentialReport, error)
	PutCredentialReport(ctx context.Context, r keyward.CredentialReport) error
	ScanCredentials(ctx context.Context, fn func(*keyward.UserCredentials) error) error
	PasswordPolicy(ctx context.Context) (keyward.PasswordPolicy, error)

	AccessJob(ctx context.Context, id string) (keyward.AccessJob, error)
	PutAccessJob(ctx context.Context, job keyward.AccessJob, keep int) error
	ServiceAccesses(ctx context.Context, userIDs []string) ([]keyward.ServiceAccess, error)

	User(ctx context.Context, name string) (keyward.User, error)
	Group(ctx context.Context, name string) (keyward.Group, error)
	GroupMembers(ctx context.Context, group, after string, max int) ([]keyward.User, bool, error)
	ListGroupsForUser(ctx context.Context, user, after string, max int) ([]keyward.Group, bool, error)
	ListAccessKeys(ctx context.Context, userName, after string, max int) ([]keyward.AccessKey, bool, error)
	// ListMFADevices tells whether the root user has an MFA device, for its row.
	ListMFADevices(ctx context.Context, f keyward.MFAFilter, after string, max int) ([]keyward.MFADevice, bool, error)
	Policy(ctx context.Context, arn string) (keyward.ManagedPolicy, error)
	PolicyVersion(ctx context.Context, arn, version string) (keyward.PolicyVersion, error)
	PolicyEntities(ctx context.Context, arn, kind, pathPrefix, usage, after string, max int) ([]keyward.PolicyEntity, bool, error)
	InlinePolicy(ctx context.Context, e keyward.Entity, name string) (string, error)
	ListInlinePolicies(ctx context.Context, e keyward.Entity, after string, max int) ([]string, bool, error)
	ListAttachedPolicies(ctx context.Context, e keyward.Entity, pathPrefix, after string, max int) ([]keyward.ManagedPolicy, bool, error)

	// The organization, for its access reports.
	ListUsers(ctx context.Context, pathPrefix, after string, max int) ([]keyward.User, bool, error)
	OrganizationOf(ctx context.Context, accountID string) (keyward.Organization, error)
	OrgAccount(ctx context.Context, orgID, accountID string) (keyward.OrgAccount, error)
	OrgAccounts(ctx context.Context, orgID, parentID, after string, max int) ([]keyward.OrgAccount, bool, error)
	OU(ctx context.Context, orgID, id string) (keyward.OrganizationalUnit, error)
	OUs(ctx context.Context, orgID, parentID, after string, max int) ([]keyward.OrganizationalUnit, bool, error)
	OrgPolicy(ctx context.Context, orgID, id string) (keyward.OrgPolicy, error)
	PoliciesForTarget(ctx context.Context, orgID, targetID, policyType, after string, max int) ([]keyward.OrgPolicy, bool, error)

	LookupEvents(ctx context.Context, q keyward.EventQuery) (events []keyward.StoredEvent, more bool, err error)
}
