package saml

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// Bounds of an identity provider's metadata document, from the IAM model's
// SAMLMetadataDocumentType (in characters).
const (
	MinMetadataSize = 1000
	MaxMetadataSize = 10_000_000
	// MinKeyBits is the smallest RSA key IAM accepts in a metadata
	// document's certificates.
	MinKeyBits = 1024
	// MaxSigningCertificates bounds the certificates a response's
	// signature may be checked against, so that a signature without
	// KeyInfo costs at most this many verifications. Identity providers
	// publish one, or two while they roll their key over.
	MaxSigningCertificates = 20
	// maxEntityID is the length SAML allows an entityID.
	maxEntityID = 1024
)

// Bindings of an identity provider's single sign-on service.
const (
	BindingHTTPRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	BindingHTTPPost     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
)

// Metadata is what Keyward uses of an identity provider's SAML metadata
// document, as CreateSAMLProvider and UpdateSAMLProvider read it.
type Metadata struct {
	// EntityID is the identity provider's entity ID: the Issuer its
	// responses and assertions must name.
	EntityID string
	// Certificates are the IDPSSODescriptor's signing certificates (its
	// KeyDescriptors with use="signing" or no use), the only keys a
	// response's signature is checked against. Their validity dates are
	// not checked, here or when a response is verified: as the SAML V2.0
	// Metadata Interoperability Profile says, and as IAM does, the
	// metadata is what is trusted, not the certificate's dates.
	Certificates []*x509.Certificate
	// ValidUntil is the earliest validUntil of the EntityDescriptor and
	// the IDPSSODescriptor; zero when the document has none.
	ValidUntil time.Time
	// SingleSignOn are the IdP's SingleSignOnService endpoints, where
	// SP-initiated sign-in sends the browser.
	SingleSignOn []Endpoint
	// WantAuthnRequestsSigned is the IdP's wish to receive signed
	// AuthnRequests. Keyward signs none, so SP-initiated sign-in is not
	// offered for such an IdP.
	WantAuthnRequestsSigned bool
	// NameIDFormats are the formats the IdP says it supports.
	NameIDFormats []string
}

// Endpoint is a SAML service's binding and location.
type Endpoint struct {
	Binding, Location string
}

// ParseMetadata parses and checks an identity provider's metadata document
// as IAM does: UTF-8 without a byte order mark, within the model's bounds,
// an EntityDescriptor (alone, or the only one with an IDPSSODescriptor in
// an EntitiesDescriptor) with an entity ID and an IDPSSODescriptor for SAML
// 2.0 that lists at least one signing certificate with an RSA key of at
// least 1024 bits or an ECDSA key, and a validUntil, if any, after now.
// Every refusal is IAM's InvalidInput "Could not parse metadata". The
// document's own signature, if any, is not checked: the document comes
// from an administrator's authenticated request, as on AWS.
func ParseMetadata(doc string, now time.Time) (*Metadata, error) {
	n := utf8.RuneCountInString(doc)
	if n < MinMetadataSize || n > MaxMetadataSize {
		return nil, badMetadata("size outside 1000..10000000 characters")
	}
	root, err := parse([]byte(doc), metadataLimits)
	if err != nil {
		return nil, badMetadata(err.Error())
	}
	ed := root
	if is(root, nsMetadata, "EntitiesDescriptor") {
		ed = nil
		for _, e := range descendants(root, nsMetadata, "EntityDescriptor") {
			if len(children(e, nsMetadata, "IDPSSODescriptor")) == 0 {
				continue
			}
			if ed != nil {
				return nil, badMetadata("more than one identity provider")
			}
			ed = e
		}
		if ed == nil {
			return nil, badMetadata("no identity provider")
		}
	}
	if !is(ed, nsMetadata, "EntityDescriptor") {
		return nil, badMetadata("root is not an EntityDescriptor")
	}
	m := &Metadata{}
	m.EntityID, _ = attr(ed, "entityID")
	m.EntityID = strings.TrimSpace(m.EntityID)
	if m.EntityID == "" || len(m.EntityID) > maxEntityID {
		return nil, badMetadata("no entityID")
	}
	var idp *etree.Element
	for _, d := range children(ed, nsMetadata, "IDPSSODescriptor") {
		proto, _ := attr(d, "protocolSupportEnumeration")
		if containsField(proto, nsProtocol) {
			idp = d
			break
		}
	}
	if idp == nil {
		return nil, badMetadata("no IDPSSODescriptor for SAML 2.0")
	}
	for _, el := range []*etree.Element{ed, idp} {
		if s, ok := attr(el, "validUntil"); ok {
			t, err := parseTime(s)
			if err != nil {
				return nil, badMetadata("validUntil is not a dateTime")
			}
			if m.ValidUntil.IsZero() || t.Before(m.ValidUntil) {
				m.ValidUntil = t
			}
		}
	}
	if !m.ValidUntil.IsZero() && !now.Before(m.ValidUntil) {
		return nil, badMetadata("validUntil has passed")
	}
	if m.Certificates, err = signingCertificates(idp); err != nil {
		return nil, err
	}
	if v, _ := attr(idp, "WantAuthnRequestsSigned"); v == "true" || v == "1" {
		m.WantAuthnRequestsSigned = true
	}
	for _, s := range children(idp, nsMetadata, "SingleSignOnService") {
		b, _ := attr(s, "Binding")
		l, _ := attr(s, "Location")
		m.SingleSignOn = append(m.SingleSignOn, Endpoint{Binding: b, Location: l})
	}
	for _, f := range children(idp, nsMetadata, "NameIDFormat") {
		if v, err := text(f); err == nil && v != "" {
			m.NameIDFormats = append(m.NameIDFormats, v)
		}
	}
	return m, nil
}

// signingCertificates returns the certificates of idp's signing
// KeyDescriptors: the first X509Certificate of each X509Data (the others of
// an X509Data are its chain, whose keys sign certificates, not responses).
func signingCertificates(idp *etree.Element) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for _, kd := range children(idp, nsMetadata, "KeyDescriptor") {
		if use, ok := attr(kd, "use"); ok && use != "signing" {
			continue
		}
		ki, err := child(kd, nsDSig, "KeyInfo")
		if err != nil || ki == nil {
			return nil, badMetadata("KeyDescriptor without one KeyInfo")
		}
		for _, xd := range children(ki, nsDSig, "X509Data") {
			xcs := children(xd, nsDSig, "X509Certificate")
			if len(xcs) == 0 {
				continue
			}
			s, err := text(xcs[0])
			if err != nil {
				return nil, badMetadata("X509Certificate is not text")
			}
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
			if err != nil {
				return nil, badMetadata("X509Certificate is not base64")
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, badMetadata("X509Certificate does not parse")
			}
			switch k := cert.PublicKey.(type) {
			case *rsa.PublicKey:
				if k.N.BitLen() < MinKeyBits {
					return nil, badMetadata("RSA key shorter than 1024 bits")
				}
			case *ecdsa.PublicKey:
			default:
				return nil, badMetadata("certificate key is neither RSA nor ECDSA")
			}
			dup := false
			for _, c := range certs {
				dup = dup || c.Equal(cert)
			}
			if !dup {
				certs = append(certs, cert)
			}
		}
	}
	switch {
	case len(certs) == 0:
		return nil, badMetadata("no signing certificate")
	case len(certs) > MaxSigningCertificates:
		return nil, badMetadata("too many signing certificates")
	}
	return certs, nil
}

// containsField reports whether the white-space separated list s has f.
func containsField(s, f string) bool {
	for _, x := range strings.Fields(s) {
		if x == f {
			return true
		}
	}
	return false
}
