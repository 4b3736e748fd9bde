package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/lifecycle"
)

// Access keys.

// UseCases are the create-access-key use cases of AWS's console, each with
// the alternative AWS recommends to a long-term key. AWS's "Application
// running on an AWS compute service" is left out: no compute service runs
// beside Keyward to attach a role to.
var UseCases = []struct{ ID, Name, Alternative string }{
	{"cli", "Command Line Interface (CLI)", "Use AWS CloudShell, or the AWS CLI V2 with authentication through IAM Identity Center, instead of a long-term key on your computer."},
	{"local", "Local code", "Use an IDE with a toolkit that authenticates through IAM Identity Center, so that no long-term key is kept with your code."},
	{"third-party", "Third-party service", "Use temporary security credentials from an IAM role the service assumes, if it can, and keep the key's permissions to what the service needs."},
	{"outside", "Application running outside AWS", "Use IAM Roles Anywhere to give workloads outside AWS temporary credentials from X.509 certificates."},
	{"other", "Other", "Prefer temporary credentials wherever the caller can obtain them; rotate this key regularly and keep its permissions least."},
}

// offeredUseCase reports whether id is one of UseCases: a form naming
// another did not come from the page.
func offeredUseCase(id string) bool {
	for _, u := range UseCases {
		if u.ID == id {
			return true
		}
	}
	return false
}

// keyExpiries are the lifetimes the create-access-key page offers (the
// form takes any the API does).
var keyExpiries = []string{"1d", "7d", "30d", "90d", "180d", "365d"}

type newKeyPage struct {
	layout
	User        keyward.User
	Step        int
	UseCase     string
	UseCases    any
	Description string
	// Expires is the chosen lifetime ("" for a key that never expires),
	// Expiries those the page offers.
	Expires  string
	Expiries []string
	// ExpiresAt is the new key's expiry date, zero when it has none.
	ExpiresAt time.Time
	KeyID     string
	Secret    string
	CSVName   string
	// CSVData is a data: URL the page offers to download; the secret never
	// travels again, so the file is made from the page itself.
	CSVData template.URL
	// Account is set when the key is a member account's root key, made on
	// its page of AWS Organizations (createRootKey): the page leads back
	// there. Done is where the page's Done leads.
	Account *orgAccount
	Done    string
}

// retrieved makes p the page that shows the new key k and its secret,
// once, with the .csv file of both to download as csvName.
func (p *newKeyPage) retrieved(k keyward.AccessKey, secret, csvName string) {
	p.Step, p.KeyID, p.Secret, p.ExpiresAt = 3, k.ID, secret, k.ExpiresAt
	p.CSVName = csvName
	p.CSVData = template.URL("data:text/csv;charset=utf-8," + url.PathEscape("Access key ID,Secret access key\n"+k.ID+","+secret+"\n"))
}

func (c *Console) newKeyPage(w http.ResponseWriter, r *request) {
	u, err := c.target(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, "newkey", newKeyPage{layout: c.layoutFor(r, "Create access key"), User: u, Step: 1, UseCases: UseCases, Expiries: keyExpiries})
}

func (c *Console) newKey(w http.ResponseWriter, r *request) {
	u, err := c.target(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := newKeyPage{layout: c.layoutFor(r, "Create access key"), User: u, UseCases: UseCases, Expiries: keyExpiries,
		UseCase: r.PostFormValue("usecase"), Description: strings.TrimSpace(r.PostFormValue("description")), Expires: r.PostFormValue("expires")}
	switch r.PostFormValue("step") {
	case "1":
		if !offeredUseCase(p.UseCase) || r.PostFormValue("understand") != "on" {
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
		err := v.Err()
		var expiresIn time.Duration
		if err == nil && p.Expires != "" {
			// The API's extension of CreateAccessKey, checked as it checks it.
			if err = checkForm(r.op, map[string]string{"ExpiresIn": p.Expires}); err == nil {
				expiresIn, err = lifecycle.ParseKeyDuration("expiresIn", p.Expires)
			}
		}
		if err != nil {
			p.Step, p.Error = 2, keyward.ErrorMessage(err)
			c.render(w, http.StatusBadRequest, "newkey", p)
			return
		}
		// As AWS's console does, the description is a tag of the user named
		// after the key, which takes iam:TagUser besides.
		k, secret, err := c.IAM.CreateExpiringAccessKey(r.ctx(), u.Name, p.Description, expiresIn)
		if err != nil {
			p.Step, p.Error = 2, keyward.ErrorMessage(err)
			c.render(w, http.StatusBadRequest, "newkey", p)
			return
		}
		p.retrieved(k, secret, u.Name+"_accessKeys.csv")
		p.Done = "/console/users/" + url.PathEscape(u.Name) + "?tab=credentials"
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
	// Back is the page that lists the key; Base the path its actions
	// hang under (a user's, or the signed-in principal's own).
	Back, Base string
}

// keyPaths are the page that lists u's keys and the path under which its
// key actions are posted: the caller's own security credentials when u
// is the caller without a name (the root user).
func keyPaths(u keyward.User) (back, base string) {
	if u.Name == "" {
		return "/console/security-credentials", "/console/security-credentials"
	}
	base = "/console/users/" + url.PathEscape(u.Name)
	return base + "?tab=credentials", base
}

// keyActions are the actions on one key, each the package iam call it stands
// for.
var keyActions = map[string]bool{"deactivate": true, "activate": true, "delete": true}

func (c *Console) keyFor(w http.ResponseWriter, r *request) (keyward.User, keyward.AccessKey, string, bool) {
	action := r.PathValue("action")
	if !keyActions[action] {
		http.NotFound(w, r.Request)
		return keyward.User{}, keyward.AccessKey{}, "", false
	}
	var u keyward.User
	if r.PathValue("name") != "" {
		var err error
		if u, err = c.target(r); err != nil {
			c.fail(w, r, err)
			return u, keyward.AccessKey{}, "", false
		}
	}
	keys, _, err := c.IAM.ListAccessKeys(r.ctx(), u.Name, "", keyward.MaxAccessKeysPerUser)
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
	back, base := keyPaths(u)
	c.render(w, http.StatusOK, "keyaction", keyActionPage{layout: c.layoutFor(r, strings.ToUpper(action[:1])+action[1:]+" "+k.ID), User: u, Key: k, Action: action,
		Back: back, Base: base})
}

// keyOperations are the operations of the key actions' forms.
var keyOperations = map[string]string{"deactivate": "UpdateAccessKey", "activate": "UpdateAccessKey", "delete": "DeleteAccessKey"}

func (c *Console) keyAction(w http.ResponseWriter, r *request) {
	u, k, action, ok := c.keyFor(w, r)
	if !ok {
		return
	}
	back, base := keyPaths(u)
	// The event names the key, its owner (none: the caller's own, as the
	// API's) and its new status, as the API's request would.
	params := map[string]any{"accessKeyId": k.ID}
	if u.Name != "" {
		params["userName"] = u.Name
	}
	switch action {
	case "deactivate":
		params["status"] = keyward.StatusInactive
	case "activate":
		params["status"] = keyward.StatusActive
	}
	requested(r, params)
	var err error
	var notice string
	switch action {
	case "deactivate":
		err, notice = c.IAM.UpdateAccessKey(r.ctx(), u.Name, k.ID, keyward.StatusInactive), "key-deactivated"
	case "activate":
		err, notice = c.IAM.UpdateAccessKey(r.ctx(), u.Name, k.ID, keyward.StatusActive), "key-activated"
	case "delete":
		// As AWS's console: only an inactive key, and only once its ID is
		// typed exactly.
		switch {
		case k.Status == keyward.StatusActive:
			err = keyward.Errorf(keyward.EValidationError, "Deactivate the access key %s before you delete it.", k.ID)
		case r.PostFormValue("confirm") != k.ID:
			err = keyward.Errorf(keyward.EValidationError, "To confirm, type the access key ID %s.", k.ID)
		default:
			err = c.IAM.DeleteAccessKey(r.ctx(), u.Name, k.ID)
			if err == nil && k.ID != "" {
				// The key's description goes with it, where the caller
				// may untag; otherwise the tag stays, as the API leaves it.
				if uerr := c.IAM.UntagResource(r.ctx(), keyward.TaggedUser, u.Name, []string{k.ID}); uerr != nil && !denied(uerr) {
					c.Logger.Warn("removing a deleted key's description", "err", uerr)
				}
			}
			notice = "key-deleted"
		}
	}
	if err != nil {
		p := keyActionPage{layout: c.layoutFor(r, action+" "+k.ID), User: u, Key: k, Action: action, Back: back, Base: base}
		p.Error = keyward.ErrorMessage(err)
		c.render(w, http.StatusBadRequest, "keyaction", p)
		return
	}
	sep := "&"
	if !strings.Contains(back, "?") {
		sep = "?"
	}
	http.Redirect(w, r.Request, back+sep+"notice="+notice, http.StatusSeeOther)
}
