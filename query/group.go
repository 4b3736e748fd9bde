package query

import (
	"context"

	"github.com/keyward/keyward"
)

func init() { serveIAM(groupActions) }

// Groups and their members.
var groupActions = map[string]action{
	"CreateGroup": row(func(ctx context.Context, s *Services, in *input) (keyward.Group, error) {
		return s.IAM.CreateGroup(ctx, in.str("GroupName"), in.strOr("Path", "/"))
	},
		func(w *xmlWriter, a keyward.Account, g keyward.Group) {
			w.open("Group")
			w.group(g, a)
			w.close("Group")
		}),
	"GetGroup": row(func(ctx context.Context, s *Services, in *input) (groupPage, error) {
		g, err := s.IAM.Group(ctx, in.str("GroupName"))
		if err != nil {
			return groupPage{}, err
		}
		users, next, err := s.IAM.GroupMembers(ctx, in.str("GroupName"), in.str("Marker"), in.maxItems())
		return groupPage{g, page[keyward.User]{users, next}}, err
	},
		func(w *xmlWriter, a keyward.Account, p groupPage) {
			w.open("Group")
			w.group(p.group, a)
			w.close("Group")
			w.users(p.members, a)
		}),
	"ListGroups": row(func(ctx context.Context, s *Services, in *input) (page[keyward.Group], error) {
		gs, next, err := s.IAM.ListGroups(ctx, in.str("PathPrefix"), in.str("Marker"), in.maxItems())
		return page[keyward.Group]{gs, next}, err
	}, (*xmlWriter).groups),
	"UpdateGroup": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UpdateGroup(ctx, in.str("GroupName"), in.optStr("NewGroupName"), in.optStr("NewPath"))
	}),
	"DeleteGroup": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteGroup(ctx, in.str("GroupName"))
	}),
	"AddUserToGroup": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.AddUserToGroup(ctx, in.str("GroupName"), in.str("UserName"))
	}),
	"RemoveUserFromGroup": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.RemoveUserFromGroup(ctx, in.str("GroupName"), in.str("UserName"))
	}),
	"ListGroupsForUser": row(func(ctx context.Context, s *Services, in *input) (page[keyward.Group], error) {
		gs, next, err := s.IAM.ListGroupsForUser(ctx, in.str("UserName"), in.str("Marker"), in.maxItems())
		return page[keyward.Group]{gs, next}, err
	}, (*xmlWriter).groups),
}

type groupPage struct {
	group   keyward.Group
	members page[keyward.User]
}

func (w *xmlWriter) group(g keyward.Group, a keyward.Account) {
	w.entity("Group", g.Path, g.Name, g.ID, a.GroupARN(g.Path, g.Name), g.CreatedAt)
}

func (w *xmlWriter) groups(a keyward.Account, p page[keyward.Group]) {
	list(w, "Groups", p.items, p.next, func(g keyward.Group) { w.group(g, a) })
}
