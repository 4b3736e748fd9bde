package query

import (
	"context"

	"github.com/keyward/keyward"
)

var profileName = req("InstanceProfileName", keyward.InstanceProfileNameShape)

// Instance profiles (API only).
var instanceProfileActions = map[string]action{
	"CreateInstanceProfile": row([]param{profileName, str("Path", keyward.PathShape), tags(false)},
		func(ctx context.Context, s *Services, in *input) (keyward.InstanceProfile, error) {
			return s.IAM.CreateInstanceProfile(ctx, in.str("InstanceProfileName"), in.str("Path"), in.tags)
		}, profileElement),
	"GetInstanceProfile": row([]param{profileName},
		func(ctx context.Context, s *Services, in *input) (keyward.InstanceProfile, error) {
			return s.IAM.InstanceProfile(ctx, in.str("InstanceProfileName"))
		}, profileElement),
	"ListInstanceProfiles": row([]param{str("PathPrefix", keyward.PathPrefixShape), marker, maxItems},
		func(ctx context.Context, s *Services, in *input) (page[keyward.InstanceProfile], error) {
			ps, next, err := s.IAM.ListInstanceProfiles(ctx, in.str("PathPrefix"), "", in.str("Marker"), in.maxItems())
			return page[keyward.InstanceProfile]{ps, next}, err
		}, profileList),
	"ListInstanceProfilesForRole": row([]param{roleName, marker, maxItems},
		func(ctx context.Context, s *Services, in *input) (page[keyward.InstanceProfile], error) {
			ps, next, err := s.IAM.ListInstanceProfiles(ctx, "/", in.str("RoleName"), in.str("Marker"), in.maxItems())
			return page[keyward.InstanceProfile]{ps, next}, err
		}, profileList),
	"AddRoleToInstanceProfile": do([]param{profileName, roleName}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.SetInstanceProfileRole(ctx, in.str("InstanceProfileName"), in.str("RoleName"), false)
	}),
	"RemoveRoleFromInstanceProfile": do([]param{profileName, roleName}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.SetInstanceProfileRole(ctx, in.str("InstanceProfileName"), in.str("RoleName"), true)
	}),
	"TagInstanceProfile": do([]param{profileName, tags(true)}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.TagInstanceProfile(ctx, in.str("InstanceProfileName"), in.tags)
	}),
	"UntagInstanceProfile": do([]param{profileName, tagKeys}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UntagInstanceProfile(ctx, in.str("InstanceProfileName"), in.list("TagKeys"))
	}),
	"ListInstanceProfileTags": row([]param{profileName, marker, maxItems},
		func(ctx context.Context, s *Services, in *input) ([]keyward.Tag, error) {
			return s.IAM.InstanceProfileTags(ctx, in.str("InstanceProfileName"))
		},
		func(w *xmlWriter, _ keyward.Account, tags []keyward.Tag) {
			w.tags(tags)
			w.bool("IsTruncated", false)
		}),
	"DeleteInstanceProfile": do([]param{profileName}, func(ctx context.Context, s *Services, in *input) error {
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
	w.elem("Path", p.Path)
	w.elem("InstanceProfileName", p.Name)
	w.elem("InstanceProfileId", p.ID)
	w.elem("Arn", a.InstanceProfileARN(p.Path, p.Name))
	w.time("CreateDate", p.CreatedAt)
	members(w, "Roles", p.Roles, func(r keyward.Role) { w.role(a, r, false) })
	if len(p.Tags) > 0 {
		w.tags(p.Tags)
	}
}
