package iam

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// Tagging is one implementation for every taggable kind: Tag<kind>,
// Untag<kind> and List<kind>Tags differ only in how the kind's entity is
// authorised, read and reported missing, which its taggable says.

// taggable is how the entities of one kind are tagged.
type taggable struct {
	// by is the parameter that names an entity of the kind in its tagging
	// operations.
	by keyward.Param
	// authorize decides action on the entity named id, with the request's
	// keys and, where the kind's decisions have them, the entity's own
	// tags as aws:ResourceTag keys.
	authorize func(s *Service, ctx context.Context, action, id string, keys authz.Keys) error
	// read returns the entity's tags, with the store's errors.
	read func(s *Service, ctx context.Context, id string) ([]keyward.Tag, error)
	// missing is the store's error for an entity that does not exist, and
	// notFound AWS's.
	missing  error
	notFound func(id string) error
	// writable refuses an entity the account may not tag; nil when it may
	// tag every one.
	writable func(id string) error
	// changed: a change to the kind's tags is published (a role's tags are
	// its sessions' aws:PrincipalTag keys).
	changed bool
}

// taggables are the taggable kinds, each added by the file of its entity
// (in its init, beside its descriptors).
var taggables = map[keyward.TagKind]taggable{}

// taggableOf returns the kind's taggable; an unknown kind is a programming
// error.
func taggableOf(kind keyward.TagKind) taggable {
	t, ok := taggables[kind]
	if !ok {
		panic("iam: no taggable kind " + string(kind))
	}
	return t
}

// TagKinds returns the taggable kinds in the order of their names, which
// is the order AWS's reference lists their operations in.
func TagKinds() []keyward.TagKind {
	return slices.Sorted(maps.Keys(taggables))
}

// TaggedBy is the member that names an entity of kind in its tagging
// operations ("RoleName", "PolicyArn", …).
func TaggedBy(kind keyward.TagKind) string { return taggableOf(kind).by.Member }

// TagResource sets tags of the entity of kind named id (iam:Tag<kind>),
// replacing those with the same keys, compared case-insensitively.
func (s *Service) TagResource(ctx context.Context, kind keyward.TagKind, id string, tags []keyward.Tag) error {
	t := taggableOf(kind)
	if err := CheckDuplicateTags(tags); err != nil {
		return err
	}
	if err := t.authorize(s, ctx, "iam:Tag"+string(kind), id, authz.RequestTagKeys(tags)); err != nil {
		return err
	}
	return s.updateTags(ctx, kind, id, func(old []keyward.Tag) ([]keyward.Tag, error) { return mergeTags(old, tags) })
}

// UntagResource removes the tags with these keys from the entity of kind
// named id (iam:Untag<kind>); a key it does not have is no error.
func (s *Service) UntagResource(ctx context.Context, kind keyward.TagKind, id string, keys []string) error {
	if err := taggableOf(kind).authorize(s, ctx, "iam:Untag"+string(kind), id, authz.UntagKeys(keys)); err != nil {
		return err
	}
	return s.updateTags(ctx, kind, id, func(old []keyward.Tag) ([]keyward.Tag, error) { return removeTags(old, keys), nil })
}

// ResourceTags returns the tags of the entity of kind named id
// (iam:List<kind>Tags).
func (s *Service) ResourceTags(ctx context.Context, kind keyward.TagKind, id string) ([]keyward.Tag, error) {
	t := taggableOf(kind)
	if err := t.authorize(s, ctx, "iam:List"+string(kind)+"Tags", id, nil); err != nil {
		return nil, err
	}
	tags, err := t.read(s, ctx, id)
	if errors.Is(err, t.missing) {
		return nil, t.notFound(id)
	}
	return tags, err
}

// updateTags replaces the entity's tags with what fn makes of them, once
// access is decided.
func (s *Service) updateTags(ctx context.Context, kind keyward.TagKind, id string, fn func([]keyward.Tag) ([]keyward.Tag, error)) error {
	t := taggableOf(kind)
	if t.writable != nil {
		if err := t.writable(id); err != nil {
			return err
		}
	}
	err := s.changing(ctx).UpdateTags(ctx, kind, id, fn)
	if errors.Is(err, t.missing) {
		return t.notFound(id)
	}
	if err == nil && t.changed {
		s.policiesChanged()
	}
	return err
}

// authorizeCreateTags decides the tagging a creation with tags does: as
// AWS requires, tags set when an entity is created take its Tag* action
// too (iam:TagPolicy with iam:CreatePolicy, …), with the request's tags as
// its keys; a tag is what aws:ResourceTag conditions grant by, and a
// caller refused the tag must not set it by creating the entity with it.
func authorizeCreateTags(ctx context.Context, a *authz.Authorizer, action, arn string, tags []keyward.Tag) error {
	if len(tags) == 0 {
		return nil
	}
	return a.AuthorizeWith(ctx, action, arn, authz.RequestTagKeys(tags))
}

// mergeTags sets tags over existing ones (keys compared
// case-insensitively), within MaxTagsPerSet.
func mergeTags(existing, tags []keyward.Tag) ([]keyward.Tag, error) {
	out := append([]keyward.Tag(nil), existing...)
	for _, t := range tags {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i], replaced = t, true
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	if len(out) > keyward.MaxTagsPerSet {
		return nil, keyward.Errorf(keyward.ELimitExceeded, "The number of tags has reached the maximum limit.")
	}
	return out, nil
}

// removeTags drops the tags with the given keys.
func removeTags(existing []keyward.Tag, keys []string) []keyward.Tag {
	out := existing[:0:0]
	for _, t := range existing {
		drop := false
		for _, k := range keys {
			drop = drop || strings.EqualFold(t.Key, k)
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// CheckDuplicateTags refuses a tag set with a key twice, compared
// case-insensitively, as AWS does.
func CheckDuplicateTags(tags []keyward.Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return keyward.Errorf(keyward.EInvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}
