package organizations

import (
	"context"
	"errors"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// checkTags refuses a set of tags AWS refuses: a key twice, or more than
// maxTags.
func checkTags(tags []keyward.Tag) error {
	// Keys are unique ignoring case: a policy's aws:ResourceTag/<key>
	// names a tag whatever its case, so that two keys of one entity that
	// differ only in case (protected, PROTECTED) would let one stand for
	// the other in a decision.
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if seen[strings.ToLower(t.Key)] {
			return duplicateTagKey()
		}
		seen[strings.ToLower(t.Key)] = true
	}
	if len(tags) > maxTags {
		return tagLimit()
	}
	return nil
}

func duplicateTagKey() error {
	return invalidInput("DUPLICATE_TAG_KEY", "Tag keys must be unique among the tags attached to the same entity.")
}

// maxTags is how many tags an Organizations resource may have.
const maxTags = 50

func tagLimit() error {
	return constraint("MAX_TAG_LIMIT_EXCEEDED", "You have exceeded the number of tags allowed on this resource.")
}

// TagResource adds tags to, or replaces the values of tags of, the root,
// an OU, an account or a policy.
func (s *Service) TagResource(ctx context.Context, id string, tags []keyward.Tag) error {
	o, err := s.organizationWith(ctx, "organizations:TagResource", func(o keyward.Organization) string { return targetARN(o, id) }, authz.RequestTagKeys(tags))
	if err != nil {
		return err
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	err = s.changing(ctx).UpdateOrgResourceTags(ctx, o.ID, id, func(have []keyward.Tag) ([]keyward.Tag, error) {
		out := append([]keyward.Tag(nil), have...)
	next:
		for _, t := range tags {
			for i := range out {
				if out[i].Key == t.Key {
					out[i].Value = t.Value
					continue next
				}
				// Another case of a key the entity has is refused
				// (checkTags), not added beside it.
				if strings.EqualFold(out[i].Key, t.Key) {
					return nil, duplicateTagKey()
				}
			}
			out = append(out, t)
		}
		if len(out) > maxTags {
			return nil, tagLimit()
		}
		return out, nil
	})
	if errors.Is(err, keyward.ErrNoSuchTarget) {
		return targetNotFound()
	}
	return err
}

// UntagResource removes tags by key; keys it does not have are ignored.
func (s *Service) UntagResource(ctx context.Context, id string, keys []string) error {
	o, err := s.organizationWith(ctx, "organizations:UntagResource", func(o keyward.Organization) string { return targetARN(o, id) }, authz.UntagKeys(keys))
	if err != nil {
		return err
	}
	drop := make(map[string]bool, len(keys))
	for _, k := range keys {
		drop[k] = true
	}
	err = s.changing(ctx).UpdateOrgResourceTags(ctx, o.ID, id, func(have []keyward.Tag) ([]keyward.Tag, error) {
		var out []keyward.Tag
		for _, t := range have {
			if !drop[t.Key] {
				out = append(out, t)
			}
		}
		return out, nil
	})
	if errors.Is(err, keyward.ErrNoSuchTarget) {
		return targetNotFound()
	}
	return err
}

// Tag is the model's Tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// ListTagsForResource lists the tags of the root, an OU, an account or a
// policy, all of them on one page.
func (s *Service) ListTagsForResource(ctx context.Context, id string, page Page) ([]Tag, string, error) {
	o, err := s.organization(ctx, "organizations:ListTagsForResource", func(o keyward.Organization) string { return targetARN(o, id) })
	if err != nil {
		return nil, "", err
	}
	if _, err := page.after(); err != nil {
		return nil, "", err
	}
	tags, err := s.Store.OrgResourceTags(ctx, o.ID, id)
	if errors.Is(err, keyward.ErrNoSuchTarget) {
		return nil, "", targetNotFound()
	} else if err != nil {
		return nil, "", err
	}
	out := []Tag{}
	if page.Token == "" {
		for _, t := range tags {
			out = append(out, Tag{Key: t.Key, Value: t.Value})
		}
	}
	return out, "", nil
}
