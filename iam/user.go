package iam

import (
	"context"
	"errors"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// The descriptors of users and their permissions boundaries, and how they are
// tagged.
func init() {
	describe(map[string]keyward.Operation{
		"CreateUser": keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape), keyward.OptParam("Path", keyward.PathShape),
			keyward.OptParam("PermissionsBoundary", keyward.ARNShape), keyward.TagsParam(false)),
		"GetUser":                       keyward.Reads(optUserNameParam),
		"ListUsers":                     keyward.Reads(keyward.OptParam("PathPrefix", keyward.PathPrefixShape), markerParam, maxItemsParam),
		"UpdateUser":                    keyward.Changes(userNameParam, keyward.OptParam("NewUserName", keyward.UserNameShape), keyward.OptParam("NewPath", keyward.PathShape)),
		"DeleteUser":                    keyward.Changes(userNameParam),
		"PutUserPermissionsBoundary":    keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape), keyward.ReqParam("PermissionsBoundary", keyward.ARNShape)),
		"DeleteUserPermissionsBoundary": keyward.Changes(keyward.ReqParam("UserName", keyward.UserNameShape)),
	})
	taggables[keyward.TaggedUser] = taggable{
		by: userNameParam,
		authorize: func(s *Service, ctx context.Context, action, id string, keys authz.Keys) error {
			return s.Authz.AuthorizeUserWith(ctx, action, id, keys)
		},
		read: func(s *Service, ctx context.Context, id string) ([]keyward.Tag, error) {
			u, err := s.store(ctx).User(ctx, id)
			return u.Tags, err
		},
		missing: keyward.ErrNoSuchUser, notFound: func(id string) error { return keyward.UserNotFound(id) },
		// A user's tags are its aws:PrincipalTag keys: decisions cached
		// with them are made again.
		changed: true,
	}
}

// CreateUser creates an IAM user; tagging it takes iam:TagUser too.
func (s *Service) CreateUser(ctx context.Context, name, path string, tags []keyward.Tag) (keyward.User, error) {
	return s.CreateBoundedUser(ctx, name, path, "", tags)
}

// CreateBoundedUser creates an IAM user with a permissions boundary (none
// when boundary is ""), which takes iam:PutUserPermissionsBoundary too.
func (s *Service) CreateBoundedUser(ctx context.Context, name, path, boundary string, tags []keyward.Tag) (keyward.User, error) {
	if path == "" {
		path = "/"
	}
	if err := CheckDuplicateTags(tags); err != nil {
		return keyward.User{}, err
	}
	arn := s.Account(ctx).UserARN(path, name)
	if err := s.Authz.AuthorizeWith(ctx, "iam:CreateUser", arn, authz.RequestTagKeys(tags).With(authz.BoundaryKey(boundary))); err != nil {
		return keyward.User{}, err
	}
	if len(tags) > 0 {
		if err := s.Authz.AuthorizeWith(ctx, "iam:TagUser", arn, authz.RequestTagKeys(tags)); err != nil {
			return keyward.User{}, err
		}
	}
	if boundary != "" {
		if err := s.Authz.AuthorizeWith(ctx, "iam:PutUserPermissionsBoundary", arn, authz.BoundaryKey(boundary)); err != nil {
			return keyward.User{}, err
		}
		if _, err := s.store(ctx).Policy(ctx, boundary); err != nil {
			return keyward.User{}, boundaryError(err, boundary)
		}
	}
	id, err := newUserID(s.Rand)
	if err != nil {
		return keyward.User{}, err
	}
	u := keyward.User{ID: id, Name: name, Path: path, CreatedAt: s.now(), Tags: tags, PermissionsBoundary: boundary}
	respond(ctx, "user", map[string]any{"userName": name, "userId": id, "path": path, "arn": arn, "createDate": eventTime(u.CreatedAt)})
	max := s.quotas().Users
	if err := quotaError(s.changing(ctx).CreateUser(ctx, u, max), "UsersPerAccount", max); err != nil {
		if errors.Is(err, keyward.ErrUserExists) {
			return keyward.User{}, userExists(name)
		}
		return keyward.User{}, err
	}
	return u, nil
}

// User returns the user with the given name (iam:GetUser).
func (s *Service) User(ctx context.Context, name string) (keyward.User, error) {
	if err := s.Authz.AuthorizeUser(ctx, "iam:GetUser", name); err != nil {
		return keyward.User{}, err
	}
	return s.user(ctx, name)
}

// AuthorizeRootUser decides iam:GetUser on the root user, which GetUser
// without a UserName answers for the root user itself: the root user of a
// member account is held to its organization's SCPs there too.
func (s *Service) AuthorizeRootUser(ctx context.Context) error {
	return s.Authz.AuthorizeUser(ctx, "iam:GetUser", "")
}

// user reads a user, with AWS's error for a missing one.
func (s *Service) user(ctx context.Context, name string) (keyward.User, error) {
	u, err := s.store(ctx).User(ctx, name)
	if errors.Is(err, keyward.ErrNoSuchUser) {
		return keyward.User{}, keyward.UserNotFound(name)
	}
	return u, err
}

// ListUsers returns a page of users whose path starts with pathPrefix
// ("/" for all), and the marker of the next page or "" at the end.
func (s *Service) ListUsers(ctx context.Context, pathPrefix, marker string, max int) ([]keyward.User, string, error) {
	if pathPrefix == "" {
		pathPrefix = "/"
	}
	if err := s.Authz.Authorize(ctx, "iam:ListUsers", s.Account(ctx).UserARN(pathPrefix, "")); err != nil {
		return nil, "", err
	}
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	users, more, err := s.store(ctx).ListUsers(ctx, pathPrefix, after, max)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more && len(users) > 0 {
		next = encodeMarker(users[len(users)-1].Name)
	}
	return users, next, nil
}

// UpdateUser renames or moves a user. As AWS documents, the caller needs
// iam:UpdateUser on the user's ARN as it is and as it will be: allowed
// only the first, a caller could move a user out of the part of the
// account it manages into one where others' policies grant more, or
// rename itself to a name others' grants name.
func (s *Service) UpdateUser(ctx context.Context, name string, upd keyward.UserUpdate) error {
	if err := s.Authz.AuthorizeUser(ctx, "iam:UpdateUser", name); err != nil {
		return err
	}
	if (upd.NewName != nil || upd.NewPath != nil) && authz.NeedsKeys(ctx) {
		u, err := s.user(ctx, name)
		if err != nil {
			return err
		}
		target := s.Account(ctx).UserARN(valueOr(upd.NewPath, u.Path), valueOr(upd.NewName, u.Name))
		if err := s.Authz.AuthorizeWith(ctx, "iam:UpdateUser", target, authz.ResourceTagKeys(u.Tags, true)); err != nil {
			return err
		}
	}
	_, err := s.changing(ctx).UpdateUser(ctx, name, upd)
	switch {
	case errors.Is(err, keyward.ErrNoSuchUser):
		return keyward.UserNotFound(name)
	case errors.Is(err, keyward.ErrUserExists):
		return userExists(*upd.NewName)
	case err != nil:
		return err
	}
	// Key lists and compiled policies (${aws:username}) name the user;
	// cached credentials carry the owner's name and path in their ARN. An
	// update naming neither changes nothing any cache holds.
	if upd.NewName != nil || upd.NewPath != nil {
		s.publish(keyward.Change{Kind: keyward.ChangedUsers})
	}
	keys, _, err := s.store(ctx).ListAccessKeys(ctx, valueOr(upd.NewName, name), "", keyward.MaxAccessKeysPerUser+1)
	if err != nil {
		return err
	}
	for _, k := range keys {
		s.changed(k.ID)
	}
	return nil
}

// DeleteUser deletes a user that has no access keys left.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	if err := s.Authz.AuthorizeUser(ctx, "iam:DeleteUser", name); err != nil {
		return err
	}
	err := s.changing(ctx).DeleteUser(ctx, name)
	if err == nil {
		// Only a deletion changes what caches hold: a refused one, which
		// anyone allowed to try may repeat, must not empty them (opened
		// sessions of every account are opened again after a change to
		// users).
		s.publish(keyward.Change{Kind: keyward.ChangedUsers})
	}
	switch {
	case errors.Is(err, keyward.ErrNoSuchUser):
		return keyward.UserNotFound(name)
	case errors.Is(err, keyward.ErrUserHasAccessKey), errors.Is(err, keyward.ErrEntityInUse):
		return deleteConflict()
	}
	return err
}

// PutUserPermissionsBoundary sets a user's permissions boundary: what its
// identity policies allow is then limited to what the boundary allows.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, user, boundary string) error {
	if err := s.Authz.AuthorizeUserWith(ctx, "iam:PutUserPermissionsBoundary", user, authz.BoundaryKey(boundary)); err != nil {
		return err
	}
	err := s.changing(ctx).SetUserPermissionsBoundary(ctx, user, boundary)
	s.policiesChanged()
	if errors.Is(err, keyward.ErrNoSuchUser) {
		return keyward.UserNotFound(user)
	}
	return boundaryError(err, boundary)
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, user string) error {
	if err := s.Authz.AuthorizeUser(ctx, "iam:DeleteUserPermissionsBoundary", user); err != nil {
		return err
	}
	err := s.changing(ctx).SetUserPermissionsBoundary(ctx, user, "")
	s.policiesChanged()
	if errors.Is(err, keyward.ErrNoSuchUser) {
		return keyward.UserNotFound(user)
	}
	return err
}

func boundaryError(err error, arn string) error {
	if errors.Is(err, keyward.ErrNoSuchPolicy) {
		return keyward.Errorf(keyward.ENoSuchEntity, "Policy %s does not exist or is not attachable.", keyward.Clip(arn))
	}
	return err
}

// errNotUser is AWS's refusal of an operation that acts on the calling
// user when the caller is a role or federated session.
var errNotUser = keyward.Errorf(keyward.EValidationError, "Must specify userName when calling with non-User credentials")

// userExists is AWS's EntityAlreadyExists for a user name.
func userExists(name string) *keyward.Error {
	return keyward.Errorf(keyward.EEntityAlreadyExists, "User with name %s already exists.", name)
}

// deleteConflict is AWS's DeleteConflict for an entity that still has
// dependent objects.
func deleteConflict() *keyward.Error {
	return keyward.Errorf(keyward.EDeleteConflict, "Cannot delete entity, must remove referenced objects first.")
}
