package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	crewsaml "github.com/crewjam/saml"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/saml"
)

// samlConsole serves the console in front of a Keyward whose SAML provider
// "corp" is idp, with roles Admin and Reader that trust it.
type samlConsole struct {
	srv         *httptest.Server
	idp         *kwtest.IdP
	providerARN string
	k           *kwtest.Keyward
	rec         *audit.Recorder
}

func newSAMLConsole(t *testing.T) *samlConsole {
	t.Helper()
	k := kwtest.New(t)
	rec := &audit.Recorder{Store: k.IAM.Store}
	cfg := consoleConfig(k, time.Now)
	cfg.Audit = rec
	s := &samlConsole{srv: serveConsole(t, cfg), idp: kwtest.NewIdP(t, k.STS.SAML, time.Now), k: k, rec: rec}
	root := kwtest.AsRoot(context.Background())
	p, err := k.IAM.CreateSAMLProvider(root, "corp", s.idp.Metadata, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.providerARN = p.ARN
	for _, name := range []string{"Admin", "Reader"} {
		if _, err := k.IAM.CreateRole(root, keyward.Role{Name: name, TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"` + p.ARN + `"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"` + k.STS.SAML.Endpoint() + `"}}}]}`}); err != nil {
			t.Fatal(err)
		}
		if err := k.IAM.PutInlinePolicy(root, keyward.Entity{Kind: keyward.EntityRole, Name: name}, "read",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`); err != nil {
			t.Fatal(err)
		}
	}
	s.roles("Admin")
	return s
}

func (s *samlConsole) roleARN(name string) string {
	return "arn:aws:iam::" + kwtest.AccountID + ":role/" + name
}

// roles sets the roles the identity provider's Role attribute offers.
func (s *samlConsole) roles(names ...string) {
	var pairs []string
	for _, n := range names {
		pairs = append(pairs, s.roleARN(n)+","+s.providerARN)
	}
	s.idp.Session.CustomAttributes = []crewsaml.Attribute{kwtest.IdPAttribute(saml.AttributeRole, pairs...),
		kwtest.IdPAttribute(saml.AttributeSessionName, "alice")}
}

// post posts a form to the SAML endpoint as the identity provider's page
// makes the browser do, and returns the status and the page.
func (s *samlConsole) post(t *testing.T, hc *http.Client, form url.Values) (int, string) {
	t.Helper()
	return page(t, hc, s.srv.URL+"/saml", form)
}

// TestSAMLConsoleSignIn: IdP-initiated single sign-on. A response naming
// one role signs the browser in as that role's session; naming two, the
// role chooser lists both and signs in as the one chosen; Keyward's
// service-provider metadata is at /saml/metadata.
func TestSAMLConsoleSignIn(t *testing.T) {
	s := newSAMLConsole(t)
	t.Run("metadata", func(t *testing.T) {
		resp, err := http.Get(s.srv.URL + "/saml/metadata")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "AssertionConsumerService") || resp.Header.Get("Content-Type") != "application/samlmetadata+xml" {
			t.Fatalf("metadata: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	})
	t.Run("one role", func(t *testing.T) {
		hc := cookieClient()
		status, page := s.post(t, hc, url.Values{"SAMLResponse": {s.idp.Response()}, "RelayState": {"/console/roles/Admin"}})
		if status != http.StatusOK || !strings.Contains(page, `content="0;url=/console/roles/Admin"`) {
			t.Fatalf("sign-in: %d\n%s", status, page)
		}
		if !signedInAs(t, hc, s.srv, "Admin/alice") {
			t.Fatal("the console is not the role's session")
		}
	})
	t.Run("the role chooser", func(t *testing.T) {
		s.roles("Admin", "Reader")
		defer s.roles("Admin")
		hc := cookieClient()
		resp := s.idp.Response()
		status, page := s.post(t, hc, url.Values{"SAMLResponse": {resp}})
		if status != http.StatusOK || !strings.Contains(page, `value="`+s.roleARN("Admin")+`"`) || !strings.Contains(page, `value="`+s.roleARN("Reader")+`"`) {
			t.Fatalf("chooser: %d\n%s", status, page)
		}
		if getStatus(t, hc, s.srv.URL+"/console/roles") == http.StatusOK {
			t.Fatal("signed in before a role was chosen")
		}
		if status, page := s.post(t, hc, url.Values{"SAMLResponse": {resp}, "roleIndex": {s.roleARN("Reader")}}); status != http.StatusOK {
			t.Fatalf("choosing Reader: %d\n%s", status, page)
		}
		if !signedInAs(t, hc, s.srv, "Reader/alice") {
			t.Fatal("not signed in as Reader")
		}
	})
}

// TestSAMLConsoleSessionDuration: the SessionDuration attribute asks for a
// console session of up to 12 hours. AWS does not hold console sign-in to
// the role's maximum session duration; Keyward's console session is the
// role session, which does not outlast the role's maximum: the sign-in
// goes on, for that maximum, rather than failing once the response is
// used up.
func TestSAMLConsoleSessionDuration(t *testing.T) {
	s := newSAMLConsole(t)
	s.idp.Session.CustomAttributes = append(s.idp.Session.CustomAttributes, kwtest.IdPAttribute(saml.AttributeDuration, "43200"))
	resp, err := http.PostForm(s.srv.URL+"/saml", url.Values{"SAMLResponse": {s.idp.Response()}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) == 0 {
		t.Fatalf("a SessionDuration over the role's maximum: %d\n%s", resp.StatusCode, page)
	}
	for _, c := range resp.Cookies() {
		if left := time.Until(c.Expires); left > time.Hour+time.Minute || left < time.Hour-time.Minute {
			t.Errorf("cookie %s lasts %v, want the role's maximum of an hour", c.Name, left)
		}
	}
}
