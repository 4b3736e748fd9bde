package kwtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	crewsaml "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/keyward/keyward/saml"
)

// IdP is a real SAML identity provider, crewjam/saml's, that knows
// Keyward's service provider by its metadata and signs real responses for
// its SAML endpoint: what a company's Keycloak or Okta would post.
type IdP struct {
	t   testing.TB
	idp *crewsaml.IdentityProvider
	sp  *saml.ServiceProvider
	now func() time.Time
	// Metadata is the identity provider's metadata document, as an
	// administrator gives it to CreateSAMLProvider.
	Metadata string
	// Session is the signed-in user the next responses speak of; its
	// CustomAttributes carry AWS's attributes (IdPAttribute).
	Session crewsaml.Session
	// SessionEnd, when set, is the SessionNotOnOrAfter the responses state.
	SessionEnd time.Time
}

// NewIdP makes an identity provider at https://idp.corp.test for sp, on
// the clock now, with a user alice@corp.test signed in.
func NewIdP(t testing.TB, sp *saml.ServiceProvider, now func() time.Time) *IdP {
	t.Helper()
	return NewIdPAt(t, sp, now, "https://idp.corp.test")
}

// NewIdPAt is NewIdP for an identity provider at base, such as an
// httptest server serving its Handler.
func NewIdPAt(t testing.TB, sp *saml.ServiceProvider, now func() time.Time, base string) *IdP {
	t.Helper()
	key, cert := NewSigningKey(t, "idp.corp.test", now().Add(-time.Hour), now().Add(24*time.Hour))
	p := &IdP{t: t, sp: sp, now: now}
	p.idp = &crewsaml.IdentityProvider{Key: key, Certificate: cert,
		MetadataURL: MustURL(base + "/metadata"), SSOURL: MustURL(base + "/sso"),
		ServiceProviderProvider: p, SessionProvider: p}
	md, err := xml.Marshal(p.idp.Metadata())
	if err != nil {
		t.Fatal(err)
	}
	p.Metadata = string(md)
	p.Session = crewsaml.Session{ID: "s", CreateTime: now().Add(-time.Minute), ExpireTime: now().Add(8 * time.Hour), Index: "1",
		NameID: "alice@corp.test", NameIDFormat: string(crewsaml.PersistentNameIDFormat), UserName: "alice"}
	return p
}

// NewSigningKey makes an RSA key and a certificate of it, signed by
// itself, for cn and valid from notBefore to notAfter: an identity
// provider's signing or encryption key.
func NewSigningKey(t testing.TB, cn string, notBefore, notAfter time.Time) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// MustURL parses s, a URL the test wrote, for the crewjam/saml structures
// that hold URLs by value.
func MustURL(s string) url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return *u
}

// IdPAttribute is an attribute of the signed-in user, such as
// saml.AttributeRole with "role ARN,provider ARN" values.
func IdPAttribute(name string, values ...string) crewsaml.Attribute {
	a := crewsaml.Attribute{Name: name, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}
	for _, v := range values {
		a.Values = append(a.Values, crewsaml.AttributeValue{Type: "xs:string", Value: v})
	}
	return a
}

// GetServiceProvider implements crewsaml.ServiceProviderProvider.
func (p *IdP) GetServiceProvider(_ *http.Request, id string) (*crewsaml.EntityDescriptor, error) {
	var ed crewsaml.EntityDescriptor
	if err := xml.Unmarshal(p.sp.Metadata(), &ed); err != nil {
		return nil, err
	}
	if id != ed.EntityID {
		return nil, os.ErrNotExist
	}
	return &ed, nil
}

// GetSession implements crewsaml.SessionProvider.
func (p *IdP) GetSession(http.ResponseWriter, *http.Request, *crewsaml.IdpAuthnRequest) *crewsaml.Session {
	s := p.Session
	return &s
}

// Response is an IdP-initiated response for Keyward's SAML endpoint,
// issued now, base64 as the browser posts it.
func (p *IdP) Response() string {
	p.t.Helper()
	p.idp.Clock = dsig.NewFakeClockAt(p.now())
	req, err := p.idp.NewIdpInitiatedRequest(httptest.NewRequest("GET", "https://idp.corp.test/sso", nil), p.sp.Endpoint(), "")
	if err != nil {
		p.t.Fatal(err)
	}
	return p.post(req).SAMLResponse
}

// post makes req's assertion, ending its session at SessionEnd when that
// is set, and returns the form the browser posts.
func (p *IdP) post(req *crewsaml.IdpAuthnRequest) crewsaml.IdpAuthnRequestForm {
	p.t.Helper()
	if err := (crewsaml.DefaultAssertionMaker{}).MakeAssertion(req, p.GetSession(nil, nil, req)); err != nil {
		p.t.Fatal(err)
	}
	if !p.SessionEnd.IsZero() {
		end := p.SessionEnd
		req.Assertion.AuthnStatements[0].SessionNotOnOrAfter = &end
	}
	form, err := req.PostBinding()
	if err != nil {
		p.t.Fatal(err)
	}
	return form
}
