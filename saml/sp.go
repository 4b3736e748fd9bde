package saml

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Paths of Keyward's SAML service provider under its base URL.
const (
	// EndpointPath is the assertion consumer service, which is also the
	// entity ID, the audience and the recipient Keyward's assertions
	// must name.
	EndpointPath = "/saml"
	// MetadataPath is where Keyward's service-provider metadata is
	// published for identity providers to import.
	MetadataPath = "/saml/metadata"
	// MaxRelayState is the most bytes of RelayState the SAML bindings let
	// a sender send.
	MaxRelayState = 80
)

// ServiceProvider is Keyward as a SAML service provider: the party
// AssumeRoleWithSAML and the console's SAML endpoint verify responses for.
// AWS's entity ID is urn:amazon:webservices and its endpoint
// https://signin.aws.amazon.com/saml; Keyward's are both its own
// <base URL>/saml, so that an assertion an identity provider made for AWS
// is never accepted by Keyward, nor one made for another Keyward.
type ServiceProvider struct {
	// BaseURL is Keyward's public URL (keyward serve --public-url), with
	// no trailing slash.
	BaseURL string
	// Now is the clock; nil for time.Now.
	Now func() time.Time
	// Rand is the source of request IDs; nil for crypto/rand.
	Rand io.Reader
}

// NewServiceProvider returns the service provider at baseURL, an http or
// https URL with a host and no query or fragment.
func NewServiceProvider(baseURL string) (*ServiceProvider, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("saml: base URL %q is not an http or https URL without query", baseURL)
	}
	return &ServiceProvider{BaseURL: strings.TrimSuffix(baseURL, "/")}, nil
}

func (sp *ServiceProvider) now() time.Time {
	if sp.Now != nil {
		return sp.Now()
	}
	return time.Now()
}

// Endpoint is Keyward's SAML endpoint, <base URL>/saml: its entity ID, its
// assertion consumer service, and the audience and recipient it accepts.
func (sp *ServiceProvider) Endpoint() string { return sp.BaseURL + EndpointPath }

// MetadataURL is where Keyward publishes its service-provider metadata.
func (sp *ServiceProvider) MetadataURL() string { return sp.BaseURL + MetadataPath }

// Metadata returns Keyward's service-provider metadata document: its entity
// ID, its assertion consumer service (HTTP-POST), the NameID formats it
// takes (AWS's: persistent and transient, and email and unspecified, which
// identity providers commonly send), that it wants assertions signed and
// does not sign requests, and the attributes it asks for (Role and
// RoleSessionName required, the others optional). There is no encryption
// key in it: as on AWS, the identity provider encrypts to the certificate
// of the private key an administrator gave the SAML provider.
func (sp *ServiceProvider) Metadata() []byte {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	ed := doc.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", nsMetadata)
	ed.CreateAttr("entityID", sp.Endpoint())
	ed.CreateAttr("cacheDuration", "PT48H")
	sd := ed.CreateElement("md:SPSSODescriptor")
	sd.CreateAttr("protocolSupportEnumeration", nsProtocol)
	sd.CreateAttr("AuthnRequestsSigned", "false")
	sd.CreateAttr("WantAssertionsSigned", "true")
	for _, f := range []string{
		nameIDFormatPrefix + "persistent",
		nameIDFormatPrefix + "transient",
		"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
		"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
	} {
		sd.CreateElement("md:NameIDFormat").SetText(f)
	}
	acs := sd.CreateElement("md:AssertionConsumerService")
	acs.CreateAttr("Binding", BindingHTTPPost)
	acs.CreateAttr("Location", sp.Endpoint())
	acs.CreateAttr("index", "1")
	acs.CreateAttr("isDefault", "true")
	acsvc := sd.CreateElement("md:AttributeConsumingService")
	acsvc.CreateAttr("index", "1")
	name := acsvc.CreateElement("md:ServiceName")
	name.CreateAttr("xml:lang", "en")
	name.SetText("Keyward")
	for _, a := range []struct {
		name     string
		required bool
	}{
		{AttributeRole, true}, {AttributeSessionName, true}, {AttributeDuration, false},
		{AttributeSourceID, false}, {AttributeTransitive, false},
	} {
		ra := acsvc.CreateElement("md:RequestedAttribute")
		ra.CreateAttr("Name", a.name)
		ra.CreateAttr("NameFormat", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri")
		ra.CreateAttr("isRequired", fmt.Sprint(a.required))
	}
	doc.Indent(2)
	out, _ := doc.WriteToBytes() // writing to memory does not fail
	return out
}

// AuthnRequest is an SP-initiated sign-in: the URL the browser is sent to
// and the request's ID, which the caller keeps (with the browser, in a
// cookie it can trust) and passes as Options.InResponseTo when the
// response arrives.
type AuthnRequest struct {
	ID, URL string
}

// NewAuthnRequest makes an AuthnRequest to idp with the HTTP-Redirect
// binding: unsigned (Keyward's metadata says AuthnRequestsSigned="false"),
// asking for an HTTP-POST response at Keyward's endpoint, with relayState
// (at most MaxRelayState bytes; empty for none) to come back with it.
func (sp *ServiceProvider) NewAuthnRequest(idp *Metadata, relayState string) (*AuthnRequest, error) {
	if len(relayState) > MaxRelayState {
		return nil, errors.New("saml: RelayState longer than 80 bytes")
	}
	if idp.WantAuthnRequestsSigned {
		return nil, errors.New("saml: the identity provider wants signed AuthnRequests, which Keyward does not send")
	}
	dest := ""
	for _, e := range idp.SingleSignOn {
		if e.Binding == BindingHTTPRedirect {
			dest = e.Location
			break
		}
	}
	u, err := url.Parse(dest)
	if dest == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("saml: the identity provider has no HTTP-Redirect single sign-on URL")
	}
	r := sp.Rand
	if r == nil {
		r = rand.Reader
	}
	var b [20]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, fmt.Errorf("saml: request ID: %w", err)
	}
	// An ID is an xs:ID, which may not start with a digit.
	id := "id-" + hex.EncodeToString(b[:])

	doc := etree.NewDocument()
	req := doc.CreateElement("samlp:AuthnRequest")
	req.CreateAttr("xmlns:samlp", nsProtocol)
	req.CreateAttr("xmlns:saml", nsAssertion)
	req.CreateAttr("ID", id)
	req.CreateAttr("Version", "2.0")
	req.CreateAttr("IssueInstant", sp.now().UTC().Format("2006-01-02T15:04:05.000Z"))
	req.CreateAttr("Destination", dest)
	req.CreateAttr("AssertionConsumerServiceURL", sp.Endpoint())
	req.CreateAttr("ProtocolBinding", BindingHTTPPost)
	req.CreateElement("saml:Issuer").SetText(sp.Endpoint())
	policy := req.CreateElement("samlp:NameIDPolicy")
	policy.CreateAttr("AllowCreate", "true")
	raw, _ := doc.WriteToBytes()

	// HTTP-Redirect: DEFLATE, base64, then the query string.
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(raw)
	fw.Close()
	q := u.Query()
	q.Set("SAMLRequest", base64.StdEncoding.EncodeToString(buf.Bytes()))
	if relayState != "" {
		q.Set("RelayState", relayState)
	}
	u.RawQuery = q.Encode()
	return &AuthnRequest{ID: id, URL: u.String()}, nil
}
