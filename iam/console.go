package iam

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
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
	users, total, err := s.Store.ConsoleUsers(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	for i := range users {
		s.consoleColumns(ctx, &users[i])
	}
	return users, total, nil
}

// consoleColumns empties the parts of u the caller may not read.
func (s *Service) consoleColumns(ctx context.Context, u *keyward.UserSummary) {
	rc, internal, ok := keyward.Caller(ctx)
	arn := s.Account(ctx).UserARN(u.User.Path, u.User.Name)
	may := func(action string) bool {
		return ok && (internal || s.Authz.Decide(ctx, action, arn, rc) == nil)
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
	rc, internal, ok := keyward.Caller(ctx)
	switch {
	case !ok:
		return "name"
	case internal || rc.Principal.Root:
		return sort
	}
	after := ""
	for {
		users, more, err := s.Store.ListUsers(ctx, "/", after, 1000)
		if err != nil {
			return "name"
		}
		for _, u := range users {
			arn := s.Account(ctx).UserARN(u.Path, u.Name)
			for _, action := range needs {
				if s.Authz.Decide(ctx, action, arn, rc) != nil {
					return "name"
				}
			}
		}
		if !more || len(users) == 0 {
			return sort
		}
		after = users[len(users)-1].Name
	}
}

// errSignIn is the one answer to every failed sign-in, so that it tells
// nothing of which part was wrong.
var errSignIn = keyward.Errorf(keyward.EAccessDenied, "Your authentication information is incorrect. Please try again.")

// SignInRoot checks the root user's console credentials: an active access
// key of the root user and its secret, compared in constant time.
func (s *Service) SignInRoot(ctx context.Context, keyID, secret string) (keyward.Principal, error) {
	c, err := s.Credential(ctx, keyID)
	if err != nil || !c.Principal.Root || !c.Active || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return keyward.Principal{}, errSignIn
	}
	return c.Principal, nil
}

// SignInAccount resolves the account a sign-in form names, by its ID or
// its alias as on AWS's sign-in page, to the account's ID; ok is false
// when it names no account here. Limits on guessing key on what it
// returns, so that every spelling of the account shares one budget.
func (s *Service) SignInAccount(ctx context.Context, typed string) (id string, ok bool) {
	if typed == s.Account(ctx).ID || typed == s.AccountLabel(ctx) {
		return s.Account(ctx).ID, true
	}
	return "", false
}

// SignInUser checks an IAM user's console password and records its use;
// it also reports whether the password must be changed first.
func (s *Service) SignInUser(ctx context.Context, accountID, userName, password string) (keyward.Principal, bool, error) {
	if _, ok := s.SignInAccount(ctx, accountID); !ok {
		return keyward.Principal{}, false, errSignIn
	}
	u, err := s.Store.User(ctx, userName)
	var lp keyward.LoginProfile
	if err == nil {
		lp, err = s.Store.LoginProfile(ctx, userName)
	}
	if err != nil {
		// Hash anyway, so that how long a refusal takes does not tell which
		// user names have a password.
		s.Passwords.Verify(s.decoyHash(), password)
		return keyward.Principal{}, false, errSignIn
	}
	if ok, err := s.Passwords.Verify(lp.PasswordHash, password); err != nil || !ok {
		return keyward.Principal{}, false, errSignIn
	}
	if err := s.Store.RecordPasswordUse(ctx, userName, s.Now().UTC()); err != nil {
		return keyward.Principal{}, false, err
	}
	return keyward.Principal{AccountID: s.Account(ctx).ID, UserID: u.ID, UserName: u.Name, UserPath: u.Path}, lp.ResetRequired, nil
}

// DeleteUserAndAttachments deletes a user with everything that would make
// DeleteUser refuse: access keys, login profile, MFA devices (deactivated,
// and deleted), SSH keys, service-specific credentials, signing
// certificates, inline and attached policies, group memberships. The console does this after the
// administrator confirms, as AWS's does, and as AWS's it is the sequence of
// API operations a caller would make, each authorised on its own: a caller
// allowed only iam:DeleteUser is refused at the first of them, with
// nothing deleted yet.
func (s *Service) DeleteUserAndAttachments(ctx context.Context, name string) error {
	user := keyward.Entity{Kind: keyward.EntityUser, Name: name}
	// Every permission first: the user is either left whole or deleted.
	for _, action := range []string{"iam:ListAccessKeys", "iam:DeleteAccessKey", "iam:GetLoginProfile", "iam:DeleteLoginProfile",
		"iam:ListUserPolicies", "iam:DeleteUserPolicy", "iam:ListAttachedUserPolicies", "iam:DetachUserPolicy",
		"iam:ListGroupsForUser", "iam:ListMFADevices", "iam:DeactivateMFADevice", "iam:ListSSHPublicKeys", "iam:DeleteSSHPublicKey",
		"iam:ListServiceSpecificCredentials", "iam:DeleteServiceSpecificCredential", "iam:ListSigningCertificates",
		"iam:DeleteSigningCertificate", "iam:DeleteUser"} {
		if err := s.Authz.AuthorizeUser(ctx, action, name); err != nil {
			return err
		}
	}
	devices, _, err := s.ListMFADevices(ctx, name, "", keyward.MaxMFADevicesPerUser)
	if err != nil {
		return err
	}
	for _, d := range devices {
		if err := s.Authz.AuthorizeWith(ctx, "iam:DeleteVirtualMFADevice", d.SerialNumber, authz.ResourceTagKeys(d.Tags, false)); err != nil {
			return err
		}
	}
	// Leaving a group is authorised on the group.
	for marker := ""; ; {
		groups, next, err := s.ListGroupsForUser(ctx, name, marker, 100)
		if err != nil {
			return err
		}
		for _, g := range groups {
			if err := s.Authz.AuthorizeGroup(ctx, "iam:RemoveUserFromGroup", g.Name); err != nil {
				return err
			}
		}
		if marker = next; marker == "" {
			break
		}
	}
	for _, d := range devices {
		if err := s.DeactivateMFADevice(ctx, name, d.SerialNumber); err != nil {
			return err
		}
		if err := s.DeleteVirtualMFADevice(ctx, d.SerialNumber); err != nil {
			return err
		}
	}
	for _, kind := range []string{keyward.CredSSHKey, keyward.CredService, keyward.CredSigningCert} {
		creds, err := s.Credentials(ctx, name, kind)
		if err != nil {
			return err
		}
		for _, c := range creds {
			if err := s.DeleteCredential(ctx, name, kind, c.ID); err != nil {
				return err
			}
		}
	}
	keys, _, err := s.ListAccessKeys(ctx, name, "", keyward.MaxAccessKeysPerUser)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.DeleteAccessKey(ctx, name, k.ID); err != nil {
			return err
		}
	}
	if _, err := s.LoginProfile(ctx, name); err == nil {
		if err := s.DeleteLoginProfile(ctx, name); err != nil {
			return err
		}
	} else if keyward.ErrorCode(err) != keyward.ENoSuchEntity {
		return err
	}
	for {
		names, _, err := s.ListInlinePolicies(ctx, user, "", 100)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			break
		}
		for _, n := range names {
			if err := s.DeleteInlinePolicy(ctx, user, n); err != nil {
				return err
			}
		}
	}
	for {
		pols, _, err := s.ListAttachedPolicies(ctx, user, "/", "", 100)
		if err != nil {
			return err
		}
		if len(pols) == 0 {
			break
		}
		for _, p := range pols {
			if err := s.DetachPolicy(ctx, user, p.ARN); err != nil {
				return err
			}
		}
	}
	for {
		groups, _, err := s.ListGroupsForUser(ctx, name, "", 100)
		if err != nil {
			return err
		}
		if len(groups) == 0 {
			break
		}
		for _, g := range groups {
			if err := s.RemoveUserFromGroup(ctx, g.Name, name); err != nil {
				return err
			}
		}
	}
	return s.DeleteUser(ctx, name)
}

// decoyHash is a hash of nothing in particular, made once, to verify
// against when there is no real one.
func (s *Service) decoyHash() string {
	s.decoyOnce.Do(func() { s.decoy, _ = s.Passwords.Hash("keyward decoy password") })
	return s.decoy
}

// DeleteGroupAndAttachments deletes a group with its members, inline
// policies and attachments, as AWS's console does after the administrator
// confirms: the sequence of API operations, each authorised first, so that
// a caller missing one permission changes nothing.
func (s *Service) DeleteGroupAndAttachments(ctx context.Context, name string) error {
	group := keyward.Entity{Kind: keyward.EntityGroup, Name: name}
	for _, action := range []string{"iam:GetGroup", "iam:RemoveUserFromGroup", "iam:ListGroupPolicies", "iam:DeleteGroupPolicy",
		"iam:ListAttachedGroupPolicies", "iam:DetachGroupPolicy", "iam:DeleteGroup"} {
		if err := s.Authz.AuthorizeGroup(ctx, action, name); err != nil {
			return err
		}
	}
	for {
		members, _, err := s.GroupMembers(ctx, name, "", 100)
		if err != nil {
			return err
		}
		if len(members) == 0 {
			break
		}
		for _, u := range members {
			if err := s.RemoveUserFromGroup(ctx, name, u.Name); err != nil {
				return err
			}
		}
	}
	for {
		names, _, err := s.ListInlinePolicies(ctx, group, "", 100)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			break
		}
		for _, n := range names {
			if err := s.DeleteInlinePolicy(ctx, group, n); err != nil {
				return err
			}
		}
	}
	for {
		pols, _, err := s.ListAttachedPolicies(ctx, group, "/", "", 100)
		if err != nil {
			return err
		}
		if len(pols) == 0 {
			break
		}
		for _, p := range pols {
			if err := s.DetachPolicy(ctx, group, p.ARN); err != nil {
				return err
			}
		}
	}
	return s.DeleteGroup(ctx, name)
}

// DeleteRoleAndPolicies deletes a role with its inline policies and
// attachments, as AWS's console does after the administrator confirms: the
// API operations in sequence, each authorised first.
func (s *Service) DeleteRoleAndPolicies(ctx context.Context, name string) error {
	role := keyward.Entity{Kind: keyward.EntityRole, Name: name}
	for _, action := range []string{"iam:ListRolePolicies", "iam:DeleteRolePolicy", "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy", "iam:DeleteRole"} {
		if err := s.Authz.AuthorizeRole(ctx, action, name); err != nil {
			return err
		}
	}
	names, _, err := s.ListInlinePolicies(ctx, role, "", 1000)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := s.DeleteInlinePolicy(ctx, role, n); err != nil {
			return err
		}
	}
	attached, _, err := s.ListAttachedPolicies(ctx, role, "/", "", 1000)
	if err != nil {
		return err
	}
	for _, p := range attached {
		if err := s.DetachPolicy(ctx, role, p.ARN); err != nil {
			return err
		}
	}
	return s.DeleteRole(ctx, name)
}

// RevokeRoleSessionsPolicy is the inline policy AWS's console puts on a
// role to revoke its active sessions.
const RevokeRoleSessionsPolicy = "AWSRevokeOlderSessions"

// RevokeRoleSessions revokes every session of the role issued until now,
// as AWS's console does: an inline policy (iam:PutRolePolicy) denying
// everything to sessions whose aws:TokenIssueTime is earlier. Sessions
// begun afterwards are not affected.
func (s *Service) RevokeRoleSessions(ctx context.Context, name string) error {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` +
		s.now().Add(time.Second).Format(time.RFC3339) + `"}}}]}`
	return s.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityRole, Name: name}, RevokeRoleSessionsPolicy, doc)
}
