package iam

import (
	"context"

	"github.com/keyward/keyward"
)

// ConsoleUsers returns a page of users for the console's list
// (iam:ListUsers). Of each user it keeps only what the caller may read
// through the API (keys, their last use, groups, login profile, MFA
// devices, each by its action on that user) and says which in Shown; it
// sorts as ConsoleUserSort says.
func (s *Service) ConsoleUsers(ctx context.Context, q keyward.UserQuery) ([]keyward.UserSummary, int, error) {
	if err := s.Authz.Authorize(ctx, "iam:ListUsers", s.Account(ctx).UserARN("/", "")); err != nil {
		return nil, 0, err
	}
	q.Sort = s.ConsoleUserSort(ctx, q.Sort)
	users, total, err := s.store(ctx).ConsoleUsers(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	for i := range users {
		s.consoleColumns(ctx, &users[i])
	}
	return users, total, nil
}

// consoleColumns empties the parts of u the caller may not read, each
// decided as the API decides its action on the user: with the user's tags
// and boundary.
func (s *Service) consoleColumns(ctx context.Context, u *keyward.UserSummary) {
	may := func(action string) bool {
		return s.Authz.AuthorizeStoredUser(ctx, action, u.User) == nil
	}
	u.Shown = keyward.UserColumns{Keys: may("iam:ListAccessKeys"), Groups: may("iam:ListGroupsForUser"),
		Login: may("iam:GetLoginProfile"), MFA: may("iam:ListMFADevices")}
	u.Shown.KeyUse = u.Shown.Keys && may("iam:GetAccessKeyLastUsed")
	switch {
	case !u.Shown.Keys:
		u.Keys = nil
	case !u.Shown.KeyUse:
		for i := range u.Keys {
			u.Keys[i].LastUsed = keyward.LastUse{}
		}
	}
	if !u.Shown.Groups {
		u.Groups = nil
	}
	if !u.Shown.Login {
		u.Login = nil
	}
	if !u.Shown.MFA {
		u.MFADevices = 0
	}
}

// consoleSortNeeds are the actions a sort of the users list needs: the
// order of the rows tells the values of the column it sorts by.
var consoleSortNeeds = map[string][]string{
	"activity":    {"iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:GetLoginProfile"},
	"passwordage": {"iam:GetLoginProfile"},
	"signin":      {"iam:GetLoginProfile"},
	"keyage":      {"iam:ListAccessKeys"},
	"keyused":     {"iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"},
	"mfa":         {"iam:ListMFADevices"},
}

// ConsoleUserSort returns the sort ConsoleUsers applies when asked for
// sort: a column's own only if the caller may read it for every user,
// since the order would tell of the users it may not; "name" otherwise.
func (s *Service) ConsoleUserSort(ctx context.Context, sort string) string {
	needs := consoleSortNeeds[sort]
	if len(needs) == 0 {
		return sort
	}
	if _, _, ok := keyward.Caller(ctx); !ok {
		return "name"
	} else if s.Authz.Unlimited(ctx) {
		return sort
	}
	// Every user, a page at a time, with the tags each is decided with.
	for offset := 0; ; {
		users, total, err := s.store(ctx).ConsoleUsers(ctx, keyward.UserQuery{Sort: "name", Offset: offset, Limit: 1000})
		if err != nil {
			return "name"
		}
		for _, u := range users {
			for _, action := range needs {
				if s.Authz.AuthorizeStoredUser(ctx, action, u.User) != nil {
					return "name"
				}
			}
		}
		if offset += len(users); len(users) == 0 || offset >= total {
			return sort
		}
	}
}
