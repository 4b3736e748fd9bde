package keyward

import "context"

// TagKind is a kind of entity that takes tags. Its value is the name AWS
// gives the kind in its tagging operations: Tag<kind>, Untag<kind> and
// List<kind>Tags, and the IAM actions of the same names. Each kind is
// declared beside its entity (TaggedUser in user.go, TaggedRole in
// role.go, …); package iam lists them (iam.TagKinds).
type TagKind string

// TagStore keeps the tags of every taggable kind.
type TagStore interface {
	// UpdateTags replaces the tags of the entity of kind named id with
	// what fn makes of them, atomically, keeping their order; the kind's
	// not-found error (ErrNoSuchUser, ErrNoSuchRole, …), or fn's.
	UpdateTags(ctx context.Context, kind TagKind, id string, fn func([]Tag) ([]Tag, error)) error
}
