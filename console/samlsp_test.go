package console_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	crewsaml "github.com/crewjam/saml"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/saml"
)

// spConsole is the console of a Keyward whose SAML provider "corp" is idp
// and whose role Admin trusts it, on a clock the test moves.
type spConsole struct {
	srv   *httptest.Server
	clock *kwtest.Clock
	// consoleClock is the console's own, which the test moves apart from
	// the rest of Keyward's to expire what only the console keeps.
	consoleClock *kwtest.Clock
	idp          *kwtest.IdP
	k            *kwtest.Keyward
}

func newSPConsole(t *testing.T) *spConsole {
	t.Helper()
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	consoleClock := kwtest.NewClock(clock.Now())
	k := kwtest.NewWithClock(t, clock.Now)
	s := &spConsole{srv: serveConsole(t, consoleConfig(k, consoleClock.Now)), clock: clock, consoleClock: consoleClock, idp: kwtest.NewIdP(t, k.STS.SAML, clock.Now), k: k}
	arn := s.provider(t, "corp", s.idp.Metadata)
	root := kwtest.AsRoot(context.Background())
	if _, err := k.IAM.CreateRole(root, keyward.Role{Name: "Admin", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"` + arn + `"},"Action":"sts:AssumeRoleWithSAML"}]}`}); err != nil {
		t.Fatal(err)
	}
	if err := k.IAM.PutInlinePolicy(root, keyward.Entity{Kind: keyward.EntityRole, Name: "Admin"}, "read",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	s.idp.Session.CustomAttributes = []crewsaml.Attribute{
		kwtest.IdPAttribute(saml.AttributeRole, "arn:aws:iam::"+kwtest.AccountID+":role/Admin,"+arn),
		kwtest.IdPAttribute(saml.AttributeSessionName, "alice")}
	return s
}

func (s *spConsole) provider(t *testing.T, name, metadata string) string {
	t.Helper()
	p, err := s.k.IAM.CreateSAMLProvider(kwtest.AsRoot(context.Background()), name, metadata, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.ARN
}

// start follows the sign-in page's link for provider in the browser hc and
// returns the URL it is sent to.
func (s *spConsole) start(t *testing.T, hc *http.Client, provider string) string {
	t.Helper()
	resp, err := hc.Get(s.srv.URL + "/console/signin/saml?provider=" + url.QueryEscape(provider))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

func (s *spConsole) post(t *testing.T, hc *http.Client, form url.Values) (int, string) {
	t.Helper()
	return page(t, hc, s.srv.URL+"/saml", form)
}

// signedIn says whether hc's console session is the role's.
func (s *spConsole) signedIn(t *testing.T, hc *http.Client) bool {
	t.Helper()
	return signedInAs(t, hc, s.srv, "Admin/alice")
}

const signedInPage = `content="0;url=/console/roles"`

// TestSAMLSPInitiated: the sign-in page offers each provider an
// AuthnRequest can be sent to; its link sends the browser to the identity
// provider with one, and the response to it signs that browser in. A
// response that reaches /saml without the request's cookie, as the
// identity provider's cross-site post does in a browser, is posted again
// by Keyward's own page, with it.
func TestSAMLSPInitiated(t *testing.T) {
	s := newSPConsole(t)
	// Providers the page must not offer: one that wants signed requests,
	// one with no HTTP-Redirect sign-on service.
	signed := kwtest.NewIdPAt(t, s.k.STS.SAML, s.clock.Now, "https://signed.corp.test")
	s.provider(t, "signed", strings.Replace(signed.Metadata, "<IDPSSODescriptor ", `<IDPSSODescriptor WantAuthnRequestsSigned="true" `, 1))
	postOnly := kwtest.NewIdPAt(t, s.k.STS.SAML, s.clock.Now, "https://post.corp.test")
	s.provider(t, "postonly", strings.ReplaceAll(postOnly.Metadata, saml.BindingHTTPRedirect, "urn:oasis:names:tc:SAML:2.0:bindings:SOAP"))

	t.Run("sign-in page", func(t *testing.T) {
		resp, err := http.Get(s.srv.URL + "/console/signin")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(b)
		if !strings.Contains(page, `href="/console/signin/saml?provider=corp"`) || !strings.Contains(page, "Sign in with corp") {
			t.Fatalf("corp is not offered:\n%s", page)
		}
		if strings.Contains(page, "provider=signed") || strings.Contains(page, "provider=postonly") {
			t.Fatalf("a provider Keyward cannot send a request to is offered:\n%s", page)
		}
		for _, name := range []string{"signed", "postonly", "nosuch"} {
			if status := getStatus(t, cookieClient(), s.srv.URL+"/console/signin/saml?provider="+name); status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", name, status)
			}
		}
	})

	t.Run("signed in", func(t *testing.T) {
		hc := cookieClient()
		to := s.start(t, hc, "corp")
		if !strings.HasPrefix(to, "https://idp.corp.test/sso?SAMLRequest=") {
			t.Fatalf("sent to %s", to)
		}
		response, relay := s.idp.Answer(to)
		if status, page := s.post(t, hc, url.Values{"SAMLResponse": {response}, "RelayState": {relay}}); status != http.StatusOK || !strings.Contains(page, signedInPage) {
			t.Fatalf("sign-in: %d\n%s", status, page)
		}
		if !s.signedIn(t, hc) {
			t.Fatal("not signed in as the role")
		}
	})

	t.Run("resumed from Keyward's page", func(t *testing.T) {
		hc := cookieClient()
		response, _ := s.idp.Answer(s.start(t, hc, "corp"))
		// The identity provider's post, which carries no cookie of Keyward's.
		status, page := s.post(t, &http.Client{}, url.Values{"SAMLResponse": {response}})
		if status != http.StatusOK || !strings.Contains(page, `id="saml-resume"`) || !strings.Contains(page, `name="resumed" value="1"`) {
			t.Fatalf("first post: %d\n%s", status, page)
		}
		if status, page := s.post(t, hc, url.Values{"SAMLResponse": {response}, "resumed": {"1"}}); status != http.StatusOK || !strings.Contains(page, signedInPage) {
			t.Fatalf("posted again: %d\n%s", status, page)
		}
		if !s.signedIn(t, hc) {
			t.Fatal("not signed in as the role")
		}
	})

	t.Run("IdP-initiated still signs in", func(t *testing.T) {
		hc := cookieClient()
		s.start(t, hc, "corp") // a sign-in started and abandoned
		if status, page := s.post(t, hc, url.Values{"SAMLResponse": {s.idp.Response()}}); status != http.StatusOK || !strings.Contains(page, signedInPage) {
			t.Fatalf("sign-in: %d\n%s", status, page)
		}
	})
}

// requestID is the ID of the AuthnRequest in an HTTP-Redirect URL.
func requestID(t *testing.T, authnURL string) string {
	t.Helper()
	u, err := url.Parse(authnURL)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
	if err != nil {
		t.Fatal(err)
	}
	xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(` ID="([^"]+)"`).FindSubmatch(xml)
	if m == nil {
		t.Fatalf("no ID in %s", xml)
	}
	return string(m[1])
}
