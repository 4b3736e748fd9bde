package saml_test

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/xmlenc"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/saml"
)

// The tests sign in with a real SAML identity provider, crewjam/saml's
// IdentityProvider, running in the test process: it reads Keyward's
// service-provider metadata, answers Keyward's AuthnRequests, and signs
// (and, when asked, encrypts) real responses. The attacks are made from
// those responses.

// t0 is when the tests happen; the identity provider's clock and Keyward's
// are set from it, never from the machine's.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const (
	baseURL     = "https://keyward.test"
	endpoint    = baseURL + "/saml"
	idpEntityID = "https://idp.test/metadata"
	account     = "123456789012"
	providerARN = "arn:aws:iam::123456789012:saml-provider/TestIdP"
	adminRole   = "arn:aws:iam::123456789012:role/Admin"
	readerRole  = "arn:aws:iam::123456789012:role/Reader"
)

// keyPair is an RSA key and a self-signed certificate for it.
type keyPair struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

var (
	keysOnce sync.Once
	// idpKeys sign the identity provider's responses; attackerKeys are a
	// key the metadata does not list; encKeys and encKeys2 are the SAML
	// provider's private keys for encrypted assertions.
	idpKeys, attackerKeys, encKeys, encKeys2 keyPair
)

func newKeyPair(t testing.TB, cn string) keyPair {
	t.Helper()
	// Expired at t0: Keyward checks no certificate dates, as IAM.
	key, cert := kwtest.NewSigningKey(t, cn, t0.AddDate(-2, 0, 0), t0.AddDate(0, 0, -1))
	return keyPair{key: key, cert: cert}
}

func keys(t testing.TB) {
	keysOnce.Do(func() {
		idpKeys = newKeyPair(t, "idp.test")
		attackerKeys = newKeyPair(t, "idp.test")
		encKeys = newKeyPair(t, "encryption")
		encKeys2 = newKeyPair(t, "encryption 2")
	})
}

// harness is Keyward's service provider and an identity provider that
// trusts it.
type harness struct {
	t        testing.TB
	now      time.Time // Keyward's clock
	issued   time.Time // the identity provider's clock
	sp       *saml.ServiceProvider
	idp      *crewsaml.IdentityProvider
	spMeta   *crewsaml.EntityDescriptor
	metadata string
	provider saml.Provider
	session  crewsaml.Session
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	keys(t)
	h := &harness{t: t, now: t0, issued: t0}
	h.sp = &saml.ServiceProvider{BaseURL: baseURL, Now: func() time.Time { return h.now }}
	h.spMeta = h.parseSPMetadata(h.sp.Metadata())
	h.idp = &crewsaml.IdentityProvider{
		Key: idpKeys.key, Certificate: idpKeys.cert,
		MetadataURL:             kwtest.MustURL(idpEntityID),
		SSOURL:                  kwtest.MustURL("https://idp.test/sso"),
		ServiceProviderProvider: h, SessionProvider: h,
		Clock: dsig.NewFakeClockAt(t0),
	}
	md, err := xml.Marshal(h.idp.Metadata())
	if err != nil {
		t.Fatal(err)
	}
	h.metadata = string(md)
	meta, err := saml.ParseMetadata(h.metadata, t0)
	if err != nil {
		t.Fatal(err)
	}
	h.provider = saml.Provider{ARN: providerARN, Metadata: meta}
	h.session = crewsaml.Session{
		ID: "session", CreateTime: t0.Add(-time.Minute), ExpireTime: t0.Add(time.Hour), Index: "1",
		NameID: "alice@example.com", NameIDFormat: string(crewsaml.PersistentNameIDFormat),
		UserName: "alice", UserEmail: "alice@example.com", UserCommonName: "Alice Liddell",
		UserSurname: "Liddell", UserGivenName: "Alice", Groups: []string{"staff", "member"},
		CustomAttributes: []crewsaml.Attribute{
			attribute(saml.AttributeRole, adminRole+","+providerARN, providerARN+","+readerRole),
			attribute(saml.AttributeSessionName, "alice"),
		},
	}
	return h
}

// attribute is an attribute of the signed-in user, as kwtest's IdP, the
// other packages' identity provider, writes it.
var attribute = kwtest.IdPAttribute

// parseSPMetadata reads Keyward's service-provider metadata as the identity
// provider does.
func (h *harness) parseSPMetadata(doc []byte) *crewsaml.EntityDescriptor {
	h.t.Helper()
	var ed crewsaml.EntityDescriptor
	if err := xml.Unmarshal(doc, &ed); err != nil {
		h.t.Fatal(err)
	}
	return &ed
}

// GetServiceProvider implements crewsaml.ServiceProviderProvider: the
// identity provider knows Keyward by its metadata.
func (h *harness) GetServiceProvider(_ *http.Request, id string) (*crewsaml.EntityDescriptor, error) {
	if id != h.spMeta.EntityID {
		return nil, os.ErrNotExist
	}
	return h.spMeta, nil
}

// GetSession implements crewsaml.SessionProvider: the user has signed in
// at the identity provider.
func (h *harness) GetSession(http.ResponseWriter, *http.Request, *crewsaml.IdpAuthnRequest) *crewsaml.Session {
	s := h.session
	return &s
}

// encryptTo makes the identity provider encrypt its assertions to cert,
// as an administrator sets it up with the certificate of the private key
// given to the SAML provider, with the block cipher given.
func (h *harness) encryptTo(cert *x509.Certificate, cipher xmlenc.BlockCipher) {
	h.t.Helper()
	md := h.parseSPMetadata(h.sp.Metadata())
	md.SPSSODescriptors[0].KeyDescriptors = append(md.SPSSODescriptors[0].KeyDescriptors, crewsaml.KeyDescriptor{
		Use: "encryption",
		KeyInfo: crewsaml.KeyInfo{X509Data: crewsaml.X509Data{X509Certificates: []crewsaml.X509Certificate{
			{Data: base64.StdEncoding.EncodeToString(cert.Raw)},
		}}},
	})
	h.spMeta = md
	enc := xmlenc.OAEP()
	enc.BlockCipher = cipher
	h.idp.AssertionEncrypter = enc
}

// response returns an IdP-initiated response, as the identity provider
// posts it to Keyward's endpoint, issued at h.issued.
func (h *harness) response() string {
	h.t.Helper()
	h.idp.Clock = dsig.NewFakeClockAt(h.issued)
	req, err := h.idp.NewIdpInitiatedRequest(httptest.NewRequest("GET", "https://idp.test/sso", nil), endpoint, "")
	if err != nil {
		h.t.Fatal(err)
	}
	if err := (crewsaml.DefaultAssertionMaker{}).MakeAssertion(req, h.GetSession(nil, nil, req)); err != nil {
		h.t.Fatal(err)
	}
	form, err := req.PostBinding()
	if err != nil {
		h.t.Fatal(err)
	}
	if form.URL != endpoint {
		h.t.Fatalf("the identity provider posts to %s", form.URL)
	}
	return form.SAMLResponse
}

var samlResponseField = regexp.MustCompile(`name="SAMLResponse" value="([^"]+)"`)

// signIn follows an SP-initiated sign-in: the browser goes to the URL of
// Keyward's AuthnRequest, the identity provider answers with its POST form,
// and the form's SAMLResponse is returned.
func (h *harness) signIn(u string) string {
	h.t.Helper()
	h.idp.Clock = dsig.NewFakeClockAt(h.issued)
	w := httptest.NewRecorder()
	h.idp.ServeSSO(w, httptest.NewRequest("GET", u, nil))
	if w.Code != http.StatusOK {
		h.t.Fatalf("identity provider: %d %s", w.Code, w.Body)
	}
	m := samlResponseField.FindStringSubmatch(w.Body.String())
	if m == nil {
		h.t.Fatalf("no SAMLResponse in %s", w.Body)
	}
	return html.UnescapeString(m[1])
}

func (h *harness) verify(resp string) (*saml.Assertion, error) {
	return h.sp.Verify(resp, h.provider, saml.Options{})
}

// Editing responses, for the attacks and for identity providers set up
// otherwise than crewjam/saml's defaults.

func decodeDoc(t testing.TB, resp string) *etree.Document {
	t.Helper()
	data, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		t.Fatal(err)
	}
	return doc
}

func encodeDoc(t testing.TB, doc *etree.Document) string {
	t.Helper()
	data, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(data)
}

// find returns the first element of doc at path (etree's path syntax, by
// local name), failing the test when there is none.
func find(t testing.TB, el *etree.Element, path string) *etree.Element {
	t.Helper()
	found := el.FindElement(path)
	if found == nil {
		t.Fatalf("no %s", path)
	}
	return found
}

// removeSignature removes el's own Signature.
func removeSignature(el *etree.Element) {
	if s := el.SelectElement("Signature"); s != nil {
		el.RemoveChild(s)
	}
}

// signer signs elements as an identity provider does.
type signer struct {
	key    *rsa.PrivateKey
	cert   *x509.Certificate
	method string
}

// sign replaces el's signature with a new enveloped one, made over el as it
// now is; el stays at its place in its document.
func (s signer) sign(t testing.TB, el *etree.Element) {
	t.Helper()
	removeSignature(el)
	ctx, err := dsig.NewSigningContext(s.key, [][]byte{s.cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	method := s.method
	if method == "" {
		method = dsig.RSASHA256SignatureMethod
	}
	if err := ctx.SetSignatureMethod(method); err != nil {
		t.Fatal(err)
	}
	nsctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		t.Fatal(err)
	}
	detached, err := etreeutils.NSDetatch(nsctx, el)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := ctx.ConstructSignature(detached, true)
	if err != nil {
		t.Fatal(err)
	}
	// After the Issuer, where SAML puts it.
	at := 0
	for i, c := range el.Child {
		if e, ok := c.(*etree.Element); ok && e.Tag == "Issuer" {
			at = i + 1
		}
	}
	el.InsertChildAt(at, sig)
}

func (h *harness) idpSigner() signer { return signer{key: idpKeys.key, cert: idpKeys.cert} }

// edit decodes resp, lets change alter the assertion, signs the assertion
// again with the identity provider's key (what an identity provider set up
// that way would have sent), drops the response's signature, and encodes
// the result.
func (h *harness) edit(resp string, change func(assertion *etree.Element)) string {
	h.t.Helper()
	doc := decodeDoc(h.t, resp)
	removeSignature(doc.Root())
	a := find(h.t, doc.Root(), "Assertion")
	change(a)
	h.idpSigner().sign(h.t, a)
	return encodeDoc(h.t, doc)
}

// wantErr checks that err is a *saml.Error of the kind want, with the code
// given.
func wantErr(t testing.TB, err, want error, code string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	var e *saml.Error
	if !errors.As(err, &e) || e.Code != code || e.Message == "" {
		t.Fatalf("error %#v, want code %s and a message", err, code)
	}
}
