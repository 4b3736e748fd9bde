package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
)

// The forms that change a user's, a group's or a role's memberships and
// policies, as one table per page: each action names the operation it
// performs and its package iam call, which authorises it, and the page and
// notice it returns to.

// formAction is one form's action: the operation it performs, and do,
// which performs it on the entity the path names and returns where to go
// next and the notice to show there.
type formAction struct {
	op string
	do func(c *Console, r *request, name string) (path, notice string, err error)
}

// act serves the POST of a table of actions.
func (c *Console) act(actions map[string]formAction) func(http.ResponseWriter, *request) {
	ops := make(map[string]string, len(actions))
	for name, a := range actions {
		ops[name] = a.op
	}
	return c.forms(ops, func(w http.ResponseWriter, r *request) {
		a, ok := actions[r.PathValue("action")]
		if !ok {
			http.NotFound(w, r.Request)
			return
		}
		path, notice, err := a.do(c, r, r.PathValue("name"))
		if err != nil {
			c.fail(w, r, err)
			return
		}
		redirect(w, r, path, notice)
	})
}

// attach attaches (or detaches) the form's policy to an entity of kind and
// returns to page, where %s stands for the entity's name.
func attach(kind string, attach bool, page string) formAction {
	op := "Detach" + iam.EntityName(kind) + "Policy"
	if attach {
		op = "Attach" + iam.EntityName(kind) + "Policy"
	}
	return formAction{op, func(c *Console, r *request, name string) (string, string, error) {
		e := keyward.Entity{Kind: kind, Name: name}
		if attach {
			return pageOf(page, name), "policy-attached", c.IAM.AttachPolicy(r.ctx(), e, r.PostFormValue("policy"))
		}
		return pageOf(page, name), "policy-detached", c.IAM.DetachPolicy(r.ctx(), e, r.PostFormValue("policy"))
	}}
}

// member adds (or removes) a user to a group: from the group's page the
// form names the user, from the user's page the group.
func member(add, fromGroup bool, page string) formAction {
	op := "RemoveUserFromGroup"
	if add {
		op = "AddUserToGroup"
	}
	return formAction{op, func(c *Console, r *request, name string) (string, string, error) {
		group, user := name, r.PostFormValue("user")
		if !fromGroup {
			group, user = r.PostFormValue("group"), name
		}
		if add {
			return pageOf(page, name), "member-added", c.IAM.AddUserToGroup(r.ctx(), group, user)
		}
		return pageOf(page, name), "member-removed", c.IAM.RemoveUserFromGroup(r.ctx(), group, user)
	}}
}

// confirmedDelete deletes what the form confirms by its typed name, with
// everything attached to it, and returns to list.
func confirmedDelete(op, what, list, notice string, del func(c *Console, r *request, name string) error) formAction {
	return formAction{op, func(c *Console, r *request, name string) (string, string, error) {
		if r.PostFormValue("confirm") != name {
			return "", "", keyward.Errorf(keyward.EValidationError, "To confirm, type the %s name %s.", what, name)
		}
		return list, notice, del(c, r, name)
	}}
}

// pageOf puts the entity's name, escaped, where page says %s.
func pageOf(page, name string) string {
	return strings.Replace(page, "%s", url.PathEscape(name), 1)
}

// The tables of the user, group and role pages.
var (
	userActions = map[string]formAction{
		"join":   member(true, false, "/console/users/%s?tab=groups"),
		"leave":  member(false, false, "/console/users/%s?tab=groups"),
		"attach": attach(keyward.EntityUser, true, "/console/users/%s?tab=permissions"),
		"detach": attach(keyward.EntityUser, false, "/console/users/%s?tab=permissions"),
	}
	groupActions = map[string]formAction{
		"add-user":    member(true, true, "/console/groups/%s?tab=users"),
		"remove-user": member(false, true, "/console/groups/%s?tab=users"),
		"attach":      attach(keyward.EntityGroup, true, "/console/groups/%s?tab=permissions"),
		"detach":      attach(keyward.EntityGroup, false, "/console/groups/%s?tab=permissions"),
		"delete": confirmedDelete("DeleteGroup", "group", "/console/groups", "group-deleted", func(c *Console, r *request, name string) error {
			return c.IAM.DeleteGroupAndAttachments(r.ctx(), name)
		}),
	}
	roleActions = map[string]formAction{
		"attach": attach(keyward.EntityRole, true, "/console/roles/%s"),
		"detach": attach(keyward.EntityRole, false, "/console/roles/%s"),
		// AWS's console revokes a role's sessions with an inline policy.
		"revoke-sessions": {"PutRolePolicy", func(c *Console, r *request, name string) (string, string, error) {
			return pageOf("/console/roles/%s", name), "sessions-revoked", c.IAM.RevokeRoleSessions(r.ctx(), name)
		}},
		"delete": confirmedDelete("DeleteRole", "role", "/console/roles", "role-deleted", func(c *Console, r *request, name string) error {
			return c.IAM.DeleteRoleAndPolicies(r.ctx(), name)
		}),
	}
)
