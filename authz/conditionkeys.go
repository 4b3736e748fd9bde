package authz

import (
	"context"
	"errors"
	"strings"

	"github.com/keyward/keyward"
)

// The condition keys of IAM's own actions. AWS's Service Authorization
// Reference ("Actions, resources, and condition keys for AWS Identity and
// Access Management (IAM)",
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html)
// lists, for each action, the keys its requests carry; Keyward sets every
// one that applies to what it serves, from the request and from the
// resource as stored, never from anything the caller says about itself.
// README.md ("Condition keys of IAM actions") has the table;
// iam/testdata/iam-condition-keys.json is it, as TestConditionKeysTable checks.
//
//   - iam:PolicyARN: the managed policy Attach/Detach{User,Group,Role}Policy
//     names.
//   - iam:PermissionsBoundary: the boundary a request sets (CreateUser,
//     CreateRole, Put{User,Role}PermissionsBoundary), or the one the user or
//     role has (Attach/Detach/Put/Delete{User,Role}Policy,
//     Delete{User,Role}PermissionsBoundary, and of a role DeleteRole,
//     GetRole, UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy);
//     absent when it has none.
//   - aws:RequestTag/<key> and aws:TagKeys: the tags a request sets
//     (Create*, Tag*, and iam:TagUser when CreateAccessKey's description
//     tags the user); Untag* has aws:TagKeys only.
//   - aws:ResourceTag/<key>: the tags of the user, role, managed policy,
//     instance profile, MFA device, OIDC provider or server certificate
//     acted on; iam:ResourceTag/<key> too for a user or a role.
//   - iam:AWSServiceName: the service a service-linked role is for.
//   - iam:PassedToService: the service a role is passed to (iam:PassRole
//     of AddRoleToInstanceProfile: ec2.amazonaws.com).
//   - iam:ServiceSpecificCredentialServiceName: the service of a
//     service-specific credential created, reset, updated or deleted.
//
// Keys of what Keyward does not serve are not set: iam:AssociatedResourceArn
// (no operation passes a role for one resource), iam:RoleTemplateARN (no role
// templates), iam:ServiceSpecificCredentialAgeDays (credentials do not
// expire), the FIDO keys of EnableMFADevice (virtual devices only), and
// those of delegation requests and account properties.

// Keys are condition keys a request carries, by lower-case name.
type Keys map[string][]string

// With returns the keys of k and more, more winning.
func (k Keys) With(more Keys) Keys {
	if len(k) == 0 {
		return more
	}
	out := make(Keys, len(k)+len(more))
	for n, v := range k {
		out[n] = v
	}
	for n, v := range more {
		out[n] = v
	}
	return out
}

// RequestTagKeys are the keys of the tags a request sets.
func RequestTagKeys(tags []keyward.Tag) Keys {
	if len(tags) == 0 {
		return nil
	}
	k := Keys{}
	names := make([]string, len(tags))
	for i, t := range tags {
		k["aws:requesttag/"+strings.ToLower(t.Key)] = []string{t.Value}
		names[i] = t.Key
	}
	k["aws:tagkeys"] = names
	return k
}

// UntagKeys are the keys of a request that removes tags.
func UntagKeys(keys []string) Keys {
	if len(keys) == 0 {
		return nil
	}
	return Keys{"aws:tagkeys": keys}
}

// ResourceTagKeys are the keys of the tags of the resource acted on; iam
// adds iam:ResourceTag/<key> (users and roles).
func ResourceTagKeys(tags []keyward.Tag, iam bool) Keys {
	if len(tags) == 0 {
		return nil
	}
	k := Keys{}
	for _, t := range tags {
		k["aws:resourcetag/"+strings.ToLower(t.Key)] = []string{t.Value}
		if iam {
			k["iam:resourcetag/"+strings.ToLower(t.Key)] = []string{t.Value}
		}
	}
	return k
}

// BoundaryKey is iam:PermissionsBoundary set to arn, nothing when "".
func BoundaryKey(arn string) Keys {
	if arn == "" {
		return nil
	}
	return Keys{"iam:permissionsboundary": {arn}}
}

// PolicyARNKey is iam:PolicyARN.
func PolicyARNKey(arn string) Keys { return Keys{"iam:policyarn": {arn}} }

// currentBoundary are the actions whose iam:PermissionsBoundary is the
// boundary the user or role acted on has.
var currentBoundary = map[string]bool{
	"iam:AttachUserPolicy": true, "iam:DetachUserPolicy": true, "iam:PutUserPolicy": true, "iam:DeleteUserPolicy": true,
	"iam:DeleteUserPermissionsBoundary": true,
	"iam:AttachRolePolicy":              true, "iam:DetachRolePolicy": true, "iam:PutRolePolicy": true, "iam:DeleteRolePolicy": true,
	"iam:DeleteRolePermissionsBoundary": true, "iam:DeleteRole": true, "iam:GetRole": true, "iam:UpdateRole": true,
	"iam:UpdateRoleDescription": true, "iam:UpdateAssumeRolePolicy": true,
}

// entityKeys are the keys a user or a role acted on gives action: its
// tags, and its boundary where the action has it.
func entityKeys(action string, tags []keyward.Tag, boundary string) Keys {
	k := ResourceTagKeys(tags, true)
	if currentBoundary[action] {
		k = k.With(BoundaryKey(boundary))
	}
	return k
}

// AuthorizeWith is Authorize with the condition keys of the request and
// of its resource, which Keyward sets and nothing the caller sent
// overrides.
func (a *Authorizer) AuthorizeWith(ctx context.Context, action, resource string, keys Keys) error {
	rc, internal, ok := keyward.Caller(ctx)
	switch {
	case !ok:
		return keyward.ErrNoCaller
	case internal:
		return nil
	}
	if len(keys) > 0 {
		c := *rc
		c.Extra = make(map[string][]string, len(rc.Extra)+len(keys))
		for n, v := range rc.Extra {
			c.Extra[n] = v
		}
		for n, v := range keys {
			c.Extra[n] = v
		}
		rc = &c
	}
	return a.Decide(ctx, action, resource, rc)
}

// NeedsKeys reports whether ctx's caller is one whose access may be
// decided: the resource is then read for its condition keys. Only the
// service itself may do everything: the root user of a member account is
// held to its organization's service control policies, whose conditions
// may name the resource's keys.
func NeedsKeys(ctx context.Context) bool {
	_, internal, ok := keyward.Caller(ctx)
	return ok && !internal
}

// TaggedKeys returns the aws:ResourceTag keys of a resource whose tags
// read returns, for a caller whose access is decided. A resource that does
// not exist (read's error is notFound) has none: its absence is reported
// after the decision. Any other error fails the request: deciding without
// the tags could pass a Deny conditioned on them.
func TaggedKeys(ctx context.Context, read func() ([]keyward.Tag, error), notFound error) (Keys, error) {
	if !NeedsKeys(ctx) {
		return nil, nil
	}
	tags, err := read()
	if errors.Is(err, notFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return ResourceTagKeys(tags, false), nil
}

// AuthorizeARN authorises action on a resource named by its ARN, with the
// tags (and, where the action has it, the boundary) of the user, role or
// managed policy it names as condition keys. The ARN is the caller's: the
// entity read must have exactly it, or no keys are set.
func (a *Authorizer) AuthorizeARN(ctx context.Context, action, arn string) error {
	if !NeedsKeys(ctx) {
		return a.Authorize(ctx, action, arn)
	}
	var keys Keys
	prefix := "arn:aws:iam::" + a.Account(ctx).ID + ":"
	rest, ours := strings.CutPrefix(arn, prefix)
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	switch {
	case ours && strings.HasPrefix(rest, "user/"):
		u, err := a.store(ctx).User(ctx, name)
		if err == nil && a.Account(ctx).UserARN(u.Path, u.Name) == arn {
			keys = entityKeys(action, u.Tags, u.PermissionsBoundary)
		} else if err != nil && !errors.Is(err, keyward.ErrNoSuchUser) {
			return err
		}
	case ours && strings.HasPrefix(rest, "role/"):
		r, err := a.store(ctx).Role(ctx, name)
		if err == nil && a.Account(ctx).RoleARN(r.Path, r.Name) == arn {
			keys = entityKeys(action, r.Tags, r.PermissionsBoundary)
		} else if err != nil && !errors.Is(err, keyward.ErrNoSuchRole) {
			return err
		}
	case ours && strings.HasPrefix(rest, "policy/"):
		var err error
		if keys, err = TaggedKeys(ctx, func() ([]keyward.Tag, error) { p, err := a.store(ctx).Policy(ctx, arn); return p.Tags, err }, keyward.ErrNoSuchPolicy); err != nil {
			return err
		}
	}
	return a.AuthorizeWith(ctx, action, arn, keys)
}
