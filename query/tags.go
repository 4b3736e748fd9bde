package query

import (
	"context"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
)

func init() { serveIAM(tagActions) }

// tagActions are Tag<kind>, Untag<kind> and List<kind>Tags of every
// taggable kind, each calling the one tagging implementation with its
// kind and the entity its parameter names.
var tagActions = func() map[string]action {
	out := map[string]action{}
	for _, kind := range iam.TagKinds() {
		by := iam.TaggedBy(kind)
		out["Tag"+string(kind)] = do(func(ctx context.Context, s *Services, in *input) error {
			return s.IAM.TagResource(ctx, kind, in.str(by), in.tags)
		})
		out["Untag"+string(kind)] = do(func(ctx context.Context, s *Services, in *input) error {
			return s.IAM.UntagResource(ctx, kind, in.str(by), in.list("TagKeys"))
		})
		out["List"+string(kind)+"Tags"] = row(
			func(ctx context.Context, s *Services, in *input) ([]keyward.Tag, error) {
				return s.IAM.ResourceTags(ctx, kind, in.str(by))
			},
			func(w *xmlWriter, _ keyward.Account, tags []keyward.Tag) {
				w.tags(tags)
				w.bool("IsTruncated", false)
			})
	}
	return out
}()
