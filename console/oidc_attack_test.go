package console_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/console"
	"github.com/keyward/keyward/console/consoletest"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/oidc"
)

// testOP is a minimal OpenID Provider over TLS (its own CA, which the
// account's provider trusts by thumbprint, as AWS's do): a discovery
// document, a JWKS, an authorisation endpoint that signs in Sub at once,
// and a token endpoint that redeems each code once, for its client's
// secret and the PKCE verifier (S256) the code was asked with, with an ID
// token signed by go-jose.
type testOP struct {
	// Issuer serves the discovery document and keys, signs the tokens
	// and gives the test's browser a client for visiting the OP.
	*kwtest.Issuer
	now func() time.Time

	mu sync.Mutex
	// Sub is who signs in; Audience and Nonce, when set, replace the
	// token's aud and the nonce the request carried.
	Sub, Audience, Nonce string
	// AZP, when set, is the token's azp (authorised party), and
	// ExtraAudience an audience the token names besides aud.
	AZP, ExtraAudience string
	// Foreign, when set, is another provider whose ID token (its issuer,
	// signed with its key) the token endpoint answers with.
	Foreign          *testOP
	ClientID, Secret string
	// IgnorePKCE makes the token endpoint redeem a code whatever verifier
	// comes with it, as a provider without PKCE does.
	IgnorePKCE bool
	// ReuseCodes makes the token endpoint redeem a code more than once,
	// against the specification.
	ReuseCodes bool
	codes      map[string]opCode
}

type opCode struct{ challenge, nonce, clientID, redirect string }

func newTestOP(t *testing.T, now func() time.Time) *testOP {
	t.Helper()
	is := kwtest.NewIssuer(t)
	op := &testOP{Issuer: is, now: now, Sub: "alice", ClientID: "keyward-console", Secret: "op-secret",
		codes: map[string]opCode{}}
	is.HandleFunc("/authorize", op.authorize)
	is.HandleFunc("POST /token", op.token)
	return op
}

func (op *testOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
		q.Get("nonce") == "" || q.Get("state") == "" || q.Get("client_id") != op.ClientID || !strings.Contains(q.Get("scope"), "openid") {
		http.Error(w, "invalid_request", http.StatusBadRequest)
		return
	}
	code := make([]byte, 16)
	rand.Read(code)
	c := hex.EncodeToString(code)
	op.mu.Lock()
	op.codes[c] = opCode{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), clientID: q.Get("client_id"), redirect: q.Get("redirect_uri")}
	op.mu.Unlock()
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {c}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
}

func (op *testOP) token(w http.ResponseWriter, r *http.Request) {
	id, secret, _ := r.BasicAuth()
	id, _ = url.QueryUnescape(id)
	secret, _ = url.QueryUnescape(secret)
	op.mu.Lock()
	c, ok := op.codes[r.PostFormValue("code")]
	if !op.ReuseCodes {
		delete(op.codes, r.PostFormValue("code")) // one use
	}
	sub, aud, nonce, ignorePKCE, azp, extraAud := op.Sub, op.Audience, op.Nonce, op.IgnorePKCE, op.AZP, op.ExtraAudience
	issuer := op.Issuer
	if op.Foreign != nil {
		issuer = op.Foreign.Issuer
	}
	op.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if !ok || id != c.clientID || secret != op.Secret || r.PostFormValue("redirect_uri") != c.redirect ||
		!ignorePKCE && base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge || r.PostFormValue("grant_type") != "authorization_code" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_grant"}`)
		return
	}
	if aud == "" {
		aud = c.clientID
	}
	if nonce == "" {
		nonce = c.nonce
	}
	audience := jwt.Audience{aud}
	if extraAud != "" {
		audience = append(audience, extraAud)
	}
	extra := map[string]any{"nonce": nonce}
	if azp != "" {
		extra["azp"] = azp
	}
	now := op.now()
	tok, err := issuer.Sign(jwt.Claims{Issuer: issuer.URL, Subject: sub, Audience: audience,
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute))}, extra)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"access_token": "at", "token_type": "Bearer", "id_token": tok})
}

// oidcConsole is the console of a Keyward whose OIDC provider is op, with
// the console's client registered, and whose role Dev trusts the
// provider's tokens for sub "alice" and the console's audience.
type oidcConsole struct {
	srv      *httptest.Server
	clock    *kwtest.Clock
	op       *testOP
	k        *kwtest.Keyward
	provider string // as IAM names it: localhost:port
	role     string
}

func newOIDCConsole(t *testing.T) *oidcConsole {
	t.Helper()
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	k := kwtest.NewWithOptions(t, kwtest.Options{Now: clock.Now, OIDCAllowPrivate: true}) // the OP is on loopback
	op := newTestOP(t, clock.Now)
	root := kwtest.AsRoot(context.Background())
	p, err := k.IAM.CreateOIDCProvider(root, op.URL, []string{op.ClientID, "another-client"}, []string{op.Thumbprint}, nil)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(op.URL, "https://")
	if _, err := k.IAM.CreateRole(root, keyward.Role{Name: "Dev", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"` + p.ARN + `"},"Action":"sts:AssumeRoleWithWebIdentity",
"Condition":{"StringEquals":{"` + host + `:sub":"alice","` + host + `:aud":"` + op.ClientID + `"}}}]}`}); err != nil {
		t.Fatal(err)
	}
	if err := k.IAM.PutInlinePolicy(root, keyward.Entity{Kind: keyward.EntityRole, Name: "Dev"}, "read",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	role := "arn:aws:iam::" + kwtest.AccountID + ":role/Dev"
	cfg := consoleConfig(k, clock.Now)
	cfg.OIDC = k.STS.WebIdentity.(*oidc.Verifier)
	cfg.OIDCSignIn = []console.OIDCClient{{Provider: host, ClientID: op.ClientID, ClientSecret: op.Secret, Roles: []string{role}}}
	return &oidcConsole{srv: serveConsole(t, cfg), clock: clock, op: op, k: k, provider: host, role: role}
}

// authorize follows the sign-in page's link in the browser hc, then the
// OP's sign-in, and returns the callback's query the OP sent the browser
// back with.
func (s *oidcConsole) authorize(t *testing.T, hc *http.Client) url.Values {
	t.Helper()
	resp, err := hc.Get(s.srv.URL + "/console/signin/oidc?" + url.Values{"provider": {s.provider}, "role": {s.role}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, s.op.URL+"/authorize?") {
		t.Fatalf("start: %d %q", resp.StatusCode, loc)
	}
	resp, err = s.op.Browser().Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || back.Path != console.OIDCCallbackPath {
		t.Fatalf("OP: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.Query()
}

// callback brings the browser back to the console with query.
func (s *oidcConsole) callback(t *testing.T, hc *http.Client, query url.Values) (int, string) {
	t.Helper()
	return page(t, hc, s.srv.URL+console.OIDCCallbackPath+"?"+query.Encode(), nil)
}

// signedIn says whether hc's console session is the role's.
func (s *oidcConsole) signedIn(t *testing.T, hc *http.Client) bool {
	t.Helper()
	return signedInAs(t, hc, s.srv, "Dev/alice")
}

// TestOIDCSignIn: the sign-in page offers the configured provider by its
// issuer's host; its link sends the browser to the OP with a code request
// (PKCE S256, state, nonce), and the code the OP sends back signs that
// browser in as the role's session, named after the token's subject.
func TestOIDCSignIn(t *testing.T) {
	s := newOIDCConsole(t)
	hc := cookieClient()
	_, signIn := page(t, hc, s.srv.URL+"/console/signin", nil)
	if !strings.Contains(signIn, "Sign in with "+s.provider+"<") {
		t.Fatalf("the sign-in page does not offer the provider:\n%s", signIn)
	}
	// The page's link is the one authorize follows.
	want := html.EscapeString("/console/signin/oidc?" + url.Values{"provider": {s.provider}, "role": {s.role}}.Encode())
	// html/template writes percent escapes in lower case.
	if !strings.Contains(strings.ToLower(signIn), strings.ToLower(`href="`+want+`"`)) {
		t.Fatalf("the sign-in page's link is not %s:\n%s", want, signIn)
	}
	status, body := s.callback(t, hc, s.authorize(t, hc))
	if status != http.StatusOK || !strings.Contains(body, signedInPage) {
		t.Fatalf("callback: %d\n%s", status, body)
	}
	if !s.signedIn(t, hc) {
		t.Fatal("not signed in as the role's session")
	}
}

// TestOIDCSignInAttacks: each way to pass off a sign-in is refused and
// signs no one in.
func TestOIDCSignInAttacks(t *testing.T) {
	t.Run("state forged", func(t *testing.T) {
		// A browser's callback with another state than its cookie's: an
		// attacker's code (from a sign-in the attacker started) planted in
		// the victim's browser (login CSRF). The state refuses it, and so
		// would PKCE at the token endpoint and the nonce: here the
		// provider ignores PKCE.
		s := newOIDCConsole(t)
		s.op.IgnorePKCE = true
		attacker, victim := cookieClient(), cookieClient()
		q := s.authorize(t, attacker)
		s.authorize(t, victim) // the victim's own cookie, another state
		if status, _ := s.callback(t, victim, q); status != http.StatusForbidden || s.signedIn(t, victim) {
			t.Fatalf("the attacker's code signed the victim in: %d", status)
		}
		// With the state of the victim's cookie and the attacker's code,
		// PKCE refuses: the code was asked for with another verifier.
		s.op.IgnorePKCE = false
		victimQ := s.authorize(t, victim)
		q.Set("state", victimQ.Get("state"))
		if status, _ := s.callback(t, victim, q); status != http.StatusForbidden || s.signedIn(t, victim) {
			t.Fatalf("the attacker's code with the victim's state signed in: %d", status)
		}
		// The browser's own code with a state that is not its cookie's:
		// the state alone refuses it (the code, verifier and nonce are the
		// browser's own), which an answer to no request of this browser
		// needs.
		own := s.authorize(t, victim)
		own.Set("state", q.Get("state"))
		if status, _ := s.callback(t, victim, own); status != http.StatusForbidden || s.signedIn(t, victim) {
			t.Fatalf("a callback with a forged state signed in: %d", status)
		}
		// No cookie at all, and a cookie whose signature is not the console's.
		if status, _ := s.callback(t, cookieClient(), q); status != http.StatusForbidden {
			t.Fatalf("without the cookie: %d", status)
		}
		forged := cookieClient()
		u, _ := url.Parse(s.srv.URL)
		payload := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"` + q.Get("state") + `","n":"n","v":"v","p":"` + s.provider + `","r":"` + s.role +
			`","e":` + "9999999999" + `}`))
		forged.Jar.SetCookies(u, []*http.Cookie{{Name: "keyward_oidc_request", Value: payload + ".AAAA", Path: "/console/oidc/"}})
		if status, _ := s.callback(t, forged, q); status != http.StatusForbidden || s.signedIn(t, forged) {
			t.Fatalf("a forged cookie signed in: %d", status)
		}
	})
	t.Run("request expired", func(t *testing.T) {
		// A browser back after the request's 10 minutes.
		s := newOIDCConsole(t)
		hc := cookieClient()
		q := s.authorize(t, hc)
		s.clock.Add(10 * time.Minute)
		if status, _ := s.callback(t, hc, q); status != http.StatusForbidden || s.signedIn(t, hc) {
			t.Fatalf("an expired request signed in: %d", status)
		}
	})
	t.Run("nonce mismatch", func(t *testing.T) {
		// An ID token minted for another sign-in (the OP's answer replaced).
		s := newOIDCConsole(t)
		s.op.Nonce = "another-sign-in"
		hc := cookieClient()
		if status, body := s.callback(t, hc, s.authorize(t, hc)); status != http.StatusForbidden || !strings.Contains(body, "InvalidIdentityToken") || s.signedIn(t, hc) {
			t.Fatalf("a token of another nonce signed in: %d\n%s", status, body)
		}
	})
	t.Run("wrong audience", func(t *testing.T) {
		// A token for another client of the provider, which the provider
		// knows and the trust policy would take if its aud condition did
		// not name the console's: the console's client must be among the
		// token's audiences.
		s := newOIDCConsole(t)
		s.op.Audience = "another-client"
		if err := s.k.IAM.UpdateAssumeRolePolicy(kwtest.AsRoot(context.Background()), "Dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"arn:aws:iam::`+kwtest.AccountID+`:oidc-provider/`+s.provider+`"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`); err != nil {
			t.Fatal(err)
		}
		hc := cookieClient()
		if status, body := s.callback(t, hc, s.authorize(t, hc)); status != http.StatusForbidden || s.signedIn(t, hc) {
			t.Fatalf("a token for another client signed in: %d\n%s", status, body)
		}
		s.op.Audience = "not-a-client-of-the-provider"
		if status, body := s.callback(t, hc, s.authorize(t, hc)); status != http.StatusForbidden || s.signedIn(t, hc) {
			t.Fatalf("a token for an unknown audience signed in: %d\n%s", status, body)
		}
	})
	t.Run("token of another client (azp)", func(t *testing.T) {
		// A token the provider issued to another of its clients (its azp),
		// naming the console's client only as one more audience: OpenID
		// Connect Core 3.1.3.7 has the client refuse a token whose azp is
		// not its own, and a token with several audiences and no azp.
		// Otherwise the other client's token signs in, and the trust
		// policy sees the other client's aud.
		s := newOIDCConsole(t)
		if err := s.k.IAM.UpdateAssumeRolePolicy(kwtest.AsRoot(context.Background()), "Dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"arn:aws:iam::`+kwtest.AccountID+`:oidc-provider/`+s.provider+`"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`); err != nil {
			t.Fatal(err)
		}
		hc := cookieClient()
		s.op.AZP = "another-client"
		if status, body := s.callback(t, hc, s.authorize(t, hc)); status != http.StatusForbidden || s.signedIn(t, hc) {
			t.Fatalf("a token whose azp is another client signed in: %d\n%s", status, body)
		}
		s.op.ExtraAudience = "another-client"
		if status, body := s.callback(t, hc, s.authorize(t, hc)); status != http.StatusForbidden || s.signedIn(t, hc) {
			t.Fatalf("a token of two audiences whose azp is another client signed in: %d\n%s", status, body)
		}
		s.op.AZP = ""
		if status, body := s.callback(t, hc, s.authorize(t, hc)); status != http.StatusForbidden || s.signedIn(t, hc) {
			t.Fatalf("a token of two audiences and no azp signed in: %d\n%s", status, body)
		}
		// The console's own azp with another audience besides signs in.
		s.op.AZP = s.op.ClientID
		if status, body := s.callback(t, hc, s.authorize(t, hc)); status != http.StatusOK || !s.signedIn(t, hc) {
			t.Fatalf("a token whose azp is the console's client: %d\n%s", status, body)
		}
	})
	t.Run("ID token of another provider", func(t *testing.T) {
		// The token endpoint of the provider the code was redeemed at
		// answers with a token another of the account's providers issued
		// (a provider that mixes itself up with another, or one that
		// passes off another's tokens): OpenID Connect Core 3.1.3.7 has the
		// client take only a token of the issuer it asked. The other
		// provider has the same client ID, and the role trusts both.
		s := newOIDCConsole(t)
		other := newTestOP(t, s.clock.Now)
		root := kwtest.AsRoot(context.Background())
		p, err := s.k.IAM.CreateOIDCProvider(root, other.URL, []string{other.ClientID}, []string{other.Thumbprint}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.k.IAM.UpdateAssumeRolePolicy(root, "Dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":["arn:aws:iam::`+kwtest.AccountID+`:oidc-provider/`+s.provider+`","`+p.ARN+`"]},"Action":"sts:AssumeRoleWithWebIdentity"}]}`); err != nil {
			t.Fatal(err)
		}
		hc := cookieClient()
		s.op.Foreign = other
		if status, body := s.callback(t, hc, s.authorize(t, hc)); status != http.StatusForbidden || s.signedIn(t, hc) {
			t.Fatalf("another provider's token signed in: %d\n%s", status, body)
		}
		s.op.Foreign = nil
		if status, body := s.callback(t, hc, s.authorize(t, hc)); status != http.StatusOK || !s.signedIn(t, hc) {
			t.Fatalf("the provider's own token: %d\n%s", status, body)
		}
	})
	t.Run("trust policy refuses the subject", func(t *testing.T) {
		s := newOIDCConsole(t)
		s.op.Sub = "mallory"
		hc := cookieClient()
		if status, body := s.callback(t, hc, s.authorize(t, hc)); status != http.StatusForbidden ||
			!strings.Contains(body, "Not authorized to perform sts:AssumeRoleWithWebIdentity") || s.signedIn(t, hc) {
			t.Fatalf("a subject the trust policy refuses signed in: %d\n%s", status, body)
		}
	})
	t.Run("code replay", func(t *testing.T) {
		// A callback URL seen once (history, logs, a Referer) used again,
		// by the same browser and by another holding a copy of its cookie.
		s := newOIDCConsole(t)
		hc := cookieClient()
		q := s.authorize(t, hc)
		u, _ := url.Parse(s.srv.URL + "/console/oidc/callback")
		cookies := hc.Jar.Cookies(u)
		if status, _ := s.callback(t, hc, q); status != http.StatusOK {
			t.Fatalf("first use: %d", status)
		}
		thief := cookieClient()
		thief.Jar.SetCookies(u, cookies)
		if status, _ := s.callback(t, thief, q); status != http.StatusForbidden || s.signedIn(t, thief) {
			t.Fatalf("a replayed code signed in: %d", status)
		}
		// At a provider that redeems a code twice, the console's own
		// record of the state's use refuses the replay.
		s.op.ReuseCodes = true
		q = s.authorize(t, hc)
		cookies = hc.Jar.Cookies(u)
		if status, _ := s.callback(t, hc, q); status != http.StatusOK {
			t.Fatalf("first use: %d", status)
		}
		thief = cookieClient()
		thief.Jar.SetCookies(u, cookies)
		if status, _ := s.callback(t, thief, q); status != http.StatusForbidden || s.signedIn(t, thief) {
			t.Fatalf("a code replayed at a provider that redeems it twice signed in: %d", status)
		}
	})
}

// newStoredOIDCConsole is newOIDCConsole with the sign-in set through
// IAM (PutOpenIDConnectSignIn) instead of the server's flags, naming no
// role: the roles whose trust policies admit the token are offered, here
// Dev and Ops, not Other, which trusts another subject.
func newStoredOIDCConsole(t *testing.T) *oidcConsole {
	t.Helper()
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	k := kwtest.NewWithOptions(t, kwtest.Options{Now: clock.Now, OIDCAllowPrivate: true})
	op := newTestOP(t, clock.Now)
	ctx := root()
	p, err := k.IAM.CreateOIDCProvider(ctx, op.URL, []string{op.ClientID, "another-client"}, []string{op.Thumbprint}, nil)
	must(t, err)
	host := strings.TrimPrefix(op.URL, "https://")
	for role, sub := range map[string]string{"Dev": "alice", "Ops": "alice", "Other": "bob"} {
		_, err := k.IAM.CreateRole(ctx, keyward.Role{Name: role, TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"` + p.ARN + `"},"Action":"sts:AssumeRoleWithWebIdentity",
"Condition":{"StringEquals":{"` + host + `:sub":"` + sub + `","` + host + `:aud":"` + op.ClientID + `"}}}]}`})
		must(t, err)
		must(t, k.IAM.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityRole, Name: role}, "read",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`))
	}
	must(t, k.IAM.PutOIDCSignIn(ctx, p.ARN, op.ClientID, op.Secret, "Example SSO", nil))
	cfg := consoleConfig(k, clock.Now)
	cfg.OIDC = k.STS.WebIdentity.(*oidc.Verifier)
	return &oidcConsole{srv: serveConsole(t, cfg), clock: clock, op: op, k: k, provider: host}
}

// choose posts the role chooser's form in hc with the CSRF token csrf.
func (s *oidcConsole) choose(t *testing.T, hc *http.Client, csrf, role string) (int, string) {
	t.Helper()
	return page(t, hc, s.srv.URL+"/console/oidc/role", url.Values{"csrf": {csrf}, "role": {role}})
}

// signedInAs reports whether hc's console session is the role's.
func (s *oidcConsole) signedInAs(t *testing.T, hc *http.Client, role string) bool {
	t.Helper()
	return signedInAs(t, hc, s.srv, ":assumed-role/"+role+"/alice<")
}

// TestOIDCStoredSignIn: a sign-in set through IAM is offered by its name
// with no role; the roles that admit the token are offered in the
// chooser, and the one chosen is the session's. A setting naming its
// roles offers only those.
func TestOIDCStoredSignIn(t *testing.T) {
	s := newStoredOIDCConsole(t)
	hc := cookieClient()
	_, signIn := page(t, hc, s.srv.URL+"/console/signin", nil)
	want := html.EscapeString("/console/signin/oidc?" + url.Values{"provider": {s.provider}}.Encode())
	if !strings.Contains(signIn, "Sign in with Example SSO<") || !strings.Contains(strings.ToLower(signIn), strings.ToLower(`href="`+want+`"`)) {
		t.Fatalf("the sign-in page does not offer the stored sign-in:\n%s", signIn)
	}
	u, _ := url.Parse(s.srv.URL + "/console/signin/oidc?" + url.Values{"provider": {s.provider}}.Encode())
	status, body := s.callback(t, hc, s.authorizeURL(t, hc, u.String()))
	if status != http.StatusOK || !strings.Contains(body, `id="oidc-roles"`) || !strings.Contains(body, ":role/Dev") ||
		!strings.Contains(body, ":role/Ops") || strings.Contains(body, ":role/Other") {
		t.Fatalf("the chooser: %d\n%s", status, body)
	}
	ops := "arn:aws:iam::" + kwtest.AccountID + ":role/Ops"
	if status, body := s.choose(t, hc, csrfOf(t, body), ops); status != http.StatusOK || !s.signedInAs(t, hc, "Ops") {
		t.Fatalf("choosing Ops: %d\n%s", status, body)
	}

	// Named roles: only those are offered; one signs in at once.
	p := "arn:aws:iam::" + kwtest.AccountID + ":oidc-provider/" + s.provider
	must(t, s.k.IAM.PutOIDCSignIn(root(), p, s.op.ClientID, "", "Example SSO", []string{ops}))
	hc = cookieClient()
	if status, body := s.callback(t, hc, s.authorizeURL(t, hc, u.String())); status != http.StatusOK || !strings.Contains(body, signedInPage) || !s.signedInAs(t, hc, "Ops") {
		t.Fatalf("one role named: %d\n%s", status, body)
	}
	// Deleting the provider takes its sign-in off the page.
	must(t, s.k.IAM.DeleteOIDCProvider(root(), p))
	if _, signIn = page(t, hc, s.srv.URL+"/console/signin", nil); strings.Contains(signIn, "Example SSO") {
		t.Fatal("the sign-in page offers a deleted provider's sign-in")
	}
}

// authorizeURL is authorize for the sign-in link start.
func (s *oidcConsole) authorizeURL(t *testing.T, hc *http.Client, start string) url.Values {
	t.Helper()
	resp, err := hc.Get(start)
	must(t, err)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, s.op.URL+"/authorize?") {
		t.Fatalf("start: %d %q", resp.StatusCode, loc)
	}
	resp, err = s.op.Browser().Get(loc)
	must(t, err)
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || back.Path != console.OIDCCallbackPath {
		t.Fatalf("OP: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.Query()
}

// TestOIDCRoleChooserAttacks: the role chooser holds the ID token between
// the callback and the choice: in a cookie sealed under the console's key,
// good once, for this browser's form only, and for the roles that admit
// the token; and the sign-in's own inputs are bounded.
func TestOIDCRoleChooserAttacks(t *testing.T) {
	s := newStoredOIDCConsole(t)
	start := s.srv.URL + "/console/signin/oidc?" + url.Values{"provider": {s.provider}}.Encode()
	chooser := func(hc *http.Client) string {
		t.Helper()
		status, body := s.callback(t, hc, s.authorizeURL(t, hc, start))
		if status != http.StatusOK || !strings.Contains(body, `id="oidc-roles"`) {
			t.Fatalf("no chooser: %d\n%s", status, body)
		}
		return csrfOf(t, body)
	}
	dev := "arn:aws:iam::" + kwtest.AccountID + ":role/Dev"
	cookieURL, _ := url.Parse(s.srv.URL + "/console/oidc/role")

	t.Run("the token is sealed", func(t *testing.T) {
		hc := cookieClient()
		chooser(hc)
		for _, ck := range hc.Jar.Cookies(cookieURL) {
			if ck.Name != "keyward_oidc_choice" {
				continue
			}
			// A JWT's header and claims are base64url of JSON: {"...
			if strings.Contains(ck.Value, "eyJ") || len(ck.Value) > 4000 {
				t.Fatalf("the chooser's cookie shows the token: %s", ck.Value)
			}
			return
		}
		t.Fatal("no chooser cookie")
	})
	t.Run("no cookie, a forged one, another form", func(t *testing.T) {
		hc := cookieClient()
		csrf := chooser(hc)
		if status, _ := s.choose(t, cookieClient(), csrf, dev); status != http.StatusForbidden {
			t.Fatalf("without the cookie: %d", status)
		}
		forged := cookieClient()
		forged.Jar.SetCookies(cookieURL, []*http.Cookie{{Name: "keyward_oidc_choice", Value: base64.RawURLEncoding.EncodeToString(make([]byte, 64)), Path: "/console/oidc/role"}})
		if status, _ := s.choose(t, forged, csrf, dev); status != http.StatusForbidden || s.signedIn(t, forged) {
			t.Fatalf("a forged cookie: %d", status)
		}
		// The right cookie, posted by another page than the chooser (no
		// or another CSRF token): refused, and the cookie spent.
		if status, _ := s.choose(t, hc, "0123456789abcdef", dev); status != http.StatusForbidden || s.signedInAs(t, hc, "Dev") {
			t.Fatalf("another form's token: %d", status)
		}
		if status, _ := s.choose(t, hc, csrf, dev); status != http.StatusForbidden || s.signedInAs(t, hc, "Dev") {
			t.Fatalf("the chooser after a refused choice: %d", status)
		}
	})
	t.Run("replayed", func(t *testing.T) {
		hc := cookieClient()
		csrf := chooser(hc)
		cookies := hc.Jar.Cookies(cookieURL)
		if status, body := s.choose(t, hc, csrf, dev); status != http.StatusOK || !s.signedInAs(t, hc, "Dev") {
			t.Fatalf("first choice: %d\n%s", status, body)
		}
		thief := cookieClient()
		thief.Jar.SetCookies(cookieURL, cookies)
		if status, _ := s.choose(t, thief, csrf, "arn:aws:iam::"+kwtest.AccountID+":role/Ops"); status != http.StatusForbidden || s.signedIn(t, thief) {
			t.Fatalf("a copied chooser cookie signed in again: %d", status)
		}
	})
	t.Run("a role not offered", func(t *testing.T) {
		for _, role := range []string{"arn:aws:iam::" + kwtest.AccountID + ":role/Other", "arn:aws:iam::" + kwtest.AccountID + ":role/Missing",
			"arn:aws:iam::999999999999:role/Dev", "not-an-arn", strings.Repeat("a", 5000)} {
			hc := cookieClient()
			if status, body := s.choose(t, hc, chooser(hc), role); status != http.StatusForbidden || s.signedIn(t, hc) {
				t.Fatalf("%.40s: %d\n%s", role, status, body)
			}
		}
	})
	t.Run("expired", func(t *testing.T) {
		hc := cookieClient()
		csrf := chooser(hc)
		s.clock.Add(5 * time.Minute)
		if status, _ := s.choose(t, hc, csrf, dev); status != http.StatusForbidden || s.signedIn(t, hc) {
			t.Fatalf("an expired choice: %d", status)
		}
	})
	t.Run("bounded inputs", func(t *testing.T) {
		hc := cookieClient()
		for _, q := range []url.Values{{"provider": {strings.Repeat("p", 256)}}, {"provider": {"unknown.example.com"}},
			{"provider": {s.provider}, "role": {strings.Repeat("a", 2049)}}} {
			resp, err := hc.Get(s.srv.URL + "/console/signin/oidc?" + q.Encode())
			must(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "NoSuchEntity") || resp.Header.Get("Location") != "" {
				t.Fatalf("%.60s: %d", q.Encode(), resp.StatusCode)
			}
		}
		resp, err := hc.Post(s.srv.URL+"/console/oidc/role", "application/x-www-form-urlencoded", strings.NewReader("role="+strings.Repeat("a", 64<<10)))
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("an oversized choice: %d", resp.StatusCode)
		}
	})
}

// TestOIDCProviderPageAttacks: the provider page's sign-in form performs
// PutOpenIDConnectSignIn and DeleteOpenIDConnectSignIn as the API does:
// it never shows the secret, refuses what the operation refuses, and
// changes nothing for a user without the keyward actions.
func TestOIDCProviderPageAttacks(t *testing.T) {
	s := newStoredOIDCConsole(t)
	p := "arn:aws:iam::" + kwtest.AccountID + ":oidc-provider/" + s.provider
	signIn := func(form url.Values) *consoletest.Client {
		t.Helper()
		c := consoletest.NewClient(t, s.srv.URL)
		if resp := c.SignIn(form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in: %d", resp.StatusCode)
		}
		return c
	}
	providerPage := "/console/provider?arn=" + url.QueryEscape(p)
	post := func(c *consoletest.Client, action string, form url.Values) (int, string) {
		t.Helper()
		_, page := c.Get(providerPage)
		form.Set("csrf", csrfOf(t, page))
		form.Set("arn", p)
		resp, body := c.Post("/console/provider/"+action, form)
		return resp.StatusCode, body
	}
	setting := func() string {
		t.Helper()
		si, err := s.k.IAM.GetOIDCSignIn(root(), p)
		must(t, err)
		return si.Name + "|" + si.ClientID + "|" + strings.Join(si.Roles, ",")
	}
	admin := signIn(rootForm(kwtest.RootSecret))
	before := setting()

	resp, page := admin.Get(providerPage)
	if resp.StatusCode != http.StatusOK || strings.Contains(page, s.op.Secret) || !strings.Contains(page, "a client secret is set") || !strings.Contains(page, `value="Example SSO"`) {
		t.Fatalf("the provider page: %d\n%s", resp.StatusCode, page)
	}
	for what, form := range map[string]url.Values{
		"a client ID not the provider's": {"clientId": {"attacker"}, "displayName": {"X"}},
		"a name too long":                {"clientId": {s.op.ClientID}, "displayName": {strings.Repeat("n", 65)}},
		"a name with markup":             {"clientId": {s.op.ClientID}, "displayName": {"<img src=x>"}},
		"a secret too long":              {"clientId": {s.op.ClientID}, "displayName": {"X"}, "clientSecret": {strings.Repeat("s", 1025)}},
		"another account's role":         {"clientId": {s.op.ClientID}, "displayName": {"X"}, "roles": {"arn:aws:iam::999999999999:role/Admin"}},
		"too many roles":                 {"clientId": {s.op.ClientID}, "displayName": {"X"}, "roles": {strings.Repeat("arn:aws:iam::"+kwtest.AccountID+":role/R ", 51)}},
	} {
		status, body := post(admin, "signin", form)
		if status != http.StatusBadRequest || !strings.Contains(body, `id="signin-problem"`) || setting() != before {
			t.Fatalf("%s: %d, setting %s\n%s", what, status, setting(), body)
		}
	}
	// A user of iam:* only, and one of nothing, are refused, and change
	// nothing.
	for name, policy := range map[string]string{"iamadmin": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`, "nobody": ""} {
		consoleUser(t, s.k, root(), name, "Console-Passw0rd-"+name, policy)
		c := signIn(userForm(name, "Console-Passw0rd-"+name))
		if name == "nobody" {
			if resp, _ := c.Get(providerPage); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("%s reads the provider page: %d", name, resp.StatusCode)
			}
			continue
		}
		// Allowed the provider, not its sign-in: the page says so and
		// shows nothing of it.
		if resp, page := c.Get(providerPage); resp.StatusCode != http.StatusOK ||
			!strings.Contains(page, "keyward:GetOpenIDConnectSignIn") || strings.Contains(page, "Example SSO") || strings.Contains(page, `id="signin-form"`) {
			t.Fatalf("%s's provider page: %d\n%s", name, resp.StatusCode, page)
		}
		for action, form := range map[string]url.Values{"signin": {"clientId": {s.op.ClientID}, "displayName": {"Hijacked"}, "clientSecret": {"attacker"}},
			"delete-signin": {}} {
			if status, body := post(c, action, form); status != http.StatusForbidden || !strings.Contains(body, "keyward:") || setting() != before {
				t.Fatalf("%s %s: %d, setting %s\n%s", name, action, status, setting(), body)
			}
		}
	}
	// The admin's own change, without a secret, keeps the one set.
	if status, body := post(admin, "signin", url.Values{"clientId": {s.op.ClientID}, "displayName": {"Renamed SSO"}}); status != http.StatusSeeOther {
		t.Fatalf("saving: %d\n%s", status, body)
	}
	if got := setting(); got != "Renamed SSO|"+s.op.ClientID+"|" {
		t.Fatalf("after saving: %s", got)
	}
	hc := cookieClient()
	start := s.srv.URL + "/console/signin/oidc?" + url.Values{"provider": {s.provider}}.Encode()
	if status, body := s.callback(t, hc, s.authorizeURL(t, hc, start)); status != http.StatusOK || !strings.Contains(body, `id="oidc-roles"`) {
		t.Fatalf("the kept secret does not redeem codes: %d\n%s", status, body)
	}
	if status, _ := post(admin, "delete-signin", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("removing: %d", status)
	}
	if _, err := s.k.IAM.GetOIDCSignIn(root(), p); keyward.ErrorCode(err) != keyward.ENoSuchEntity {
		t.Fatalf("after removing: %v", err)
	}
}

// TestCookieSignaturesComparedInConstantTime: every cookie the console
// signs (sessions, the pending MFA sign-in, SAML and OIDC requests) is
// checked with hmac.Equal, and the sign-in forms' CSRF token with its
// cookie in constant time too. A signature compared with == or != ends at the
// first byte that differs, and the time it takes tells a browser how much
// of a forged signature is right, one byte after another. Timing cannot
// be measured reliably in a test, so the test reads the console's source
// for a signing function's result compared with == or !=.
func TestCookieSignaturesComparedInConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	// What signs: the session key's sign, mac under a key, the signers
	// signAs and signWithKey make and the OIDC and SAML states' signers,
	// and openCookie's parameter sign.
	signers := map[string]bool{"sign": true, "mac": true, "signAs": true, "signWithKey": true, "signOIDCState": true, "signSAMLState": true}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			be, ok := n.(*ast.BinaryExpr)
			if !ok || be.Op != token.EQL && be.Op != token.NEQ {
				return true
			}
			for _, side := range []ast.Expr{be.X, be.Y} {
				if name := calledName(side); signers[name] {
					t.Errorf("%s: a signature (%s) compared with %s, not hmac.Equal", fset.Position(be.Pos()), name, be.Op)
				}
				if formCSRF(side) {
					t.Errorf("%s: a form's CSRF token compared with %s, not in constant time", fset.Position(be.Pos()), be.Op)
				}
			}
			return true
		})
	}
}

// formCSRF reports whether e reads a posted form's CSRF token
// (r.PostFormValue("csrf"), r.FormValue("csrf")), which is compared with
// its cookie's, a secret of the browser's, as signatures are.
func formCSRF(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return false
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	name := calledName(e)
	return ok && lit.Value == `"csrf"` && (name == "PostFormValue" || name == "FormValue")
}

// calledName is the name of the function whose result e is, through
// conversions and the functions that functions return: sign for sign(b),
// c.sign(b) and string(c.sign(b)), signAs for c.signAs("mfa:")(b); "" when e
// is no call.
func calledName(e ast.Expr) string {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return ""
	}
	switch f := call.Fun.(type) {
	case *ast.Ident:
		if f.Name == "string" && len(call.Args) == 1 {
			return calledName(call.Args[0])
		}
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	case *ast.CallExpr:
		return calledName(f)
	}
	return ""
}

// TestOIDCSignInLinkTellsNoProviders: the sign-in link is open to anyone,
// and names the provider it asks for. Its refusal is one answer whether
// the account has that provider (without a sign-in set) or none, and
// repeats nothing of the link: an outsider learns no registered provider
// (a CI system's issuer, a cluster's) by trying names, nor has the
// console's own page show a sentence of the outsider's making.
func TestOIDCSignInLinkTellsNoProviders(t *testing.T) {
	s := newStoredOIDCConsole(t)
	_, err := s.k.IAM.CreateOIDCProvider(root(), "https://token.actions.githubusercontent.com", []string{"sts.amazonaws.com"}, nil, nil)
	must(t, err)
	answer := func(provider string) string {
		t.Helper()
		resp, err := cookieClient().Get(s.srv.URL + "/console/signin/oidc?" + url.Values{"provider": {provider}}.Encode())
		must(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
			t.Fatalf("%s: %d", provider, resp.StatusCode)
		}
		return string(b)
	}
	registered, unknown := answer("token.actions.githubusercontent.com"), answer("token.actions.example.com")
	if registered != unknown {
		t.Fatalf("a registered provider without a sign-in is told apart from none:\n%s\n---\n%s", registered, unknown)
	}
	if spoof := answer("x. Your account is locked: call 555-0100"); strings.Contains(spoof, "555-0100") {
		t.Fatalf("the refusal repeats the link's text:\n%s", spoof)
	}
}

// TestOIDCCallbackWritesNothingForAnOutsider: a request's state cookie is
// anyone's for the asking (the sign-in link answers every browser with
// one), so its callback is an outsider's to send too, with any code.
// Until the provider has redeemed the code, nothing is written to the
// store: the state's single use is recorded only for a code the provider
// confirmed, else every two requests of an outsider's would be a write
// (a transaction on the one SQLite writer every replica shares).
func TestOIDCCallbackWritesNothingForAnOutsider(t *testing.T) {
	s := newOIDCConsole(t)
	hc := cookieClient()
	q := s.authorize(t, hc)
	u, _ := url.Parse(s.srv.URL + console.OIDCCallbackPath)
	for _, code := range []string{"", "made-up"} {
		q := url.Values{"state": q["state"], "code": {code}}
		// Each try with the cookie as the link set it.
		outsider := cookieClient()
		outsider.Jar.SetCookies(u, hc.Jar.Cookies(u))
		if status, _ := s.callback(t, outsider, q); status != http.StatusForbidden {
			t.Fatalf("code %q: %d", code, status)
		}
	}
	first, err := s.k.STS.SpendSignInState(context.Background(), "oidc-state:"+q.Get("state"), s.clock.Now(), s.clock.Now().Add(10*time.Minute))
	must(t, err)
	if !first {
		t.Fatal("a callback whose code no provider redeemed wrote the state's use to the store")
	}
}
