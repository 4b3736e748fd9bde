package console

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
)

// layout is what every page's layout needs.
type layout struct {
	Title  string
	CSRF   string
	Signed string // who is signed in
	Notice string
	Error  string
	// Account is the account's alias or, without one, its ID (the sign-in
	// form's account, prefilled); AccountID and AccountAlias are the
	// signed-in account's, shown in the top bar.
	Account      string
	AccountID    string
	AccountAlias string
	Query        string
	// Organizations: the console has AWS Organizations' pages.
	Organizations bool
	// CanSwitch: the menu offers Switch role (never to the root user);
	// RoleHistory are the roles it remembers, and Switched the role the session
	// switched to, shown in a banner on every page.
	CanSwitch   bool
	RoleHistory []roleHistory
	Switched    *switchBanner
}

func (c *Console) layoutFor(r *request, title string) layout {
	l := layout{Title: title, Account: c.IAM.Account(r.Context()).ID, Organizations: c.Organizations != nil}
	if r != nil {
		// The account's alias, when it has one, as AWS's console shows it.
		l.Account = c.IAM.AccountLabel(r.ctx())
		l.AccountID = c.IAM.Account(r.ctx()).ID
		if l.Account != l.AccountID {
			l.AccountAlias = l.Account
		}
		l.CSRF = r.sess.CSRF
		l.Signed = r.p.ARN()
		l.Notice = notices[r.URL.Query().Get("notice")]
		c.switchLayout(&l, r)
	}
	return l
}

// notices are the messages a redirect may ask to show: fixed texts, so
// that a link cannot put words in the console's mouth.
var notices = map[string]string{
	"user-created":       "User created.",
	"user-deleted":       "User deleted.",
	"key-deactivated":    "Access key deactivated. It can no longer sign requests.",
	"key-activated":      "Access key activated.",
	"key-deleted":        "Access key deleted.",
	"report-started":     "Credential report generation started. Reload this page to see when it is ready.",
	"report-ready":       "The credential report is ready to download.",
	"password":           "Password changed.",
	"sessions-ended":     "Every console session of this user has ended.",
	"mfa-assigned":       "MFA device assigned. The user signs in with a code from it from now on.",
	"mfa-removed":        "MFA device removed.",
	"root-mfa-assigned":  "MFA device assigned. The root user signs in with a code from it from now on.",
	"root-mfa-removed":   "MFA device removed.",
	"group-created":      "User group created.",
	"group-deleted":      "User group deleted.",
	"member-added":       "User added to the group.",
	"member-removed":     "User removed from the group.",
	"policy-attached":    "Policy attached.",
	"policy-detached":    "Policy detached.",
	"policy-saved":       "Policy saved.",
	"policy-deleted":     "Policy deleted.",
	"role-created":       "Role created.",
	"role-deleted":       "Role deleted.",
	"switched":           "You switched roles: the console acts as the role until you switch back.",
	"switched-back":      "You switched back to your own identity.",
	"switch-ended":       "The role's session has ended (the role was deleted or replaced): you are back to your own identity.",
	"sessions-revoked":   "Active sessions revoked: sessions issued until now are denied every action.",
	"signin-saved":       "Console sign-in saved: the sign-in page offers it.",
	"signin-deleted":     "Console sign-in removed.",
	"webhook-created":    "Webhook subscription created.",
	"webhook-deleted":    "Webhook subscription deleted.",
	"key-policy-saved":   "Key lifecycle policy saved. The next sweep, within a minute, applies it.",
	"key-policy-deleted": "Key lifecycle policy deleted. Keys' own expiry dates still apply.",
	"org-created":        "Organization created. This account is its management account.",
	"ou-created":         "Organizational unit created.",
	"ou-renamed":         "Organizational unit renamed.",
	"ou-deleted":         "Organizational unit deleted.",
	"account-moved":      "Account moved.",
	"account-removed":    "Account removed from the organization. It stays in the installation, a standalone account.",
	"account-closed":     "Account closed. None of its users, roles or keys can do anything any more, and it cannot be reopened.",
	"scp-enabled":        "Service control policies enabled. FullAWSAccess is attached to the root, every OU and every account.",
	"scp-disabled":       "Service control policies disabled. Every SCP is detached.",
	"scp-saved":          "Service control policy saved.",
	"scp-attached":       "Service control policy attached.",
	"scp-detached":       "Service control policy detached.",
	"scp-deleted":        "Service control policy deleted.",
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
	r.failed = err
	code := keyward.ErrorCode(err)
	status := http.StatusBadRequest
	switch code {
	case keyward.EAccessDenied, organizations.EAccessDenied:
		status = http.StatusForbidden
	case keyward.ENoSuchEntity:
		status = http.StatusNotFound
	case keyward.EServiceFailure:
		status = http.StatusInternalServerError
		c.Logger.Error("console request failed", "path", r.URL.Path, "err", err)
	case keyward.EServiceUnavailable:
		status = http.StatusServiceUnavailable
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
