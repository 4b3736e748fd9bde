package sts

import (
	"context"
	"errors"
	"time"

	"github.com/keyward/keyward"
)

// The console's Switch role, as AWS's console does it: a signed-in user
// (or a role's federated console session) takes a session of a role in
// its place, decided exactly as AssumeRole decides it (the role's trust
// policy must trust the caller, and the caller's own policies must allow
// sts:AssumeRole on the role where the trust policy names only the
// account), named with the caller's name, and lasting no longer than the
// console session it switched from.

// SwitchRole issues the calling principal a session of the role roleARN
// names, for the console's Switch role: its session name is the caller's
// user name (a role session's own session name), as on AWS, and it lasts
// as long as the role allows (an hour from a role's session, a chain) but
// not past until, the end of the console session it switches from. A
// session that would last less than STS's shortest lasts that (15
// minutes): the console ends the switch at until all the same.
func (s *Service) SwitchRole(ctx context.Context, roleARN string, until time.Time) (keyward.AssumedRole, error) {
	rc, internal, ok := keyward.Caller(ctx)
	if !ok || internal {
		return keyward.AssumedRole{}, keyward.ErrNoCaller
	}
	p := rc.Principal
	name := p.UserName
	if p.IsRoleSession() {
		name = p.SessionName
	}
	left := int(until.Sub(s.now()) / time.Second)
	return s.assumeRole(ctx, keyward.AssumeRoleInput{RoleARN: roleARN, SessionName: name}, func(role keyward.Role, chained bool) (int, error) {
		d := min(role.MaxSessionDuration, left)
		if chained {
			d = min(d, maxChainedRoleDuration)
		}
		return max(d, minSessionDuration), nil
	})
}

// errSwitchEnded is the answer for a switched role's session that no
// longer holds.
var errSwitchEnded = keyward.Errorf(keyward.EAccessDenied, "Your role session has ended. Switch role again.")

// SwitchedPrincipal checks that the role session a console session
// switched to (keyID and token, from SwitchRole) still holds for from, the
// principal the console session belongs to (checked first with
// SessionPrincipal), and returns the role session's principal. It holds
// while its credentials do, while the role is the one it was issued for
// (not deleted, nor replaced by a new role of its name; read in the role's
// account, which may be another than from's), and while it is
// named for from, so that a switched session is only ever its own user's.
func (s *Service) SwitchedPrincipal(ctx context.Context, from keyward.Principal, keyID, token string) (keyward.Principal, error) {
	c, err := s.OpenSession(ctx, keyID, token)
	if err != nil || !c.Principal.IsRoleSession() {
		return keyward.Principal{}, errSwitchEnded
	}
	name := from.UserName
	if from.IsRoleSession() {
		name = from.SessionName
	}
	if c.Principal.SessionName != name || from.Root || from.FederatedName != "" {
		return keyward.Principal{}, errSwitchEnded
	}
	r, err := s.storeOf(c.Principal.AccountID).Role(ctx, c.Principal.RoleName)
	if errors.Is(err, keyward.ErrNoSuchRole) || err == nil && r.ID != c.Principal.RoleID {
		return keyward.Principal{}, errSwitchEnded
	}
	if err != nil {
		return keyward.Principal{}, err
	}
	return c.Principal, nil
}
