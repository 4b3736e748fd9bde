package keyward

import (
	"context"
	"errors"
	"time"
)

// GroupNotFound is AWS's NoSuchEntity for a group name.
func GroupNotFound(name string) *Error {
	return Errorf(ENoSuchEntity, "The group with name %s cannot be found.", name)
}

// entityError maps a store error about an entity to AWS's.
func entityError(err error, e Entity) error {
	switch {
	case errors.Is(err, ErrNoSuchUser):
		return UserNotFound(e.Name)
	case errors.Is(err, ErrNoSuchGroup):
		return GroupNotFound(e.Name)
	case errors.Is(err, ErrNoSuchRole):
		return RoleNotFound(e.Name)
	}
	return err
}

// CreateGroup creates an IAM group.
func (s *Service) CreateGroup(ctx context.Context, name, path string) (Group, error) {
	if path == "" {
		path = "/"
	}
	if err := s.authorize(ctx, "iam:CreateGroup", s.Account.GroupARN(path, name)); err != nil {
		return Group{}, err
	}
	id, err := NewGroupID(s.Rand)
	if err != nil {
		return Group{}, err
	}
	g := Group{ID: id, Name: name, Path: path, CreatedAt: s.now()}
	respond(ctx, "group", map[string]any{"groupName": name, "groupId": id, "path": path, "arn": s.Account.GroupARN(path, name), "createDate": eventTime(g.CreatedAt)})
	if err := s.Store.CreateGroup(ctx, g); errors.Is(err, ErrGroupExists) {
		return Group{}, Errorf(EEntityAlreadyExists, "Group with name %s already exists.", name)
	} else if err != nil {
		return Group{}, err
	}
	return g, nil
}

// Group returns a group by name (iam:GetGroup).
func (s *Service) Group(ctx context.Context, name string) (Group, error) {
	if err := s.authorizeGroup(ctx, "iam:GetGroup", name); err != nil {
		return Group{}, err
	}
	g, err := s.Store.Group(ctx, name)
	if errors.Is(err, ErrNoSuchGroup) {
		return g, GroupNotFound(name)
	}
	return g, err
}

// ListGroups pages the account's groups.
func (s *Service) ListGroups(ctx context.Context, pathPrefix, marker string, max int) ([]Group, string, error) {
	if err := s.authorize(ctx, "iam:ListGroups", s.Account.GroupARN(orRoot(pathPrefix), "")); err != nil {
		return nil, "", err
	}
	return pageBy(marker, func(after string) ([]Group, bool, error) {
		return s.Store.ListGroups(ctx, orRoot(pathPrefix), after, max)
	}, func(g Group) string { return g.Name })
}

// GroupMembers pages the users of a group (iam:GetGroup).
func (s *Service) GroupMembers(ctx context.Context, group, marker string, max int) ([]User, string, error) {
	if err := s.authorizeGroup(ctx, "iam:GetGroup", group); err != nil {
		return nil, "", err
	}
	users, next, err := pageBy(marker, func(after string) ([]User, bool, error) {
		return s.Store.GroupMembers(ctx, group, after, max)
	}, func(u User) string { return u.Name })
	return users, next, entityError(err, Entity{Kind: EntityGroup, Name: group})
}

// DeleteGroup deletes a group without members or policies.
func (s *Service) DeleteGroup(ctx context.Context, name string) error {
	if err := s.authorizeGroup(ctx, "iam:DeleteGroup", name); err != nil {
		return err
	}
	err := s.Store.DeleteGroup(ctx, name)
	if errors.Is(err, ErrEntityInUse) {
		return DeleteConflict()
	}
	return entityError(err, Entity{Kind: EntityGroup, Name: name})
}

// UpdateGroup renames or moves a group.
func (s *Service) UpdateGroup(ctx context.Context, name string, newName, newPath *string) error {
	if err := s.authorizeGroup(ctx, "iam:UpdateGroup", name); err != nil {
		return err
	}
	_, err := s.Store.UpdateGroup(ctx, name, newName, newPath)
	s.policiesChanged()
	if errors.Is(err, ErrGroupExists) {
		return Errorf(EEntityAlreadyExists, "Group with name %s already exists.", *newName)
	}
	return entityError(err, Entity{Kind: EntityGroup, Name: name})
}

// AddUserToGroup makes a user a member of a group.
func (s *Service) AddUserToGroup(ctx context.Context, group, user string) error {
	if err := s.authorizeGroup(ctx, "iam:AddUserToGroup", group); err != nil {
		return err
	}
	err := s.Store.AddUserToGroup(ctx, group, user)
	s.policiesChanged()
	return membershipError(err, group, user)
}

// RemoveUserFromGroup removes a user from a group.
func (s *Service) RemoveUserFromGroup(ctx context.Context, group, user string) error {
	if err := s.authorizeGroup(ctx, "iam:RemoveUserFromGroup", group); err != nil {
		return err
	}
	err := s.Store.RemoveUserFromGroup(ctx, group, user)
	s.policiesChanged()
	if errors.Is(err, ErrNotAttached) {
		return Errorf(ENoSuchEntity, "User %s is not in group %s.", user, group)
	}
	return membershipError(err, group, user)
}

func membershipError(err error, group, user string) error {
	switch {
	case errors.Is(err, ErrNoSuchGroup):
		return GroupNotFound(group)
	case errors.Is(err, ErrNoSuchUser):
		return UserNotFound(user)
	}
	return err
}

// ListGroupsForUser pages the groups a user belongs to.
func (s *Service) ListGroupsForUser(ctx context.Context, user, marker string, max int) ([]Group, string, error) {
	if err := s.authorizeUser(ctx, "iam:ListGroupsForUser", user); err != nil {
		return nil, "", err
	}
	groups, next, err := pageBy(marker, func(after string) ([]Group, bool, error) {
		return s.Store.ListGroupsForUser(ctx, user, after, max)
	}, func(g Group) string { return g.Name })
	return groups, next, entityError(err, Entity{Kind: EntityUser, Name: user})
}

// Group is an IAM group: a set of users that share the group's policies.
type Group struct {
	// ID is AWS's unique group ID, "AGPA" and 17 more characters.
	ID        string
	Name      string
	Path      string
	CreatedAt time.Time
}

// Entity names a user or a group, the two kinds of entity that policies
// attach to.
type Entity struct {
	Kind string // EntityUser or EntityGroup
	Name string
}

// Entity kinds.
const (
	EntityUser  = "user"
	EntityGroup = "group"
)

// NewGroupID returns a unique group ID: "AGPA" and 17 characters.
func NewGroupID(r interface{ Read([]byte) (int, error) }) (string, error) {
	return randomString(r, "AGPA", 17, base32Alphabet)
}
