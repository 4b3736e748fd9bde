package authz

import (
	"context"
	"errors"

	"github.com/keyward/keyward"
)

// AuthorizeUser authorises action on the user named userName (root when
// empty). The resource is the user's ARN, which needs its path, and the
// user's tags and boundary are condition keys: the user is read, the
// caller itself too. A user that does not exist is authorised on the ARN
// its name would have at the root path, so that a caller without rights
// learns nothing of who exists; then the NoSuchEntity follows.
func (a *Authorizer) AuthorizeUser(ctx context.Context, action, userName string) error {
	return a.AuthorizeUserWith(ctx, action, userName, nil)
}

// AuthorizeUserWith is AuthorizeUser with the request's condition keys.
func (a *Authorizer) AuthorizeUserWith(ctx context.Context, action, userName string, keys Keys) error {
	if userName == "" {
		return a.AuthorizeWith(ctx, action, a.Account(ctx).RootARN(), keys)
	}
	rc, _, ok := keyward.Caller(ctx)
	if !ok {
		return keyward.ErrNoCaller
	}
	if a.Unlimited(ctx) {
		return nil // the root user may do everything; skip the read
	}
	self := rc.Principal.IsUser() && keyward.FoldName(userName) == keyward.FoldName(rc.Principal.UserName)
	u, err := a.store(ctx).User(ctx, userName)
	if err != nil {
		arn := a.Account(ctx).UserARN("/", userName)
		if self {
			arn = rc.Principal.ARN()
		}
		if authErr := a.AuthorizeWith(ctx, action, arn, keys); authErr != nil {
			return authErr
		}
		switch {
		case self && errors.Is(err, keyward.ErrNoSuchUser):
			return nil // deleted meanwhile: the operation reports it
		case errors.Is(err, keyward.ErrNoSuchUser):
			return keyward.UserNotFound(userName)
		}
		return err
	}
	return a.AuthorizeWith(ctx, action, a.Account(ctx).UserARN(u.Path, u.Name), entityKeys(action, u.Tags, u.PermissionsBoundary).With(keys))
}

// AuthorizeStoredUser is AuthorizeUser for a user already read, with its
// tags and boundary (a page of users decided at once).
func (a *Authorizer) AuthorizeStoredUser(ctx context.Context, action string, u keyward.User) error {
	return a.AuthorizeWith(ctx, action, a.Account(ctx).UserARN(u.Path, u.Name), entityKeys(action, u.Tags, u.PermissionsBoundary))
}

// AuthorizeGroup is AuthorizeUser for a group (which has no condition keys
// of its own).
func (a *Authorizer) AuthorizeGroup(ctx context.Context, action, name string) error {
	return a.authorizeGroupWith(ctx, action, name, nil)
}

func (a *Authorizer) authorizeGroupWith(ctx context.Context, action, name string, keys Keys) error {
	return a.authorizeNamed(ctx, action, keys, func() (string, Keys, error) {
		g, err := a.store(ctx).Group(ctx, name)
		if err != nil {
			return a.Account(ctx).GroupARN("/", name), nil, err
		}
		return a.Account(ctx).GroupARN(g.Path, g.Name), nil, nil
	}, keyward.ErrNoSuchGroup, func() error { return keyward.GroupNotFound(name) })
}

// authorizeNamed authorises action on a group or a role read by its name:
// read returns its ARN and its own condition keys, and the callers
// Unlimited lets through (internal ones, a root user no SCP limits) need
// no read. One that cannot be read is authorised on
// the ARN its name would have at the root path (which read returns with its
// error), so that a caller without rights learns nothing of what exists;
// only then is missing, the store's error for it, reported as notFound.
func (a *Authorizer) authorizeNamed(ctx context.Context, action string, keys Keys, read func() (string, Keys, error),
	missing error, notFound func() error) error {
	if _, _, ok := keyward.Caller(ctx); !ok {
		return keyward.ErrNoCaller
	}
	if a.Unlimited(ctx) {
		return nil
	}
	arn, own, err := read()
	if err != nil {
		if authErr := a.AuthorizeWith(ctx, action, arn, keys); authErr != nil {
			return authErr
		}
		if errors.Is(err, missing) {
			return notFound()
		}
		return err
	}
	return a.AuthorizeWith(ctx, action, arn, own.With(keys))
}

// AuthorizeEntity authorises action on a user, a group or a role.
func (a *Authorizer) AuthorizeEntity(ctx context.Context, action string, e keyward.Entity) error {
	return a.AuthorizeEntityWith(ctx, action, e, nil)
}

// AuthorizeEntityWith is AuthorizeEntity with the request's condition keys.
func (a *Authorizer) AuthorizeEntityWith(ctx context.Context, action string, e keyward.Entity, keys Keys) error {
	switch e.Kind {
	case keyward.EntityGroup:
		return a.authorizeGroupWith(ctx, action, e.Name, keys)
	case keyward.EntityRole:
		return a.AuthorizeRoleWith(ctx, action, e.Name, keys)
	}
	return a.AuthorizeUserWith(ctx, action, e.Name, keys)
}

// AuthorizeRole authorises action on a role's ARN, read for its path,
// with its tags and boundary as condition keys; a role that does not
// exist is authorised at the root path, then reported.
func (a *Authorizer) AuthorizeRole(ctx context.Context, action, name string) error {
	return a.AuthorizeRoleWith(ctx, action, name, nil)
}

// AuthorizeRoleWith is AuthorizeRole with the request's condition keys.
func (a *Authorizer) AuthorizeRoleWith(ctx context.Context, action, name string, keys Keys) error {
	return a.authorizeNamed(ctx, action, keys, func() (string, Keys, error) {
		r, err := a.store(ctx).Role(ctx, name)
		if err != nil {
			return a.Account(ctx).RoleARN("/", name), nil, err
		}
		return a.Account(ctx).RoleARN(r.Path, r.Name), entityKeys(action, r.Tags, r.PermissionsBoundary), nil
	}, keyward.ErrNoSuchRole, func() error { return keyward.RoleNotFound(name) })
}
