package keyward

import (
	"context"
	"errors"
	"time"
)

// Roles: identities without long-term credentials, which trusted
// principals assume for temporary ones (package sts). A role has a
// trust policy (who may assume it), identity policies like a user's, a
// permissions boundary and tags.

// EntityRole is the Entity kind of a role.
const EntityRole = "role"

// RoleIDPrefix begins every role's unique ID.
const RoleIDPrefix = "AROA"

// Role session durations AWS allows, in seconds.
const (
	MinRoleSessionDuration     = 3600
	MaxRoleSessionDuration     = 43200
	DefaultRoleSessionDuration = 3600
)

// Role is an IAM role.
type Role struct {
	// ID is "AROA" and 17 more characters.
	ID, Name, Path string
	// TrustPolicy is the AssumeRolePolicyDocument.
	TrustPolicy string
	// TrustPrincipals binds the ARN of each IAM user and role the trust
	// policy names as a principal to the unique ID of the user or role
	// that had it when the policy was saved. As on AWS, which stores the
	// unique ID, the ARN then names that identity only, never another
	// that gets its name later (deleted and made again, or renamed to
	// it); and in Keyward only while that identity keeps the ARN (renamed
	// or moved, it is named by it no more). An ARN bound to nothing names
	// nobody.
	TrustPrincipals     map[string]string
	Description         string
	MaxSessionDuration  int
	CreatedAt           time.Time
	PermissionsBoundary string
	Tags                []Tag
	// LastUsed and LastUsedRegion are the role's last assumption.
	LastUsed       time.Time
	LastUsedRegion string
}

// Store errors of roles.
var (
	ErrNoSuchRole = errors.New("keyward: no such role")
	ErrRoleExists = errors.New("keyward: role already exists")
)

// RoleStore persists roles; their inline policies and attachments are
// PolicyStore's, with Entity kind EntityRole.
type RoleStore interface {
	// CreateRole stores a role; ErrRoleExists (the name, case-insensitively),
	// ErrQuotaExceeded at max roles.
	CreateRole(ctx context.Context, r Role, max int) error
	// Role returns a role by name; ErrNoSuchRole.
	Role(ctx context.Context, name string) (Role, error)
	// ListRoles pages roles by name, as ListUsers pages users.
	ListRoles(ctx context.Context, pathPrefix, after string, max int) ([]Role, bool, error)
	// UpdateRole replaces a role with what fn makes of it (trust policy,
	// description, session duration, boundary, tags), atomically;
	// ErrNoSuchRole, ErrNoSuchPolicy for a boundary that does not exist, or
	// fn's error.
	UpdateRole(ctx context.Context, name string, fn func(*Role) error) (Role, error)
	// DeleteRole deletes a role; ErrNoSuchRole, or ErrEntityInUse while it
	// has policies.
	DeleteRole(ctx context.Context, name string) error
	// IdentityARNs returns the ARNs that the account's IAM users and roles
	// with the unique IDs given have now, by ID; an ID of no user or role
	// of the account is left out. It tells which of a trust policy's
	// bindings (Role.TrustPrincipals) still name their identity.
	IdentityARNs(ctx context.Context, ids []string) (map[string]string, error)
}

// AssumableRole is a role as STS needs it: with its trust policy compiled,
// cached (iam.Service.Roles) so that AssumeRole reads no database.
type AssumableRole struct {
	Role  Role
	Trust Trust
}

// RoleNotFound is AWS's NoSuchEntity for a role name.
func RoleNotFound(name string) *Error {
	return Errorf(ENoSuchEntity, "The role with name %s cannot be found.", Clip(name))
}

// RoleARN returns a role's ARN.
func (a Account) RoleARN(path, name string) string {
	return a.iamARN("role", path, name)
}

// TaggedRole is the tag kind of roles, each named by its name in their
// tagging operations.
const TaggedRole TagKind = "Role"
