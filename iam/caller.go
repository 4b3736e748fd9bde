package iam

import (
	"context"

	"github.com/keyward/keyward"
)

// subject resolves the user an action names: userName when given,
// otherwise the caller itself ("" for the root user), as AWS does for
// access keys, login profiles and GetUser.
func (s *Service) subject(ctx context.Context, userName string) (string, error) {
	if userName != "" {
		return userName, nil
	}
	p, err := s.Authz.Principal(ctx)
	if err != nil || p.Root {
		return "", err
	}
	if !p.IsUser() {
		return "", errNotUser
	}
	return p.UserName, nil
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
