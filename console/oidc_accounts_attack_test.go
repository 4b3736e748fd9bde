package console_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// Console sign-in through OpenID Connect into any account of the
// installation: the sign-in page names the account (its ID or alias) and
// offers that account's providers; the sign-in's state, bound to the
// browser and signed, carries the account, and only that account's
// providers and roles can answer it.

const (
	oidcAccountB = "246813579024"
	oidcAliasB   = "tenant-b"
	// oidcAccountC has no provider at all.
	oidcAccountC = "135792468013"
)

// oidcAccounts is the first account (A) with its stored sign-in "Example
// SSO" at one provider, and account B with "B SSO" at another, whose roles
// BDev and BOps admit alice; each provider is its own account's alone.
type oidcAccounts struct {
	*oidcConsole
	opB   *testOP
	hostB string
}

func asRootOf(account string) context.Context {
	return keyward.WithCaller(context.Background(), &keyward.RequestContext{Principal: keyward.Principal{AccountID: account, Root: true}, CurrentTime: time.Now()})
}

func newOIDCAccounts(t *testing.T) *oidcAccounts {
	t.Helper()
	s := newStoredOIDCConsole(t)
	for id, name := range map[string]string{oidcAccountB: "b", oidcAccountC: "c"} {
		must(t, s.k.Store.CreateAccount(context.Background(), keyward.Account{ID: id, Name: name, CreatedAt: s.clock.Now()}, nil))
	}
	ctx := asRootOf(oidcAccountB)
	must(t, s.k.IAM.CreateAccountAlias(ctx, oidcAliasB))
	opB := newTestOP(t, s.clock.Now)
	p, err := s.k.IAM.CreateOIDCProvider(ctx, opB.URL, []string{opB.ClientID}, []string{opB.Thumbprint}, nil)
	must(t, err)
	hostB := strings.TrimPrefix(opB.URL, "https://")
	for _, role := range []string{"BDev", "BOps"} {
		_, err := s.k.IAM.CreateRole(ctx, keyward.Role{Name: role, TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"` + p.ARN + `"},"Action":"sts:AssumeRoleWithWebIdentity",
"Condition":{"StringEquals":{"` + hostB + `:sub":"alice","` + hostB + `:aud":"` + opB.ClientID + `"}}}]}`})
		must(t, err)
		must(t, s.k.IAM.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityRole, Name: role}, "read",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`))
	}
	must(t, s.k.IAM.PutOIDCSignIn(ctx, p.ARN, opB.ClientID, opB.Secret, "B SSO", nil))
	return &oidcAccounts{oidcConsole: s, opB: opB, hostB: hostB}
}

// startB is the sign-in link of B's provider, naming B as typed.
func (s *oidcAccounts) startB(typed string) string {
	return s.srv.URL + "/console/signin/oidc?" + url.Values{"account": {typed}, "provider": {s.hostB}}.Encode()
}

// viaB is authorizeURL at B's provider.
func (s *oidcAccounts) viaB(t *testing.T, hc *http.Client, start string) url.Values {
	t.Helper()
	a := &oidcConsole{srv: s.srv, clock: s.clock, op: s.opB, k: s.k, provider: s.hostB}
	return a.authorizeURL(t, hc, start)
}

// TestOIDCSignInToAnyAccount: the sign-in page of an account named by its
// alias or ID offers that account's providers alone, with links that name
// the account; signing in through B's provider makes a session of B's
// role, in account B. The first account's page is as before.
func TestOIDCSignInToAnyAccount(t *testing.T) {
	s := newOIDCAccounts(t)
	hc := cookieClient()
	for _, typed := range []string{oidcAliasB, oidcAccountB} {
		_, body := page(t, hc, s.srv.URL+"/console/signin?"+url.Values{"account": {typed}}.Encode(), nil)
		link := html.EscapeString("/console/signin/oidc?" + url.Values{"account": {typed}, "provider": {s.hostB}}.Encode())
		if !strings.Contains(body, "Sign in with B SSO<") || strings.Contains(body, "Example SSO") ||
			!strings.Contains(strings.ToLower(body), strings.ToLower(`href="`+link+`"`)) {
			t.Fatalf("account %s's sign-in page:\n%s", typed, body)
		}
	}
	_, body := page(t, hc, s.srv.URL+"/console/signin", nil)
	if !strings.Contains(body, "Sign in with Example SSO<") || strings.Contains(body, "B SSO") {
		t.Fatalf("the first account's sign-in page:\n%s", body)
	}
	// The account's field left empty is the first account's page.
	_, empty := page(t, hc, s.srv.URL+"/console/signin?account=", nil)
	if !strings.Contains(empty, "Sign in with Example SSO<") {
		t.Fatalf("the sign-in page with the account left empty:\n%s", empty)
	}
	// The page asks for the account whose providers to offer.
	if !strings.Contains(body, `id="federated-account"`) || !strings.Contains(body, `id="federated-account-id" name="account"`) {
		t.Fatalf("the sign-in page does not ask for an account:\n%s", body)
	}

	status, body := s.callback(t, hc, s.viaB(t, hc, s.startB(oidcAliasB)))
	if status != http.StatusOK || !strings.Contains(body, `id="oidc-roles"`) || !strings.Contains(body, "arn:aws:iam::"+oidcAccountB+":role/BDev") ||
		strings.Contains(body, ":role/Dev") {
		t.Fatalf("B's chooser: %d\n%s", status, body)
	}
	role := "arn:aws:iam::" + oidcAccountB + ":role/BOps"
	if status, body := s.choose(t, hc, csrfOf(t, body), role); status != http.StatusOK ||
		!signedInAs(t, hc, s.srv, "arn:aws:sts::"+oidcAccountB+":assumed-role/BOps/alice") {
		t.Fatalf("choosing BOps: %d\n%s", status, body)
	}
}

// TestOIDCSignInAccountAttacks: no sign-in yields a session in another
// account than the one it was started for, and an account that is not
// the installation's answers as one without providers.
func TestOIDCSignInAccountAttacks(t *testing.T) {
	s := newOIDCAccounts(t)
	const none = "No OpenID Connect sign-in is configured for that provider and role."
	// The answer to a provider the first account does not have.
	wantStatus, _ := page(t, cookieClient(), s.srv.URL+"/console/signin/oidc?provider=nope.example.com", nil)
	noSignIn := func(t *testing.T, start string) {
		t.Helper()
		hc := cookieClient()
		status, body := page(t, hc, start, nil)
		if status != wantStatus || !strings.Contains(body, html.EscapeString(none)) {
			t.Fatalf("%s: %d\n%s", start, status, body)
		}
		u, _ := url.Parse(s.srv.URL + "/console/oidc/")
		if len(hc.Jar.Cookies(u)) != 0 {
			t.Fatalf("%s: a sign-in was started", start)
		}
	}
	t.Run("A's provider named with account B", func(t *testing.T) {
		noSignIn(t, s.srv.URL+"/console/signin/oidc?"+url.Values{"account": {oidcAccountB}, "provider": {s.provider}}.Encode())
		noSignIn(t, s.srv.URL+"/console/signin/oidc?"+url.Values{"account": {oidcAliasB}, "provider": {s.provider}}.Encode())
	})
	t.Run("B's provider named with account A", func(t *testing.T) {
		noSignIn(t, s.srv.URL+"/console/signin/oidc?"+url.Values{"account": {kwtest.AccountID}, "provider": {s.hostB}}.Encode())
		noSignIn(t, s.srv.URL+"/console/signin/oidc?"+url.Values{"provider": {s.hostB}}.Encode())
	})
	t.Run("unknown account answers as one without providers", func(t *testing.T) {
		for _, typed := range []string{"999999999999", "no-such-alias", oidcAccountC} {
			noSignIn(t, s.srv.URL+"/console/signin/oidc?"+url.Values{"account": {typed}, "provider": {s.hostB}}.Encode())
			_, body := page(t, cookieClient(), s.srv.URL+"/console/signin?"+url.Values{"account": {typed}}.Encode(), nil)
			if strings.Contains(body, "Sign in with") {
				t.Fatalf("account %s's sign-in page offers a provider:\n%s", typed, body)
			}
		}
	})
	t.Run("account swapped in the state", func(t *testing.T) {
		hc := cookieClient()
		back := s.viaB(t, hc, s.startB(oidcAccountB))
		u, _ := url.Parse(s.srv.URL + "/console/oidc/")
		_, b, sig := signedCookie(t, hc, u.String(), "keyward_oidc_request")
		var st map[string]any
		must(t, json.Unmarshal(b, &st))
		if st["a"] != oidcAccountB {
			t.Fatalf("the state does not carry the account: %s", b)
		}
		st["a"] = kwtest.AccountID
		b, _ = json.Marshal(st)
		hc.Jar.SetCookies(u, []*http.Cookie{{Name: "keyward_oidc_request", Value: base64.RawURLEncoding.EncodeToString(b) + "." + sig, Path: "/console/oidc/"}})
		status, body := s.callback(t, hc, back)
		if status != http.StatusForbidden || signedInAs(t, hc, s.srv, ":assumed-role/") {
			t.Fatalf("swapped account: %d\n%s", status, body)
		}
	})
	t.Run("A's role chosen in B's sign-in", func(t *testing.T) {
		hc := cookieClient()
		_, body := s.callback(t, hc, s.viaB(t, hc, s.startB(oidcAliasB)))
		status, body := s.choose(t, hc, csrfOf(t, body), "arn:aws:iam::"+kwtest.AccountID+":role/Dev")
		if status == http.StatusOK || signedInAs(t, hc, s.srv, ":assumed-role/") {
			t.Fatalf("A's role through B's sign-in: %d\n%s", status, body)
		}
	})
	t.Run("B's sign-in answered with A's provider's token", func(t *testing.T) {
		s.opB.mu.Lock()
		s.opB.Foreign = s.op
		s.opB.mu.Unlock()
		defer func() { s.opB.mu.Lock(); s.opB.Foreign = nil; s.opB.mu.Unlock() }()
		hc := cookieClient()
		status, body := s.callback(t, hc, s.viaB(t, hc, s.startB(oidcAccountB)))
		if status == http.StatusOK || signedInAs(t, hc, s.srv, ":assumed-role/") {
			t.Fatalf("A's token in B's sign-in: %d\n%s", status, body)
		}
	})
}

// TestOIDCSignInToClosedAccount: a sign-in to account B started before B
// is closed and answered by B's provider after ends as a sign-in to an
// account without providers: no code is redeemed with B's client secret
// and no role of B is looked for. Before the fix, the console exchanged
// the code at B's provider with B's secret for the closed account.
func TestOIDCSignInToClosedAccount(t *testing.T) {
	s := newOIDCAccounts(t)
	const none = "No OpenID Connect sign-in is configured for that provider and role."
	ctx := root()
	o := s.k.Organizations
	_, err := o.CreateOrganization(ctx, keyward.FeatureSetAll)
	must(t, err)
	org, err := s.k.Store.OrganizationOf(context.Background(), kwtest.AccountID)
	must(t, err)
	must(t, s.k.Store.AddOrgAccount(context.Background(), org.ID, keyward.OrgAccount{ID: oidcAccountB, ParentID: org.RootID,
		JoinedMethod: keyward.JoinedCreated, JoinedAt: s.clock.Now()}))

	hc := cookieClient()
	back := s.viaB(t, hc, s.startB(oidcAccountB))
	must(t, o.CloseAccount(ctx, oidcAccountB))
	s.opB.mu.Lock()
	pending := len(s.opB.codes)
	s.opB.mu.Unlock()
	status, body := s.callback(t, hc, back)
	if status == http.StatusOK || signedInAs(t, hc, s.srv, ":assumed-role/") || !strings.Contains(body, html.EscapeString(none)) {
		t.Errorf("the closed account's sign-in: %d\n%s", status, body)
	}
	s.opB.mu.Lock()
	defer s.opB.mu.Unlock()
	if len(s.opB.codes) != pending {
		t.Error("the code was redeemed at the closed account's provider with its client secret")
	}
}
