package query

import (
	"context"

	"github.com/keyward/keyward"
)

// taggedBy is the parameter that names the entity of each taggable kind;
// the kind's three tagging actions are made from it.
var taggedBy = map[keyward.TagKind]param{
	keyward.TaggedUser:              userName,
	keyward.TaggedRole:              roleName,
	keyward.TaggedPolicy:            policyARN,
	keyward.TaggedMFADevice:         serialNumber,
	keyward.TaggedOIDCProvider:      oidcARN,
	keyward.TaggedServerCertificate: serverCertName,
	keyward.TaggedInstanceProfile:   profileName,
}

// tagActions are Tag<kind>, Untag<kind> and List<kind>Tags of every
// taggable kind, each calling the one tagging implementation with its
// kind.
var tagActions = func() map[string]action {
	out := map[string]action{}
	for kind, id := range taggedBy {
		out["Tag"+string(kind)] = do([]param{id, tags(true)}, func(ctx context.Context, s *Services, in *input) error {
			return s.IAM.TagResource(ctx, kind, in.str(id.member), in.tags)
		})
		out["Untag"+string(kind)] = do([]param{id, strList("TagKeys", keyward.TagKeyShape, true)}, func(ctx context.Context, s *Services, in *input) error {
			return s.IAM.UntagResource(ctx, kind, in.str(id.member), in.list("TagKeys"))
		})
		out["List"+string(kind)+"Tags"] = row([]param{id, marker, maxItems},
			func(ctx context.Context, s *Services, in *input) ([]keyward.Tag, error) {
				return s.IAM.ResourceTags(ctx, kind, in.str(id.member))
			},
			func(w *xmlWriter, _ keyward.Account, tags []keyward.Tag) {
				w.tags(tags)
				w.bool("IsTruncated", false)
			})
	}
	return out
}()
