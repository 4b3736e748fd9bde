package query

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/keyward/keyward"
)

func init() {
	addIAM(map[string]handler{
		"PutUserPolicy":             {fn: putInlinePolicy(keyward.EntityUser), noResult: true},
		"GetUserPolicy":             {fn: getInlinePolicy(keyward.EntityUser)},
		"ListUserPolicies":          {fn: listInlinePolicies(keyward.EntityUser)},
		"DeleteUserPolicy":          {fn: deleteInlinePolicy(keyward.EntityUser), noResult: true},
		"PutGroupPolicy":            {fn: putInlinePolicy(keyward.EntityGroup), noResult: true},
		"GetGroupPolicy":            {fn: getInlinePolicy(keyward.EntityGroup)},
		"ListGroupPolicies":         {fn: listInlinePolicies(keyward.EntityGroup)},
		"DeleteGroupPolicy":         {fn: deleteInlinePolicy(keyward.EntityGroup), noResult: true},
		"CreatePolicy":              {fn: (*Server).createPolicy},
		"GetPolicy":                 {fn: (*Server).getPolicy},
		"ListPolicies":              {fn: (*Server).listPolicies},
		"DeletePolicy":              {fn: (*Server).deletePolicy, noResult: true},
		"GetPolicyVersion":          {fn: (*Server).getPolicyVersion},
		"ListPolicyVersions":        {fn: (*Server).listPolicyVersions},
		"CreatePolicyVersion":       {fn: (*Server).createPolicyVersion},
		"SetDefaultPolicyVersion":   {fn: (*Server).setDefaultPolicyVersion, noResult: true},
		"DeletePolicyVersion":       {fn: (*Server).deletePolicyVersion, noResult: true},
		"AttachUserPolicy":          {fn: attachPolicy(keyward.EntityUser, true), noResult: true},
		"DetachUserPolicy":          {fn: attachPolicy(keyward.EntityUser, false), noResult: true},
		"ListAttachedUserPolicies":  {fn: listAttachedPolicies(keyward.EntityUser)},
		"AttachGroupPolicy":         {fn: attachPolicy(keyward.EntityGroup, true), noResult: true},
		"DetachGroupPolicy":         {fn: attachPolicy(keyward.EntityGroup, false), noResult: true},
		"ListAttachedGroupPolicies": {fn: listAttachedPolicies(keyward.EntityGroup)},
	})
}

// entityParam reads UserName or GroupName and authorises action on that
// entity.
func (s *Server) entityParam(c *call, p *params, kind string) keyward.Entity {
	if kind == keyward.EntityUser {
		return keyward.Entity{Kind: kind, Name: p.required("UserName", keyward.ExistingUserNameShape)}
	}
	return keyward.Entity{Kind: kind, Name: p.required("GroupName", keyward.GroupNameShape)}
}

func (s *Server) authorizeOnEntity(c *call, action string, e keyward.Entity) error {
	if e.Kind == keyward.EntityUser {
		return s.authorizeOn(c, action, e.Name)
	}
	return s.authorizeOnGroup(c, action, e.Name)
}

// iamAction names the IAM action of an entity-specific operation, such as
// iam:PutUserPolicy or iam:PutGroupPolicy.
func iamAction(verb, kind, noun string) string {
	return "iam:" + verb + strings.ToUpper(kind[:1]) + kind[1:] + noun
}

// encodeDocument is how AWS returns policy documents: URL-encoded.
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

func putInlinePolicy(kind string) func(*Server, *call) error {
	return func(s *Server, c *call) error {
		p := params{values: c.params}
		e := s.entityParam(c, &p, kind)
		name := p.required("PolicyName", keyward.PolicyNameShape)
		doc := p.required("PolicyDocument", keyward.PolicyDocumentShape)
		if err := p.err(); err != nil {
			return err
		}
		if err := s.authorizeOnEntity(c, iamAction("Put", kind, "Policy"), e); err != nil {
			return err
		}
		return s.Service.PutInlinePolicy(c.ctx, e, name, doc)
	}
}

func getInlinePolicy(kind string) func(*Server, *call) error {
	return func(s *Server, c *call) error {
		p := params{values: c.params}
		e := s.entityParam(c, &p, kind)
		name := p.required("PolicyName", keyward.PolicyNameShape)
		if err := p.err(); err != nil {
			return err
		}
		if err := s.authorizeOnEntity(c, iamAction("Get", kind, "Policy"), e); err != nil {
			return err
		}
		doc, err := s.Service.InlinePolicy(c.ctx, e, name)
		if err != nil {
			return err
		}
		if kind == keyward.EntityUser {
			c.w.elem("UserName", e.Name)
		} else {
			c.w.elem("GroupName", e.Name)
		}
		c.w.elem("PolicyName", name)
		c.w.elem("PolicyDocument", encodeDocument(doc))
		return nil
	}
}

func listInlinePolicies(kind string) func(*Server, *call) error {
	return func(s *Server, c *call) error {
		p := params{values: c.params}
		e := s.entityParam(c, &p, kind)
		marker, _ := p.str("Marker", keyward.MarkerShape)
		max := p.maxItems()
		if err := p.err(); err != nil {
			return err
		}
		if err := s.authorizeOnEntity(c, iamAction("List", kind, "Policies"), e); err != nil {
			return err
		}
		names, next, err := s.Service.ListInlinePolicies(c.ctx, e, marker, max)
		if err != nil {
			return err
		}
		c.w.open("PolicyNames")
		for _, n := range names {
			c.w.elem("member", n)
		}
		c.w.close("PolicyNames")
		c.w.marker(next)
		return nil
	}
}

func deleteInlinePolicy(kind string) func(*Server, *call) error {
	return func(s *Server, c *call) error {
		p := params{values: c.params}
		e := s.entityParam(c, &p, kind)
		name := p.required("PolicyName", keyward.PolicyNameShape)
		if err := p.err(); err != nil {
			return err
		}
		if err := s.authorizeOnEntity(c, iamAction("Delete", kind, "Policy"), e); err != nil {
			return err
		}
		return s.Service.DeleteInlinePolicy(c.ctx, e, name)
	}
}

func (w *xmlWriter) policy(p keyward.ManagedPolicy) {
	w.elem("PolicyName", p.Name)
	w.elem("PolicyId", p.ID)
	w.elem("Arn", p.ARN)
	w.elem("Path", p.Path)
	w.elem("DefaultVersionId", p.DefaultVersion)
	w.elem("AttachmentCount", itoa(p.AttachmentCount))
	w.elem("PermissionsBoundaryUsageCount", "0")
	w.bool("IsAttachable", true)
	if p.Description != "" {
		w.elem("Description", p.Description)
	}
	w.time("CreateDate", p.CreatedAt)
	w.time("UpdateDate", p.UpdatedAt)
}

func (s *Server) createPolicy(c *call) error {
	p := params{values: c.params}
	name := p.required("PolicyName", keyward.PolicyNameShape)
	path, _ := p.str("Path", keyward.PolicyPathShape)
	doc := p.required("PolicyDocument", keyward.PolicyDocumentShape)
	desc, _ := p.str("Description", keyward.PolicyDescShape)
	if err := p.err(); err != nil {
		return err
	}
	if err := c.authorize("iam:CreatePolicy", c.account.PolicyARN(orSlash(path), name)); err != nil {
		return err
	}
	pol, err := s.Service.CreatePolicy(c.ctx, name, path, desc, doc)
	if err != nil {
		return err
	}
	c.w.open("Policy")
	c.w.policy(pol)
	c.w.close("Policy")
	return nil
}

// policyARN reads PolicyArn and authorises action on it.
func (s *Server) policyARN(c *call, p *params, action string) (string, error) {
	arn := p.required("PolicyArn", keyward.ARNShape)
	if err := p.err(); err != nil {
		return "", err
	}
	return arn, c.authorize(action, arn)
}

func (s *Server) getPolicy(c *call) error {
	p := params{values: c.params}
	arn, err := s.policyARN(c, &p, "iam:GetPolicy")
	if err != nil {
		return err
	}
	pol, err := s.Service.Policy(c.ctx, arn)
	if err != nil {
		return err
	}
	c.w.open("Policy")
	c.w.policy(pol)
	c.w.close("Policy")
	return nil
}

func (s *Server) listPolicies(c *call) error {
	p := params{values: c.params}
	scope, _ := p.str("Scope", keyward.PolicyScopeShape)
	onlyAttached := p.boolean("OnlyAttached")
	prefix, _ := p.str("PathPrefix", keyward.PolicyPathShape)
	marker, _ := p.str("Marker", keyward.MarkerShape)
	max := p.maxItems()
	if err := p.err(); err != nil {
		return err
	}
	if err := c.authorize("iam:ListPolicies", "*"); err != nil {
		return err
	}
	pols, next, err := s.Service.ListPolicies(c.ctx, scope, onlyAttached, prefix, marker, max)
	if err != nil {
		return err
	}
	list(c.w, "Policies", pols, next, c.w.policy)
	return nil
}

func (s *Server) deletePolicy(c *call) error {
	p := params{values: c.params}
	arn, err := s.policyARN(c, &p, "iam:DeletePolicy")
	if err != nil {
		return err
	}
	return s.Service.DeletePolicy(c.ctx, arn)
}

func (w *xmlWriter) version(v keyward.PolicyVersion, withDocument bool) {
	if withDocument {
		w.elem("Document", encodeDocument(v.Document))
	}
	w.elem("VersionId", v.ID)
	w.bool("IsDefaultVersion", v.Default)
	w.time("CreateDate", v.CreatedAt)
}

func (s *Server) getPolicyVersion(c *call) error {
	p := params{values: c.params}
	version := p.required("VersionId", keyward.PolicyVersionIDShape)
	arn, err := s.policyARN(c, &p, "iam:GetPolicyVersion")
	if err != nil {
		return err
	}
	v, err := s.Service.PolicyVersion(c.ctx, arn, version)
	if err != nil {
		return err
	}
	c.w.open("PolicyVersion")
	c.w.version(v, true)
	c.w.close("PolicyVersion")
	return nil
}

func (s *Server) listPolicyVersions(c *call) error {
	p := params{values: c.params}
	arn, err := s.policyARN(c, &p, "iam:ListPolicyVersions")
	if err != nil {
		return err
	}
	vs, err := s.Service.ListPolicyVersions(c.ctx, arn)
	if err != nil {
		return err
	}
	list(c.w, "Versions", vs, "", func(v keyward.PolicyVersion) { c.w.version(v, false) })
	return nil
}

func (s *Server) createPolicyVersion(c *call) error {
	p := params{values: c.params}
	doc := p.required("PolicyDocument", keyward.PolicyDocumentShape)
	setDefault := p.boolean("SetAsDefault")
	arn, err := s.policyARN(c, &p, "iam:CreatePolicyVersion")
	if err != nil {
		return err
	}
	v, err := s.Service.CreatePolicyVersion(c.ctx, arn, doc, setDefault)
	if err != nil {
		return err
	}
	c.w.open("PolicyVersion")
	c.w.version(v, false)
	c.w.close("PolicyVersion")
	return nil
}

func (s *Server) setDefaultPolicyVersion(c *call) error {
	p := params{values: c.params}
	version := p.required("VersionId", keyward.PolicyVersionIDShape)
	arn, err := s.policyARN(c, &p, "iam:SetDefaultPolicyVersion")
	if err != nil {
		return err
	}
	return s.Service.SetDefaultPolicyVersion(c.ctx, arn, version)
}

func (s *Server) deletePolicyVersion(c *call) error {
	p := params{values: c.params}
	version := p.required("VersionId", keyward.PolicyVersionIDShape)
	arn, err := s.policyARN(c, &p, "iam:DeletePolicyVersion")
	if err != nil {
		return err
	}
	return s.Service.DeletePolicyVersion(c.ctx, arn, version)
}

func attachPolicy(kind string, attach bool) func(*Server, *call) error {
	verb := "Detach"
	if attach {
		verb = "Attach"
	}
	return func(s *Server, c *call) error {
		p := params{values: c.params}
		e := s.entityParam(c, &p, kind)
		arn := p.required("PolicyArn", keyward.ARNShape)
		if err := p.err(); err != nil {
			return err
		}
		if err := s.authorizeOnEntity(c, iamAction(verb, kind, "Policy"), e); err != nil {
			return err
		}
		if attach {
			return s.Service.AttachPolicy(c.ctx, e, arn)
		}
		return s.Service.DetachPolicy(c.ctx, e, arn)
	}
}

func listAttachedPolicies(kind string) func(*Server, *call) error {
	return func(s *Server, c *call) error {
		p := params{values: c.params}
		e := s.entityParam(c, &p, kind)
		prefix, _ := p.str("PathPrefix", keyward.PolicyPathShape)
		marker, _ := p.str("Marker", keyward.MarkerShape)
		max := p.maxItems()
		if err := p.err(); err != nil {
			return err
		}
		if err := s.authorizeOnEntity(c, iamAction("ListAttached", kind, "Policies"), e); err != nil {
			return err
		}
		pols, next, err := s.Service.ListAttachedPolicies(c.ctx, e, prefix, marker, max)
		if err != nil {
			return err
		}
		list(c.w, "AttachedPolicies", pols, next, func(pol keyward.ManagedPolicy) {
			c.w.elem("PolicyName", pol.Name)
			c.w.elem("PolicyArn", pol.ARN)
		})
		return nil
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
