package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// layout is what every page's layout needs.
type layout struct {
	Title   string
	CSRF    string
	Signed  string // who is signed in
	Notice  string
	Error   string
	Account string
	Query   string
}

func (c *Console) layoutFor(r *request, title string) layout {
	l := layout{Title: title, Account: c.Service.Account.ID}
	if r != nil {
		l.CSRF = r.sess.CSRF
		l.Signed = r.p.ARN()
		l.Notice = notices[r.URL.Query().Get("notice")]
	}
	return l
}

// notices are the messages a redirect may ask to show: fixed texts, so
// that a link cannot put words in the console's mouth.
var notices = map[string]string{
	"user-created":    "User created.",
	"user-deleted":    "User deleted.",
	"key-deactivated": "Access key deactivated. It can no longer sign requests.",
	"key-activated":   "Access key activated.",
	"key-deleted":     "Access key deleted.",
	"report-started":  "Credential report generation started. Reload this page to see when it is ready.",
	"report-ready":    "The credential report is ready to download.",
	"password":        "Password changed.",
	"sessions-ended":  "Every console session of this user has ended.",
}

func (c *Console) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, data); err != nil {
		c.Logger.Error("rendering a console page", "page", name, "err", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage shows an error as AWS words it (AccessDenied and the like), and
// nothing of an internal failure.
type errorPage struct {
	layout
	Code    string
	Message string
}

func (c *Console) fail(w http.ResponseWriter, r *request, err error) {
	code := keyward.ErrorCode(err)
	status := http.StatusBadRequest
	switch code {
	case keyward.EAccessDenied:
		status = http.StatusForbidden
	case keyward.ENoSuchEntity:
		status = http.StatusNotFound
	case keyward.EServiceFailure:
		status = http.StatusInternalServerError
		c.Logger.Error("console request failed", "path", r.URL.Path, "err", err)
	}
	c.render(w, status, "error", errorPage{layout: c.layoutFor(r, code), Code: code, Message: keyward.ErrorMessage(err)})
}

func redirect(w http.ResponseWriter, r *request, path, notice string) {
	if notice != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "notice=" + notice
	}
	http.Redirect(w, r.Request, path, http.StatusSeeOther)
}

// Sign-in.

type signInPage struct {
	layout
	CSRF  string
	Kind  string // "root" or "user"
	Error string
}

const preCSRFCookie = "keyward_signin"

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	// The sign-in form is protected by a double-submit token: there is no
	// session to hold one yet.
	tok := c.token()
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: tok, Path: "/console/signin", HttpOnly: true,
		Secure: c.Clients.Secure(r), SameSite: http.SameSiteStrictMode})
	kind := r.URL.Query().Get("as")
	if kind != "root" {
		kind = "user"
	}
	c.render(w, http.StatusOK, "signin", signInPage{layout: layout{Title: "Sign in", Account: c.Service.Account.ID}, CSRF: tok, Kind: kind})
}

// Longest values a sign-in field can hold when it is right: anything
// longer is refused before any other work.
var signInFields = map[string]int{"kind": 4, "account": 12, "username": 64, "password": 128, "accesskey": 128, "secret": 128, "csrf": 64}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	for name, n := range signInFields {
		if len(r.PostForm[name]) > 1 || len(r.PostFormValue(name)) > n {
			http.Error(w, "The form could not be read.", http.StatusBadRequest)
			return
		}
	}
	ck, err := r.Cookie(preCSRFCookie)
	if err != nil || ck.Value == "" || r.PostFormValue("csrf") != ck.Value {
		http.Error(w, "The form has expired. Go back, reload the page and try again.", http.StatusForbidden)
		return
	}
	kind := r.PostFormValue("kind")
	addr := c.Clients.Addr(r)
	who := "root:" + r.PostFormValue("accesskey")
	if kind != "root" {
		who = "user:" + r.PostFormValue("account") + "/" + strings.ToLower(r.PostFormValue("username"))
	}
	again := func(msg string, status int) {
		tok := c.token()
		http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: tok, Path: "/console/signin", HttpOnly: true,
			Secure: c.Clients.Secure(r), SameSite: http.SameSiteStrictMode})
		c.render(w, status, "signin", signInPage{layout: layout{Title: "Sign in", Account: c.Service.Account.ID}, CSRF: tok, Kind: kind, Error: msg})
	}
	// Counted before the password is hashed: simultaneous attempts cannot
	// all slip under the limit.
	try, ok := c.limiter.begin(who, addr)
	if !ok {
		again("Too many failed sign-in attempts. Wait a few minutes and try again.", http.StatusTooManyRequests)
		return
	}
	s := session{ID: c.token(), Expires: c.Now().Add(SessionLifetime).Unix(), Issued: c.Now().UnixNano(), CSRF: c.token()}
	if kind == "root" {
		_, err = c.Service.SignInRoot(r.Context(), r.PostFormValue("accesskey"), r.PostFormValue("secret"))
		s.Root, s.RootKey = true, r.PostFormValue("accesskey")
	} else {
		var p keyward.Principal
		p, s.Reset, err = c.Service.SignInUser(r.Context(), r.PostFormValue("account"), r.PostFormValue("username"), r.PostFormValue("password"))
		s.UserName, s.UserID = p.UserName, p.UserID
	}
	if keyward.ErrorCode(err) == keyward.EServiceUnavailable {
		c.limiter.succeed(try) // not a guess that failed: the server was busy
		again(keyward.ErrorMessage(err), http.StatusServiceUnavailable)
		return
	}
	if err != nil {
		time.Sleep(c.SignInDelay)
		again(keyward.ErrorMessage(err), http.StatusUnauthorized)
		return
	}
	c.limiter.succeed(try)
	c.setSession(w, r, s)
	http.Redirect(w, r, "/console/users", http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *request) {
	if err := c.Service.RevokeSession(r.ctx(), r.sess.ID, time.Unix(r.sess.Expires, 0)); err != nil {
		c.fail(w, r, err)
		return
	}
	c.clearSession(w, r.Request)
	http.Redirect(w, r.Request, "/console/signin", http.StatusSeeOther)
}

type passwordPage struct {
	layout
	Required bool
}

func (c *Console) passwordPage(w http.ResponseWriter, r *request) {
	c.render(w, http.StatusOK, "password", passwordPage{layout: c.layoutFor(r, "Change password"), Required: r.sess.Reset})
}

func (c *Console) changePassword(w http.ResponseWriter, r *request) {
	if r.p.Root {
		c.fail(w, r, keyward.Errorf(keyward.EInvalidUserType, "The root user cannot change its password here."))
		return
	}
	// A reset the administrator required is the user's own business: AWS
	// lets such a user change the password whatever the policies say.
	if !r.sess.Reset {
		if pp, err := c.Service.PasswordPolicy(r.ctx()); err != nil || !pp.AllowUsersToChangePassword {
			if err := c.authorize(r, "iam:ChangePassword", r.p.ARN()); err != nil {
				c.fail(w, r, err)
				return
			}
		}
	}
	if r.PostFormValue("new") != r.PostFormValue("confirm") {
		page := passwordPage{layout: c.layoutFor(r, "Change password"), Required: r.sess.Reset}
		page.Error = "The new passwords do not match."
		c.render(w, http.StatusBadRequest, "password", page)
		return
	}
	if err := c.Service.ChangePassword(r.ctx(), r.p, r.PostFormValue("old"), r.PostFormValue("new")); err != nil {
		page := passwordPage{layout: c.layoutFor(r, "Change password"), Required: r.sess.Reset}
		page.Error = keyward.ErrorMessage(err)
		c.render(w, http.StatusBadRequest, "password", page)
		return
	}
	// The change ended every session of the user's, this one too: it
	// goes on as a new one.
	s := r.sess
	s.Reset, s.Issued = false, c.Now().UnixNano()
	c.setSession(w, r.Request, s)
	redirect(w, r, "/console/users", "password")
}

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

func (c *Console) usersPage(w http.ResponseWriter, r *request) {
	if err := c.authorize(r, "iam:ListUsers", c.Service.Account.UserARN("/", "")); err != nil {
		c.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	sort := q.Get("sort")
	if sort != "created" {
		sort = "name"
	}
	desc := q.Get("order") == "desc"
	users, total, err := c.Service.ConsoleUsers(r.ctx(), keyward.UserQuery{Filter: q.Get("filter"), Sort: sort, Desc: desc,
		Offset: (page - 1) * pageSize, Limit: pageSize})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := usersPage{layout: c.layoutFor(r, "Users"), Total: total, Filter: q.Get("filter"), Sort: sort, Desc: desc,
		Page: page, Last: max(1, (total+pageSize-1)/pageSize), PageSize: pageSize}
	for _, u := range users {
		row := userRow{UserSummary: u, ARN: c.Service.Account.UserARN(u.User.Path, u.User.Name)}
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
	var v keyward.Validation
	v.String("userName", name, keyward.UserNameShape)
	v.String("path", path, keyward.PathShape)
	err := v.Err()
	if err == nil {
		err = c.authorize(r, "iam:CreateUser", c.Service.Account.UserARN(path, name))
	}
	if err == nil {
		_, err = c.Service.CreateUser(r.ctx(), name, path, nil)
	}
	if err != nil {
		page.Error = keyward.ErrorMessage(err)
		c.render(w, http.StatusBadRequest, "newuser", page)
		return
	}
	redirect(w, r, "/console/users/"+url.PathEscape(name), "user-created")
}

// target loads the user a page is about and authorises action on it.
func (c *Console) target(r *request, action string) (keyward.User, error) {
	name := r.PathValue("name")
	u, err := c.Service.User(r.ctx(), name)
	if err != nil {
		if aerr := c.authorize(r, action, c.Service.Account.UserARN("/", name)); aerr != nil {
			return u, aerr
		}
		return u, err
	}
	return u, c.authorize(r, action, c.Service.Account.UserARN(u.Path, u.Name))
}

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
}

type keyRow struct {
	keyward.AccessKey
	Description string
}

func (c *Console) userPage(w http.ResponseWriter, r *request) {
	u, err := c.target(r, "iam:GetUser")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	tab := r.URL.Query().Get("tab")
	switch tab {
	case "permissions", "groups", "tags", "credentials":
	default:
		tab = "permissions"
	}
	p := userPage{layout: c.layoutFor(r, u.Name), User: u, ARN: c.Service.Account.UserARN(u.Path, u.Name), Tab: tab}
	if err := c.authorize(r, "iam:ListAccessKeys", p.ARN); err == nil {
		keys, _, err := c.Service.ListAccessKeys(r.ctx(), u.Name, "", keyward.MaxAccessKeysPerUser)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		for _, k := range keys {
			full, err := c.Service.AccessKeyLastUsed(r.ctx(), k.ID)
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
	if lp, err := c.Service.LoginProfile(r.ctx(), u.Name); err == nil {
		p.Login = &lp
	}
	if err := c.authorize(r, "iam:ListGroupsForUser", p.ARN); err == nil {
		p.Groups, _, _ = c.Service.ListGroupsForUser(r.ctx(), u.Name, "", 100)
	}
	if err := c.authorize(r, "iam:ListAttachedUserPolicies", p.ARN); err != nil {
		p.Permissions = keyward.ErrorMessage(err)
	} else {
		e := keyward.Entity{Kind: keyward.EntityUser, Name: u.Name}
		p.Attached, _, _ = c.Service.ListAttachedPolicies(r.ctx(), e, "/", "", 100)
		p.Inline, _, _ = c.Service.ListInlinePolicies(r.ctx(), e, "", 100)
	}
	c.render(w, http.StatusOK, "user", p)
}

type deleteUserPage struct {
	layout
	User keyward.User
}

func (c *Console) deleteUserPage(w http.ResponseWriter, r *request) {
	u, err := c.target(r, "iam:DeleteUser")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, "deleteuser", deleteUserPage{layout: c.layoutFor(r, "Delete "+u.Name), User: u})
}

func (c *Console) deleteUser(w http.ResponseWriter, r *request) {
	u, err := c.target(r, "iam:DeleteUser")
	if err == nil && r.PostFormValue("confirm") != u.Name {
		err = keyward.Errorf(keyward.EValidationError, "To confirm, type the user name %s.", u.Name)
	}
	if err == nil {
		err = c.Service.DeleteUserAndAttachments(r.ctx(), u.Name)
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
	u, err := c.target(r, "iam:UpdateLoginProfile")
	if err == nil {
		err = c.Service.EndConsoleSessions(r.ctx(), u.Name)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/console/users/"+url.PathEscape(u.Name)+"?tab=credentials", "sessions-ended")
}

// Access keys.

// UseCases are the create-access-key use cases of AWS's console, each with
// the alternative AWS recommends to a long-term key.
var UseCases = []struct{ ID, Name, Alternative string }{
	{"cli", "Command Line Interface (CLI)", "Use AWS CloudShell, or the AWS CLI V2 with authentication through IAM Identity Center, instead of a long-term key on your computer."},
	{"local", "Local code", "Use an IDE with a toolkit that authenticates through IAM Identity Center, so that no long-term key is kept with your code."},
	{"compute", "Application running on an AWS compute service", "Use an IAM role attached to the compute resource (an instance profile, a task role, a function's execution role): it gets temporary credentials by itself."},
	{"third-party", "Third-party service", "Use temporary security credentials from an IAM role the service assumes, if it can, and keep the key's permissions to what the service needs."},
	{"outside", "Application running outside AWS", "Use IAM Roles Anywhere to give workloads outside AWS temporary credentials from X.509 certificates."},
	{"other", "Other", "Prefer temporary credentials wherever the caller can obtain them; rotate this key regularly and keep its permissions least."},
}

type newKeyPage struct {
	layout
	User        keyward.User
	Step        int
	UseCase     string
	UseCases    any
	Description string
	KeyID       string
	Secret      string
	CSVName     string
	// CSVData is a data: URL the page offers to download; the secret never
	// travels again, so the file is made from the page itself.
	CSVData template.URL
}

func (c *Console) newKeyPage(w http.ResponseWriter, r *request) {
	u, err := c.target(r, "iam:CreateAccessKey")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, "newkey", newKeyPage{layout: c.layoutFor(r, "Create access key"), User: u, Step: 1, UseCases: UseCases})
}

func (c *Console) newKey(w http.ResponseWriter, r *request) {
	u, err := c.target(r, "iam:CreateAccessKey")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := newKeyPage{layout: c.layoutFor(r, "Create access key"), User: u, UseCases: UseCases,
		UseCase: r.PostFormValue("usecase"), Description: strings.TrimSpace(r.PostFormValue("description"))}
	switch r.PostFormValue("step") {
	case "1":
		if p.UseCase == "" || r.PostFormValue("understand") != "on" {
			p.Step, p.Error = 1, "Choose a use case and confirm that you understand the recommendation."
			c.render(w, http.StatusBadRequest, "newkey", p)
			return
		}
		p.Step = 2
		c.render(w, http.StatusOK, "newkey", p)
		return
	case "2":
		var v keyward.Validation
		if p.Description != "" {
			v.String("description", p.Description, keyward.TagValueShape)
		}
		if err := v.Err(); err != nil {
			p.Step, p.Error = 2, keyward.ErrorMessage(err)
			c.render(w, http.StatusBadRequest, "newkey", p)
			return
		}
		k, secret, err := c.Service.CreateAccessKey(r.ctx(), u.Name)
		if err != nil {
			p.Step, p.Error = 2, keyward.ErrorMessage(err)
			c.render(w, http.StatusBadRequest, "newkey", p)
			return
		}
		// As AWS's console does, the description is a tag of the user named
		// after the key.
		if p.Description != "" {
			if err := c.Service.TagUser(r.ctx(), u.Name, keyward.Tag{Key: k.ID, Value: p.Description}); err != nil {
				c.Logger.Warn("tagging an access key's description", "err", err)
			}
		}
		p.Step, p.KeyID, p.Secret = 3, k.ID, secret
		p.CSVName = u.Name + "_accessKeys.csv"
		p.CSVData = template.URL("data:text/csv;charset=utf-8," + url.PathEscape("Access key ID,Secret access key\n"+k.ID+","+secret+"\n"))
		c.render(w, http.StatusOK, "newkey", p)
		return
	}
	http.Redirect(w, r.Request, "/console/users/"+url.PathEscape(u.Name)+"/keys/new", http.StatusSeeOther)
}

type keyActionPage struct {
	layout
	User   keyward.User
	Key    keyward.AccessKey
	Action string
}

var keyActions = map[string]string{"deactivate": "iam:UpdateAccessKey", "activate": "iam:UpdateAccessKey", "delete": "iam:DeleteAccessKey"}

func (c *Console) keyFor(w http.ResponseWriter, r *request) (keyward.User, keyward.AccessKey, string, bool) {
	action := r.PathValue("action")
	iamAction, ok := keyActions[action]
	if !ok {
		http.NotFound(w, r.Request)
		return keyward.User{}, keyward.AccessKey{}, "", false
	}
	u, err := c.target(r, iamAction)
	if err != nil {
		c.fail(w, r, err)
		return u, keyward.AccessKey{}, "", false
	}
	keys, _, err := c.Service.ListAccessKeys(r.ctx(), u.Name, "", keyward.MaxAccessKeysPerUser)
	if err != nil {
		c.fail(w, r, err)
		return u, keyward.AccessKey{}, "", false
	}
	for _, k := range keys {
		if k.ID == r.PathValue("id") {
			return u, k, action, true
		}
	}
	c.fail(w, r, keyward.AccessKeyNotFound(r.PathValue("id")))
	return u, keyward.AccessKey{}, "", false
}

func (c *Console) keyActionPage(w http.ResponseWriter, r *request) {
	u, k, action, ok := c.keyFor(w, r)
	if !ok {
		return
	}
	c.render(w, http.StatusOK, "keyaction", keyActionPage{layout: c.layoutFor(r, strings.ToUpper(action[:1])+action[1:]+" "+k.ID), User: u, Key: k, Action: action})
}

func (c *Console) keyAction(w http.ResponseWriter, r *request) {
	u, k, action, ok := c.keyFor(w, r)
	if !ok {
		return
	}
	back := "/console/users/" + url.PathEscape(u.Name) + "?tab=credentials"
	var err error
	var notice string
	switch action {
	case "deactivate":
		err, notice = c.Service.UpdateAccessKey(r.ctx(), u.Name, k.ID, keyward.StatusInactive), "key-deactivated"
	case "activate":
		err, notice = c.Service.UpdateAccessKey(r.ctx(), u.Name, k.ID, keyward.StatusActive), "key-activated"
	case "delete":
		// As AWS's console: only an inactive key, and only once its ID is
		// typed exactly.
		switch {
		case k.Status == keyward.StatusActive:
			err = keyward.Errorf(keyward.EValidationError, "Deactivate the access key %s before you delete it.", k.ID)
		case r.PostFormValue("confirm") != k.ID:
			err = keyward.Errorf(keyward.EValidationError, "To confirm, type the access key ID %s.", k.ID)
		default:
			err = c.Service.DeleteAccessKey(r.ctx(), u.Name, k.ID)
			if err == nil {
				c.Service.UntagUser(r.ctx(), u.Name, k.ID)
			}
			notice = "key-deleted"
		}
	}
	if err != nil {
		p := keyActionPage{layout: c.layoutFor(r, action+" "+k.ID), User: u, Key: k, Action: action}
		p.Error = keyward.ErrorMessage(err)
		c.render(w, http.StatusBadRequest, "keyaction", p)
		return
	}
	http.Redirect(w, r.Request, back+"&notice="+notice, http.StatusSeeOther)
}

// Search and reports.

type searchPage struct {
	layout
	Results []searchResult
}

type searchResult struct {
	User, Match string
}

func (c *Console) search(w http.ResponseWriter, r *request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := searchPage{layout: c.layoutFor(r, "Search")}
	p.Query = q
	if q != "" {
		// An access key ID: its owner, as GetAccessKeyLastUsed tells.
		if k, err := c.Service.AccessKeyLastUsed(r.ctx(), strings.ToUpper(q)); err == nil {
			owner := k.UserName
			arn := c.Service.Account.RootARN()
			if !k.Root() {
				arn = c.Service.Account.UserARN(k.UserPath, k.UserName)
			}
			if err := c.authorize(r, "iam:GetAccessKeyLastUsed", arn); err != nil {
				c.fail(w, r, err)
				return
			}
			if k.Root() {
				owner = "<root_account>"
			}
			p.Results = append(p.Results, searchResult{User: owner, Match: "Access key " + k.ID})
		} else {
			if err := c.authorize(r, "iam:ListUsers", c.Service.Account.UserARN("/", "")); err != nil {
				c.fail(w, r, err)
				return
			}
			users, _, err := c.Service.ConsoleUsers(r.ctx(), keyward.UserQuery{Filter: q, Sort: "name", Limit: 20})
			if err != nil {
				c.fail(w, r, err)
				return
			}
			for _, u := range users {
				p.Results = append(p.Results, searchResult{User: u.User.Name, Match: "User name"})
			}
		}
	}
	c.render(w, http.StatusOK, "search", p)
}

type reportsPage struct {
	layout
	Ready     bool
	Generated time.Time
	State     string
}

func (c *Console) reportsPage(w http.ResponseWriter, r *request) {
	if err := c.authorize(r, "iam:GetCredentialReport", "*"); err != nil {
		c.fail(w, r, err)
		return
	}
	p := reportsPage{layout: c.layoutFor(r, "Credential report")}
	rep, err := c.Service.CredentialReport(r.ctx(), "console\x00"+r.sess.ID)
	switch {
	case err == nil:
		p.Ready, p.Generated = true, rep.GeneratedAt
		// "Generation started" is stale once a report begun after the
		// request is there.
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		if r.URL.Query().Get("notice") == "report-started" && rep.SnapshotAt.UnixNano() > since {
			p.Notice = notices["report-ready"]
		}
	case keyward.ErrorCode(err) == keyward.EReportInProgress:
		p.State = "A credential report is being generated. Reload this page in a moment to download it."
	case keyward.ErrorCode(err) == keyward.EReportNotPresent:
		p.State = "No credential report has been generated yet."
	default:
		p.State = keyward.ErrorMessage(err)
	}
	c.render(w, http.StatusOK, "reports", p)
}

func (c *Console) generateReport(w http.ResponseWriter, r *request) {
	if err := c.authorize(r, "iam:GenerateCredentialReport", "*"); err != nil {
		c.fail(w, r, err)
		return
	}
	asked := c.Now()
	state, _, err := c.Service.GenerateCredentialReport(r.ctx(), "console\x00"+r.sess.ID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	notice := "report-started"
	if state == keyward.ReportComplete {
		notice = "report-ready"
	}
	redirect(w, r, "/console/reports?since="+strconv.FormatInt(asked.UnixNano(), 10), notice)
}

func (c *Console) downloadReport(w http.ResponseWriter, r *request) {
	if err := c.authorize(r, "iam:GetCredentialReport", "*"); err != nil {
		c.fail(w, r, err)
		return
	}
	rep, err := c.Service.CredentialReport(r.ctx(), "console\x00"+r.sess.ID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="status_reports_`+rep.GeneratedAt.UTC().Format("2006-01-02T15_04_05")+`.csv"`)
	w.Write(rep.Content)
}

// View helpers.

// ago says how long ago t was, as AWS's console does ("3 days ago").
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "Never"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "Now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 365*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return plural(int(d/(365*24*time.Hour)), "year") + " ago"
}

// age is ago without "ago", for key and password ages.
func age(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return strings.TrimSuffix(ago(now, t), " ago")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// keyList is the Access key ID column: "Active - AKIA…" per key, "-" for
// none.
func keyList(keys []keyward.AccessKey) []string {
	if len(keys) == 0 {
		return []string{"-"}
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.Status + " - " + k.ID
	}
	return out
}
