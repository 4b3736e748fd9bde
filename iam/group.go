package iam

import (
	"context"
	"errors"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// The descriptors of groups and their members.
func init() {
	describe(map[string]keyward.Operation{
		"CreateGroup":         keyward.Changes(groupNameParam, keyward.OptParam("Path", keyward.PathShape)),
		"GetGroup":            keyward.Reads(groupNameParam, markerParam, maxItemsParam),
		"ListGroups":          keyward.Reads(keyward.OptParam("PathPrefix", keyward.PathPrefixShape), markerParam, maxItemsParam),
		"UpdateGroup":         keyward.Changes(groupNameParam, keyward.OptParam("NewGroupName", groupNameShape), keyward.OptParam("NewPath", keyward.PathShape)),
		"DeleteGroup":         keyward.Changes(groupNameParam),
		"AddUserToGroup":      keyward.Changes(groupNameParam, userNameParam),
		"RemoveUserFromGroup": keyward.Changes(groupNameParam, userNameParam),
		"ListGroupsForUser":   keyward.Reads(userNameParam, markerParam, maxItemsParam),
	})
}

// entityError maps a store error about an entity to AWS's.
func entityError(err error, e keyward.Entity) error {
	switch {
	case errors.Is(err, keyward.ErrNoSuchUser):
		return keyward.UserNotFound(e.Name)
	case errors.Is(err, keyward.ErrNoSuchGroup):
		return keyward.GroupNotFound(e.Name)
	case errors.Is(err, keyward.ErrNoSuchRole):
		return keyward.RoleNotFound(e.Name)
	}
	return err
}

// CreateGroup creates an IAM group.
func (s *Service) CreateGroup(ctx context.Context, name, path string) (keyward.Group, error) {
	if path == "" {
		path = "/"
	}
	if err := s.Authz.Authorize(ctx, "iam:CreateGroup", s.Account(ctx).GroupARN(path, name)); err != nil {
		return keyward.Group{}, err
	}
	id, err := newGroupID(s.Rand)
	if err != nil {
		return keyward.Group{}, err
	}
	g := keyward.Group{ID: id, Name: name, Path: path, CreatedAt: s.now()}
	respond(ctx, "group", map[string]any{"groupName": name, "groupId": id, "path": path, "arn": s.Account(ctx).GroupARN(path, name), "createDate": eventTime(g.CreatedAt)})
	max := s.quotas().Groups
	if err := quotaError(s.changing(ctx).CreateGroup(ctx, g, max), "GroupsPerAccount", max); errors.Is(err, keyward.ErrGroupExists) {
		return keyward.Group{}, keyward.Errorf(keyward.EEntityAlreadyExists, "Group with name %s already exists.", name)
	} else if err != nil {
		return keyward.Group{}, err
	}
	return g, nil
}

// Group returns a group by name (iam:GetGroup).
func (s *Service) Group(ctx context.Context, name string) (keyward.Group, error) {
	if err := s.Authz.AuthorizeGroup(ctx, "iam:GetGroup", name); err != nil {
		return keyward.Group{}, err
	}
	g, err := s.store(ctx).Group(ctx, name)
	if errors.Is(err, keyward.ErrNoSuchGroup) {
		return g, keyward.GroupNotFound(name)
	}
	return g, err
}

// ListGroups pages the account's groups.
func (s *Service) ListGroups(ctx context.Context, pathPrefix, marker string, max int) ([]keyward.Group, string, error) {
	if err := s.Authz.Authorize(ctx, "iam:ListGroups", s.Account(ctx).GroupARN(orRoot(pathPrefix), "")); err != nil {
		return nil, "", err
	}
	return pageBy(marker, func(after string) ([]keyward.Group, bool, error) {
		return s.store(ctx).ListGroups(ctx, orRoot(pathPrefix), after, max)
	}, func(g keyward.Group) string { return g.Name })
}

// GroupMembers pages the users of a group (iam:GetGroup).
func (s *Service) GroupMembers(ctx context.Context, group, marker string, max int) ([]keyward.User, string, error) {
	if err := s.Authz.AuthorizeGroup(ctx, "iam:GetGroup", group); err != nil {
		return nil, "", err
	}
	users, next, err := pageBy(marker, func(after string) ([]keyward.User, bool, error) {
		return s.store(ctx).GroupMembers(ctx, group, after, max)
	}, func(u keyward.User) string { return u.Name })
	return users, next, entityError(err, keyward.Entity{Kind: keyward.EntityGroup, Name: group})
}

// DeleteGroup deletes a group without members or policies.
func (s *Service) DeleteGroup(ctx context.Context, name string) error {
	if err := s.Authz.AuthorizeGroup(ctx, "iam:DeleteGroup", name); err != nil {
		return err
	}
	err := s.changing(ctx).DeleteGroup(ctx, name)
	if errors.Is(err, keyward.ErrEntityInUse) {
		return deleteConflict()
	}
	return entityError(err, keyward.Entity{Kind: keyward.EntityGroup, Name: name})
}

// UpdateGroup renames or moves a group; as for a user (UpdateUser), the
// caller needs iam:UpdateGroup on the group's new ARN too.
func (s *Service) UpdateGroup(ctx context.Context, name string, newName, newPath *string) error {
	if err := s.Authz.AuthorizeGroup(ctx, "iam:UpdateGroup", name); err != nil {
		return err
	}
	if (newName != nil || newPath != nil) && authz.NeedsKeys(ctx) {
		g, err := s.store(ctx).Group(ctx, name)
		if err != nil {
			return entityError(err, keyward.Entity{Kind: keyward.EntityGroup, Name: name})
		}
		if err := s.Authz.Authorize(ctx, "iam:UpdateGroup", s.Account(ctx).GroupARN(valueOr(newPath, g.Path), valueOr(newName, g.Name))); err != nil {
			return err
		}
	}
	_, err := s.changing(ctx).UpdateGroup(ctx, name, newName, newPath)
	s.policiesChanged()
	if errors.Is(err, keyward.ErrGroupExists) {
		return keyward.Errorf(keyward.EEntityAlreadyExists, "Group with name %s already exists.", *newName)
	}
	return entityError(err, keyward.Entity{Kind: keyward.EntityGroup, Name: name})
}

// AddUserToGroup makes a user a member of a group.
func (s *Service) AddUserToGroup(ctx context.Context, group, user string) error {
	if err := s.Authz.AuthorizeGroup(ctx, "iam:AddUserToGroup", group); err != nil {
		return err
	}
	max := s.quotas().GroupsPerUser
	err := s.changing(ctx).AddUserToGroup(ctx, group, user, max)
	s.policiesChanged()
	return membershipError(quotaError(err, "GroupsPerUser", max), group, user)
}

// RemoveUserFromGroup removes a user from a group.
func (s *Service) RemoveUserFromGroup(ctx context.Context, group, user string) error {
	if err := s.Authz.AuthorizeGroup(ctx, "iam:RemoveUserFromGroup", group); err != nil {
		return err
	}
	err := s.changing(ctx).RemoveUserFromGroup(ctx, group, user)
	s.policiesChanged()
	if errors.Is(err, keyward.ErrNotAttached) {
		return keyward.Errorf(keyward.ENoSuchEntity, "User %s is not in group %s.", user, group)
	}
	return membershipError(err, group, user)
}

func membershipError(err error, group, user string) error {
	switch {
	case errors.Is(err, keyward.ErrNoSuchGroup):
		return keyward.GroupNotFound(group)
	case errors.Is(err, keyward.ErrNoSuchUser):
		return keyward.UserNotFound(user)
	}
	return err
}

// ListGroupsForUser pages the groups a user belongs to.
func (s *Service) ListGroupsForUser(ctx context.Context, user, marker string, max int) ([]keyward.Group, string, error) {
	if err := s.Authz.AuthorizeUser(ctx, "iam:ListGroupsForUser", user); err != nil {
		return nil, "", err
	}
	groups, next, err := pageBy(marker, func(after string) ([]keyward.Group, bool, error) {
		return s.store(ctx).ListGroupsForUser(ctx, user, after, max)
	}, func(g keyward.Group) string { return g.Name })
	return groups, next, entityError(err, keyward.Entity{Kind: keyward.EntityUser, Name: user})
}

// The shape of a group's name.
var groupNameShape = keyward.NewStringShape("groupNameType", 1, 128, `[\w+=,.@-]+`)
