package iam

import (
	"context"
	"errors"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// The descriptors of instance profiles, and how they are tagged.
func init() {
	describe(map[string]keyward.Operation{
		"CreateInstanceProfile":         keyward.Changes(profileNameParam, keyward.OptParam("Path", keyward.PathShape), keyward.TagsParam(false)),
		"GetInstanceProfile":            keyward.Reads(profileNameParam),
		"ListInstanceProfiles":          keyward.Reads(keyward.OptParam("PathPrefix", keyward.PathPrefixShape), markerParam, maxItemsParam),
		"ListInstanceProfilesForRole":   keyward.Reads(roleNameParam, markerParam, maxItemsParam),
		"AddRoleToInstanceProfile":      keyward.Changes(profileNameParam, roleNameParam),
		"RemoveRoleFromInstanceProfile": keyward.Changes(profileNameParam, roleNameParam),
		"DeleteInstanceProfile":         keyward.Changes(profileNameParam),
	})
	taggables[keyward.TaggedInstanceProfile] = taggable{
		by:        profileNameParam,
		authorize: (*Service).authorizeInstanceProfile,
		read: func(s *Service, ctx context.Context, id string) ([]keyward.Tag, error) {
			p, err := s.store(ctx).InstanceProfile(ctx, id)
			return p.Tags, err
		},
		missing: keyward.ErrNoSuchInstanceProfile, notFound: func(id string) error { return instanceProfileNotFound(id) },
	}
}

// profileNameParam names an instance profile.
var profileNameParam = keyward.ReqParam("InstanceProfileName", instanceProfileNameShape)

func instanceProfileNotFound(name string) *keyward.Error {
	return keyward.Errorf(keyward.ENoSuchEntity, "Instance Profile %s cannot be found.", keyward.Clip(name))
}

// instanceProfileError maps the store's errors to AWS's.
func instanceProfileError(err error, name, role string) error {
	switch {
	case errors.Is(err, keyward.ErrNoSuchInstanceProfile):
		return instanceProfileNotFound(name)
	case errors.Is(err, keyward.ErrNoSuchRole):
		return keyward.RoleNotFound(role)
	case errors.Is(err, keyward.ErrInstanceProfileExists):
		return keyward.Errorf(keyward.EEntityAlreadyExists, "Instance Profile %s already exists.", keyward.Clip(name))
	case errors.Is(err, keyward.ErrInstanceProfileFull):
		return keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d", maxRolesPerInstanceProfile)
	case errors.Is(err, keyward.ErrRoleNotInProfile):
		return keyward.Errorf(keyward.ENoSuchEntity, "The role with name %s cannot be found in the instance profile %s.", keyward.Clip(role), keyward.Clip(name))
	case errors.Is(err, keyward.ErrEntityInUse):
		return keyward.Errorf(keyward.EDeleteConflict, "Cannot delete entity, must remove roles from instance profile first.")
	}
	return err
}

// authorizeInstanceProfile authorises action on a profile's ARN, read for
// its path; one that does not exist is authorised at the root path.
func (s *Service) authorizeInstanceProfile(ctx context.Context, action, name string, keys authz.Keys) error {
	if _, _, ok := keyward.Caller(ctx); !ok {
		return keyward.ErrNoCaller
	}
	if s.Authz.Unlimited(ctx) {
		return nil
	}
	path := "/"
	if p, err := s.store(ctx).InstanceProfile(ctx, name); err == nil {
		// The stored name, not the caller's spelling: names match in any
		// case, ARNs in policies only in their own.
		path, name, keys = p.Path, p.Name, authz.ResourceTagKeys(p.Tags, false).With(keys)
	} else if !errors.Is(err, keyward.ErrNoSuchInstanceProfile) {
		return err
	}
	return s.Authz.AuthorizeWith(ctx, action, s.Account(ctx).InstanceProfileARN(path, name), keys)
}

// CreateInstanceProfile creates an empty instance profile.
func (s *Service) CreateInstanceProfile(ctx context.Context, name, path string, tags []keyward.Tag) (keyward.InstanceProfile, error) {
	if path == "" {
		path = "/"
	}
	if err := CheckDuplicateTags(tags); err != nil {
		return keyward.InstanceProfile{}, err
	}
	arn := s.Account(ctx).InstanceProfileARN(path, name)
	if err := s.Authz.AuthorizeWith(ctx, "iam:CreateInstanceProfile", arn, authz.RequestTagKeys(tags)); err != nil {
		return keyward.InstanceProfile{}, err
	}
	if len(tags) > 0 {
		if err := s.Authz.AuthorizeWith(ctx, "iam:TagInstanceProfile", arn, authz.RequestTagKeys(tags)); err != nil {
			return keyward.InstanceProfile{}, err
		}
	}
	id, err := keyward.RandomString(s.Rand, "AIPA", 17, keyward.Base32Alphabet)
	if err != nil {
		return keyward.InstanceProfile{}, err
	}
	p := keyward.InstanceProfile{ID: id, Name: name, Path: path, CreatedAt: s.now(), Tags: tags}
	max := s.quotas().InstanceProfiles
	return p, instanceProfileError(quotaError(s.changing(ctx).CreateInstanceProfile(ctx, p, max), "InstanceProfilesPerAccount", max), name, "")
}

// InstanceProfile returns an instance profile with its role.
func (s *Service) InstanceProfile(ctx context.Context, name string) (keyward.InstanceProfile, error) {
	if err := s.authorizeInstanceProfile(ctx, "iam:GetInstanceProfile", name, nil); err != nil {
		return keyward.InstanceProfile{}, err
	}
	p, err := s.store(ctx).InstanceProfile(ctx, name)
	if err != nil {
		return p, instanceProfileError(err, name, "")
	}
	return p, s.showTrust(ctx, p.Roles)
}

// ListInstanceProfiles pages the account's instance profiles, or with role
// set those holding that role (iam:ListInstanceProfilesForRole).
func (s *Service) ListInstanceProfiles(ctx context.Context, pathPrefix, role, marker string, max int) ([]keyward.InstanceProfile, string, error) {
	var err error
	if role != "" {
		err = s.Authz.AuthorizeRole(ctx, "iam:ListInstanceProfilesForRole", role)
	} else {
		err = s.Authz.Authorize(ctx, "iam:ListInstanceProfiles", "*")
	}
	if err != nil {
		return nil, "", err
	}
	ps, next, err := pageBy(marker, func(after string) ([]keyward.InstanceProfile, bool, error) {
		return s.store(ctx).ListInstanceProfiles(ctx, orRoot(pathPrefix), role, after, max)
	}, func(p keyward.InstanceProfile) string { return p.Name })
	if err != nil {
		return nil, "", instanceProfileError(err, "", role)
	}
	// The profiles' roles' trust policies as GetRole shows them.
	var roles []keyward.Role
	for _, p := range ps {
		roles = append(roles, p.Roles...)
	}
	if err := s.showTrust(ctx, roles); err != nil {
		return nil, "", err
	}
	for i := range ps {
		n := len(ps[i].Roles)
		ps[i].Roles, roles = roles[:n:n], roles[n:]
	}
	return ps, next, nil
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
		if err := s.Authz.AuthorizeRoleWith(ctx, "iam:PassRole", role, authz.Keys{"iam:passedtoservice": {"ec2.amazonaws.com"}}); err != nil {
			return err
		}
	}
	return instanceProfileError(s.changing(ctx).SetInstanceProfileRole(ctx, name, role, remove), name, role)
}

// DeleteInstanceProfile deletes an instance profile without a role.
func (s *Service) DeleteInstanceProfile(ctx context.Context, name string) error {
	if err := s.authorizeInstanceProfile(ctx, "iam:DeleteInstanceProfile", name, nil); err != nil {
		return err
	}
	return instanceProfileError(s.changing(ctx).DeleteInstanceProfile(ctx, name), name, "")
}

// maxRolesPerInstanceProfile is AWS's quota.
const maxRolesPerInstanceProfile = 1

// The shape of an instance profile's name.
var instanceProfileNameShape = keyward.NewStringShape("instanceProfileNameType", 1, 128, `[\w+=,.@-]+`)
