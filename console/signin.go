package console

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/sts"
)

// Sign-in.

type signInPage struct {
	layout
	CSRF string
	// Kind is the form shown: "root" or "user", or "" for the choice
	// between them that AWS's sign-in page opens on.
	Kind  string
	Error string
	// Providers are the SAML providers offered for SP-initiated sign-in,
	// on the opening page.
	Providers []sts.SAMLSignInProvider
	// OIDC are the roles offered through OpenID Connect providers.
	OIDC []oidcSignInOption
	// FederatedAccount is the account whose providers are offered, as the
	// page's URL names it (its ID or alias); empty for the first account.
	FederatedAccount string
}

const preCSRFCookie = "keyward_signin"

// preCSRF sets a new double-submit token for the sign-in forms and returns
// it for the form.
func (c *Console) preCSRF(w http.ResponseWriter, r *http.Request) string {
	tok := c.token()
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: tok, Path: "/console/signin", HttpOnly: true,
		Secure: c.Clients.Secure(r), SameSite: http.SameSiteStrictMode})
	return tok
}

// preCSRFValid checks a posted sign-in form's double-submit token against
// its cookie; when they differ it answers that the form has expired and
// returns false.
func preCSRFValid(w http.ResponseWriter, r *http.Request) bool {
	ck, err := r.Cookie(preCSRFCookie)
	if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(ck.Value)) != 1 {
		http.Error(w, "The form has expired. Go back, reload the page and try again.", http.StatusForbidden)
		return false
	}
	return true
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	// The sign-in form is protected by a double-submit token: there is no
	// session to hold one yet.
	tok := c.preCSRF(w, r)
	kind := r.URL.Query().Get("as")
	if kind != "root" && kind != "user" {
		kind = ""
	}
	page := signInPage{layout: layout{Title: "Sign in", Account: c.signInAccount(r.URL.Query().Get("account"))}, CSRF: tok, Kind: kind}
	if kind == "" {
		// An account that is not the installation's is shown as one with
		// no identity providers: the page tells no one which accounts
		// exist.
		fr, known := c.federatedAccount(r)
		page.FederatedAccount = r.URL.Query().Get("account")
		if known {
			var err error
			page.OIDC = c.oidcOptions(fr)
			if page.Providers, err = c.STS.SAMLSignInProviders(fr.Context()); err != nil {
				c.Logger.Error("listing SAML providers for sign-in", "err", err) // the other ways to sign in still work
			}
		}
	}
	c.render(w, http.StatusOK, "signin", page)
}

// federatedAccount returns r acting in the account a federated sign-in
// names in its URL (account: its ID or alias), for the steps that run
// before anyone has signed in (iam.AccountContext), and whether there is
// such an account. A URL naming no account (or an empty one) is a sign-in
// to the installation's first account, as before the console signed in
// to others.
func (c *Console) federatedAccount(r *http.Request) (*http.Request, bool) {
	typed := r.URL.Query().Get("account")
	if typed == "" {
		return r, true // the form's field left empty names no account
	}
	if len(typed) > signInFields["account"] {
		return r, false
	}
	id, ok := c.IAM.SignInAccount(r.Context(), typed)
	if !ok {
		return r, false
	}
	return r.WithContext(iam.AccountContext(r.Context(), id)), true
}

// signInAccount is the account the IAM user's sign-in form shows: the one
// typed or named by the account sign-in URL (/console?account=…), as it
// was typed, whether or not it exists (the form tells no more after a
// refusal than before); with none, the installation's first account, as
// before the console signed in to others.
func (c *Console) signInAccount(typed string) string {
	if typed != "" && len(typed) <= signInFields["account"] {
		return typed
	}
	return c.IAM.Account(context.Background()).ID
}

// Longest values a sign-in field can hold when it is right: anything
// longer is refused before any other work.
var signInFields = map[string]int{"kind": 4, "account": 63, "username": 64, "password": 128, "accesskey": 128, "secret": 128, "mfacode": 6, "csrf": 64}

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
	if !preCSRFValid(w, r) {
		return
	}
	kind := r.PostFormValue("kind")
	if kind != "root" {
		kind = "user" // a form that is not the root user's is an IAM user's
	}
	addr := c.Clients.Addr(r)
	// The root user's failures count per secret tried (limiter.beginRoot):
	// a budget per key ID would let anyone lock the root user out with
	// wrong secrets. The tag is keyed, kept no longer than the window, and
	// tells nothing of the secret.
	who := "root:" + r.PostFormValue("accesskey") + ":" + c.sign([]byte("signin-secret:"+r.PostFormValue("secret")))
	// The attempt's ConsoleLogin event is the account's it names: the
	// user's account the form resolves to, the account of the root
	// user's key, right or wrong (once the limiter lets the attempt be
	// tried); else the first account's.
	audited := r
	if kind != "root" {
		// Counted against the account the form resolves to and the user
		// name as the store folds it: the account's ID and its alias, or a
		// name in another case, do not each get a budget of guesses. A
		// form naming no account here never signs in; each account it
		// may name has a budget of its own as the accounts here have
		// ("?" and the account as typed, which no ID resolved to has), so
		// that one spent on an account that is not here does not tell
		// which others are not either, by a 429 where an account here
		// gets 401.
		account, ok := c.IAM.SignInAccount(r.Context(), r.PostFormValue("account"))
		if !ok {
			account = "?" + r.PostFormValue("account")
		} else {
			audited = r.WithContext(iam.AccountContext(r.Context(), account))
		}
		who = "user:" + account + "/" + keyward.FoldName(r.PostFormValue("username"))
	}
	again := func(msg string, status int) {
		tok := c.preCSRF(w, r)
		c.render(w, status, "signin", signInPage{layout: layout{Title: "Sign in", Account: c.signInAccount(r.PostFormValue("account"))}, CSRF: tok, Kind: kind, Error: msg})
	}
	// Counted before the password is hashed: simultaneous attempts cannot
	// all slip under the limit.
	begin := c.limiter.begin
	if kind == "root" {
		begin = c.limiter.beginRoot
	}
	try, ok := begin(who, addr)
	if !ok {
		// Refused before anything is read of the user or the key: the
		// name typed is not known to be a user's (it may be a password
		// typed into the wrong field), and a throttled root sign-in stays
		// in the first account's trail, since the limiter bounds the work
		// done for an attempt before any of it is done.
		c.signedIn(audited, kind == "root", keyward.Hidden, "throttled", false)
		again("Too many failed sign-in attempts. Wait a few minutes and try again.", http.StatusTooManyRequests)
		return
	}
	if kind == "root" {
		if account, ok := c.IAM.RootSignInAccount(r.Context(), r.PostFormValue("accesskey")); ok {
			audited = r.WithContext(iam.AccountContext(r.Context(), account))
		}
	}
	s := session{ID: c.token(), Expires: c.Now().Add(SessionLifetime).Unix(), Issued: c.Now().UnixNano(), CSRF: c.token()}
	var err error
	if kind == "root" {
		// The root user's MFA code is asked on the form itself, of every
		// root sign-in: a second step would answer a right secret with a
		// page of its own, and tell whether the root user has MFA. A
		// wrong, missing or used code is refused as a wrong secret is.
		var mfa bool
		var p keyward.Principal
		p, mfa, err = c.IAM.SignInRoot(r.Context(), r.PostFormValue("accesskey"), r.PostFormValue("secret"), r.PostFormValue("mfacode"))
		s.Root, s.RootKey, s.Account = true, r.PostFormValue("accesskey"), p.AccountID
		if mfa {
			s.MFA = c.Now().Unix()
		}
	} else {
		var p keyward.Principal
		p, s.Reset, err = c.IAM.SignInUser(r.Context(), r.PostFormValue("account"), r.PostFormValue("username"), r.PostFormValue("password"))
		s.UserName, s.UserID, s.Account = p.UserName, p.UserID, p.AccountID
	}
	if keyward.ErrorCode(err) == keyward.EServiceUnavailable {
		c.limiter.succeed(try) // not a guess that failed: the server was busy
		again(keyward.ErrorMessage(err), http.StatusServiceUnavailable)
		return
	}
	if err != nil {
		time.Sleep(c.SignInDelay)
		// A name that is no user's is not kept (it may be a password
		// typed into the wrong field), as CloudTrail hides it; a user's
		// failures keep its name.
		name := r.PostFormValue("username")
		if iam.NoSuchSignInUser(err) {
			name = keyward.Hidden
		}
		c.signedIn(audited, kind == "root", name, "failed", false)
		again(keyward.ErrorMessage(err), http.StatusUnauthorized)
		return
	}
	c.limiter.succeed(try)
	audited = r.WithContext(iam.AccountContext(r.Context(), s.Account))
	if !s.Root {
		// A user with an MFA device proves it before any session begins.
		has, err := c.IAM.HasMFADevice(iam.AccountContext(r.Context(), s.Account), s.UserName)
		if err != nil {
			again(keyward.ErrorMessage(err), http.StatusServiceUnavailable)
			return
		}
		if has {
			c.signedIn(audited, false, s.UserName, "mfa-required", false)
			c.askForMFA(w, r, s)
			return
		}
	}
	c.signedIn(audited, s.Root, s.UserName, "ok", s.MFA != 0)
	c.setSession(w, r, s)
	http.Redirect(w, r, "/console/users", http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *request) {
	if err := c.STS.RevokeSession(r.ctx(), r.sess.ID, time.Unix(r.sess.Expires, 0)); err != nil {
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
	if r.PostFormValue("new") != r.PostFormValue("confirm") {
		page := passwordPage{layout: c.layoutFor(r, "Change password"), Required: r.sess.Reset}
		page.Error = "The new passwords do not match."
		c.render(w, http.StatusBadRequest, "password", page)
		return
	}
	if err := c.IAM.ChangePassword(r.ctx(), r.PostFormValue("old"), r.PostFormValue("new")); err != nil {
		if keyward.ErrorCode(err) == keyward.EAccessDenied {
			c.fail(w, r, err)
			return
		}
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
