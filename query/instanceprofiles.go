package query

import (
	"context"

	"github.com/keyward/keyward"
)

func init() { serveIAM(instanceProfileActions) }

// Instance profiles (API only).
var instanceProfileActions = map[string]action{
	"CreateInstanceProfile": row(func(ctx context.Context, s *Services, in *input) (keyward.InstanceProfile, error) {
		return s.IAM.CreateInstanceProfile(ctx, in.str("InstanceProfileName"), in.str("Path"), in.tags)
	}, profileElement),
	"GetInstanceProfile": row(func(ctx context.Context, s *Services, in *input) (keyward.InstanceProfile, error) {
		return s.IAM.InstanceProfile(ctx, in.str("InstanceProfileName"))
	}, profileElement),
	"ListInstanceProfiles": row(func(ctx context.Context, s *Services, in *input) (page[keyward.InstanceProfile], error) {
		ps, next, err := s.IAM.ListInstanceProfiles(ctx, in.str("PathPrefix"), "", in.str("Marker"), in.maxItems())
		return page[keyward.InstanceProfile]{ps, next}, err
	}, profileList),
	"ListInstanceProfilesForRole": row(func(ctx context.Context, s *Services, in *input) (page[keyward.InstanceProfile], error) {
		ps, next, err := s.IAM.ListInstanceProfiles(ctx, "/", in.str("RoleName"), in.str("Marker"), in.maxItems())
		return page[keyward.InstanceProfile]{ps, next}, err
	}, profileList),
	"AddRoleToInstanceProfile": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.SetInstanceProfileRole(ctx, in.str("InstanceProfileName"), in.str("RoleName"), false)
	}),
	"RemoveRoleFromInstanceProfile": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.SetInstanceProfileRole(ctx, in.str("InstanceProfileName"), in.str("RoleName"), true)
	}),
	"DeleteInstanceProfile": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteInstanceProfile(ctx, in.str("InstanceProfileName"))
	}),
}

func profileElement(w *xmlWriter, a keyward.Account, p keyward.InstanceProfile) {
	w.open("InstanceProfile")
	w.instanceProfile(a, p)
	w.close("InstanceProfile")
}

func profileList(w *xmlWriter, a keyward.Account, p page[keyward.InstanceProfile]) {
	list(w, "InstanceProfiles", p.items, p.next, func(ip keyward.InstanceProfile) { w.instanceProfile(a, ip) })
}

func (w *xmlWriter) instanceProfile(a keyward.Account, p keyward.InstanceProfile) {
	w.entity("InstanceProfile", p.Path, p.Name, p.ID, a.InstanceProfileARN(p.Path, p.Name), p.CreatedAt)
	members(w, "Roles", p.Roles, func(r keyward.Role) { w.role(a, r, false) })
	if len(p.Tags) > 0 {
		w.tags(p.Tags)
	}
}
