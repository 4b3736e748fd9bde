package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	crewsaml "github.com/crewjam/saml"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/saml"
)

// SAML console sign-in into any account of the installation: the sign-in
// page named with the account offers its providers; an SP-initiated
// sign-in's signed cookie holds the provider's ARN, and so its account;
// an IdP-initiated response is taken, as AWS's sign-in endpoint takes it,
// in the account of the role and provider its signed Role attribute
// names, both of one account, verified with that provider's keys.

const (
	samlAccountB = "975318642097"
	samlAliasB   = "saml-tenant-b"
)

// spAccounts is spConsole (account A: provider corp, role Admin) with
// account B: provider corpb at another identity provider, role BAdmin.
type spAccounts struct {
	*spConsole
	idpB         *kwtest.IdP
	providerA    string
	providerB    string
	roleA, roleB string
}

func newSPAccounts(t *testing.T) *spAccounts {
	t.Helper()
	s := newSPConsole(t)
	must(t, s.k.Store.CreateAccount(context.Background(), keyward.Account{ID: samlAccountB, Name: "b", CreatedAt: s.clock.Now()}, nil))
	ctx := asRootOf(samlAccountB)
	must(t, s.k.IAM.CreateAccountAlias(ctx, samlAliasB))
	idpB := kwtest.NewIdPAt(t, s.k.STS.SAML, s.clock.Now, "https://idp.b.test")
	p, err := s.k.IAM.CreateSAMLProvider(ctx, "corpb", idpB.Metadata, nil)
	must(t, err)
	_, err = s.k.IAM.CreateRole(ctx, keyward.Role{Name: "BAdmin", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"` + p.ARN + `"},"Action":"sts:AssumeRoleWithSAML"}]}`})
	must(t, err)
	must(t, s.k.IAM.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityRole, Name: "BAdmin"}, "read",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`))
	a := &spAccounts{spConsole: s, idpB: idpB, providerA: "arn:aws:iam::" + kwtest.AccountID + ":saml-provider/corp", providerB: p.ARN,
		roleA: "arn:aws:iam::" + kwtest.AccountID + ":role/Admin", roleB: "arn:aws:iam::" + samlAccountB + ":role/BAdmin"}
	a.says(idpB, a.roleB+","+a.providerB)
	return a
}

// says sets the Role attribute idp's responses carry.
func (s *spAccounts) says(idp *kwtest.IdP, pairs ...string) {
	idp.Session.CustomAttributes = []crewsaml.Attribute{kwtest.IdPAttribute(saml.AttributeRole, pairs...), kwtest.IdPAttribute(saml.AttributeSessionName, "alice")}
}

// startIn follows the link of provider on account typed's sign-in page.
func (s *spAccounts) startIn(t *testing.T, hc *http.Client, typed, provider string) (int, string) {
	t.Helper()
	resp, err := hc.Get(s.srv.URL + "/console/signin/saml?" + url.Values{"account": {typed}, "provider": {provider}}.Encode())
	must(t, err)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

const sessionOfB = "arn:aws:sts::" + samlAccountB + ":assumed-role/BAdmin/alice"

// TestSAMLSignInToAnyAccount: account B's sign-in page, named by alias or
// ID, offers B's provider alone; its link's sign-in, and B's identity
// provider's IdP-initiated response, sign in to B's role, in account B.
func TestSAMLSignInToAnyAccount(t *testing.T) {
	s := newSPAccounts(t)
	for _, typed := range []string{samlAliasB, samlAccountB} {
		_, body := page(t, cookieClient(), s.srv.URL+"/console/signin?"+url.Values{"account": {typed}}.Encode(), nil)
		if !strings.Contains(body, `href="/console/signin/saml?account=`+typed+`&amp;provider=corpb"`) || strings.Contains(body, "provider=corp\"") {
			t.Fatalf("account %s's sign-in page:\n%s", typed, body)
		}
	}
	hc := cookieClient()
	status, to := s.startIn(t, hc, samlAliasB, "corpb")
	if status != http.StatusSeeOther || !strings.HasPrefix(to, "https://idp.b.test/") {
		t.Fatalf("start: %d %s", status, to)
	}
	response, relay := s.idpB.Answer(to)
	if status, body := s.post(t, hc, url.Values{"SAMLResponse": {response}, "RelayState": {relay}}); status != http.StatusOK || !strings.Contains(body, signedInPage) {
		t.Fatalf("SP-initiated: %d\n%s", status, body)
	}
	if !signedInAs(t, hc, s.srv, sessionOfB) {
		t.Fatal("not signed in to B's role")
	}
	hc = cookieClient()
	if status, body := s.post(t, hc, url.Values{"SAMLResponse": {s.idpB.Response()}}); status != http.StatusOK || !strings.Contains(body, signedInPage) {
		t.Fatalf("IdP-initiated: %d\n%s", status, body)
	}
	if !signedInAs(t, hc, s.srv, sessionOfB) {
		t.Fatal("IdP-initiated: not signed in to B's role")
	}
}

// TestSAMLSignInAccountAttacks: no response signs in to an account whose
// provider did not sign it, nor through a provider of another account
// than the role's; and an account that is not the installation's answers
// as one without providers.
func TestSAMLSignInAccountAttacks(t *testing.T) {
	s := newSPAccounts(t)
	refused := func(t *testing.T, hc *http.Client, form url.Values) {
		t.Helper()
		status, body := s.post(t, hc, form)
		if status == http.StatusOK && strings.Contains(body, signedInPage) || signedInAs(t, hc, s.srv, ":assumed-role/") {
			t.Fatalf("signed in: %d\n%s", status, body)
		}
	}
	wantStatus := getStatus(t, cookieClient(), s.srv.URL+"/console/signin/saml?provider=nosuch")
	t.Run("A's provider named with account B, unknown accounts", func(t *testing.T) {
		for _, v := range [][2]string{{samlAccountB, "corp"}, {samlAliasB, "corp"}, {kwtest.AccountID, "corpb"}, {"999999999999", "corpb"}, {"no-such-alias", "corpb"}} {
			hc := cookieClient()
			if status, to := s.startIn(t, hc, v[0], v[1]); status != wantStatus || to != "" {
				t.Fatalf("account %s, provider %s: %d %s", v[0], v[1], status, to)
			}
			u, _ := url.Parse(s.srv.URL + "/saml")
			if len(hc.Jar.Cookies(u)) != 0 {
				t.Fatalf("account %s, provider %s: a sign-in was started", v[0], v[1])
			}
		}
		_, body := page(t, cookieClient(), s.srv.URL+"/console/signin?account=999999999999", nil)
		if strings.Contains(body, "Sign in with") {
			t.Fatalf("an unknown account's page offers a provider:\n%s", body)
		}
	})
	t.Run("A's IdP names B's role and provider", func(t *testing.T) {
		s.says(s.idp, s.roleB+","+s.providerB)
		defer s.says(s.idp, s.roleA+","+s.providerA)
		refused(t, cookieClient(), url.Values{"SAMLResponse": {s.idp.Response()}})
	})
	t.Run("A's IdP names B's role through A's provider", func(t *testing.T) {
		s.says(s.idp, s.roleB+","+s.providerA)
		defer s.says(s.idp, s.roleA+","+s.providerA)
		refused(t, cookieClient(), url.Values{"SAMLResponse": {s.idp.Response()}})
		refused(t, cookieClient(), url.Values{"SAMLResponse": {s.idp.Response()}, "roleIndex": {s.roleB}})
	})
	// A response to one account's request, posted by a browser that
	// started a sign-in to the other: the request the cookie remembers,
	// and its provider, are the other account's.
	t.Run("A's IdP answers B's sign-in", func(t *testing.T) {
		hcA, hcB := cookieClient(), cookieClient()
		response, relay := s.idp.Answer(s.start(t, hcA, "corp"))
		s.startIn(t, hcB, samlAccountB, "corpb")
		refused(t, hcB, url.Values{"SAMLResponse": {response}, "RelayState": {relay}})
		refused(t, hcB, url.Values{"SAMLResponse": {response}, "RelayState": {relay}, "resumed": {"1"}})
	})
	t.Run("B's IdP answers A's sign-in", func(t *testing.T) {
		hcA, hcB := cookieClient(), cookieClient()
		_, to := s.startIn(t, hcB, samlAliasB, "corpb")
		response, relay := s.idpB.Answer(to)
		s.start(t, hcA, "corp")
		refused(t, hcA, url.Values{"SAMLResponse": {response}, "RelayState": {relay}})
		refused(t, hcA, url.Values{"SAMLResponse": {response}, "RelayState": {relay}, "resumed": {"1"}})
	})
}
