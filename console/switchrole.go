package console

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keyward/keyward"
)

// Switch role, as AWS's console has it: an IAM user (or a role's
// federated console session) takes a role's session in place of its own,
// naming the account by ID or alias, the role by name (with its path), a
// display name and a colour; every page then shows a banner of the role
// and acts as the role, until Switch back returns to the identity signed
// in, without its credentials again.
//
// The session cookie keeps the identity signed in as it was (its
// expiry too) and adds the role's session credentials (switchedRole),
// which STS issued through the same rules as AssumeRole: the cookie is
// signed, so neither part can be changed, and each request checks both
// (the identity's with SessionPrincipal, the role's with
// SwitchedPrincipal). As on AWS, a switch from a switched session switches
// from the identity signed in, not from the role: roles are not chained.

// switchedRole is the role a console session switched to.
type switchedRole struct {
	// KeyID and Token are the role session's credentials, from STS.
	KeyID string `json:"f"`
	Token string `json:"x"`
	// Account and Role are as the form named them, for the history.
	Account string `json:"a"`
	Role    string `json:"r"`
	Display string `json:"d"`
	Color   string `json:"o,omitempty"`
	// Expires is when the switch ends (Unix seconds): the role session's
	// expiration, never past the console session's own.
	Expires int64 `json:"e"`
}

// switchColors are AWS's five colours of a switched role's banner.
var switchColors = []string{"red", "orange", "yellow", "green", "blue"}

// maxDisplayName is the longest display name AWS's form takes.
const maxDisplayName = 64

// maxRoleHistory is how many roles the menu remembers, as AWS's.
const maxRoleHistory = 5

// invalidSwitch is AWS's console's answer to a switch that fails, whatever
// the reason; the console adds STS's reason beneath it.
const invalidSwitch = "Invalid information in one or more fields. Check your information or contact your administrator."

// accountID is an account's ID as a form may type it: twelve digits.
var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// switchRoleForm is the form's fields.
type switchRoleForm struct {
	Account, Role, Display, Color string
}

type switchRolePage struct {
	layout
	Form   switchRoleForm
	Detail string
	Colors []string
}

// switchBanner is what every page shows of a switched session.
type switchBanner struct {
	Display, Color, ARN, From string
}

// roleHistory is one remembered role of the menu.
type roleHistory struct {
	Account string `json:"a"`
	Role    string `json:"r"`
	Display string `json:"d"`
	Color   string `json:"o,omitempty"`
}

const roleHistoryCookie = "keyward_roles"

func (c *Console) switchRolePage(w http.ResponseWriter, r *request) {
	if r.from.Root {
		c.fail(w, r, errRootSwitch)
		return
	}
	form := switchRoleForm{Account: r.URL.Query().Get("account"), Role: r.URL.Query().Get("roleName"),
		Display: r.URL.Query().Get("displayName"), Color: r.URL.Query().Get("color")}
	c.renderSwitchRole(w, r, http.StatusOK, form, "", "")
}

// errRootSwitch refuses the root user, which AWS does not let switch roles
// (AssumeRole refuses it too).
var errRootSwitch = keyward.Errorf(keyward.EAccessDenied, "The root user cannot switch roles. Sign in as an IAM user to switch roles.")

func (c *Console) renderSwitchRole(w http.ResponseWriter, r *request, status int, form switchRoleForm, problem, detail string) {
	page := switchRolePage{layout: c.layoutFor(r, "Switch role"), Form: form, Detail: detail, Colors: switchColors}
	page.Error = problem
	c.render(w, status, "switchrole", page)
}

// switchRole performs the form: sts:AssumeRole as the identity signed in.
func (c *Console) switchRole(w http.ResponseWriter, r *request) {
	if pe, ok := keyward.EventFrom(r.ctx()); ok {
		// The switch is the identity's, not a role's it switched to: so is
		// its event's trail, not that of the role's account the console
		// acts in while switched (which gets the AssumeRole's copy, with
		// the caller as AWSAccount, once across accounts).
		rc, _, _ := keyward.Caller(r.ctx())
		as := *rc
		as.Principal = r.from
		pe.Event.UserIdentity = keyward.IdentityOf(r.from, "")
		pe.Event.RecipientAccountID = c.IAM.Account(keyward.WithCaller(r.ctx(), &as)).ID
	}
	if r.from.Root {
		c.fail(w, r, errRootSwitch)
		return
	}
	form := switchRoleForm{Account: strings.TrimSpace(r.PostFormValue("account")), Role: strings.Trim(strings.TrimSpace(r.PostFormValue("role")), "/"),
		Display: strings.TrimSpace(r.PostFormValue("display")), Color: r.PostFormValue("color")}
	refuse := func(err error, problem, detail string) {
		r.failed = err
		c.auditSwitch(r, "SwitchRole", nil, err)
		status := http.StatusBadRequest
		if keyward.ErrorCode(err) == keyward.EAccessDenied {
			status = http.StatusForbidden
		}
		c.renderSwitchRole(w, r, status, form, problem, detail)
	}
	id, ok := c.IAM.SignInAccount(r.ctx(), form.Account)
	if !ok && accountID.MatchString(form.Account) {
		// Another account's ID: STS decides whether it has the role.
		id, ok = form.Account, true
	}
	notValid := keyward.Errorf(keyward.EValidationError, "The account or the role is not valid.")
	if !ok || form.Role == "" {
		refuse(notValid, invalidSwitch, "")
		return
	}
	// An alias is resolved across the installation: a refusal of the
	// role it leads to must not name the account's ID, nor differ from an
	// alias that leads nowhere, or any user could map aliases to accounts.
	byAlias := id != form.Account
	display := form.Display // as typed, for the form shown again if refused
	if display == "" {
		display = form.Role[strings.LastIndexByte(form.Role, '/')+1:] + " @ " + form.Account
	}
	if utf8.RuneCountInString(display) > maxDisplayName {
		refuse(keyward.Errorf(keyward.EValidationError, "The display name must have at most %d characters.", maxDisplayName), "The display name must have at most 64 characters.", "")
		return
	}
	if form.Color != "" && !slices.Contains(switchColors, form.Color) {
		refuse(keyward.Errorf(keyward.EValidationError, "The colour must be one of %s.", strings.Join(switchColors, ", ")), "Choose one of the colours offered.", "")
		return
	}
	from := r.from
	name := from.UserName
	if from.IsRoleSession() {
		name = from.SessionName
	}
	roleARN := "arn:aws:iam::" + id + ":role/" + form.Role
	if err := checkForm(r.op, map[string]string{"RoleArn": roleARN, "RoleSessionName": name}); err != nil {
		if byAlias {
			refuse(notValid, invalidSwitch, "")
			return
		}
		refuse(err, invalidSwitch, keyward.ErrorMessage(err))
		return
	}
	// The trail is read by the user's account: a switch by alias records
	// the ARN as typed (with the alias), so that a refused one names no
	// account's ID there either; the role's session, once issued, names
	// its account in the response.
	recorded := roleARN
	if byAlias {
		recorded = "arn:aws:iam::" + form.Account + ":role/" + form.Role
	}
	requested(r, map[string]any{"roleArn": keyward.Clip(recorded), "roleSessionName": name})
	// The switch is the identity's, whichever role the session has now:
	// the console does not chain roles.
	rc, _, _ := keyward.Caller(r.ctx())
	as := *rc
	as.Principal = from
	until := time.Unix(r.sess.Expires, 0)
	ar, err := c.STS.SwitchRole(keyward.WithCaller(r.ctx(), &as), roleARN, until)
	if err != nil {
		switch keyward.ErrorCode(err) {
		case keyward.EAccessDenied, keyward.EValidationError, keyward.EInvalidParameterValue:
			if byAlias {
				refuse(notValid, invalidSwitch, "")
				return
			}
			refuse(err, invalidSwitch, keyward.ErrorMessage(err))
		default:
			c.auditSwitch(r, "SwitchRole", nil, err)
			c.fail(w, r, err)
		}
		return
	}
	s := r.sess
	s.Switched = &switchedRole{KeyID: ar.AccessKeyID, Token: ar.Token, Account: form.Account, Role: form.Role, Display: display, Color: form.Color,
		Expires: min(ar.Expiration.Unix(), r.sess.Expires)}
	if b, _ := json.Marshal(s); len(b)*4/3+100 > maxCookie {
		refuse(keyward.Errorf(keyward.EValidationError, "The role's session is too large for a console session."), "The role's session is too large for a console session.", "")
		return
	}
	c.setSession(w, r.Request, s)
	c.rememberRole(w, r, roleHistory{Account: form.Account, Role: form.Role, Display: display, Color: form.Color})
	to := keyward.Principal{AccountID: id, RoleName: form.Role, SessionName: name}
	if p, err := c.STS.SwitchedPrincipal(r.ctx(), from, ar.AccessKeyID, ar.Token); err == nil {
		to = p
	}
	if pe, ok := keyward.EventFrom(r.ctx()); ok && c.Audit != nil {
		// AssumeRole changes nothing stored: its event is written here,
		// as the API's recorder writes it once answered.
		pe.Event.ResponseElements = map[string]any{"assumedRoleUser": map[string]any{"arn": ar.ARN, "assumedRoleId": ar.AssumedRoleID}}
		c.Audit.Answered(pe, "", "") // with the role's account's copy, across accounts
	}
	c.auditSwitch(r, "SwitchRole", &to, nil)
	http.Redirect(w, r.Request, "/console/?notice=switched", http.StatusSeeOther)
}

// switchBack returns a switched session to the identity signed in, which
// keeps its own expiry; it changes nothing else of the session.
func (c *Console) switchBack(w http.ResponseWriter, r *request) {
	if r.sess.Switched == nil {
		http.Redirect(w, r.Request, "/console/", http.StatusSeeOther)
		return
	}
	p := r.p
	s := r.sess
	s.Switched = nil
	c.setSession(w, r.Request, s)
	c.auditSwitch(r, "ExitRole", &p, nil)
	http.Redirect(w, r.Request, "/console/?notice=switched-back", http.StatusSeeOther)
}

// auditSwitch records a switch (SwitchRole) or a return (ExitRole) as AWS's
// console sign-in events: by the role's session when it began (or the
// identity's when refused), with the identity switched from.
func (c *Console) auditSwitch(r *request, name string, role *keyward.Principal, failed error) {
	if c.Audit == nil {
		return
	}
	e := c.event(r.Request, keyward.EventSourceSignIn, name)
	e.EventType = keyward.EventTypeConsoleSignIn
	e.UserIdentity = keyward.IdentityOf(r.from, "")
	result := "Success"
	if role != nil {
		e.UserIdentity = keyward.IdentityOf(*role, "")
	}
	if failed != nil {
		result = "Failure"
		e.ErrorCode, e.ErrorMessage = keyward.ErrorCode(failed), keyward.Clip(keyward.ErrorMessage(failed))
	}
	e.ResponseElements = map[string]any{name: result}
	e.AdditionalEventData = map[string]any{"SwitchFrom": r.from.ARN(), "RedirectTo": "/console/"}
	c.Audit.Add(&e)
}

// roleHistoryOf reads the menu's remembered roles from their cookie: the
// browser keeps them, signed so that nothing but this console writes the
// menu's entries, and for the signed-in identity (historyKey), whose roles
// they are: the next user to sign in on the browser sees none of them.
func (c *Console) roleHistoryOf(r *request) []roleHistory {
	var h []roleHistory
	if !openCookie(r.Request, roleHistoryCookie, 0, c.historyKey(r), &h) || len(h) > maxRoleHistory {
		return nil
	}
	return h
}

// historyKey signs the role history of r's signed-in identity, for it
// alone: its account's ID and its own unique ID, which a user deleted and
// made again under its name does not have, are part of what is signed.
func (c *Console) historyKey(r *request) func([]byte) string {
	return c.signAs("roles:" + r.from.AccountID + ":" + r.from.ID())
}

// rememberRole puts a role first in the menu's history, once.
func (c *Console) rememberRole(w http.ResponseWriter, r *request, role roleHistory) {
	h := []roleHistory{role}
	for _, old := range c.roleHistoryOf(r) {
		if len(h) < maxRoleHistory && (old.Account != role.Account || old.Role != role.Role) {
			h = append(h, old)
		}
	}
	// The oldest roles give way to fit what a browser keeps of a cookie
	// (and openCookie reads): a longer one is dropped whole.
	value := sealCookie(h, c.historyKey(r))
	for len(value) > maxCookie && len(h) > 1 {
		h = h[:len(h)-1]
		value = sealCookie(h, c.historyKey(r))
	}
	http.SetCookie(w, &http.Cookie{Name: roleHistoryCookie, Value: value,
		Path: "/console/", HttpOnly: true, Secure: c.Clients.Secure(r.Request), SameSite: http.SameSiteStrictMode, MaxAge: 400 * 24 * 3600})
}

// switchLayout adds to a signed-in page's layout what Switch role shows:
// the menu (never the root user's), the remembered roles and the banner.
func (c *Console) switchLayout(l *layout, r *request) {
	l.CanSwitch = !r.from.Root && r.from.FederatedName == "" && r.from.AccountID != ""
	if !l.CanSwitch {
		return
	}
	l.RoleHistory = c.roleHistoryOf(r)
	if sw := r.sess.Switched; sw != nil {
		l.Switched = &switchBanner{Display: sw.Display, Color: sw.Color, ARN: r.p.ARN(), From: r.from.ARN()}
	}
}
