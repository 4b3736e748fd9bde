package query

import (
	"context"
	"strconv"

	"github.com/keyward/keyward"
)

func init() { serveIAM(roleActions) }

// Roles; their inline and attached policies are rows of policyActions.
var roleActions = map[string]action{
	"CreateRole": row(func(ctx context.Context, s *Services, in *input) (keyward.Role, error) {
		return s.IAM.CreateRole(ctx, keyward.Role{Name: in.str("RoleName"), Path: in.strOr("Path", "/"), TrustPolicy: in.str("AssumeRolePolicyDocument"),
			Description: in.str("Description"), MaxSessionDuration: in.int("MaxSessionDuration"), PermissionsBoundary: in.str("PermissionsBoundary"), Tags: in.tags})
	}, roleElement),
	"GetRole": row(func(ctx context.Context, s *Services, in *input) (keyward.Role, error) {
		return s.IAM.Role(ctx, in.str("RoleName"))
	}, roleElement),
	"ListRoles": row(func(ctx context.Context, s *Services, in *input) (page[keyward.Role], error) {
		rs, next, err := s.IAM.ListRoles(ctx, in.str("PathPrefix"), in.str("Marker"), in.maxItems())
		return page[keyward.Role]{rs, next}, err
	},
		func(w *xmlWriter, a keyward.Account, p page[keyward.Role]) {
			list(w, "Roles", p.items, p.next, func(r keyward.Role) { w.role(a, r, false) })
		}),
	"UpdateRole": row(func(ctx context.Context, s *Services, in *input) (none, error) {
		var max *int
		if in.has("MaxSessionDuration") {
			v := in.int("MaxSessionDuration")
			max = &v
		}
		_, err := s.IAM.UpdateRole(ctx, "iam:UpdateRole", in.str("RoleName"), in.optStr("Description"), max)
		return none{}, err
	},
		// AWS answers UpdateRole with an empty result element.
		func(*xmlWriter, keyward.Account, none) {}),
	"UpdateRoleDescription": row(func(ctx context.Context, s *Services, in *input) (keyward.Role, error) {
		return s.IAM.UpdateRole(ctx, "iam:UpdateRoleDescription", in.str("RoleName"), in.optStr("Description"), nil)
	}, roleElement),
	"UpdateAssumeRolePolicy": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UpdateAssumeRolePolicy(ctx, in.str("RoleName"), in.str("PolicyDocument"))
	}),
	"DeleteRole": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteRole(ctx, in.str("RoleName"))
	}),
	"PutRolePermissionsBoundary": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.PutRolePermissionsBoundary(ctx, "iam:PutRolePermissionsBoundary", in.str("RoleName"), in.str("PermissionsBoundary"))
	}),
	"DeleteRolePermissionsBoundary": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.PutRolePermissionsBoundary(ctx, "iam:DeleteRolePermissionsBoundary", in.str("RoleName"), "")
	}),
	"CreateServiceLinkedRole": row(func(ctx context.Context, s *Services, in *input) (keyward.Role, error) {
		return s.IAM.CreateServiceLinkedRole(ctx, in.str("AWSServiceName"), in.str("Description"), in.str("CustomSuffix"))
	}, roleElement),
	"DeleteServiceLinkedRole": row(func(ctx context.Context, s *Services, in *input) (string, error) {
		return s.IAM.DeleteServiceLinkedRole(ctx, in.str("RoleName"))
	},
		func(w *xmlWriter, _ keyward.Account, task string) { w.elem("DeletionTaskId", task) }),
	"GetServiceLinkedRoleDeletionStatus": row(func(ctx context.Context, s *Services, in *input) (string, error) {
		return s.IAM.ServiceLinkedRoleDeletionStatus(ctx, in.str("DeletionTaskId"))
	},
		func(w *xmlWriter, _ keyward.Account, status string) { w.elem("Status", status) }),
}

func roleElement(w *xmlWriter, a keyward.Account, r keyward.Role) {
	w.open("Role")
	w.role(a, r, true)
	w.close("Role")
}

// role writes a Role; full adds what GetRole shows beyond ListRoles.
func (w *xmlWriter) role(a keyward.Account, r keyward.Role, full bool) {
	w.entity("Role", r.Path, r.Name, r.ID, a.RoleARN(r.Path, r.Name), r.CreatedAt)
	w.elem("AssumeRolePolicyDocument", encodeDocument(r.TrustPolicy))
	if r.Description != "" {
		w.elem("Description", r.Description)
	}
	w.elem("MaxSessionDuration", strconv.Itoa(r.MaxSessionDuration))
	if full {
		w.boundaryAndTags(r.PermissionsBoundary, r.Tags)
		w.roleLastUsed(r)
	}
}

// roleLastUsed writes a role's RoleLastUsed, empty for a role never used.
func (w *xmlWriter) roleLastUsed(r keyward.Role) {
	w.open("RoleLastUsed")
	if !r.LastUsed.IsZero() {
		w.time("LastUsedDate", r.LastUsed)
		w.elem("Region", r.LastUsedRegion)
	}
	w.close("RoleLastUsed")
}
