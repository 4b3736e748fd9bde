package console

import (
	"context"
	"net/http"
	"net/url"

	"github.com/keyward/keyward"
)

// Roles: the list, creating a role with its trust policy in the JSON
// editor, a role's trust policy, permissions and last use, and deleting it
// with its policies.

type rolesPage struct {
	layout
	Roles []keyward.Role
}

func (c *Console) rolesPage(w http.ResponseWriter, r *request) {
	roles, _, err := c.IAM.ListRoles(r.ctx(), "/", "", 1000)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, "roles", rolesPage{layout: c.layoutFor(r, "Roles"), Roles: roles})
}

type newRolePage struct {
	layout
	Name, Description, Document string
	Problem, Where              string
}

// starterTrust lets the account's own principals assume the role, as AWS's
// console proposes for "AWS account: this account".
func (c *Console) starterTrust(ctx context.Context) string {
	return `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::` + c.IAM.Account(ctx).ID + `:root"},
      "Action": "sts:AssumeRole"
    }
  ]
}`
}

func (c *Console) newRolePage(w http.ResponseWriter, r *request) {
	c.render(w, http.StatusOK, "newrole", newRolePage{layout: c.layoutFor(r, "Create role"), Document: c.starterTrust(r.Context())})
}

func (c *Console) createRole(w http.ResponseWriter, r *request) {
	p := newRolePage{layout: c.layoutFor(r, "Create role"), Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Document: r.PostFormValue("document")}
	err := checkForm(r.op, map[string]string{"RoleName": p.Name, "Description": p.Description, "AssumeRolePolicyDocument": p.Document})
	if err == nil {
		p.Where = syntaxPosition(p.Document)
		_, err = c.IAM.CreateRole(r.ctx(), keyward.Role{Name: p.Name, Path: "/", Description: p.Description, TrustPolicy: p.Document})
	}
	if err != nil {
		if denied(err) {
			c.fail(w, r, err)
			return
		}
		p.Problem = keyward.ErrorMessage(err)
		c.render(w, http.StatusBadRequest, "newrole", p)
		return
	}
	redirect(w, r, "/console/roles/"+url.PathEscape(p.Name), "role-created")
}

type rolePage struct {
	layout
	Role     keyward.Role
	ARN      string
	Trust    string
	Attached []keyward.ManagedPolicy
	Inline   []string
	Policies []keyward.ManagedPolicy
}

func (c *Console) rolePage(w http.ResponseWriter, r *request) {
	role, err := c.IAM.Role(r.ctx(), r.PathValue("name"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := rolePage{layout: c.layoutFor(r, role.Name), Role: role, ARN: c.IAM.Account(r.Context()).RoleARN(role.Path, role.Name), Trust: indentJSON(role.TrustPolicy)}
	e := keyward.Entity{Kind: keyward.EntityRole, Name: role.Name}
	p.Attached, _, _ = c.IAM.ListAttachedPolicies(r.ctx(), e, "/", "", 100)
	p.Inline, _, _ = c.IAM.ListInlinePolicies(r.ctx(), e, "", 100)
	p.Policies = c.attachable(r, p.Attached)
	c.render(w, http.StatusOK, "role", p)
}
