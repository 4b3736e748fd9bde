package query

import (
	"github.com/keyward/keyward"
)

func init() {
	addIAM(map[string]handler{
		"CreateGroup":         {fn: (*Server).createGroup},
		"GetGroup":            {fn: (*Server).getGroup},
		"ListGroups":          {fn: (*Server).listGroups},
		"DeleteGroup":         {fn: (*Server).deleteGroup, noResult: true},
		"AddUserToGroup":      {fn: (*Server).addUserToGroup, noResult: true},
		"RemoveUserFromGroup": {fn: (*Server).removeUserFromGroup, noResult: true},
		"ListGroupsForUser":   {fn: (*Server).listGroupsForUser},
	})
}

func (w *xmlWriter) group(g keyward.Group, arn string) {
	w.elem("Path", g.Path)
	w.elem("GroupName", g.Name)
	w.elem("GroupId", g.ID)
	w.elem("Arn", arn)
	w.time("CreateDate", g.CreatedAt)
}

func (c *call) groups(gs []keyward.Group, next string) {
	list(c.w, "Groups", gs, next, func(g keyward.Group) { c.w.group(g, c.account.GroupARN(g.Path, g.Name)) })
}

// authorizeOnGroup authorises action on a group's ARN, read for its path;
// as for users, a missing group is authorised on the root path first.
func (s *Server) authorizeOnGroup(c *call, action, name string) error {
	if c.p.Root {
		return nil
	}
	g, err := s.Service.Group(c.ctx, name)
	if err != nil {
		if authErr := c.authorize(action, c.account.GroupARN("/", name)); authErr != nil {
			return authErr
		}
		return err
	}
	return c.authorize(action, c.account.GroupARN(g.Path, g.Name))
}

func (s *Server) createGroup(c *call) error {
	p := params{values: c.params}
	name := p.required("GroupName", keyward.GroupNameShape)
	path, ok := p.str("Path", keyward.PathShape)
	if !ok {
		path = "/"
	}
	if err := p.err(); err != nil {
		return err
	}
	arn := c.account.GroupARN(path, name)
	if err := c.authorize("iam:CreateGroup", arn); err != nil {
		return err
	}
	g, err := s.Service.CreateGroup(c.ctx, name, path)
	if err != nil {
		return err
	}
	c.w.open("Group")
	c.w.group(g, arn)
	c.w.close("Group")
	return nil
}

func (s *Server) getGroup(c *call) error {
	p := params{values: c.params}
	name := p.required("GroupName", keyward.GroupNameShape)
	marker, _ := p.str("Marker", keyward.MarkerShape)
	max := p.maxItems()
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOnGroup(c, "iam:GetGroup", name); err != nil {
		return err
	}
	g, err := s.Service.Group(c.ctx, name)
	if err != nil {
		return err
	}
	users, next, err := s.Service.GroupMembers(c.ctx, name, marker, max)
	if err != nil {
		return err
	}
	c.w.open("Group")
	c.w.group(g, c.account.GroupARN(g.Path, g.Name))
	c.w.close("Group")
	c.users(users, next)
	return nil
}

func (s *Server) listGroups(c *call) error {
	p := params{values: c.params}
	prefix, _ := p.str("PathPrefix", keyward.PathPrefixShape)
	marker, _ := p.str("Marker", keyward.MarkerShape)
	max := p.maxItems()
	if err := p.err(); err != nil {
		return err
	}
	if err := c.authorize("iam:ListGroups", c.account.GroupARN(orSlash(prefix), "")); err != nil {
		return err
	}
	gs, next, err := s.Service.ListGroups(c.ctx, prefix, marker, max)
	if err != nil {
		return err
	}
	c.groups(gs, next)
	return nil
}

func orSlash(s string) string {
	if s == "" {
		return "/"
	}
	return s
}

func (s *Server) deleteGroup(c *call) error {
	p := params{values: c.params}
	name := p.required("GroupName", keyward.GroupNameShape)
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOnGroup(c, "iam:DeleteGroup", name); err != nil {
		return err
	}
	return s.Service.DeleteGroup(c.ctx, name)
}

func (s *Server) membership(c *call, action string, fn func(group, user string) error) error {
	p := params{values: c.params}
	group := p.required("GroupName", keyward.GroupNameShape)
	user := p.required("UserName", keyward.ExistingUserNameShape)
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOnGroup(c, action, group); err != nil {
		return err
	}
	return fn(group, user)
}

func (s *Server) addUserToGroup(c *call) error {
	return s.membership(c, "iam:AddUserToGroup", func(g, u string) error { return s.Service.AddUserToGroup(c.ctx, g, u) })
}

func (s *Server) removeUserFromGroup(c *call) error {
	return s.membership(c, "iam:RemoveUserFromGroup", func(g, u string) error { return s.Service.RemoveUserFromGroup(c.ctx, g, u) })
}

func (s *Server) listGroupsForUser(c *call) error {
	p := params{values: c.params}
	user := p.required("UserName", keyward.ExistingUserNameShape)
	marker, _ := p.str("Marker", keyward.MarkerShape)
	max := p.maxItems()
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:ListGroupsForUser", user); err != nil {
		return err
	}
	gs, next, err := s.Service.ListGroupsForUser(c.ctx, user, marker, max)
	if err != nil {
		return err
	}
	c.groups(gs, next)
	return nil
}
