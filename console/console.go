// Package console serves Keyward's web console at /console/: the AWS IAM
// console's procedures for users and their access keys, rendered on the
// server with html/template, with small scripts only where the browser
// must act (show a secret, remember column choices, confirm).
//
// Every action is a call of the same feature-package methods the API
// calls (packages iam, sts, report, organizations), as the signed-in principal, which
// they authorise: the console decides nothing about access itself. Sessions live in a signed cookie; every form
// carries a CSRF token; failed sign-ins are slowed and limited.
package console

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/clientip"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/oidc"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/report"
	"github.com/keyward/keyward/sts"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// maxForm bounds a console request's body.
const maxForm = 64 << 10

// SessionLifetime is how long a console session lasts, as AWS's does.
const SessionLifetime = 12 * time.Hour

// Config is what the console is built from.
type Config struct {
	// IAM, STS and Reports are the feature packages every page and form
	// calls.
	IAM     *iam.Service
	STS     *sts.Service
	Reports *report.Service
	// Lifecycle is the key lifecycle policy's page; nil: no such page.
	Lifecycle *lifecycle.Service
	// Organizations is AWS Organizations' pages; nil: no such pages.
	Organizations *organizations.Service
	Logger        *slog.Logger
	// Now and Rand are the clock and the randomness (CSRF tokens).
	Now  func() time.Time
	Rand io.Reader
	// SessionKey signs session cookies; every replica needs the same.
	SessionKey []byte
	// SignInDelay slows every failed sign-in.
	SignInDelay time.Duration
	// Clients tells a request's client address and whether it came over
	// TLS, believing forwarding headers only from trusted proxies.
	Clients *clientip.Resolver
	// SignedIn, when set, is told of each sign-in attempt's outcome
	// ("ok", "failed", "throttled", "mfa-required"), for the metrics.
	SignedIn func(outcome string)
	// Audit, when set, records the console's events.
	Audit *audit.Recorder
	// Version is the running build's, shown in the footer of signed-in
	// pages (never to a visitor who has not signed in).
	Version string
	// OIDCSignIn are the console's clients at the account's OpenID Connect
	// providers, offered on the sign-in page (a Keyward extension); OIDC
	// finds their endpoints and redeems codes, and is the verifier STS
	// checks their ID tokens with.
	OIDCSignIn []OIDCClient
	OIDC       *oidc.Verifier
}

// signedIn reports a sign-in attempt's outcome to the metrics and the
// audit trail; mfa says that a session begun was begun with an MFA code.
func (c *Console) signedIn(r *http.Request, root bool, userName, outcome string, mfa bool) {
	if c.SignedIn != nil {
		c.SignedIn(outcome)
	}
	c.auditSignIn(r, root, userName, outcome, mfa)
}

// Console is the web console's http.Handler.
type Console struct {
	Config

	pages   map[string]*template.Template
	mux     *http.ServeMux
	limiter *limiter
}

// New parses the templates, failing if any is missing or broken, and
// returns the console.
func New(cfg Config) (*Console, error) {
	if len(cfg.SessionKey) < 32 {
		return nil, errors.New("console: the session key must have at least 32 bytes")
	}
	cc := &Console{Config: cfg}
	cc.limiter = newLimiter(cfg.Now)
	if err := cc.parseTemplates(); err != nil {
		return nil, err
	}
	cc.routes()
	return cc, nil
}

// column is one optional column of the users table; the browser remembers
// which are shown.
type column struct {
	ID, Name string
	Default  bool
}

var columns = []column{
	{"name", "User name", true}, {"path", "Path", false}, {"groups", "Groups", true}, {"activity", "Last activity", true},
	{"passwordage", "Password age", true}, {"signin", "Console last sign-in", true}, {"keyid", "Access key ID", false},
	{"keyage", "Active key age", true}, {"keyused", "Access key last used", false}, {"mfa", "MFA", true}, {"arn", "ARN", false},
	{"created", "Creation time", true},
}

// pageNames are the templates that must exist; New fails without them.
var pageNames = []string{"dashboard", "credentials", "signin", "signinmfa", "password", "users", "user", "newuser", "deleteuser", "newkey", "keyaction", "mfa", "groups", "group", "policies", "policy", "policyeditor", "roles", "newrole", "role", "search", "reports", "events", "keypolicy", "error", "rolechooser", "samlcontinue", "samlresume", "webhooks", "switchrole", "oidcprovider", "providers",
	"organizations", "orgtarget", "orgpolicies", "orgpolicy", "orgpolicyeditor", "orgrequest"}

// partials are the templates every page may use besides the layout: the
// JSON editor of IAM's policies and of service control policies.
var partials = []string{"templates/layout.html", "templates/jsoneditor.html"}

func (c *Console) parseTemplates() error {
	funcs := template.FuncMap{
		"ago":     func(t time.Time) string { return ago(c.Now(), t) },
		"iso":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"keyList": keyList,
		"age":     func(t time.Time) string { return age(c.Now(), t) },
		"join":    strings.Join,
		"prev":    func(n int) int { return n - 1 },
		"next":    func(n int) int { return n + 1 },
		"inc":     func(n int) int { return n + 1 },
		"columns": func() []column { return columns },
		"version": func() string { return c.Version },
		// sortHref is a users table header's link: by this column, or by it
		// reversed when the table is sorted by it already.
		"sortHref": func(filter, current string, desc bool, col string) template.URL {
			v := url.Values{"filter": {filter}, "sort": {col}}
			if current == col && !desc {
				v.Set("order", "desc")
			}
			return template.URL("?" + v.Encode())
		},
	}
	c.pages = map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, append(partials, "templates/"+name+".html")...)
		if err != nil {
			return err
		}
		// html/template escapes a page on its first execution: do it now, so
		// that a broken page fails at start-up, not when first shown. Errors
		// of executing without data are expected and ignored.
		var escapeErr *template.Error
		if err := t.Execute(io.Discard, nil); errors.As(err, &escapeErr) {
			return fmt.Errorf("console: template %s: %w", name, err)
		}
		c.pages[name] = t
	}
	return nil
}

// sessionRoutes are the console's pages and forms that answer a signed-in
// session, by their pattern: routes registers each behind c.session, so
// that none can be reached without one.
type sessionRoutes map[string]func(http.ResponseWriter, *request)

func (c *Console) routes() {
	static, _ := fs.Sub(staticFS, "static")
	m := http.NewServeMux()
	m.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		// Browsers ask every site for it; the pages name the SVG too.
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		http.ServeFileFS(w, r, staticFS, "static/favicon.svg")
	})
	m.HandleFunc("GET /console", c.accountSignIn)
	m.HandleFunc("GET /console/signin", c.signInPage)
	m.HandleFunc("POST /console/signin", c.signIn)
	m.HandleFunc("POST /console/signin/mfa", c.signInMFA)
	m.HandleFunc("GET /console/signin/saml", c.samlStart)
	m.HandleFunc("GET /console/signin/oidc", c.oidcStart)
	m.HandleFunc("GET "+OIDCCallbackPath, c.oidcCallback)
	m.HandleFunc("POST "+oidcChoicePath, c.oidcChoose)
	m.HandleFunc("GET /console/federation", c.federation)
	m.HandleFunc("GET /saml/metadata", c.samlMetadata)
	m.HandleFunc("POST /saml", c.samlSignIn)
	pages := sessionRoutes{
		"POST /console/signout":                      c.signOut,
		"GET /console/switchrole":                    c.switchRolePage,
		"POST /console/switchrole":                   c.form("sts:AssumeRole", c.switchRole),
		"POST /console/switchrole/back":              c.switchBack,
		"GET /console/password":                      c.passwordPage,
		"POST /console/password":                     c.form("ChangePassword", c.changePassword),
		"GET /console/{$}":                           c.dashboardPage,
		"GET /console/security-credentials":          c.credentialsPage,
		"GET /console/users":                         c.usersPage,
		"GET /console/users/new":                     c.newUserPage,
		"POST /console/users":                        c.form("CreateUser", c.createUser),
		"GET /console/users/{name}":                  c.userPage,
		"GET /console/users/{name}/delete":           c.deleteUserPage,
		"POST /console/users/{name}/delete":          c.form("DeleteUser", c.deleteUser),
		"GET /console/users/{name}/keys/new":         c.newKeyPage,
		"POST /console/users/{name}/keys/new":        c.form("CreateAccessKey", c.newKey),
		"POST /console/users/{name}/sessions/end":    c.form("UpdateLoginProfile", c.endSessions),
		"POST /console/users/{name}/do/{action}":     c.act(userActions),
		"GET /console/groups":                        c.groupsPage,
		"POST /console/groups":                       c.form("CreateGroup", c.createGroup),
		"GET /console/groups/{name}":                 c.groupPage,
		"POST /console/groups/{name}/{action}":       c.act(groupActions),
		"GET /console/events":                        c.eventsPage,
		"GET /console/keys/policy":                   c.keyPolicyPage,
		"POST /console/keys/policy/{action}":         c.forms(keyPolicyOperations, c.keyPolicyAction),
		"POST /console/keys/policy/preview":          c.keyPolicyPreview,
		"GET /console/webhooks":                      c.webhooksPage,
		"POST /console/webhooks":                     c.form("CreateWebhookSubscription", c.createWebhook),
		"POST /console/webhooks/{id}/delete":         c.form("DeleteWebhookSubscription", c.deleteWebhook),
		"GET /console/roles":                         c.rolesPage,
		"GET /console/roles/new":                     c.newRolePage,
		"POST /console/roles":                        c.form("CreateRole", c.createRole),
		"GET /console/roles/{name}":                  c.rolePage,
		"POST /console/roles/{name}/{action}":        c.act(roleActions),
		"GET /console/providers":                     c.providersPage,
		"GET /console/provider":                      c.oidcProviderPage,
		"POST /console/provider/{action}":            c.forms(oidcProviderOperations, c.oidcProviderAction),
		"GET /console/policies":                      c.policiesPage,
		"GET /console/policies/new":                  c.newPolicyPage,
		"POST /console/policies":                     c.createPolicy,
		"GET /console/policy":                        c.policyPage,
		"POST /console/policy/{action}":              c.forms(policyOperations, c.policyAction),
		"GET /console/search":                        c.search,
		"GET /console/reports":                       c.reportsPage,
		"POST /console/reports":                      c.generateReport,
		"GET /console/reports/credential-report.csv": c.downloadReport,
	}
	c.credentialRoutes(pages, "/console/security-credentials")
	c.credentialRoutes(pages, "/console/users/{name}")
	if c.Organizations != nil {
		c.organizationRoutes(pages)
	}
	for pattern, h := range pages {
		m.HandleFunc(pattern, c.session(h))
	}
	c.mux = m
}

// credentialRoutes are the pages and forms of access keys and MFA devices
// below at: one's own (security-credentials) or a named user's, the same
// handlers reading {name} where there is one.
func (c *Console) credentialRoutes(pages sessionRoutes, at string) {
	pages["GET "+at+"/keys/{id}/{action}"] = c.keyActionPage
	pages["POST "+at+"/keys/{id}/{action}"] = c.forms(keyOperations, c.keyAction)
	pages["GET "+at+"/mfa/new"] = c.newMFAPage
	pages["POST "+at+"/mfa/new"] = c.form("CreateVirtualMFADevice", c.newMFA)
	pages["POST "+at+"/mfa/enable"] = c.form("EnableMFADevice", c.enableMFA)
	pages["POST "+at+"/mfa/remove"] = c.form("DeactivateMFADevice", c.removeMFA)
}

// csp is the console's Content-Security-Policy: its own scripts, styles
// and images only.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP implements http.Handler, adding the security headers.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if c.Clients.Secure(r) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if !strings.HasPrefix(r.URL.Path, "/console/static/") && r.URL.Path != "/favicon.ico" {
		h.Set("Cache-Control", "no-store")
	}
	// No console form comes near this; a bigger body is refused before it
	// is read, whoever sends it. A SAML response is larger, and bounded
	// by its own limit.
	if r.Body != nil {
		limit := int64(maxForm)
		if r.URL.Path == "/saml" {
			limit = maxSAMLForm
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	c.mux.ServeHTTP(w, r)
}

// session is what the session cookie holds.
type session struct {
	// ID names the session, so that signing out can revoke it.
	ID string `json:"s"`
	// Account is the ID of the account signed in to: every request of the
	// session runs in it. "" is the first account's (a session begun
	// before the console signed in to others). The cookie's signature
	// holds it: a session cannot be edited into another account.
	Account  string `json:"a,omitempty"`
	Root     bool   `json:"r,omitempty"`
	UserName string `json:"u,omitempty"`
	UserID   string `json:"i,omitempty"`
	// RootKey is the access key the root user signed in with.
	RootKey string `json:"k,omitempty"`
	Expires int64  `json:"e"`
	// Issued is when the session began (Unix nanoseconds): a password
	// reset or a deleted login profile ends the sessions issued before.
	Issued int64  `json:"t"`
	CSRF   string `json:"c"`
	// Reset: the password must be changed before anything else.
	Reset bool `json:"p,omitempty"`
	// MFA is when the user signed in with an MFA code (Unix seconds), 0
	// without one: aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge.
	MFA int64 `json:"m,omitempty"`
	// KeyID and Token are the temporary credentials of a federated
	// sign-in, authenticated again on every request.
	KeyID string `json:"f,omitempty"`
	Token string `json:"x,omitempty"`
	// Switched is the role the session switched to (Switch role), nil
	// while it is the signed-in identity's own; the fields above stay the
	// identity's, which Switch back returns to.
	Switched *switchedRole `json:"w,omitempty"`
}

const sessionCookie = "keyward_session"

func (c *Console) setSession(w http.ResponseWriter, r *http.Request, s session) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sealCookie(s, c.sign), Path: "/console/", HttpOnly: true,
		Secure: c.Clients.Secure(r), SameSite: http.SameSiteStrictMode, Expires: time.Unix(s.Expires, 0)})
}

func (c *Console) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/console/", HttpOnly: true,
		Secure: c.Clients.Secure(r), SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// readSession returns the valid, unexpired session of r, if any.
func (c *Console) readSession(r *http.Request) (session, bool) {
	var s session
	if !openCookie(r, sessionCookie, 0, c.sign, &s) || c.Now().Unix() >= s.Expires {
		return s, false
	}
	if s.Switched != nil && c.Now().Unix() >= s.Switched.Expires {
		s.Switched = nil // the role's session is over: the identity's own goes on
	}
	return s, true
}

// request is one signed-in request as a page handler sees it; its context
// carries the caller.
type request struct {
	*http.Request
	sess session
	p    keyward.Principal
	// from is the signed-in identity, p's but for a switched role.
	from keyward.Principal
	// failed is the error a page answered with (c.fail), for the audit.
	failed error
	// op is the operation a form performs (c.perform), nil for a page.
	op *keyward.Operation
}

func (r *request) ctx() context.Context { return r.Context() }

// session wraps a page that needs a signed-in principal: it checks the
// session, the CSRF token of a POST, and a pending password change.
func (c *Console) session(h func(http.ResponseWriter, *request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.readSession(r)
		if !ok {
			http.Redirect(w, r, signInURL(r), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.CSRF)) != 1 {
			http.Error(w, "The form has expired or did not come from this console. Go back, reload the page and try again.", http.StatusForbidden)
			return
		}
		// A session that cannot be checked in time is refused for now,
		// not ended: the store is slow, the session may be good.
		unavailable := func(err error) bool {
			if keyward.ErrorCode(err) != keyward.EServiceUnavailable {
				return false
			}
			http.Error(w, "The console cannot check your session in time. Try again in a moment.", http.StatusServiceUnavailable)
			return true
		}
		// A signed-out session stays refused though its cookie is kept.
		revoked, err := c.STS.SessionRevoked(r.Context(), s.ID)
		if unavailable(err) {
			return
		}
		if err != nil || revoked {
			c.clearSession(w, r)
			http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
			return
		}
		p, err := c.STS.SessionPrincipal(r.Context(), keyward.ConsoleSession{AccountID: s.Account, Root: s.Root, RootKey: s.RootKey,
			UserName: s.UserName, UserID: s.UserID, Issued: time.Unix(0, s.Issued), KeyID: s.KeyID, Token: s.Token})
		if unavailable(err) {
			return
		}
		if err != nil {
			c.clearSession(w, r)
			http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
			return
		}
		from := p
		if s.Switched != nil {
			// The role's session holds only while the identity's does
			// (checked above) and while the role is the one it was for.
			p, err = c.STS.SwitchedPrincipal(r.Context(), from, s.Switched.KeyID, s.Switched.Token)
			if unavailable(err) {
				return
			}
			if err != nil {
				s.Switched = nil
				c.setSession(w, r, s)
				http.Redirect(w, r, "/console/?notice=switch-ended", http.StatusSeeOther)
				return
			}
		}
		if s.Reset && r.URL.Path != "/console/password" && r.URL.Path != "/console/signout" {
			http.Redirect(w, r, "/console/password", http.StatusSeeOther)
			return
		}
		// Who calls, for the feature packages to decide every action.
		rc := &keyward.RequestContext{Principal: p, SourceIP: c.Clients.Addr(r), SecureTransport: c.Clients.Secure(r), CurrentTime: c.Now(),
			Session: s.ID, UserAgent: r.UserAgent()}
		if s.MFA != 0 {
			rc.MFAAuthTime = time.Unix(s.MFA, 0)
		}
		h(w, &request{Request: r.WithContext(keyward.WithCaller(r.Context(), rc)), sess: s, p: p, from: from})
	}
}

// signInURL is the sign-in page a visitor without a session is sent to,
// keeping the account that AWS's account sign-in URL names
// (/console?account=<ID or alias>), for the form to show it.
func signInURL(r *http.Request) string {
	if a := r.URL.Query().Get("account"); a != "" && len(a) <= signInFields["account"] {
		return "/console/signin?" + url.Values{"account": {a}}.Encode()
	}
	return "/console/signin"
}

// accountSignIn serves AWS's account sign-in URL, /console?account=<ID or
// alias>: the console, whose sign-in form shows the account.
func (c *Console) accountSignIn(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.readSession(r); ok {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, signInURL(r), http.StatusSeeOther)
}

// tokenAccount returns the account of a federated session's credentials,
// which the console session it begins is in ("" when they cannot be
// opened: the session is then refused at its first request).
func (c *Console) tokenAccount(ctx context.Context, keyID, token string) string {
	cred, err := c.STS.OpenSession(ctx, keyID, token)
	if err != nil {
		return ""
	}
	return cred.Principal.AccountID
}

func (c *Console) token() string {
	var b [16]byte
	io.ReadFull(c.Rand, b[:])
	return hex.EncodeToString(b[:])
}
