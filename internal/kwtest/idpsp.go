package kwtest

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	crewsaml "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// IdPPassword is the password of the identity provider's user on its
// login form (Handler).
const IdPPassword = "correct horse battery staple"

// Answer is the identity provider's response to an SP-initiated sign-in:
// authnURL is the HTTP-Redirect URL Keyward sent the browser to. It
// returns the response, base64 as the browser posts it, and the relay
// state to post with it.
func (p *IdP) Answer(authnURL string) (response, relayState string) {
	p.t.Helper()
	p.idp.Clock = dsig.NewFakeClockAt(p.now())
	req, err := crewsaml.NewIdpAuthnRequest(p.idp, httptest.NewRequest("GET", authnURL, nil))
	if err != nil {
		p.t.Fatal(err)
	}
	if err := req.Validate(); err != nil {
		p.t.Fatal(err)
	}
	form := p.post(req)
	return form.SAMLResponse, form.RelayState
}

// Handler serves the identity provider as a browser meets it, at the base
// URL given to NewIdPAt: its metadata at /metadata, SP-initiated sign-in
// at /sso, IdP-initiated sign-in to Keyward at /start (crewjam/saml's
// own handlers), and a login form for the user (Session.UserName with
// IdPPassword) that both show until the browser has signed in.
func (p *IdP) Handler() http.Handler {
	var mu sync.Mutex // the identity provider's clock is set per request
	p.idp.SessionProvider = loginForm{p}
	m := http.NewServeMux()
	m.HandleFunc("GET /metadata", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/samlmetadata+xml")
		w.Write([]byte(p.Metadata))
	})
	m.HandleFunc("GET /sso", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		p.idp.Clock = dsig.NewFakeClockAt(p.now())
		p.idp.ServeSSO(w, r)
	})
	m.HandleFunc("GET /start", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		p.idp.Clock = dsig.NewFakeClockAt(p.now())
		p.idp.ServeIDPInitiated(w, r, p.sp.Endpoint(), r.URL.Query().Get("RelayState"))
	})
	m.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		back := r.PostFormValue("back")
		if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
			back = "/start"
		}
		if r.PostFormValue("username") != p.Session.UserName || r.PostFormValue("password") != IdPPassword {
			w.WriteHeader(http.StatusUnauthorized)
			loginPage.Execute(w, loginData{Back: back, Error: "Wrong user name or password."})
			return
		}
		http.SetCookie(w, &http.Cookie{Name: idpCookie, Value: "signed-in", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, back, http.StatusSeeOther)
	})
	return m
}

const idpCookie = "idp_session"

// loginForm is the identity provider's session provider when it serves
// browsers: a browser without its cookie is shown the login form, which
// sends it back to the request it interrupted.
type loginForm struct{ p *IdP }

func (l loginForm) GetSession(w http.ResponseWriter, r *http.Request, req *crewsaml.IdpAuthnRequest) *crewsaml.Session {
	if _, err := r.Cookie(idpCookie); err == nil {
		return l.p.GetSession(w, r, req)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	loginPage.Execute(w, loginData{Back: r.URL.RequestURI()})
	return nil
}

type loginData struct{ Back, Error string }

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html><head><title>Corp sign-in</title></head><body>
<h1>Corp identity provider</h1>
{{if .Error}}<p id="idp-error">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="back" value="{{.Back}}">
<label>User name <input id="idp-username" name="username"></label>
<label>Password <input id="idp-password" name="password" type="password"></label>
<button type="submit" id="idp-submit">Sign in</button>
</form></body></html>`))
