package console

import (
	"net/http"
	"net/url"

	"github.com/keyward/keyward"
)

// User groups: the list, creating and deleting a group, and a group's
// members and permissions; the user page's Groups and Permissions tabs add
// and remove through the same package iam methods.

type groupsPage struct {
	layout
	Groups []groupRow
}

type groupRow struct {
	keyward.Group
	Members, Policies int
}

// groupsShown bounds the list: a page of groups, as AWS's console shows.
const groupsShown = 1000

func (c *Console) groupsPage(w http.ResponseWriter, r *request) {
	groups, _, err := c.IAM.ListGroups(r.ctx(), "/", "", groupsShown)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := groupsPage{layout: c.layoutFor(r, "User groups")}
	for _, g := range groups {
		row := groupRow{Group: g}
		if members, _, err := c.IAM.GroupMembers(r.ctx(), g.Name, "", 1000); err == nil {
			row.Members = len(members)
		}
		if pols, _, err := c.IAM.ListAttachedPolicies(r.ctx(), keyward.Entity{Kind: keyward.EntityGroup, Name: g.Name}, "/", "", 100); err == nil {
			row.Policies = len(pols)
		}
		p.Groups = append(p.Groups, row)
	}
	c.render(w, http.StatusOK, "groups", p)
}

func (c *Console) createGroup(w http.ResponseWriter, r *request) {
	name := r.PostFormValue("name")
	err := checkForm(r.op, map[string]string{"GroupName": name})
	if err == nil {
		_, err = c.IAM.CreateGroup(r.ctx(), name, "/")
	}
	if err != nil {
		if denied(err) {
			c.fail(w, r, err)
			return
		}
		groups, _, _ := c.IAM.ListGroups(r.ctx(), "/", "", groupsShown)
		p := groupsPage{layout: c.layoutFor(r, "User groups")}
		for _, g := range groups {
			p.Groups = append(p.Groups, groupRow{Group: g})
		}
		p.Error = keyward.ErrorMessage(err)
		c.render(w, http.StatusBadRequest, "groups", p)
		return
	}
	redirect(w, r, "/console/groups/"+url.PathEscape(name), "group-created")
}

type groupPage struct {
	layout
	Group    keyward.Group
	ARN      string
	Tab      string
	Members  []keyward.User
	Users    []keyward.User // who may be added
	Attached []keyward.ManagedPolicy
	Inline   []string
	Policies []keyward.ManagedPolicy // what may be attached
}

func (c *Console) groupPage(w http.ResponseWriter, r *request) {
	g, err := c.IAM.Group(r.ctx(), r.PathValue("name"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	tab := r.URL.Query().Get("tab")
	if tab != "permissions" {
		tab = "users"
	}
	p := groupPage{layout: c.layoutFor(r, g.Name), Group: g, ARN: c.IAM.Account(r.Context()).GroupARN(g.Path, g.Name), Tab: tab}
	p.Members, _, _ = c.IAM.GroupMembers(r.ctx(), g.Name, "", 1000)
	e := keyward.Entity{Kind: keyward.EntityGroup, Name: g.Name}
	p.Attached, _, _ = c.IAM.ListAttachedPolicies(r.ctx(), e, "/", "", 100)
	p.Inline, _, _ = c.IAM.ListInlinePolicies(r.ctx(), e, "", 100)
	users, _, _ := c.IAM.ListUsers(r.ctx(), "/", "", 1000)
	p.Users = except(users, p.Members, func(u keyward.User) string { return u.ID })
	p.Policies = c.attachable(r, p.Attached)
	c.render(w, http.StatusOK, "group", p)
}

// attachable lists the managed policies not yet attached, for a select.
func (c *Console) attachable(r *request, attached []keyward.ManagedPolicy) []keyward.ManagedPolicy {
	all, _, _ := c.IAM.ListPolicies(r.ctx(), "All", false, "/", "", 1000)
	return except(all, attached, func(p keyward.ManagedPolicy) string { return p.ARN })
}

// except is all but those of some, in all's order, by key: what a select
// offers to add, less what is there already.
func except[T any](all, some []T, key func(T) string) []T {
	have := map[string]bool{}
	for _, v := range some {
		have[key(v)] = true
	}
	var out []T
	for _, v := range all {
		if !have[key(v)] {
			out = append(out, v)
		}
	}
	return out
}
