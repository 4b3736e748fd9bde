package keyward

import (
	"context"
	"errors"
	"time"
)

// Instance profiles (API only): containers of one role, which AWS hands to
// EC2 instances. Keyward has no instances; it keeps the profiles so that
// tools that manage them (Terraform, the CLI) work, and so that a role in
// one cannot be deleted.

// InstanceProfile is an instance profile and its role, if any.
type InstanceProfile struct {
	// ID is "AIPA" and 17 more characters.
	ID, Name, Path string
	CreatedAt      time.Time
	Roles          []Role
	Tags           []Tag
}

// Store errors of instance profiles.
var (
	ErrNoSuchInstanceProfile = errors.New("keyward: no such instance profile")
	ErrInstanceProfileExists = errors.New("keyward: instance profile exists")
	// ErrInstanceProfileFull: the profile has its one role already.
	ErrInstanceProfileFull = errors.New("keyward: instance profile has a role")
	// ErrRoleNotInProfile: RemoveRoleFromInstanceProfile of a role it
	// does not hold.
	ErrRoleNotInProfile = errors.New("keyward: role not in instance profile")
	// ErrRoleInInstanceProfile: DeleteRole of a role some profile holds.
	ErrRoleInInstanceProfile = errors.New("keyward: role in an instance profile")
)

// InstanceProfileStore persists instance profiles.
type InstanceProfileStore interface {
	// CreateInstanceProfile stores one; ErrInstanceProfileExists, or
	// ErrQuotaExceeded at max instance profiles.
	CreateInstanceProfile(ctx context.Context, p InstanceProfile, max int) error
	// InstanceProfile returns one with its role; ErrNoSuchInstanceProfile.
	InstanceProfile(ctx context.Context, name string) (InstanceProfile, error)
	// ListInstanceProfiles pages them by name; with role set, only those
	// holding that role (ErrNoSuchRole if it does not exist).
	ListInstanceProfiles(ctx context.Context, pathPrefix, role, after string, max int) ([]InstanceProfile, bool, error)
	// SetInstanceProfileRole puts the role in the profile (ErrNoSuchRole,
	// ErrInstanceProfileFull), or takes it out with remove
	// (ErrRoleNotInProfile); ErrNoSuchInstanceProfile.
	SetInstanceProfileRole(ctx context.Context, name, role string, remove bool) error
	// DeleteInstanceProfile deletes one; ErrNoSuchInstanceProfile, or
	// ErrEntityInUse while it holds a role.
	DeleteInstanceProfile(ctx context.Context, name string) error
}

// InstanceProfileARN returns an instance profile's ARN.
func (a Account) InstanceProfileARN(path, name string) string {
	return a.iamARN("instance-profile", path, name)
}

// TaggedInstanceProfile is the tag kind of instance profiles,
// each named by its name in their tagging operations.
const TaggedInstanceProfile TagKind = "InstanceProfile"
