package console

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/oidc"
)

// Console sign-in through OpenID Connect, a Keyward extension (AWS needs
// IAM Identity Center for it). The sign-in page links to
// /console/signin/oidc?provider=HOST for each of the account's OIDC
// providers with a sign-in set (PutOpenIDConnectSignIn), and to
// /console/signin/oidc?provider=HOST&role=ARN for each role the server's
// flags offer (OIDCSignIn, which overrides a provider's stored setting);
// that sends the browser to the provider's authorisation endpoint with an
// authorisation-code request bound to this browser by a state, a nonce and
// a PKCE (S256) verifier, which a cookie signed under the session key
// remembers for oidcRequestLifetime. The provider sends the browser back
// to /console/oidc/callback with a code; Keyward checks the state against
// the cookie, redeems the code with the verifier and the client's secret,
// and asks STS for the role's session with the ID token, which it verifies
// and the role's trust policy decides exactly as AssumeRoleWithWebIdentity
// does, the nonce and the client's audience checked besides. A sign-in
// that named no role is offered the roles that admit the token (of those
// its setting names, or of every role): one signs in at once; several are
// AWS's role chooser, which posts the choice to /console/oidc/role, the
// token kept meanwhile in a cookie sealed under a key of the session
// key's, good once and for oidcChoiceLifetime at most.
//
// Every account has its own providers: the sign-in page named with an
// account (?account=, its ID or alias) offers that account's, with links
// that name it, and the signed cookie carries the account's ID, so that
// the callback, the role chooser and STS act in that account alone, and
// the one redirect URI serves every account. An account that is not the
// installation's is answered as one without providers. The server's
// flags' clients are the first account's.
//
// The cookie is SameSite=Lax: the provider's redirect back is a top-level
// navigation from its site, with which a Strict cookie does not go. It
// holds no credential: a code is worth nothing without the client's
// secret, which only the server holds.

const (
	oidcRequestCookie = "keyward_oidc_request"
	oidcCookiePath    = "/console/oidc/"
	// OIDCCallbackPath is where the provider sends the browser back: the
	// redirect URI to register with the provider is the public URL and
	// this path.
	OIDCCallbackPath = "/console/oidc/callback"
	// oidcRequestLifetime is how long a browser has to sign in at the
	// provider and come back.
	oidcRequestLifetime = 10 * time.Minute
	// oidcChoiceCookie holds, sealed, the ID token of a sign-in between
	// the role chooser and the choice; oidcChoiceLifetime is how long.
	oidcChoiceCookie   = "keyward_oidc_choice"
	oidcChoicePath     = "/console/oidc/role"
	oidcChoiceLifetime = 5 * time.Minute
	// maxOIDCProviderParam bounds the provider a sign-in names: IAM's
	// longest provider URL.
	maxOIDCProviderParam = 255
)

// OIDCClient is the console's client at one of the account's OpenID
// Connect providers.
type OIDCClient struct {
	// Provider is the provider's URL as IAM names it: the issuer without
	// https:// (host, port and path).
	Provider string
	// ClientID and ClientSecret are the console's credentials at the
	// provider; the client ID must be one of the provider's client IDs
	// in IAM, since the ID token is verified as AssumeRoleWithWebIdentity
	// verifies it.
	ClientID, ClientSecret string
	// Roles are the ARNs of the roles offered for sign-in through it.
	Roles []string
}

// oidcRequestState is what the cookie remembers of an authorisation
// request.
type oidcRequestState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Provider string `json:"p"`
	Role     string `json:"r"`
	// Account is the ID of the account the sign-in is to: its providers
	// and roles alone can answer it.
	Account string `json:"a"`
	Expires int64  `json:"e"`
}

// oidcSignInOption is one "Sign in with" button of the sign-in page.
type oidcSignInOption struct {
	Provider, Role, Label string
}

// oidcOptions are the sign-in page's buttons: one per provider with a
// sign-in set through the API, labelled with its name; and for the
// flags' clients one per role, labelled with the issuer's host, and the
// role's name when a provider offers several.
func (c *Console) oidcOptions(r *http.Request) []oidcSignInOption {
	var out []oidcSignInOption
	for _, cl := range c.flagOIDCClients(r) {
		host, _, _ := strings.Cut(cl.Provider, "/")
		for _, role := range cl.Roles {
			label := host
			if len(cl.Roles) > 1 {
				_, name := roleParts(role)
				label += " as " + name
			}
			out = append(out, oidcSignInOption{Provider: cl.Provider, Role: role, Label: label})
		}
	}
	stored, err := c.STS.OIDCSignInOptions(r.Context())
	if err != nil {
		c.Logger.Error("listing OpenID Connect sign-ins", "err", err) // the other ways to sign in still work
	}
	for _, o := range stored {
		if !slices.ContainsFunc(c.flagOIDCClients(r), func(cl OIDCClient) bool { return cl.Provider == o.Provider }) {
			out = append(out, oidcSignInOption{Provider: o.Provider, Label: o.Name})
		}
	}
	return out
}

// flagOIDCClients are the server's flags' clients (OIDCSignIn), which are
// the installation's first account's: none for a sign-in to another.
func (c *Console) flagOIDCClients(r *http.Request) []OIDCClient {
	if c.IAM.Account(r.Context()).ID != c.IAM.Account(context.Background()).ID {
		return nil
	}
	return c.OIDCSignIn
}

// oidcClient is the console's client at provider, of the account r's
// sign-in is to: the flags' when they name it, else the provider's
// sign-in set through the API.
func (c *Console) oidcClient(r *http.Request, provider string) (OIDCClient, keyward.OIDCProvider, error) {
	none := keyward.Errorf(keyward.ENoSuchEntity, "No OpenID Connect sign-in is configured for that provider and role.")
	if provider == "" || len(provider) > maxOIDCProviderParam {
		return OIDCClient{}, keyward.OIDCProvider{}, none
	}
	// The link is anyone's: a provider the account has without a sign-in
	// is refused as one it does not have, in words that repeat nothing of
	// the link, so that trying names tells no one the account's providers.
	for _, cl := range c.flagOIDCClients(r) {
		if cl.Provider == provider {
			p, err := c.STS.ConsoleOIDCProvider(r.Context(), provider)
			if keyward.ErrorCode(err) == keyward.ENoSuchEntity {
				err = none
			}
			return cl, p, err
		}
	}
	si, err := c.STS.OIDCSignInClient(r.Context(), provider)
	if keyward.ErrorCode(err) == keyward.ENoSuchEntity {
		return OIDCClient{}, keyward.OIDCProvider{}, none
	} else if err != nil {
		return OIDCClient{}, keyward.OIDCProvider{}, err
	}
	return OIDCClient{Provider: provider, ClientID: si.ClientID, ClientSecret: si.ClientSecret, Roles: si.Roles}, si.Provider, nil
}

// offers reports whether the client lets a sign-in ask for role: one of
// its roles, or when it names none any role ARN, which the role's trust
// policy then decides.
func (cl *OIDCClient) offers(role string) bool {
	if len(cl.Roles) > 0 {
		return slices.Contains(cl.Roles, role)
	}
	return strings.HasPrefix(role, "arn:") && len(role) <= 2048
}

// signOIDCState signs the cookie with a key of its own, so that it signs
// neither sessions nor SAML requests, nor they it.
func (c *Console) signOIDCState() func([]byte) string {
	return c.signWithKey("keyward console OIDC request state")
}

func (c *Console) readOIDCState(r *http.Request) (oidcRequestState, bool) {
	var st oidcRequestState
	if !openCookie(r, oidcRequestCookie, 2048, c.signOIDCState(), &st) || st.State == "" || st.Nonce == "" || st.Verifier == "" || st.Account == "" || c.Now().Unix() >= st.Expires {
		return st, false
	}
	return st, true
}

func (c *Console) setOIDCState(w http.ResponseWriter, r *http.Request, st oidcRequestState) {
	http.SetCookie(w, &http.Cookie{Name: oidcRequestCookie, Value: sealCookie(st, c.signOIDCState()),
		Path: oidcCookiePath, HttpOnly: true, Secure: c.Clients.Secure(r), SameSite: http.SameSiteLaxMode,
		MaxAge: int(oidcRequestLifetime / time.Second)})
}

func (c *Console) clearOIDCState(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: oidcRequestCookie, Value: "", Path: oidcCookiePath, HttpOnly: true,
		Secure: c.Clients.Secure(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// oidcStart sends the browser to the provider's authorisation endpoint,
// for a sign-in to the account the link names (the first account's when
// it names none).
func (c *Console) oidcStart(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	r, known := c.federatedAccount(r)
	if c.OIDC == nil || c.STS.SAML == nil || !known {
		c.oidcFailed(w, r, "", keyward.Errorf(keyward.ENoSuchEntity, "No OpenID Connect sign-in is configured for that provider and role."))
		return
	}
	cl, p, err := c.oidcClient(r, q.Get("provider"))
	if err == nil && q.Has("role") && !cl.offers(q.Get("role")) {
		err = keyward.Errorf(keyward.ENoSuchEntity, "No OpenID Connect sign-in is configured for that provider and role.")
	}
	if err != nil {
		c.oidcFailed(w, r, "", err)
		return
	}
	ep, err := c.OIDC.Endpoints(r.Context(), p)
	if err != nil {
		c.Logger.Error("OpenID Connect sign-in could not start", "provider", cl.Provider, "err", err)
		c.oidcFailed(w, r, "", keyward.Errorf(keyward.EServiceFailure, "The sign-in could not start: the identity provider could not be reached."))
		return
	}
	st := oidcRequestState{State: c.token(), Nonce: c.token(), Verifier: c.token() + c.token(), Provider: cl.Provider, Role: q.Get("role"),
		Account: c.IAM.Account(r.Context()).ID, Expires: c.Now().Add(oidcRequestLifetime).Unix()}
	challenge := sha256.Sum256([]byte(st.Verifier))
	v := url.Values{"response_type": {"code"}, "client_id": {cl.ClientID}, "redirect_uri": {c.oidcRedirectURI()}, "scope": {"openid"},
		"state": {st.State}, "nonce": {st.Nonce}, "code_challenge": {base64.RawURLEncoding.EncodeToString(challenge[:])},
		"code_challenge_method": {"S256"}}
	sep := "?"
	if strings.Contains(ep.Authorization, "?") {
		sep = "&"
	}
	c.setOIDCState(w, r, st)
	http.Redirect(w, r, ep.Authorization+sep+v.Encode(), http.StatusSeeOther)
}

func (c *Console) oidcRedirectURI() string { return c.STS.SAML.BaseURL + OIDCCallbackPath }

// oidcCallback finishes a sign-in the provider sent the browser back from.
func (c *Console) oidcCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	st, ok := c.readOIDCState(r)
	if !ok {
		c.oidcFailed(w, r, "", keyward.Errorf(keyward.EAccessDenied, "The sign-in answers none this browser started, or one that has expired. Sign in again."))
		return
	}
	// Everything from here is in the account the sign-in was started for,
	// as the signed state says: its providers, its roles, its trail.
	r = r.WithContext(iam.AccountContext(r.Context(), st.Account))
	// The state is compared in constant time, though it is no secret of
	// the attacker's making: it is the only thing tying this answer to
	// this browser's request.
	if !hmac.Equal([]byte(q.Get("state")), []byte(st.State)) {
		c.oidcFailed(w, r, st.Role, keyward.Errorf(keyward.EAccessDenied, "The sign-in answers another than the one this browser started. Sign in again."))
		return
	}
	// Whatever happens now, this browser's request is spent.
	c.clearOIDCState(w, r)
	code := q.Get("code")
	if code == "" || len(code) > 4096 {
		c.oidcFailed(w, r, st.Role, keyward.Errorf(keyward.EAccessDenied, "The identity provider did not sign you in."))
		return
	}
	if c.OIDC == nil {
		c.oidcFailed(w, r, st.Role, keyward.Errorf(keyward.ENoSuchEntity, "No OpenID Connect sign-in is configured for that provider and role."))
		return
	}
	cl, p, err := c.oidcClient(r, st.Provider)
	if err == nil && st.Role != "" && !cl.offers(st.Role) {
		err = keyward.Errorf(keyward.ENoSuchEntity, "No OpenID Connect sign-in is configured for that provider and role.")
	}
	if err != nil {
		c.oidcFailed(w, r, st.Role, err)
		return
	}
	ep, err := c.OIDC.Endpoints(r.Context(), p)
	var token string
	if err == nil {
		token, err = c.OIDC.Exchange(r.Context(), p, oidc.CodeExchange{TokenEndpoint: ep.Token, Code: code, Verifier: st.Verifier,
			RedirectURI: c.oidcRedirectURI(), ClientID: cl.ClientID, ClientSecret: cl.ClientSecret})
	}
	if err != nil {
		// A code refused (used twice, expired, another client's) is the
		// provider's answer; the log says which, the browser only that the
		// sign-in failed.
		c.Logger.Warn("OpenID Connect code exchange failed", "provider", cl.Provider, "err", err)
		c.oidcFailed(w, r, st.Role, keyward.Errorf(keyward.EAccessDenied, "The identity provider did not confirm the sign-in. Sign in again."))
		return
	}
	// The request's state is spent on every replica sharing the store, so
	// that a copy of the cookie and the callback's URL (history, logs)
	// sign no one in again, even at a provider that redeems a code twice.
	// Only now, once the provider has redeemed a code for this request: a
	// state cookie is anyone's for the asking, and a record written for
	// every callback would be a store write for every two requests of an
	// outsider's. The use is no change of the request's, and is recorded
	// with no event.
	first, err := c.STS.SpendSignInState(r.Context(), "oidc-state:"+st.State, c.Now(), time.Unix(st.Expires, 0))
	if err == nil && !first {
		err = keyward.Errorf(keyward.EAccessDenied, "This sign-in was used already. Sign in again.")
	}
	if err != nil {
		c.oidcFailed(w, r, st.Role, err)
		return
	}
	// The token must be the issuer's whose token endpoint answered
	// (OpenID Connect Core 3.1.3.7): STS would take any of the account's
	// providers' tokens, each verified with its own issuer's keys, and a
	// provider must not pass off another's. The claim is read unverified
	// here; STS then verifies the token with this issuer's keys.
	if iss, err := c.OIDC.Issuer(token); err != nil || strings.TrimSuffix(iss, "/") != "https://"+cl.Provider {
		c.Logger.Warn("OpenID Connect sign-in: the token endpoint answered with another issuer's token", "provider", cl.Provider, "iss", keyward.Clip(iss))
		c.oidcFailed(w, r, st.Role, keyward.Errorf(keyward.EInvalidIdentityToken, "The ID token was not issued by the identity provider the sign-in was asked of."))
		return
	}
	role := st.Role
	if role == "" {
		// No role asked for: those that admit the token are offered.
		roles, err := c.STS.WebIdentityConsoleRoles(c.oidcCaller(r), token, st.Nonce, cl.ClientID, oidcSessionName(token, c.OIDC), cl.Roles)
		if err == nil && len(roles) == 0 {
			err = keyward.Errorf(keyward.EAccessDenied, "Not authorized to perform sts:AssumeRoleWithWebIdentity: no role of this account admits you.")
		}
		if err != nil {
			c.auditOIDC(r, "", nil, err)
			c.oidcFailed(w, r, "", err)
			return
		}
		if len(roles) > 1 {
			c.oidcChooser(w, r, oidcChoice{Token: token, Nonce: st.Nonce, Provider: cl.Provider, Account: st.Account, CSRF: c.token(),
				Expires: c.Now().Add(oidcChoiceLifetime).Unix(), ID: c.token()}, roles)
			return
		}
		role = roles[0]
	}
	c.oidcSession(w, r, role, token, st.Nonce, cl.ClientID)
}

// oidcCaller is the context of a sign-in's request to STS: no signer,
// the account the sign-in is to, the request's address, transport and
// time.
func (c *Console) oidcCaller(r *http.Request) context.Context {
	return c.signInCaller(r.Context(), r, c.IAM.Account(r.Context()).ID)
}

// signInCaller is ctx with the caller of a federated sign-in's request to
// STS: no signer, account (if known yet) the account the sign-in is to,
// and r's address, transport and time.
func (c *Console) signInCaller(ctx context.Context, r *http.Request, account string) context.Context {
	return keyward.WithCaller(ctx, &keyward.RequestContext{Principal: keyward.Principal{AccountID: account},
		SourceIP: c.Clients.Addr(r), SecureTransport: c.Clients.Secure(r), CurrentTime: c.Now(), UserAgent: r.UserAgent()})
}

// startSession makes the role's session ar the browser's console session;
// false, having answered why (tooLarge), when its credentials are too
// large for the cookie.
func (c *Console) startSession(w http.ResponseWriter, r *http.Request, ar keyward.AssumedRole, tooLarge string) bool {
	s := session{ID: c.token(), KeyID: ar.AccessKeyID, Token: ar.Token, Expires: ar.Expiration.Unix(), Issued: c.Now().UnixNano(), CSRF: c.token()}
	s.Account = c.tokenAccount(r.Context(), ar.AccessKeyID, ar.Token)
	if b, _ := json.Marshal(s); len(b)*4/3+100 > maxCookie {
		http.Error(w, tooLarge, http.StatusBadRequest)
		return false
	}
	c.setSession(w, r, s)
	return true
}

// oidcSession signs the browser in as role's session for the ID token.
func (c *Console) oidcSession(w http.ResponseWriter, r *http.Request, role, token, nonce, clientID string) {
	ar, err := c.STS.WebIdentityConsoleSession(c.oidcCaller(r), role, oidcSessionName(token, c.OIDC), token, nonce, clientID)
	c.auditOIDC(r, role, &ar, err)
	if err != nil {
		c.oidcFailed(w, r, "", err)
		return
	}
	if !c.startSession(w, r, ar, "The session's credentials are too large for a console session.") {
		return
	}
	c.render(w, http.StatusOK, "samlcontinue", samlContinuePage{layout: layout{Title: "Signing in"}, Destination: "/console/roles"})
}

// oidcChoice is what the role chooser's cookie holds, sealed: the ID
// token and what it answers, until the browser chooses.
type oidcChoice struct {
	ID       string `json:"i"`
	Token    string `json:"t"`
	Nonce    string `json:"n"`
	Provider string `json:"p"`
	// Account is the ID of the account the sign-in is to.
	Account string `json:"a"`
	CSRF    string `json:"c"`
	Expires int64  `json:"e"`
}

// oidcChoiceAEAD seals the chooser's cookie under a key derived from the
// session key with a label of its own: the ID token is a credential, which
// the browser holds but cannot read.
func (c *Console) oidcChoiceAEAD() cipher.AEAD {
	block, _ := aes.NewCipher(c.derivedKey("keyward console OIDC role choice")) // 32 bytes: AES-256
	aead, _ := cipher.NewGCM(block)
	return aead
}

// oidcChooser shows the role chooser, the token kept in a sealed cookie.
func (c *Console) oidcChooser(w http.ResponseWriter, r *http.Request, ch oidcChoice, roles []string) {
	b, _ := json.Marshal(ch)
	aead := c.oidcChoiceAEAD()
	nonce := make([]byte, aead.NonceSize())
	if _, err := io.ReadFull(c.Rand, nonce); err != nil {
		c.oidcFailed(w, r, "", err)
		return
	}
	value := base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, b, []byte(oidcChoiceCookie)))
	if len(value) > maxCookie {
		c.oidcFailed(w, r, "", keyward.Errorf(keyward.EAccessDenied, "The identity provider's ID token is too large to choose a role with."))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcChoiceCookie, Value: value, Path: oidcChoicePath, HttpOnly: true,
		Secure: c.Clients.Secure(r), SameSite: http.SameSiteStrictMode, MaxAge: int(oidcChoiceLifetime / time.Second)})
	page := roleChooserPage{layout: layout{Title: "Select a role", Account: c.IAM.Account(r.Context()).ID}, Via: "oidc", Action: oidcChoicePath, Field: "role",
		Hidden: []hiddenField{{"csrf", ch.CSRF}}}
	for _, arn := range roles {
		page.Roles = append(page.Roles, choiceOf(arn))
	}
	c.render(w, http.StatusOK, "rolechooser", page)
}

// readOIDCChoice opens the chooser's cookie of r.
func (c *Console) readOIDCChoice(r *http.Request) (oidcChoice, bool) {
	var ch oidcChoice
	ck, err := r.Cookie(oidcChoiceCookie)
	if err != nil || len(ck.Value) > maxCookie {
		return ch, false
	}
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(ck.Value)
	aead := c.oidcChoiceAEAD()
	if err != nil || len(sealed) < aead.NonceSize() {
		return ch, false
	}
	b, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(oidcChoiceCookie))
	if err != nil || json.Unmarshal(b, &ch) != nil || ch.ID == "" || ch.Token == "" || ch.CSRF == "" || ch.Account == "" || c.Now().Unix() >= ch.Expires {
		return ch, false
	}
	return ch, true
}

// oidcChoose signs the browser in as the role it chose.
func (c *Console) oidcChoose(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	ch, ok := c.readOIDCChoice(r)
	http.SetCookie(w, &http.Cookie{Name: oidcChoiceCookie, Value: "", Path: oidcChoicePath, HttpOnly: true,
		Secure: c.Clients.Secure(r), SameSite: http.SameSiteStrictMode, MaxAge: -1})
	if !ok || !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(ch.CSRF)) {
		c.oidcFailed(w, r, "", keyward.Errorf(keyward.EAccessDenied, "The role was chosen for no sign-in of this browser, or one that has expired. Sign in again."))
		return
	}
	r = r.WithContext(iam.AccountContext(r.Context(), ch.Account))
	role := r.PostFormValue("role")
	first, err := c.STS.SpendSignInState(r.Context(), "oidc-choice:"+ch.ID, c.Now(), time.Unix(ch.Expires, 0))
	if err == nil && !first {
		err = keyward.Errorf(keyward.EAccessDenied, "This sign-in was used already. Sign in again.")
	}
	var cl OIDCClient
	if err == nil {
		cl, _, err = c.oidcClient(r, ch.Provider)
	}
	if err == nil && !cl.offers(role) {
		err = keyward.Errorf(keyward.EAccessDenied, "The sign-in does not offer that role.")
	}
	if err != nil {
		c.oidcFailed(w, r, keyward.Clip(role), err)
		return
	}
	c.oidcSession(w, r, role, ch.Token, ch.Nonce, cl.ClientID)
}

// oidcSessionName is the role session's name: the token's subject, in the
// characters and length a session name may have (the subject of a token
// that fails verification names no session: the session is refused).
func oidcSessionName(token string, v *oidc.Verifier) string {
	sub, _ := v.Subject(token)
	var b strings.Builder
	for _, r := range sub {
		if b.Len() >= 64 {
			break
		}
		if r < 128 && (r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	if b.Len() < 2 {
		return "oidc-user"
	}
	return b.String()
}

// auditOIDC records a sign-in's use of an ID token as the API records
// AssumeRoleWithWebIdentity, and AWS's ConsoleLogin for a session issued.
func (c *Console) auditOIDC(r *http.Request, roleARN string, ar *keyward.AssumedRole, err error) {
	c.auditFederatedSignIn(r, "AssumeRoleWithWebIdentity", "WebIdentityUser", map[string]any{"webIdentityToken": keyward.Hidden}, roleARN, ar, err)
}

// oidcFailed answers a refused sign-in with AWS's error and the status the
// API would give it, and nothing of an internal failure. A refusal before
// any token was verified is audited too, naming the role asked for.
func (c *Console) oidcFailed(w http.ResponseWriter, r *http.Request, roleARN string, err error) {
	if roleARN != "" {
		c.auditOIDC(r, roleARN, nil, err)
	}
	code := keyward.ErrorCode(err)
	if code == keyward.EServiceFailure {
		c.Logger.Error("OpenID Connect sign-in failed", "err", err)
	}
	c.render(w, statusOf(err), "error", errorPage{layout: layout{Title: code}, Code: code, Message: keyward.ErrorMessage(err)})
}
