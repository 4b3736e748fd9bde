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

// MaxRolesPerInstanceProfile is AWS's quota.
const MaxRolesPerInstanceProfile = 1

// InstanceProfile is an instance profile and its role, if any.
type InstanceProfile struct {
	// ID is "AIPA" and 17 more characters.
	ID, Name, Path string
	CreatedAt      time.Time
	Roles          []Role
	Tags           []Tag
}

// InstanceProfileARN returns an instance profile's ARN.
func (a Account) InstanceProfileARN(path, name string) string {
	return "arn:aws:iam::" + a.ID + ":instance-profile" + path + name
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
	// CreateInstanceProfile stores one; ErrInstanceProfileExists.
	CreateInstanceProfile(ctx context.Context, p InstanceProfile) error
	// InstanceProfile returns one with its role; ErrNoSuchInstanceProfile.
	InstanceProfile(ctx context.Context, name string) (InstanceProfile, error)
	// ListInstanceProfiles pages them by name; with role set, only those
	// holding that role (ErrNoSuchRole if it does not exist).
	ListInstanceProfiles(ctx context.Context, pathPrefix, role, after string, max int) ([]InstanceProfile, bool, error)
	// SetInstanceProfileRole puts the role in the profile (ErrNoSuchRole,
	// ErrInstanceProfileFull), or takes it out with remove
	// (ErrRoleNotInProfile); ErrNoSuchInstanceProfile.
	SetInstanceProfileRole(ctx context.Context, name, role string, remove bool) error
	// UpdateInstanceProfileTags replaces its tags with what fn makes of
	// them, atomically; ErrNoSuchInstanceProfile, or fn's error.
	UpdateInstanceProfileTags(ctx context.Context, name string, fn func([]Tag) ([]Tag, error)) error
	// DeleteInstanceProfile deletes one; ErrNoSuchInstanceProfile, or
	// ErrEntityInUse while it holds a role.
	DeleteInstanceProfile(ctx context.Context, name string) error
}

func instanceProfileNotFound(name string) *Error {
	return Errorf(ENoSuchEntity, "Instance Profile %s cannot be found.", Clip(name))
}

// instanceProfileError maps the store's errors to AWS's.
func instanceProfileError(err error, name, role string) error {
	switch {
	case errors.Is(err, ErrNoSuchInstanceProfile):
		return instanceProfileNotFound(name)
	case errors.Is(err, ErrNoSuchRole):
		return RoleNotFound(role)
	case errors.Is(err, ErrInstanceProfileExists):
		return Errorf(EEntityAlreadyExists, "Instance Profile %s already exists.", Clip(name))
	case errors.Is(err, ErrInstanceProfileFull):
		return Errorf(ELimitExceeded, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d", MaxRolesPerInstanceProfile)
	case errors.Is(err, ErrRoleNotInProfile):
		return Errorf(ENoSuchEntity, "The role with name %s cannot be found in the instance profile %s.", Clip(role), Clip(name))
	case errors.Is(err, ErrEntityInUse):
		return Errorf(EDeleteConflict, "Cannot delete entity, must remove roles from instance profile first.")
	}
	return err
}

// authorizeInstanceProfile authorises action on a profile's ARN, read for
// its path; one that does not exist is authorised at the root path.
func (s *Service) authorizeInstanceProfile(ctx context.Context, action, name string, keys conditionKeys) error {
	rc, internal, ok := caller(ctx)
	if !ok {
		return errNoCaller
	}
	if internal || rc.Principal.Root {
		return nil
	}
	path := "/"
	if p, err := s.Store.InstanceProfile(ctx, name); err == nil {
		path, keys = p.Path, resourceTagKeys(p.Tags, false).with(keys)
	} else if !errors.Is(err, ErrNoSuchInstanceProfile) {
		return err
	}
	return s.authorizeWith(ctx, action, s.Account.InstanceProfileARN(path, name), keys)
}

// CreateInstanceProfile creates an empty instance profile.
func (s *Service) CreateInstanceProfile(ctx context.Context, name, path string, tags []Tag) (InstanceProfile, error) {
	if path == "" {
		path = "/"
	}
	if err := checkDuplicateTags(tags); err != nil {
		return InstanceProfile{}, err
	}
	arn := s.Account.InstanceProfileARN(path, name)
	if err := s.authorizeWith(ctx, "iam:CreateInstanceProfile", arn, requestTagKeys(tags)); err != nil {
		return InstanceProfile{}, err
	}
	if len(tags) > 0 {
		if err := s.authorizeWith(ctx, "iam:TagInstanceProfile", arn, requestTagKeys(tags)); err != nil {
			return InstanceProfile{}, err
		}
	}
	id, err := randomString(s.Rand, "AIPA", 17, base32Alphabet)
	if err != nil {
		return InstanceProfile{}, err
	}
	p := InstanceProfile{ID: id, Name: name, Path: path, CreatedAt: s.now(), Tags: tags}
	return p, instanceProfileError(s.Store.CreateInstanceProfile(ctx, p), name, "")
}

// InstanceProfile returns an instance profile with its role.
func (s *Service) InstanceProfile(ctx context.Context, name string) (InstanceProfile, error) {
	if err := s.authorizeInstanceProfile(ctx, "iam:GetInstanceProfile", name, nil); err != nil {
		return InstanceProfile{}, err
	}
	p, err := s.Store.InstanceProfile(ctx, name)
	return p, instanceProfileError(err, name, "")
}

// ListInstanceProfiles pages the account's instance profiles, or with role
// set those holding that role (iam:ListInstanceProfilesForRole).
func (s *Service) ListInstanceProfiles(ctx context.Context, pathPrefix, role, marker string, max int) ([]InstanceProfile, string, error) {
	var err error
	if role != "" {
		err = s.authorizeRole(ctx, "iam:ListInstanceProfilesForRole", role)
	} else {
		err = s.authorize(ctx, "iam:ListInstanceProfiles", "*")
	}
	if err != nil {
		return nil, "", err
	}
	ps, next, err := pageBy(marker, func(after string) ([]InstanceProfile, bool, error) {
		return s.Store.ListInstanceProfiles(ctx, orRoot(pathPrefix), role, after, max)
	}, func(p InstanceProfile) string { return p.Name })
	return ps, next, instanceProfileError(err, "", role)
}

// SetInstanceProfileRole adds a role to a profile, or removes it; adding
// takes iam:PassRole on the role too, as on AWS.
func (s *Service) SetInstanceProfileRole(ctx context.Context, name, role string, remove bool) error {
	action := "iam:AddRoleToInstanceProfile"
	if remove {
		action = "iam:RemoveRoleFromInstanceProfile"
	}
	if err := s.authorizeInstanceProfile(ctx, action, name, nil); err != nil {
		return err
	}
	if !remove {
		// An instance profile's role is passed to EC2 (the Service
		// Authorization Reference's API table: AddRoleToInstanceProfile).
		if err := s.authorizeRoleWith(ctx, "iam:PassRole", role, conditionKeys{"iam:passedtoservice": {"ec2.amazonaws.com"}}); err != nil {
			return err
		}
	}
	return instanceProfileError(s.Store.SetInstanceProfileRole(ctx, name, role, remove), name, role)
}

// TagInstanceProfile sets tags of an instance profile.
func (s *Service) TagInstanceProfile(ctx context.Context, name string, tags []Tag) error {
	if err := checkDuplicateTags(tags); err != nil {
		return err
	}
	if err := s.authorizeInstanceProfile(ctx, "iam:TagInstanceProfile", name, requestTagKeys(tags)); err != nil {
		return err
	}
	return instanceProfileError(s.Store.UpdateInstanceProfileTags(ctx, name, func(old []Tag) ([]Tag, error) { return mergeTags(old, tags) }), name, "")
}

// UntagInstanceProfile removes tags of an instance profile.
func (s *Service) UntagInstanceProfile(ctx context.Context, name string, keys []string) error {
	if err := s.authorizeInstanceProfile(ctx, "iam:UntagInstanceProfile", name, untagKeys(keys)); err != nil {
		return err
	}
	return instanceProfileError(s.Store.UpdateInstanceProfileTags(ctx, name, func(old []Tag) ([]Tag, error) { return removeTags(old, keys), nil }), name, "")
}

// InstanceProfileTags returns the tags of an instance profile.
func (s *Service) InstanceProfileTags(ctx context.Context, name string) ([]Tag, error) {
	if err := s.authorizeInstanceProfile(ctx, "iam:ListInstanceProfileTags", name, nil); err != nil {
		return nil, err
	}
	p, err := s.Store.InstanceProfile(ctx, name)
	return p.Tags, instanceProfileError(err, name, "")
}

// DeleteInstanceProfile deletes an instance profile without a role.
func (s *Service) DeleteInstanceProfile(ctx context.Context, name string) error {
	if err := s.authorizeInstanceProfile(ctx, "iam:DeleteInstanceProfile", name, nil); err != nil {
		return err
	}
	return instanceProfileError(s.Store.DeleteInstanceProfile(ctx, name), name, "")
}
