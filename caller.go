package keyward

import (
	"context"
	"errors"
	"strings"
)

// The caller of a request travels in its context: the principal and the
// request's condition keys (source address, TLS, time, region). Every
// Service method that a transport calls takes it from there and decides
// access itself, once, with IAM's policy evaluation; the transports (API,
// console, verifier) only say who is calling.

type callerKey struct{}

// internalCaller marks the service's own work: a context carries it, or a
// request's context, by pointer (no allocation on the request path).
var internalCaller RequestContext

// WithCaller returns ctx carrying the caller of a request.
func WithCaller(ctx context.Context, rc *RequestContext) context.Context {
	return context.WithValue(ctx, callerKey{}, rc)
}

// Internal returns ctx marked as the service's own work (start-up,
// background generation, maintenance commands), which no policy governs.
// Transports never use it.
func Internal(ctx context.Context) context.Context {
	return context.WithValue(ctx, callerKey{}, &internalCaller)
}

// caller returns ctx's caller and whether it is the service itself.
func caller(ctx context.Context) (rc *RequestContext, internal bool, ok bool) {
	rc, ok = ctx.Value(callerKey{}).(*RequestContext)
	return rc, rc == &internalCaller, ok && rc != nil
}

// CallerFrom returns the request context of ctx's caller, if a request's.
func CallerFrom(ctx context.Context) (*RequestContext, bool) {
	rc, internal, ok := caller(ctx)
	return rc, ok && !internal
}

// errNoCaller is a programming error: a service method reached without
// saying who calls. It fails closed, as ServiceFailure.
var errNoCaller = errors.New("keyward: no caller in the context")

// Authorize decides whether ctx's caller may perform action (such as
// "s3:GetObject") on resource, and returns AWS's AccessDenied if not. The
// Service's own methods decide their own actions; this is for what other
// services ask of Keyward. A refusal of another service's action carries
// an encoded authorization message, as some AWS services' do, which
// DecodeAuthorizationMessage reads.
func (s *Service) Authorize(ctx context.Context, action, resource string) error {
	err := s.authorize(ctx, action, resource)
	var e *Error
	if errors.As(err, &e) && e.Code == EAccessDenied && !strings.HasPrefix(action, "iam:") && !strings.HasPrefix(action, "sts:") {
		if msg, encErr := s.encodeDenial(ctx, action, resource); encErr == nil {
			return Errorf(EAccessDenied, "%s. Encoded authorization failure message: %s", e.Message, msg)
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
func (s *Service) principal(ctx context.Context) (Principal, error) {
	rc, internal, ok := caller(ctx)
	switch {
	case !ok:
		return Principal{}, errNoCaller
	case internal:
		return Principal{AccountID: s.Account.ID, Root: true}, nil
	}
	return rc.Principal, nil
}

// requester names the client making a request: the key that signed it
// and the program that sent it, which tell one poller of the credential
// report from another (the console names its session instead).
func requester(ctx context.Context) string {
	rc, internal, ok := caller(ctx)
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
	rc, internal, ok := caller(ctx)
	if !ok {
		return errNoCaller
	}
	if internal || rc.Principal.Root {
		return nil // the root user may do everything; skip the read
	}
	self := rc.Principal.IsUser() && FoldName(userName) == FoldName(rc.Principal.UserName)
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
		case self && errors.Is(err, ErrNoSuchUser):
			return nil // deleted meanwhile: the operation reports it
		case errors.Is(err, ErrNoSuchUser):
			return UserNotFound(userName)
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
	rc, internal, ok := caller(ctx)
	if !ok {
		return errNoCaller
	}
	if internal || rc.Principal.Root {
		return nil
	}
	g, err := s.Store.Group(ctx, name)
	if err != nil {
		if authErr := s.authorizeWith(ctx, action, s.Account.GroupARN("/", name), keys); authErr != nil {
			return authErr
		}
		if errors.Is(err, ErrNoSuchGroup) {
			return GroupNotFound(name)
		}
		return err
	}
	return s.authorizeWith(ctx, action, s.Account.GroupARN(g.Path, g.Name), keys)
}

// authorizeEntity authorises action on a user, a group or a role.
func (s *Service) authorizeEntity(ctx context.Context, action string, e Entity) error {
	return s.authorizeEntityWith(ctx, action, e, nil)
}

// authorizeEntityWith is authorizeEntity with the request's condition keys.
func (s *Service) authorizeEntityWith(ctx context.Context, action string, e Entity, keys conditionKeys) error {
	switch e.Kind {
	case EntityGroup:
		return s.authorizeGroupWith(ctx, action, e.Name, keys)
	case EntityRole:
		return s.authorizeRoleWith(ctx, action, e.Name, keys)
	}
	return s.authorizeUserWith(ctx, action, e.Name, keys)
}

// entityAction names the IAM action of an operation on a user or a group,
// such as iam:PutUserPolicy or iam:PutGroupPolicy.
func entityAction(verb string, e Entity, noun string) string {
	switch e.Kind {
	case EntityGroup:
		return "iam:" + verb + "Group" + noun
	case EntityRole:
		return "iam:" + verb + "Role" + noun
	}
	return "iam:" + verb + "User" + noun
}
