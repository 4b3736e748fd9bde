package iam

import (
	"context"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

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
