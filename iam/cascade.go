package iam

import (
	"context"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// The console's deletions of an entity with everything that would make the
// API refuse to delete it: sequences of API operations, each authorised.

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
	if err := s.removePolicies(ctx, user); err != nil {
		return err
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
	if err := s.removePolicies(ctx, group); err != nil {
		return err
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
	if err := s.removePolicies(ctx, role); err != nil {
		return err
	}
	return s.DeleteRole(ctx, name)
}

// removePolicies deletes an entity's inline policies and detaches its
// managed ones, each through its API operation (so each authorised and
// audited), reading the first page again until none is left.
func (s *Service) removePolicies(ctx context.Context, e keyward.Entity) error {
	for {
		names, _, err := s.ListInlinePolicies(ctx, e, "", 100)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			break
		}
		for _, n := range names {
			if err := s.DeleteInlinePolicy(ctx, e, n); err != nil {
				return err
			}
		}
	}
	for {
		pols, _, err := s.ListAttachedPolicies(ctx, e, "/", "", 100)
		if err != nil {
			return err
		}
		if len(pols) == 0 {
			break
		}
		for _, p := range pols {
			if err := s.DetachPolicy(ctx, e, p.ARN); err != nil {
				return err
			}
		}
	}
	return nil
}
