package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/keyward/keyward"
)

// Authorize decides whether ctx's caller may perform action (such as
// "s3:GetObject") on resource, and returns AWS's AccessDenied if not. The
// Service's own methods decide their own actions; this is for what other
// services ask of Keyward. A refusal of another service's action carries
// an encoded authorization message, as some AWS services' do, which
// DecodeAuthorizationMessage reads.
func (s *Service) Authorize(ctx context.Context, action, resource string) error {
	err := s.authorize(ctx, action, resource)
	var e *keyward.Error
	if errors.As(err, &e) && e.Code == keyward.EAccessDenied && !strings.HasPrefix(action, "iam:") && !strings.HasPrefix(action, "sts:") {
		if msg, encErr := s.encodeDenial(ctx, action, resource); encErr == nil {
			return keyward.Errorf(keyward.EAccessDenied, "%s. Encoded authorization failure message: %s", e.Message, msg)
		}
	}
	return err
}

// authorize decides whether ctx's caller may perform action on resource,
// and returns AWS's AccessDenied if not.
func (s *Service) authorize(ctx context.Context, action, resource string) error {
	return s.authorizeWith(ctx, action, resource, nil)
}

// principal returns ctx's calling principal; the service's own work acts
// as the root user.
func (s *Service) principal(ctx context.Context) (keyward.Principal, error) {
	rc, internal, ok := keyward.Caller(ctx)
	switch {
	case !ok:
		return keyward.Principal{}, keyward.ErrNoCaller
	case internal:
		return keyward.Principal{AccountID: s.Account.ID, Root: true}, nil
	}
	return rc.Principal, nil
}

// requester names the client making a request: the key that signed it
// and the program that sent it, which tell one poller of the credential
// report from another (the console names its session instead).
func requester(ctx context.Context) string {
	rc, internal, ok := keyward.Caller(ctx)
	if !ok || internal {
		return "internal"
	}
	if rc.AccessKeyID == "" {
		return "console\x00" + rc.Session
	}
	return rc.AccessKeyID + "\x00" + rc.UserAgent
}

// subject resolves the user an action names: userName when given,
// otherwise the caller itself ("" for the root user), as AWS does for
// access keys, login profiles and GetUser.
func (s *Service) subject(ctx context.Context, userName string) (string, error) {
	if userName != "" {
		return userName, nil
	}
	p, err := s.principal(ctx)
	if err != nil || p.Root {
		return "", err
	}
	if !p.IsUser() {
		return "", errNotUser
	}
	return p.UserName, nil
}

// authorizeUser authorises action on the user named userName (root when
// empty). The resource is the user's ARN, which needs its path, and the
// user's tags and boundary are condition keys: the user is read, the
// caller itself too. A user that does not exist is authorised on the ARN
// its name would have at the root path, so that a caller without rights
// learns nothing of who exists; then the NoSuchEntity follows.
func (s *Service) authorizeUser(ctx context.Context, action, userName string) error {
	return s.authorizeUserWith(ctx, action, userName, nil)
}

// authorizeUserWith is authorizeUser with the request's condition keys.
func (s *Service) authorizeUserWith(ctx context.Context, action, userName string, keys conditionKeys) error {
	if userName == "" {
		return s.authorizeWith(ctx, action, s.Account.RootARN(), keys)
	}
	rc, internal, ok := keyward.Caller(ctx)
	if !ok {
		return keyward.ErrNoCaller
	}
	if internal || rc.Principal.Root {
		return nil // the root user may do everything; skip the read
	}
	self := rc.Principal.IsUser() && keyward.FoldName(userName) == keyward.FoldName(rc.Principal.UserName)
	u, err := s.Store.User(ctx, userName)
	if err != nil {
		arn := s.Account.UserARN("/", userName)
		if self {
			arn = rc.Principal.ARN()
		}
		if authErr := s.authorizeWith(ctx, action, arn, keys); authErr != nil {
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
	return s.authorizeWith(ctx, action, s.Account.UserARN(u.Path, u.Name), entityKeys(action, u.Tags, u.PermissionsBoundary).with(keys))
}

// authorizeGroup is authorizeUser for a group (which has no condition keys
// of its own).
func (s *Service) authorizeGroup(ctx context.Context, action, name string) error {
	return s.authorizeGroupWith(ctx, action, name, nil)
}

func (s *Service) authorizeGroupWith(ctx context.Context, action, name string, keys conditionKeys) error {
	rc, internal, ok := keyward.Caller(ctx)
	if !ok {
		return keyward.ErrNoCaller
	}
	if internal || rc.Principal.Root {
		return nil
	}
	g, err := s.Store.Group(ctx, name)
	if err != nil {
		if authErr := s.authorizeWith(ctx, action, s.Account.GroupARN("/", name), keys); authErr != nil {
			return authErr
		}
		if errors.Is(err, keyward.ErrNoSuchGroup) {
			return keyward.GroupNotFound(name)
		}
		return err
	}
	return s.authorizeWith(ctx, action, s.Account.GroupARN(g.Path, g.Name), keys)
}

// authorizeEntity authorises action on a user, a group or a role.
func (s *Service) authorizeEntity(ctx context.Context, action string, e keyward.Entity) error {
	return s.authorizeEntityWith(ctx, action, e, nil)
}

// authorizeEntityWith is authorizeEntity with the request's condition keys.
func (s *Service) authorizeEntityWith(ctx context.Context, action string, e keyward.Entity, keys conditionKeys) error {
	switch e.Kind {
	case keyward.EntityGroup:
		return s.authorizeGroupWith(ctx, action, e.Name, keys)
	case keyward.EntityRole:
		return s.authorizeRoleWith(ctx, action, e.Name, keys)
	}
	return s.authorizeUserWith(ctx, action, e.Name, keys)
}

// entityAction names the IAM action of an operation on a user or a group,
// such as iam:PutUserPolicy or iam:PutGroupPolicy.
func entityAction(verb string, e keyward.Entity, noun string) string {
	switch e.Kind {
	case keyward.EntityGroup:
		return "iam:" + verb + "Group" + noun
	case keyward.EntityRole:
		return "iam:" + verb + "Role" + noun
	}
	return "iam:" + verb + "User" + noun
}
