package query

import (
	"strings"

	"github.com/keyward/keyward"
)

// addIAM registers more IAM actions, with their element names; each file
// of actions calls it from init.
func addIAM(actions map[string]handler) {
	for name, h := range actions {
		h.result, h.response = name+"Result", name+"Response"
		iamAPI.actions[name] = h
	}
}

var iamAPI = newAPI("iam", IAMVersion, IAMNamespace, map[string]handler{
	"CreateUser":           {fn: (*Server).createUser},
	"GetUser":              {fn: (*Server).getUser},
	"ListUsers":            {fn: (*Server).listUsers},
	"UpdateUser":           {fn: (*Server).updateUser, noResult: true},
	"DeleteUser":           {fn: (*Server).deleteUser, noResult: true},
	"CreateAccessKey":      {fn: (*Server).createAccessKey},
	"UpdateAccessKey":      {fn: (*Server).updateAccessKey, noResult: true},
	"DeleteAccessKey":      {fn: (*Server).deleteAccessKey, noResult: true},
	"ListAccessKeys":       {fn: (*Server).listAccessKeys},
	"GetAccessKeyLastUsed": {fn: (*Server).getAccessKeyLastUsed},
})

func (c *call) userARN(path, name string) string { return c.account.UserARN(path, name) }

func (c *call) users(users []keyward.User, next string) {
	list(c.w, "Users", users, next, func(u keyward.User) { c.w.user(u, c.userARN(u.Path, u.Name), false) })
}

// authorize asks the one policy decision point whether the caller may
// perform action on resource.
func (c *call) authorize(action, resource string) error {
	return c.authz.Authorize(c.ctx, action, resource, &c.rc)
}

// targetUser returns the user an access-key action applies to: UserName
// when given, otherwise the caller ("" for the root user), as AWS does.
func (c *call) targetUser(p *params) string {
	if name, ok := p.str("UserName", keyward.ExistingUserNameShape); ok {
		return name
	}
	if c.p.Root {
		return ""
	}
	return c.p.UserName
}

// authorizeOn authorises action on the user named userName (root when
// empty). The resource is the user's ARN, which needs its path: for the
// caller itself it is known, for another user it is read. A user that does
// not exist is authorised on the ARN its name would have at the root path,
// so that a caller without rights learns nothing of who exists.
func (s *Server) authorizeOn(c *call, action, userName string) error {
	if userName == "" {
		return c.authorize(action, c.account.RootARN())
	}
	if c.p.Root {
		return nil // the root user may do everything; skip the read
	}
	if keyward.FoldName(userName) == keyward.FoldName(c.p.UserName) {
		return c.authorize(action, c.p.ARN())
	}
	u, err := s.Service.User(c.ctx, userName)
	if err != nil {
		if authErr := c.authorize(action, c.userARN("/", userName)); authErr != nil {
			return authErr
		}
		return err
	}
	return c.authorize(action, c.userARN(u.Path, u.Name))
}

func (w *xmlWriter) user(u keyward.User, arn string, withTags bool) {
	w.elem("Path", u.Path)
	w.elem("UserName", u.Name)
	w.elem("UserId", u.ID)
	w.elem("Arn", arn)
	w.time("CreateDate", u.CreatedAt)
	if withTags && len(u.Tags) > 0 {
		w.tags(u.Tags)
	}
}

func (w *xmlWriter) tags(tags []keyward.Tag) {
	members(w, "Tags", tags, func(t keyward.Tag) {
		w.elem("Key", t.Key)
		w.elem("Value", t.Value)
	})
}

func (s *Server) createUser(c *call) error {
	p := params{values: c.params}
	name := p.required("UserName", keyward.UserNameShape)
	path, ok := p.str("Path", keyward.PathShape)
	if !ok {
		path = "/"
	}
	boundary, hasBoundary := p.str("PermissionsBoundary", keyward.ARNShape)
	tags := p.tags()
	if err := p.err(); err != nil {
		return err
	}
	if hasBoundary {
		return keyward.Errorf(keyward.EInvalidInput, "ARN %s is not valid: permissions boundaries are not supported yet.", keyward.Clip(boundary))
	}
	if err := checkDuplicateTags(tags); err != nil {
		return err
	}
	arn := c.userARN(path, name)
	if err := c.authorize("iam:CreateUser", arn); err != nil {
		return err
	}
	if len(tags) > 0 {
		if err := c.authorize("iam:TagUser", arn); err != nil {
			return err
		}
	}
	u, err := s.Service.CreateUser(c.ctx, name, path, tags)
	if err != nil {
		return err
	}
	c.w.open("User")
	c.w.user(u, arn, true)
	c.w.close("User")
	return nil
}

func checkDuplicateTags(tags []keyward.Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return keyward.Errorf(keyward.EInvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

func (s *Server) getUser(c *call) error {
	p := params{values: c.params}
	name, named := p.str("UserName", keyward.ExistingUserNameShape)
	if err := p.err(); err != nil {
		return err
	}
	if !named && c.p.Root {
		// The root user: AWS answers with the account's ID and ARN.
		if err := c.authorize("iam:GetUser", c.account.RootARN()); err != nil {
			return err
		}
		c.w.open("User")
		c.w.elem("UserId", c.account.ID)
		c.w.elem("Arn", c.account.RootARN())
		c.w.time("CreateDate", c.account.CreatedAt)
		c.w.close("User")
		return nil
	}
	if !named {
		name = c.p.UserName
	}
	if err := s.authorizeOn(c, "iam:GetUser", name); err != nil {
		return err
	}
	u, err := s.Service.User(c.ctx, name)
	if err != nil {
		return err
	}
	c.w.open("User")
	c.w.user(u, c.userARN(u.Path, u.Name), true)
	c.w.close("User")
	return nil
}

func (s *Server) listUsers(c *call) error {
	p := params{values: c.params}
	prefix, ok := p.str("PathPrefix", keyward.PathPrefixShape)
	if !ok {
		prefix = "/"
	}
	marker, _ := p.str("Marker", keyward.MarkerShape)
	max := p.maxItems()
	if err := p.err(); err != nil {
		return err
	}
	if err := c.authorize("iam:ListUsers", c.userARN(prefix, "")); err != nil {
		return err
	}
	users, next, err := s.Service.ListUsers(c.ctx, prefix, marker, max)
	if err != nil {
		return err
	}
	c.users(users, next)
	return nil
}

func (s *Server) updateUser(c *call) error {
	p := params{values: c.params}
	name := p.required("UserName", keyward.ExistingUserNameShape)
	var upd keyward.UserUpdate
	if v, ok := p.str("NewUserName", keyward.UserNameShape); ok {
		upd.NewName = &v
	}
	if v, ok := p.str("NewPath", keyward.PathShape); ok {
		upd.NewPath = &v
	}
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:UpdateUser", name); err != nil {
		return err
	}
	return s.Service.UpdateUser(c.ctx, name, upd)
}

func (s *Server) deleteUser(c *call) error {
	p := params{values: c.params}
	name := p.required("UserName", keyward.ExistingUserNameShape)
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:DeleteUser", name); err != nil {
		return err
	}
	return s.Service.DeleteUser(c.ctx, name)
}

func (s *Server) createAccessKey(c *call) error {
	p := params{values: c.params}
	user := c.targetUser(&p)
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:CreateAccessKey", user); err != nil {
		return err
	}
	k, secret, err := s.Service.CreateAccessKey(c.ctx, user)
	if err != nil {
		return err
	}
	c.w.open("AccessKey")
	if !k.Root() {
		c.w.elem("UserName", k.UserName)
	}
	c.w.elem("AccessKeyId", k.ID)
	c.w.elem("Status", k.Status)
	c.w.elem("SecretAccessKey", secret)
	c.w.time("CreateDate", k.CreatedAt)
	c.w.close("AccessKey")
	return nil
}

func (s *Server) updateAccessKey(c *call) error {
	p := params{values: c.params}
	user := c.targetUser(&p)
	id := p.required("AccessKeyId", keyward.AccessKeyIDShape)
	status := p.required("Status", keyward.StatusShape)
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:UpdateAccessKey", user); err != nil {
		return err
	}
	return s.Service.UpdateAccessKey(c.ctx, user, id, status)
}

func (s *Server) deleteAccessKey(c *call) error {
	p := params{values: c.params}
	user := c.targetUser(&p)
	id := p.required("AccessKeyId", keyward.AccessKeyIDShape)
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:DeleteAccessKey", user); err != nil {
		return err
	}
	return s.Service.DeleteAccessKey(c.ctx, user, id)
}

func (s *Server) listAccessKeys(c *call) error {
	p := params{values: c.params}
	user := c.targetUser(&p)
	marker, _ := p.str("Marker", keyward.MarkerShape)
	max := p.maxItems()
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:ListAccessKeys", user); err != nil {
		return err
	}
	keys, next, err := s.Service.ListAccessKeys(c.ctx, user, marker, max)
	if err != nil {
		return err
	}
	list(c.w, "AccessKeyMetadata", keys, next, func(k keyward.AccessKey) {
		if !k.Root() {
			c.w.elem("UserName", k.UserName)
		}
		c.w.elem("AccessKeyId", k.ID)
		c.w.elem("Status", k.Status)
		c.w.time("CreateDate", k.CreatedAt)
	})
	return nil
}

func (s *Server) getAccessKeyLastUsed(c *call) error {
	p := params{values: c.params}
	id := p.required("AccessKeyId", keyward.AccessKeyIDShape)
	if err := p.err(); err != nil {
		return err
	}
	k, err := s.Service.AccessKeyLastUsed(c.ctx, id)
	if err != nil {
		if authErr := c.authorize("iam:GetAccessKeyLastUsed", c.userARN("/", "*")); authErr != nil {
			return authErr
		}
		return err
	}
	arn := c.account.RootARN()
	if !k.Root() {
		arn = c.userARN(k.UserPath, k.UserName)
	}
	if err := c.authorize("iam:GetAccessKeyLastUsed", arn); err != nil {
		return err
	}
	if !k.Root() {
		c.w.elem("UserName", k.UserName)
	}
	c.w.open("AccessKeyLastUsed")
	if k.LastUsed.IsZero() {
		c.w.elem("ServiceName", "N/A")
		c.w.elem("Region", "N/A")
	} else {
		c.w.time("LastUsedDate", k.LastUsed.Time)
		c.w.elem("ServiceName", k.LastUsed.Service)
		c.w.elem("Region", k.LastUsed.Region)
	}
	c.w.close("AccessKeyLastUsed")
	return nil
}

func init() {
	addIAM(map[string]handler{
		"TagUser":      {fn: (*Server).tagUser, noResult: true},
		"UntagUser":    {fn: (*Server).untagUser, noResult: true},
		"ListUserTags": {fn: (*Server).listUserTags},
	})
}

func (s *Server) tagUser(c *call) error {
	p := params{values: c.params}
	user := p.required("UserName", keyward.ExistingUserNameShape)
	tags := p.tags()
	if len(tags) == 0 {
		p.v.Null("tags")
	}
	if err := p.err(); err != nil {
		return err
	}
	if err := checkDuplicateTags(tags); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:TagUser", user); err != nil {
		return err
	}
	for _, t := range tags {
		if err := s.Service.TagUser(c.ctx, user, t); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) untagUser(c *call) error {
	p := params{values: c.params}
	user := p.required("UserName", keyward.ExistingUserNameShape)
	keys := p.list("TagKeys", keyward.TagKeyShape)
	if len(keys) == 0 {
		p.v.Null("tagKeys")
	}
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:UntagUser", user); err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.Service.UntagUser(c.ctx, user, k); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) listUserTags(c *call) error {
	p := params{values: c.params}
	user := p.required("UserName", keyward.ExistingUserNameShape)
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:ListUserTags", user); err != nil {
		return err
	}
	u, err := s.Service.User(c.ctx, user)
	if err != nil {
		return err
	}
	c.w.tags(u.Tags)
	c.w.marker("")
	return nil
}
