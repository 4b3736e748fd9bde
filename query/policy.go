package query

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
)

func init() { serveIAM(policyActions) }

// policyActions holds inline and managed policies, their versions and
// attachments; the user and group forms of an action are made by one
// function each.
var policyActions = map[string]action{
	"PutUserPolicy":             putInlinePolicy(keyward.EntityUser),
	"GetUserPolicy":             getInlinePolicy(keyward.EntityUser),
	"ListUserPolicies":          listInlinePolicies(keyward.EntityUser),
	"DeleteUserPolicy":          deleteInlinePolicy(keyward.EntityUser),
	"PutGroupPolicy":            putInlinePolicy(keyward.EntityGroup),
	"GetGroupPolicy":            getInlinePolicy(keyward.EntityGroup),
	"ListGroupPolicies":         listInlinePolicies(keyward.EntityGroup),
	"DeleteGroupPolicy":         deleteInlinePolicy(keyward.EntityGroup),
	"AttachUserPolicy":          attachPolicy(keyward.EntityUser, true),
	"DetachUserPolicy":          attachPolicy(keyward.EntityUser, false),
	"ListAttachedUserPolicies":  listAttachedPolicies(keyward.EntityUser),
	"AttachGroupPolicy":         attachPolicy(keyward.EntityGroup, true),
	"DetachGroupPolicy":         attachPolicy(keyward.EntityGroup, false),
	"ListAttachedGroupPolicies": listAttachedPolicies(keyward.EntityGroup),
	"PutRolePolicy":             putInlinePolicy(keyward.EntityRole),
	"GetRolePolicy":             getInlinePolicy(keyward.EntityRole),
	"ListRolePolicies":          listInlinePolicies(keyward.EntityRole),
	"DeleteRolePolicy":          deleteInlinePolicy(keyward.EntityRole),
	"AttachRolePolicy":          attachPolicy(keyward.EntityRole, true),
	"DetachRolePolicy":          attachPolicy(keyward.EntityRole, false),
	"ListAttachedRolePolicies":  listAttachedPolicies(keyward.EntityRole),

	"CreatePolicy": row(func(ctx context.Context, s *Services, in *input) (keyward.ManagedPolicy, error) {
		return s.IAM.CreatePolicy(ctx, in.str("PolicyName"), in.str("Path"), in.str("Description"), in.str("PolicyDocument"), in.tags)
	}, policyElement),
	"GetPolicy": row(func(ctx context.Context, s *Services, in *input) (keyward.ManagedPolicy, error) {
		return s.IAM.Policy(ctx, in.str("PolicyArn"))
	}, policyElement),
	"ListPolicies": row(func(ctx context.Context, s *Services, in *input) (page[keyward.ManagedPolicy], error) {
		pols, next, err := s.IAM.ListPolicies(ctx, in.str("Scope"), in.bool("OnlyAttached"), in.str("PathPrefix"), in.str("Marker"), in.maxItems())
		return page[keyward.ManagedPolicy]{pols, next}, err
	},
		func(w *xmlWriter, _ keyward.Account, p page[keyward.ManagedPolicy]) {
			list(w, "Policies", p.items, p.next, w.policy)
		}),
	"DeletePolicy": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeletePolicy(ctx, in.str("PolicyArn"))
	}),
	"GetPolicyVersion": row(func(ctx context.Context, s *Services, in *input) (keyward.PolicyVersion, error) {
		return s.IAM.PolicyVersion(ctx, in.str("PolicyArn"), in.str("VersionId"))
	},
		func(w *xmlWriter, _ keyward.Account, v keyward.PolicyVersion) {
			w.open("PolicyVersion")
			w.version(v, true)
			w.close("PolicyVersion")
		}),
	"ListPolicyVersions": row(func(ctx context.Context, s *Services, in *input) ([]keyward.PolicyVersion, error) {
		return s.IAM.ListPolicyVersions(ctx, in.str("PolicyArn"))
	},
		func(w *xmlWriter, _ keyward.Account, vs []keyward.PolicyVersion) {
			list(w, "Versions", vs, "", func(v keyward.PolicyVersion) { w.version(v, false) })
		}),
	"CreatePolicyVersion": row(func(ctx context.Context, s *Services, in *input) (keyward.PolicyVersion, error) {
		return s.IAM.CreatePolicyVersion(ctx, in.str("PolicyArn"), in.str("PolicyDocument"), in.bool("SetAsDefault"))
	},
		func(w *xmlWriter, _ keyward.Account, v keyward.PolicyVersion) {
			w.open("PolicyVersion")
			w.version(v, false)
			w.close("PolicyVersion")
		}),
	"SetDefaultPolicyVersion": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.SetDefaultPolicyVersion(ctx, in.str("PolicyArn"), in.str("VersionId"))
	}),
	"DeletePolicyVersion": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeletePolicyVersion(ctx, in.str("PolicyArn"), in.str("VersionId"))
	}),
	"SimulatePrincipalPolicy": row(func(ctx context.Context, s *Services, in *input) ([]iam.SimulationResult, error) {
		return s.IAM.SimulatePrincipalPolicy(ctx, iam.SimulationInput{PolicySourceARN: in.str("PolicySourceArn"), Actions: in.list("ActionNames"),
			Resources: in.list("ResourceArns"), Policies: in.list("PolicyInputList"), Context: in.context})
	}, writeSimulation),
	"SimulateCustomPolicy": row(func(ctx context.Context, s *Services, in *input) ([]iam.SimulationResult, error) {
		if in.has("ResourcePolicy") {
			return nil, keyward.Errorf(keyward.EInvalidInput, "Keyward evaluates identity-based policies only: simulate without ResourcePolicy.")
		}
		return s.IAM.SimulateCustomPolicy(ctx, iam.SimulationInput{Actions: in.list("ActionNames"), Resources: in.list("ResourceArns"),
			Policies: in.list("PolicyInputList"), BoundaryPolicies: in.list("PermissionsBoundaryPolicyInputList"),
			CallerARN: in.str("CallerArn"), Context: in.context})
	}, writeSimulation),
	"GetContextKeysForCustomPolicy": row(func(ctx context.Context, s *Services, in *input) ([]string, error) {
		return s.IAM.ContextKeysForCustomPolicy(ctx, in.list("PolicyInputList"))
	}, writeContextKeys),
	"GetContextKeysForPrincipalPolicy": row(func(ctx context.Context, s *Services, in *input) ([]string, error) {
		return s.IAM.ContextKeysForPrincipalPolicy(ctx, in.str("PolicySourceArn"), in.list("PolicyInputList"))
	}, writeContextKeys),
}

func writeContextKeys(w *xmlWriter, _ keyward.Account, keys []string) {
	members(w, "ContextKeyNames", keys, func(k string) { w.text(k) })
}

func writeSimulation(w *xmlWriter, _ keyward.Account, results []iam.SimulationResult) {
	w.open("EvaluationResults")
	for _, r := range results {
		w.open("member")
		w.elem("EvalActionName", r.Action)
		w.elem("EvalResourceName", r.Resource)
		w.elem("EvalDecision", r.Decision.Effect)
		matched := func() {
			members(w, "MatchedStatements", r.Sources, func(src keyward.PolicySource) {
				w.elem("SourcePolicyId", src.ID)
				w.elem("SourcePolicyType", sourcePolicyType(src))
			})
		}
		matched()
		// The keys missing for a simulation of all resources ("*") are the
		// result's own; for a named resource they belong to its
		// ResourceSpecificResults (the EvaluationResult API reference).
		organizations := func() {
			if r.AllowedByOrganizations != nil {
				w.open("OrganizationsDecisionDetail")
				w.bool("AllowedByOrganizations", *r.AllowedByOrganizations)
				w.close("OrganizationsDecisionDetail")
			}
		}
		if r.Resource == "*" {
			members(w, "MissingContextValues", r.Decision.Missing, func(k string) { w.text(k) })
			organizations()
		} else {
			members(w, "MissingContextValues", nil, func(string) {})
			organizations()
			w.open("ResourceSpecificResults")
			w.open("member")
			w.elem("EvalResourceName", r.Resource)
			w.elem("EvalResourceDecision", r.Decision.Effect)
			matched()
			members(w, "MissingContextValues", r.Decision.Missing, func(k string) { w.text(k) })
			w.close("member")
			w.close("ResourceSpecificResults")
		}
		w.close("member")
	}
	w.close("EvaluationResults")
	w.marker("")
}

func putInlinePolicy(kind string) action {
	return do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.PutInlinePolicy(ctx, in.entity(kind), in.str("PolicyName"), in.str("PolicyDocument"))
	})
}

func getInlinePolicy(kind string) action {
	type result struct{ entity, name, doc string }
	return row(func(ctx context.Context, s *Services, in *input) (result, error) {
		e := in.entity(kind)
		doc, err := s.IAM.InlinePolicy(ctx, e, in.str("PolicyName"))
		return result{e.Name, in.str("PolicyName"), doc}, err
	},
		func(w *xmlWriter, _ keyward.Account, r result) {
			switch kind {
			case keyward.EntityUser:
				w.elem("UserName", r.entity)
			case keyward.EntityGroup:
				w.elem("GroupName", r.entity)
			default:
				w.elem("RoleName", r.entity)
			}
			w.elem("PolicyName", r.name)
			w.elem("PolicyDocument", encodeDocument(r.doc))
		})
}

func listInlinePolicies(kind string) action {
	return row(func(ctx context.Context, s *Services, in *input) (page[string], error) {
		names, next, err := s.IAM.ListInlinePolicies(ctx, in.entity(kind), in.str("Marker"), in.maxItems())
		return page[string]{names, next}, err
	},
		func(w *xmlWriter, _ keyward.Account, p page[string]) {
			w.open("PolicyNames")
			for _, n := range p.items {
				w.elem("member", n)
			}
			w.close("PolicyNames")
			w.marker(p.next)
		})
}

func deleteInlinePolicy(kind string) action {
	return do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteInlinePolicy(ctx, in.entity(kind), in.str("PolicyName"))
	})
}

func attachPolicy(kind string, attach bool) action {
	return do(func(ctx context.Context, s *Services, in *input) error {
		if attach {
			return s.IAM.AttachPolicy(ctx, in.entity(kind), in.str("PolicyArn"))
		}
		return s.IAM.DetachPolicy(ctx, in.entity(kind), in.str("PolicyArn"))
	})
}

func listAttachedPolicies(kind string) action {
	return row(func(ctx context.Context, s *Services, in *input) (page[keyward.ManagedPolicy], error) {
		pols, next, err := s.IAM.ListAttachedPolicies(ctx, in.entity(kind), in.str("PathPrefix"), in.str("Marker"), in.maxItems())
		return page[keyward.ManagedPolicy]{pols, next}, err
	},
		func(w *xmlWriter, _ keyward.Account, p page[keyward.ManagedPolicy]) {
			list(w, "AttachedPolicies", p.items, p.next, func(pol keyward.ManagedPolicy) {
				w.elem("PolicyName", pol.Name)
				w.elem("PolicyArn", pol.ARN)
			})
		})
}

// encodeDocument is how AWS returns policy documents: URL-encoded.
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

func policyElement(w *xmlWriter, _ keyward.Account, p keyward.ManagedPolicy) {
	w.open("Policy")
	w.policy(p)
	if len(p.Tags) > 0 {
		w.tags(p.Tags)
	}
	w.close("Policy")
}

func (w *xmlWriter) policy(p keyward.ManagedPolicy) {
	w.elem("PolicyName", p.Name)
	w.elem("PolicyId", p.ID)
	w.elem("Arn", p.ARN)
	w.elem("Path", p.Path)
	w.elem("DefaultVersionId", p.DefaultVersion)
	w.elem("AttachmentCount", strconv.Itoa(p.AttachmentCount))
	w.elem("PermissionsBoundaryUsageCount", strconv.Itoa(p.BoundaryCount))
	w.bool("IsAttachable", true)
	if p.Description != "" {
		w.elem("Description", p.Description)
	}
	w.time("CreateDate", p.CreatedAt)
	w.time("UpdateDate", p.UpdatedAt)
}

func (w *xmlWriter) version(v keyward.PolicyVersion, withDocument bool) {
	if withDocument {
		w.elem("Document", encodeDocument(v.Document))
	}
	w.elem("VersionId", v.ID)
	w.bool("IsDefaultVersion", v.Default)
	w.time("CreateDate", v.CreatedAt)
}

// sourcePolicyType is AWS's SourcePolicyType of a source: a permissions
// boundary is reported as the managed policy it is.
func sourcePolicyType(src keyward.PolicySource) string {
	if src.Type != keyward.PolicySourceBoundary {
		return src.Type
	}
	if strings.HasPrefix(src.ID, keyward.AWSManagedPolicyARNPrefix) {
		return "aws-managed"
	}
	return "user-managed"
}
