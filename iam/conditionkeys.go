package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/keyward/keyward"
)

// conditionKeys are condition keys a request carries, by lower-case name.
type conditionKeys map[string][]string

// with returns the keys of k and more, more winning.
func (k conditionKeys) with(more conditionKeys) conditionKeys {
	if len(k) == 0 {
		return more
	}
	out := make(conditionKeys, len(k)+len(more))
	for n, v := range k {
		out[n] = v
	}
	for n, v := range more {
		out[n] = v
	}
	return out
}

// requestTagKeys are the keys of the tags a request sets.
func requestTagKeys(tags []keyward.Tag) conditionKeys {
	if len(tags) == 0 {
		return nil
	}
	k := conditionKeys{}
	names := make([]string, len(tags))
	for i, t := range tags {
		k["aws:requesttag/"+strings.ToLower(t.Key)] = []string{t.Value}
		names[i] = t.Key
	}
	k["aws:tagkeys"] = names
	return k
}

// untagKeys are the keys of a request that removes tags.
func untagKeys(keys []string) conditionKeys {
	if len(keys) == 0 {
		return nil
	}
	return conditionKeys{"aws:tagkeys": keys}
}

// resourceTagKeys are the keys of the tags of the resource acted on; iam
// adds iam:ResourceTag/<key> (users and roles).
func resourceTagKeys(tags []keyward.Tag, iam bool) conditionKeys {
	if len(tags) == 0 {
		return nil
	}
	k := conditionKeys{}
	for _, t := range tags {
		k["aws:resourcetag/"+strings.ToLower(t.Key)] = []string{t.Value}
		if iam {
			k["iam:resourcetag/"+strings.ToLower(t.Key)] = []string{t.Value}
		}
	}
	return k
}

// boundaryKey is iam:PermissionsBoundary set to arn, nothing when "".
func boundaryKey(arn string) conditionKeys {
	if arn == "" {
		return nil
	}
	return conditionKeys{"iam:permissionsboundary": {arn}}
}

// policyARNKey is iam:PolicyARN.
func policyARNKey(arn string) conditionKeys { return conditionKeys{"iam:policyarn": {arn}} }

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
func entityKeys(action string, tags []keyward.Tag, boundary string) conditionKeys {
	k := resourceTagKeys(tags, true)
	if currentBoundary[action] {
		k = k.with(boundaryKey(boundary))
	}
	return k
}

// authorizeWith is authorize with the condition keys of the request and
// of its resource, which Keyward sets and nothing the caller sent
// overrides.
func (s *Service) authorizeWith(ctx context.Context, action, resource string, keys conditionKeys) error {
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
	return s.decide(ctx, action, resource, rc)
}

// needsKeys reports whether ctx's caller is one whose access is decided:
// the resource is then read for its condition keys (the service itself
// and the root user may do everything).
func needsKeys(ctx context.Context) bool {
	rc, internal, ok := keyward.Caller(ctx)
	return ok && !internal && !rc.Principal.Root
}

// taggedKeys returns the aws:ResourceTag keys of a resource whose tags
// read returns, for a caller whose access is decided. A resource that does
// not exist (read's error is notFound) has none: its absence is reported
// after the decision. Any other error fails the request: deciding without
// the tags could pass a Deny conditioned on them.
func taggedKeys(ctx context.Context, read func() ([]keyward.Tag, error), notFound error) (conditionKeys, error) {
	if !needsKeys(ctx) {
		return nil, nil
	}
	tags, err := read()
	if errors.Is(err, notFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return resourceTagKeys(tags, false), nil
}

// authorizeARN authorises action on a resource named by its ARN, with the
// tags (and, where the action has it, the boundary) of the user, role or
// managed policy it names as condition keys. The ARN is the caller's: the
// entity read must have exactly it, or no keys are set.
func (s *Service) authorizeARN(ctx context.Context, action, arn string) error {
	if !needsKeys(ctx) {
		return s.authorize(ctx, action, arn)
	}
	var keys conditionKeys
	prefix := "arn:aws:iam::" + s.Account.ID + ":"
	rest, ours := strings.CutPrefix(arn, prefix)
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	switch {
	case ours && strings.HasPrefix(rest, "user/"):
		u, err := s.Store.User(ctx, name)
		if err == nil && s.Account.UserARN(u.Path, u.Name) == arn {
			keys = entityKeys(action, u.Tags, u.PermissionsBoundary)
		} else if err != nil && !errors.Is(err, keyward.ErrNoSuchUser) {
			return err
		}
	case ours && strings.HasPrefix(rest, "role/"):
		r, err := s.Store.Role(ctx, name)
		if err == nil && s.Account.RoleARN(r.Path, r.Name) == arn {
			keys = entityKeys(action, r.Tags, r.PermissionsBoundary)
		} else if err != nil && !errors.Is(err, keyward.ErrNoSuchRole) {
			return err
		}
	case ours && strings.HasPrefix(rest, "policy/"):
		var err error
		if keys, err = taggedKeys(ctx, func() ([]keyward.Tag, error) { p, err := s.Store.Policy(ctx, arn); return p.Tags, err }, keyward.ErrNoSuchPolicy); err != nil {
			return err
		}
	}
	return s.authorizeWith(ctx, action, arn, keys)
}
