package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// Users.

type userRow struct {
	keyward.UserSummary
	ARN        string
	LastActive time.Time
	LastKeyUse time.Time
	ActiveKey  time.Time // creation of the oldest active key
}

type usersPage struct {
	layout
	Rows       []userRow
	Total      int
	Filter     string
	Sort       string
	Desc       bool
	Page, Last int
	PageSize   int
}

const pageSize = 50

// sortable are the users table's columns that sort, on the server.
var sortable = map[string]bool{"name": true, "path": true, "created": true, "activity": true, "passwordage": true,
	"signin": true, "keyage": true, "keyused": true, "mfa": true}

func (c *Console) usersPage(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	sort := q.Get("sort")
	if !sortable[sort] {
		sort = "name"
	}
	desc := q.Get("order") == "desc"
	// Package iam sorts only by what the caller may read.
	sort = c.IAM.ConsoleUserSort(r.ctx(), sort)
	users, total, err := c.IAM.ConsoleUsers(r.ctx(), keyward.UserQuery{Filter: q.Get("filter"), Sort: sort, Desc: desc,
		Offset: (page - 1) * pageSize, Limit: pageSize})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := usersPage{layout: c.layoutFor(r, "Users"), Total: total, Filter: q.Get("filter"), Sort: sort, Desc: desc,
		Page: page, Last: max(1, (total+pageSize-1)/pageSize), PageSize: pageSize}
	for _, u := range users {
		row := userRow{UserSummary: u, ARN: c.IAM.Account(r.Context()).UserARN(u.User.Path, u.User.Name)}
		for _, k := range u.Keys {
			if k.LastUsed.Time.After(row.LastKeyUse) {
				row.LastKeyUse = k.LastUsed.Time
			}
			if k.Status == keyward.StatusActive && (row.ActiveKey.IsZero() || k.CreatedAt.Before(row.ActiveKey)) {
				row.ActiveKey = k.CreatedAt
			}
		}
		row.LastActive = row.LastKeyUse
		if u.Login != nil && u.Login.LastUsed.After(row.LastActive) {
			row.LastActive = u.Login.LastUsed
		}
		p.Rows = append(p.Rows, row)
	}
	c.render(w, http.StatusOK, "users", p)
}

type newUserPage struct {
	layout
	Name, Path string
}

func (c *Console) newUserPage(w http.ResponseWriter, r *request) {
	c.render(w, http.StatusOK, "newuser", newUserPage{layout: c.layoutFor(r, "Create user"), Path: "/"})
}

func (c *Console) createUser(w http.ResponseWriter, r *request) {
	name, path := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("path"))
	if path == "" {
		path = "/"
	}
	page := newUserPage{layout: c.layoutFor(r, "Create user"), Name: name, Path: path}
	err := checkForm(r.op, map[string]string{"UserName": name, "Path": path})
	if err == nil {
		_, err = c.IAM.CreateUser(r.ctx(), name, path, nil)
	}
	if err != nil {
		page.Error = keyward.ErrorMessage(err)
		c.render(w, http.StatusBadRequest, "newuser", page)
		return
	}
	redirect(w, r, "/console/users/"+url.PathEscape(name), "user-created")
}

// target loads the user a page is about (iam:GetUser).
func (c *Console) target(r *request) (keyward.User, error) {
	return c.IAM.User(r.ctx(), r.PathValue("name"))
}

// denied reports whether err is AccessDenied: a part of a page the caller
// may not see is left out, as AWS's console does.
func denied(err error) bool { return keyward.ErrorCode(err) == keyward.EAccessDenied }

type userPage struct {
	layout
	User        keyward.User
	ARN         string
	Tab         string
	Keys        []keyRow
	CanCreate   bool
	Login       *keyward.LoginProfile
	Groups      []keyward.Group
	Inline      []string
	Attached    []keyward.ManagedPolicy
	Permissions string // AccessDenied for the Permissions tab, if any
	// What the Permissions and Groups tabs may add.
	Policies []keyward.ManagedPolicy
	Joinable []keyward.Group
	// The Security credentials tab's other credentials.
	MFA                                       []keyward.MFADevice
	SSHKeys, ServiceCredentials, Certificates []keyward.OtherCredential
	// The Events tab: the audit events about the user, or why not.
	Events       []eventRow
	EventsDenied string
}

type keyRow struct {
	keyward.AccessKey
	Description string
}

func (c *Console) userPage(w http.ResponseWriter, r *request) {
	u, err := c.target(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	tab := r.URL.Query().Get("tab")
	switch tab {
	case "permissions", "groups", "tags", "credentials", "events":
	default:
		tab = "permissions"
	}
	p := userPage{layout: c.layoutFor(r, u.Name), User: u, ARN: c.IAM.Account(r.Context()).UserARN(u.Path, u.Name), Tab: tab}
	if tab == "events" {
		events, _, err := c.Reports.LookupEvents(r.ctx(), keyward.EventQuery{UserName: u.Name, Max: 20})
		switch {
		case denied(err):
			p.EventsDenied = keyward.ErrorMessage(err)
		case err != nil:
			c.fail(w, r, err)
			return
		}
		p.Events = eventRows(events)
	}
	keys, _, err := c.IAM.ListAccessKeys(r.ctx(), u.Name, "", keyward.MaxAccessKeysPerUser)
	if err != nil && !denied(err) {
		c.fail(w, r, err)
		return
	}
	if err == nil {
		for _, k := range keys {
			full, err := c.IAM.AccessKeyLastUsed(r.ctx(), k.ID)
			if err == nil {
				k.LastUsed = full.LastUsed
			}
			row := keyRow{AccessKey: k}
			for _, t := range u.Tags {
				if t.Key == k.ID {
					row.Description = t.Value
				}
			}
			p.Keys = append(p.Keys, row)
		}
		p.CanCreate = len(keys) < keyward.MaxAccessKeysPerUser
	}
	if lp, err := c.IAM.LoginProfile(r.ctx(), u.Name); err == nil {
		p.Login = &lp
	}
	// What the caller may not list is left out, as AWS's console does.
	p.MFA, _, _ = c.IAM.ListMFADevices(r.ctx(), u.Name, "", keyward.MaxMFADevicesPerUser)
	p.SSHKeys, _ = c.IAM.Credentials(r.ctx(), u.Name, keyward.CredSSHKey)
	p.ServiceCredentials, _ = c.IAM.Credentials(r.ctx(), u.Name, keyward.CredService)
	p.Certificates, _ = c.IAM.Credentials(r.ctx(), u.Name, keyward.CredSigningCert)
	p.Groups, _, _ = c.IAM.ListGroupsForUser(r.ctx(), u.Name, "", 100)
	e := keyward.Entity{Kind: keyward.EntityUser, Name: u.Name}
	if p.Attached, _, err = c.IAM.ListAttachedPolicies(r.ctx(), e, "/", "", 100); err != nil {
		p.Permissions = keyward.ErrorMessage(err)
	} else if p.Inline, _, err = c.IAM.ListInlinePolicies(r.ctx(), e, "", 100); err != nil {
		p.Permissions = keyward.ErrorMessage(err)
	}
	p.Policies = c.attachable(r, p.Attached)
	all, _, _ := c.IAM.ListGroups(r.ctx(), "/", "", groupsShown)
	joined := map[string]bool{}
	for _, g := range p.Groups {
		joined[g.ID] = true
	}
	for _, g := range all {
		if !joined[g.ID] {
			p.Joinable = append(p.Joinable, g)
		}
	}
	c.render(w, http.StatusOK, "user", p)
}

type deleteUserPage struct {
	layout
	User keyward.User
}

func (c *Console) deleteUserPage(w http.ResponseWriter, r *request) {
	u, err := c.target(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, "deleteuser", deleteUserPage{layout: c.layoutFor(r, "Delete "+u.Name), User: u})
}

func (c *Console) deleteUser(w http.ResponseWriter, r *request) {
	u, err := c.target(r)
	if err == nil && r.PostFormValue("confirm") != u.Name {
		err = keyward.Errorf(keyward.EValidationError, "To confirm, type the user name %s.", u.Name)
	}
	if err == nil {
		err = c.IAM.DeleteUserAndAttachments(r.ctx(), u.Name)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/console/users", "user-deleted")
}

// endSessions signs a user out of every console session, as an
// administrator may after a suspected compromise.
func (c *Console) endSessions(w http.ResponseWriter, r *request) {
	u, err := c.target(r)
	if err == nil {
		err = c.IAM.EndConsoleSessions(r.ctx(), u.Name)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/console/users/"+url.PathEscape(u.Name)+"?tab=credentials", "sessions-ended")
}
