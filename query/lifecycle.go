package query

import (
	"context"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/lifecycle"
)

func init() { serveIAM(lifecycleActions) }

// The key lifecycle policy: Keyward's own actions on the IAM endpoint
// (keyward:PutAccessKeyPolicy, …), answered in IAM's XML.
var lifecycleActions = map[string]action{
	"PutAccessKeyPolicy": row(func(ctx context.Context, s *Services, in *input) (keyward.AccessKeyPolicy, error) {
		return s.Lifecycle.PutAccessKeyPolicy(ctx, lifecycle.PolicyInput{
			MaxAge: in.str("MaxAge"), Warn: in.str("Warn"), Unused: in.str("Unused"), DeleteInactive: in.str("DeleteInactive"),
			ReportOnly: in.bool("ReportOnly"), ReportOnlyRules: in.list("ReportOnlyRules"),
			PathPrefix: in.str("PathPrefix"), TagKey: in.str("TagKey"), TagValue: in.str("TagValue"), ScopedRules: in.list("ScopedRules"),
		})
	}, writeKeyPolicy),
	"GetAccessKeyPolicy": row(func(ctx context.Context, s *Services, in *input) (keyward.AccessKeyPolicy, error) {
		return s.Lifecycle.AccessKeyPolicy(ctx)
	}, writeKeyPolicy),
	"DeleteAccessKeyPolicy": do(func(ctx context.Context, s *Services, in *input) error {
		return s.Lifecycle.DeleteAccessKeyPolicy(ctx)
	}),
}

// writeKeyPolicy writes <AccessKeyPolicy>: the warning window and each
// rule that is on, with its duration, whether it is only reported and its
// scope.
func writeKeyPolicy(w *xmlWriter, _ keyward.Account, p keyward.AccessKeyPolicy) {
	w.open("AccessKeyPolicy")
	if p.Warn > 0 {
		w.elem("Warn", lifecycle.FormatKeyDuration(p.Warn))
	}
	w.open("Rules")
	for _, reason := range []string{keyward.RuleMaxAge, keyward.RuleUnused, keyward.RuleDeleteInactive} {
		r := p.Rule(reason)
		if !r.On() {
			continue
		}
		w.open("member")
		w.elem("Name", lifecycle.NameOfRule[reason])
		w.elem("After", lifecycle.FormatKeyDuration(r.After))
		w.bool("ReportOnly", r.ReportOnly)
		if r.PathPrefix != "" {
			w.elem("PathPrefix", r.PathPrefix)
		}
		if r.TagKey != "" {
			w.elem("TagKey", r.TagKey)
			w.elem("TagValue", r.TagValue)
		}
		w.close("member")
	}
	w.close("Rules")
	w.time("UpdatedAt", p.UpdatedAt)
	w.close("AccessKeyPolicy")
}
