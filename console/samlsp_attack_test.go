package console_test

// Attacks on SP-initiated SAML sign-in: a response to another browser's
// request, from another provider than the request's, after the request
// expired; a forged request cookie, and the request cookie passed off as
// a session.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	crewsaml "github.com/crewjam/saml"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/saml"
)

// TestSAMLSPInitiatedAttacks: a response that answers a request signs in
// only the browser that sent that request, from the provider it was sent
// to, within the request's lifetime; the request's cookie cannot be forged
// nor passed off as a session.
func TestSAMLSPInitiatedAttacks(t *testing.T) {
	s := newSPConsole(t)
	refused := func(t *testing.T, hc *http.Client, response string) {
		t.Helper()
		status, page := s.post(t, hc, url.Values{"SAMLResponse": {response}, "resumed": {"1"}})
		if status != http.StatusForbidden || !strings.Contains(page, "AccessDenied") {
			t.Fatalf("accepted: %d\n%s", status, page)
		}
		if s.signedIn(t, hc) {
			t.Fatal("signed in")
		}
	}

	t.Run("a response to another browser's request", func(t *testing.T) {
		victim, attacker := cookieClient(), cookieClient()
		stolen, _ := s.idp.Answer(s.start(t, victim, "corp"))
		s.start(t, attacker, "corp")
		refused(t, attacker, stolen)
		refused(t, cookieClient(), stolen) // a browser that started nothing
		// The victim's own browser still signs in with it: nothing was used up.
		if status, page := s.post(t, victim, url.Values{"SAMLResponse": {stolen}}); status != http.StatusOK || !strings.Contains(page, signedInPage) {
			t.Fatalf("victim: %d\n%s", status, page)
		}
	})

	t.Run("a response from another provider than the request's", func(t *testing.T) {
		other := kwtest.NewIdPAt(t, s.k.STS.SAML, s.clock.Now, "https://other.corp.test")
		otherARN := s.provider(t, "other", other.Metadata)
		other.Session.CustomAttributes = []crewsaml.Attribute{
			kwtest.IdPAttribute(saml.AttributeRole, "arn:aws:iam::"+kwtest.AccountID+":role/Admin,"+otherARN),
			kwtest.IdPAttribute(saml.AttributeSessionName, "mallory")}
		// Admin trusts both: only the request's provider tells them apart.
		corpARN := "arn:aws:iam::" + kwtest.AccountID + ":saml-provider/corp"
		if err := s.k.IAM.UpdateAssumeRolePolicy(kwtest.AsRoot(context.Background()), "Admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":["`+corpARN+`","`+otherARN+`"]},"Action":"sts:AssumeRoleWithSAML"}]}`); err != nil {
			t.Fatal(err)
		}
		hc := cookieClient()
		to := s.start(t, hc, "corp")
		// The other provider answers a request with the ID of the one sent
		// to corp.
		id := requestID(t, to)
		b, err := hex.DecodeString(strings.TrimPrefix(id, "id-"))
		if err != nil {
			t.Fatal(err)
		}
		md, err := saml.ParseMetadata(other.Metadata, s.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		sp := &saml.ServiceProvider{BaseURL: s.k.STS.SAML.BaseURL, Now: s.clock.Now, Rand: bytes.NewReader(b)}
		req, err := sp.NewAuthnRequest(md, "")
		if err != nil || req.ID != id {
			t.Fatalf("the same ID: %v %v", req, err)
		}
		response, _ := other.Answer(req.URL)
		refused(t, hc, response)
	})

	t.Run("expired request", func(t *testing.T) {
		inTime, late := cookieClient(), cookieClient()
		first, _ := s.idp.Answer(s.start(t, inTime, "corp"))
		second, _ := s.idp.Answer(s.start(t, late, "corp"))
		s.consoleClock.Add(10*time.Minute - time.Second)
		if status, page := s.post(t, inTime, url.Values{"SAMLResponse": {first}}); status != http.StatusOK || !strings.Contains(page, signedInPage) {
			t.Fatalf("within the request's lifetime: %d\n%s", status, page)
		}
		s.consoleClock.Add(time.Second)
		refused(t, late, second)
	})

	t.Run("forged state", func(t *testing.T) {
		hc := cookieClient()
		response, _ := s.idp.Answer(s.start(t, hc, "corp"))
		u, _ := url.Parse(s.srv.URL + "/saml")
		payload, b, sig := signedCookie(t, hc, u.String(), "keyward_saml_request")
		// Another request's ID with the old signature, and a cookie made
		// without the key, each for a browser that holds nothing else.
		for _, forged := range []string{
			base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(b), `"i":"id-`, `"i":"id-0`, 1))) + "." + sig,
			payload + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
			payload,
		} {
			attacker := cookieClient()
			attacker.Jar.SetCookies(u, []*http.Cookie{{Name: "keyward_saml_request", Value: forged, Path: "/saml"}})
			refused(t, attacker, response)
		}
		// The state is no session cookie, though signed under the same key.
		attacker := cookieClient()
		attacker.Jar.SetCookies(u, []*http.Cookie{{Name: "keyward_session", Value: payload + "." + sig, Path: "/console/"}})
		if s.signedIn(t, attacker) {
			t.Fatal("the request's cookie is a session")
		}
	})
}
