package saml

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// Bounds and leeway of a SAML response.
const (
	// MaxResponseSize is the most base64 characters a SAMLResponse may
	// have: the STS model's SAMLAssertionType maximum. Longer input is
	// refused before it is decoded, and what it decodes to (at most
	// 75,000 bytes) before it is parsed.
	MaxResponseSize = 100_000
	// ClockSkew is how far the identity provider's clock may run ahead
	// of Keyward's: an assertion's NotBefore and IssueInstant may be this
	// much in the future. NotOnOrAfter has no leeway: an expired
	// assertion is refused the moment it expires, as AWS does.
	ClockSkew = 5 * time.Minute
	// MaxAge is how long after its IssueInstant an assertion is
	// accepted, as AWS does ("Token must be redeemed within 5 minutes of
	// issuance").
	MaxAge = 5 * time.Minute
	// AWSAudience is the audience of assertions made for AWS itself.
	// Keyward refuses them: an assertion an identity provider made for
	// AWS must not sign anyone in to Keyward.
	AWSAudience = "urn:amazon:webservices"
)

const (
	statusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"
	methodBearer  = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

// Provider is a SAML provider as the account registered it: what a
// response is verified against.
type Provider struct {
	// ARN is the provider's ARN,
	// arn:aws:iam::123456789012:saml-provider/Name.
	ARN string
	// Metadata is the provider's parsed metadata document.
	Metadata *Metadata
	// PrivateKeys decrypt EncryptedAssertions; empty when the provider
	// has none.
	PrivateKeys []*rsa.PrivateKey
	// EncryptionMode is the provider's AssertionEncryptionMode; empty is
	// Allowed.
	EncryptionMode EncryptionMode
}

// Options are what a sign-in knows beyond the response.
type Options struct {
	// InResponseTo is the ID of the AuthnRequest Keyward sent for an
	// SP-initiated sign-in: the signed assertion's subject confirmation
	// must name it. Empty for IdP-initiated sign-in and for
	// AssumeRoleWithSAML, which cannot know the request; an InResponseTo
	// the response names is then not checked.
	InResponseTo string
}

// decode bounds and decodes a SAMLResponse, then checks and parses it.
func decode(samlResponse string) (*etree.Element, error) {
	if len(samlResponse) > MaxResponseSize {
		return nil, refuse(ErrTooLarge, "more than 100000 characters")
	}
	// The HTTP-POST binding's value may be broken into lines.
	compact := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, samlResponse)
	data, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return nil, refuse(ErrMalformed, "not base64")
	}
	root, err := parse(data, responseLimits)
	if err != nil {
		return nil, refuse(ErrMalformed, err.Error())
	}
	if !is(root, nsProtocol, "Response") {
		return nil, refuse(ErrMalformed, "root is not a samlp:Response")
	}
	return root, nil
}

// RoleProviders returns the SAML providers a response's Role attribute
// names, each once, in order, without verifying anything: for the
// console's SAML endpoint to know which of the account's providers to
// verify the response against, as AWS's sign-in endpoint learns them.
// The Issuer cannot say it: identity providers registered apart may share
// an entity ID (one IdP registered twice, or anyone allowed to register a
// provider claiming the company's), and which provider a role trusts is
// the provider's ARN. Nothing here is believed: Verify reads the Role
// attribute again from the signed element. An encrypted assertion names
// no provider before it is decrypted.
func (sp *ServiceProvider) RoleProviders(samlResponse string) ([]string, error) {
	root, err := decode(samlResponse)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, a := range children(root, nsAssertion, "Assertion") {
		for _, st := range children(a, nsAssertion, "AttributeStatement") {
			for _, at := range children(st, nsAssertion, "Attribute") {
				if name, _ := attr(at, "Name"); name != AttributeRole {
					continue
				}
				for _, v := range readAttribute(at).Values {
					if p, ok := parseRolePair(v); ok && !seen[p.ProviderARN] {
						seen[p.ProviderARN] = true
						out = append(out, p.ProviderARN)
					}
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, refuse(ErrMalformed, "no Role attribute naming a provider")
	}
	return out, nil
}

// Verify checks a base64 SAMLResponse as AssumeRoleWithSAML and the
// console's SAML endpoint do, against the provider p, and returns the facts
// of its assertion.
//
// The response or its assertion (AWS accepts either) must carry an
// enveloped XML signature by one of the metadata's certificates, and the
// facts are read only from the element that signature covers, as the
// signature library hands it back re-parsed from the bytes it digested:
// never from the document as it arrived, so that nothing placed beside,
// around or inside the signed element (the signature wrapping attacks) is
// ever read. What an unsigned response says around a signed assertion
// (Status, Destination, Issuer, InResponseTo) is checked for consistency
// but never believed. A document with a second assertion anywhere, a
// signature anywhere but as the direct child of the Response or the
// Assertion, or two elements with one ID, is refused before any signature
// is checked.
//
// The assertion's issuer must be the metadata's entity ID; its audience
// and its bearer subject confirmation's recipient must be Keyward's SAML
// endpoint (so one made for AWS is refused); NotBefore and IssueInstant
// may be ClockSkew in the future, NotOnOrAfter not a moment in the past,
// and IssueInstant at most MaxAge in the past. An EncryptedAssertion is
// decrypted with the provider's private keys; a plain one is refused when
// the provider requires encryption.
//
// Verify does not remember assertions: the caller refuses a second use of
// Assertion.ID until Assertion.NotOnOrAfter, on every replica.
func (sp *ServiceProvider) Verify(samlResponse string, p Provider, opts Options) (*Assertion, error) {
	account, name, err := splitProviderARN(p.ARN)
	if err != nil {
		return nil, err
	}
	if p.Metadata == nil {
		return nil, errors.New("saml: provider without metadata")
	}
	now := sp.now()
	if !p.Metadata.ValidUntil.IsZero() && !now.Before(p.Metadata.ValidUntil) {
		return nil, refuse(ErrProviderExpired, "metadata validUntil has passed")
	}
	root, err := decode(samlResponse)
	if err != nil {
		return nil, err
	}
	if err := checkShape(root); err != nil {
		return nil, refuse(ErrMalformed, err.Error())
	}
	certs := p.Metadata.Certificates

	// The response's envelope: the verified element when the response is
	// signed, the document as it arrived otherwise.
	envelope, responseSigned := root, false
	if sig, _ := child(root, nsDSig, "Signature"); sig != nil {
		if envelope, err = verifySigned(root, sig, certs); err != nil {
			return nil, err
		}
		responseSigned = true
	}
	el, encrypted := onlyAssertion(envelope)
	if el == nil {
		return nil, refuse(ErrMalformed, "no assertion in the signed response")
	}
	if encrypted {
		if el, err = decryptAssertion(el, p.PrivateKeys); err != nil {
			return nil, err
		}
	} else if p.EncryptionMode == EncryptionRequired {
		return nil, refuse(ErrEncryptionRequired, "plain assertion")
	}
	assertion := el
	if sig, _ := child(el, nsDSig, "Signature"); sig != nil {
		if assertion, err = verifySigned(el, sig, certs); err != nil {
			return nil, err
		}
	} else if !responseSigned {
		return nil, refuse(ErrSignature, "neither the response nor the assertion is signed")
	}

	if err := sp.checkEnvelope(envelope, p.Metadata.EntityID, opts); err != nil {
		return nil, err
	}
	a, err := sp.readAssertion(assertion, p.Metadata.EntityID, now, opts)
	if err != nil {
		return nil, err
	}
	a.ProviderARN, a.AccountID, a.ProviderName, a.Encrypted = p.ARN, account, name, encrypted
	a.NameQualifier = nameQualifier(a.Issuer, account, name)
	return a, nil
}

// onlyAssertion returns the response's assertion, plain or encrypted.
func onlyAssertion(resp *etree.Element) (el *etree.Element, encrypted bool) {
	as := children(resp, nsAssertion, "Assertion")
	es := children(resp, nsAssertion, "EncryptedAssertion")
	switch {
	case len(as) == 1 && len(es) == 0:
		return as[0], false
	case len(as) == 0 && len(es) == 1:
		return es[0], true
	}
	return nil, false
}

// checkShape refuses what no honest identity provider sends and what the
// signature wrapping attacks need: a second assertion anywhere in the
// document (in Extensions, in a signature's Object, inside the assertion,
// in Advice), an assertion that is not the Response's direct child, a
// signature anywhere but as the direct child of the Response or an
// Assertion (one at most each), an ID attribute in a namespace, and two
// elements with the same ID.
func checkShape(root *etree.Element) error {
	if v, _ := attr(root, "Version"); v != "2.0" {
		return errors.New("Response Version is not 2.0")
	}
	n := len(descendants(root, nsAssertion, "Assertion")) + len(descendants(root, nsAssertion, "EncryptedAssertion"))
	if n != 1 {
		return errors.New("not exactly one assertion in the document")
	}
	if el, _ := onlyAssertion(root); el == nil {
		return errors.New("the assertion is not the Response's child")
	}
	return checkSignedShape(root)
}

// checkSignedShape checks the signatures and IDs of a document: the
// Response as it arrived, or a decrypted Assertion.
func checkSignedShape(root *etree.Element) error {
	for _, sig := range descendants(root, nsDSig, "Signature") {
		parent := sig.Parent()
		if !is(parent, nsProtocol, "Response") && !is(parent, nsAssertion, "Assertion") {
			return errors.New("a Signature that is not the child of the Response or the Assertion")
		}
		if len(children(parent, nsDSig, "Signature")) != 1 {
			return errors.New("more than one Signature on an element")
		}
	}
	ids := map[string]bool{}
	var walk func(*etree.Element) error
	walk = func(e *etree.Element) error {
		for _, a := range e.Attr {
			if a.Key != "ID" {
				continue
			}
			if a.Space != "" {
				return errors.New("an ID attribute in a namespace")
			}
			if ids[a.Value] {
				return errors.New("two elements with one ID")
			}
			ids[a.Value] = true
		}
		for _, c := range e.ChildElements() {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}

// checkEnvelope checks the Response around the assertion. When the
// response is not signed these are an attacker's words: they are checked so
// that a response whose parts disagree is refused, never believed.
func (sp *ServiceProvider) checkEnvelope(resp *etree.Element, entityID string, opts Options) error {
	status, err := child(resp, nsProtocol, "Status")
	if err != nil || status == nil {
		return refuse(ErrMalformed, "not one Status")
	}
	code, err := child(status, nsProtocol, "StatusCode")
	if err != nil || code == nil {
		return refuse(ErrMalformed, "not one StatusCode")
	}
	if v, _ := attr(code, "Value"); v != statusSuccess {
		return refuse(ErrStatus, "status is not success")
	}
	if d, ok := attr(resp, "Destination"); ok && d != sp.Endpoint() {
		return refuse(ErrRecipient, "Destination is not this endpoint")
	}
	iss, err := child(resp, nsAssertion, "Issuer")
	if err != nil {
		return refuse(ErrMalformed, "more than one Issuer")
	}
	if iss != nil {
		if s, err := text(iss); err != nil || s != entityID {
			return refuse(ErrIssuer, "response Issuer is not the entity ID")
		}
	}
	if irt, ok := attr(resp, "InResponseTo"); ok && opts.InResponseTo != "" && irt != opts.InResponseTo {
		return refuse(ErrInResponseTo, "response InResponseTo is not the request's ID")
	}
	return nil
}

// splitProviderARN returns the account ID and name of a SAML provider's
// ARN.
func splitProviderARN(arn string) (account, name string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || len(parts[4]) != 12 {
		return "", "", errors.New("saml: not a SAML provider ARN")
	}
	name, ok := strings.CutPrefix(parts[5], "saml-provider/")
	if !ok || name == "" {
		return "", "", errors.New("saml: not a SAML provider ARN")
	}
	return parts[4], name, nil
}

// Algorithms a response's signature may use. AWS accepts SHA-1 and SHA-256
// signatures; the SHA-2 algorithms besides SHA-256 are stronger and what
// some identity providers are set to, so they are accepted too. Anything
// else (MD5, DSA, HMAC with the certificate as its key, algorithms the
// signature library does not know) is refused before verification.
var (
	signatureMethods = map[string]bool{
		dsig.RSASHA1SignatureMethod: true, dsig.RSASHA256SignatureMethod: true,
		dsig.RSASHA384SignatureMethod: true, dsig.RSASHA512SignatureMethod: true,
		dsig.ECDSASHA256SignatureMethod: true, dsig.ECDSASHA384SignatureMethod: true,
		dsig.ECDSASHA512SignatureMethod: true,
	}
	digestMethods = map[string]bool{
		"http://www.w3.org/2000/09/xmldsig#sha1": true, "http://www.w3.org/2001/04/xmlenc#sha256": true,
		"http://www.w3.org/2001/04/xmldsig-more#sha384": true, "http://www.w3.org/2001/04/xmlenc#sha512": true,
	}
	canonicalizations = map[string]bool{
		string(dsig.CanonicalXML10ExclusiveAlgorithmId): true, string(dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId): true,
		string(dsig.CanonicalXML10RecAlgorithmId): true, string(dsig.CanonicalXML10WithCommentsAlgorithmId): true,
		string(dsig.CanonicalXML11AlgorithmId): true, string(dsig.CanonicalXML11WithCommentsAlgorithmId): true,
	}
)

// checkSignatureShape checks that sig, the signature of the element whose
// ID is id, is one SignedInfo with allowed algorithms and one Reference to
// that ID, a SignatureValue and at most one KeyInfo.
func checkSignatureShape(sig *etree.Element, id string) error {
	one := func(el *etree.Element, ns, local string) (*etree.Element, error) {
		c, err := child(el, ns, local)
		if err != nil || c == nil {
			return nil, refuse(ErrSignature, "Signature does not have one "+local)
		}
		return c, nil
	}
	algorithm := func(el *etree.Element, ns, local string, allowed map[string]bool) error {
		c, err := one(el, ns, local)
		if err != nil {
			return err
		}
		if a, _ := attr(c, "Algorithm"); !allowed[a] {
			return refuse(ErrAlgorithm, local+" algorithm not allowed")
		}
		return nil
	}
	si, err := one(sig, nsDSig, "SignedInfo")
	if err != nil {
		return err
	}
	if _, err := one(sig, nsDSig, "SignatureValue"); err != nil {
		return err
	}
	if ki, err := child(sig, nsDSig, "KeyInfo"); err != nil {
		return refuse(ErrSignature, "more than one KeyInfo")
	} else if ki != nil && len(children(ki, nsDSig, "X509Data")) > 1 {
		return refuse(ErrSignature, "more than one X509Data")
	}
	if err := algorithm(si, nsDSig, "CanonicalizationMethod", canonicalizations); err != nil {
		return err
	}
	if err := algorithm(si, nsDSig, "SignatureMethod", signatureMethods); err != nil {
		return err
	}
	ref, err := one(si, nsDSig, "Reference")
	if err != nil {
		return err
	}
	if uri, _ := attr(ref, "URI"); uri != "#"+id {
		return refuse(ErrSignature, "Reference does not name the signed element's ID")
	}
	if err := algorithm(ref, nsDSig, "DigestMethod", digestMethods); err != nil {
		return err
	}
	if _, err := one(ref, nsDSig, "DigestValue"); err != nil {
		return err
	}
	ts, err := child(ref, nsDSig, "Transforms")
	if err != nil {
		return refuse(ErrSignature, "more than one Transforms")
	}
	if ts != nil {
		tl := children(ts, nsDSig, "Transform")
		if len(tl) == 0 || len(tl) > 2 || len(tl) != len(ts.ChildElements()) {
			return refuse(ErrSignature, "Transforms are not one or two Transform")
		}
		for _, t := range tl {
			if a, _ := attr(t, "Algorithm"); a != string(dsig.EnvelopedSignatureAltorithmId) && !canonicalizations[a] {
				return refuse(ErrAlgorithm, "Transform algorithm not allowed")
			}
		}
	}
	return nil
}

// verifySigned verifies sig, the enveloped signature of el, against the
// metadata's certificates and returns the signed element as the signature
// library re-parsed it from the canonical bytes it digested, without the
// signature. Only that element may be read afterwards.
func verifySigned(el, sig *etree.Element, certs []*x509.Certificate) (*etree.Element, error) {
	id, _ := attr(el, "ID")
	if id == "" {
		return nil, refuse(ErrMalformed, "signed element without ID")
	}
	if err := checkSignatureShape(sig, id); err != nil {
		return nil, err
	}
	// A copy of el that declares the namespaces it inherits, since its
	// canonical form depends on them.
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, refuse(ErrMalformed, "namespace declarations")
	}
	detached, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, refuse(ErrMalformed, "namespace declarations")
	}
	// The certificate the signature names must be one of the metadata's;
	// a signature naming none is tried with each.
	candidates := certs
	dsigEl, _ := child(detached, nsDSig, "Signature")
	if ki, _ := child(dsigEl, nsDSig, "KeyInfo"); ki != nil {
		named, err := keyInfoCertificate(ki)
		switch {
		case err != nil:
			return nil, refuse(ErrSignature, err.Error())
		case named == nil:
			// KeyInfo without a certificate (a KeyName): it is not signed,
			// so drop it and try each of the metadata's certificates.
			dsigEl.RemoveChild(ki)
		default:
			candidates = nil
			for _, c := range certs {
				if c.Equal(named) {
					candidates = []*x509.Certificate{c}
				}
			}
			if candidates == nil {
				return nil, refuse(ErrSignature, "signed with a certificate the metadata does not list")
			}
		}
	}
	for _, cert := range candidates {
		vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
		// The certificate's dates are not checked (see
		// Metadata.Certificates): the library's clock is set within them.
		vc.Clock = dsig.NewFakeClockAt(cert.NotBefore)
		verified, err := vc.Validate(detached)
		if err != nil {
			continue
		}
		if vid, _ := attr(verified, "ID"); vid != id || verified.Tag != el.Tag || verified.NamespaceURI() != el.NamespaceURI() {
			return nil, refuse(ErrSignature, "the verified element is not the signed one")
		}
		return verified, nil
	}
	return nil, refuse(ErrSignature, "signature does not verify")
}

// keyInfoCertificate returns the certificate a signature's KeyInfo names,
// the first of its X509Data as the signature library reads it, or nil when
// it names none.
func keyInfoCertificate(ki *etree.Element) (*x509.Certificate, error) {
	xd, _ := child(ki, nsDSig, "X509Data")
	if xd == nil {
		return nil, nil
	}
	xcs := children(xd, nsDSig, "X509Certificate")
	if len(xcs) == 0 {
		return nil, nil
	}
	s, err := text(xcs[0])
	if err != nil {
		return nil, errors.New("KeyInfo certificate is not text")
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		return nil, errors.New("KeyInfo certificate is not base64")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, errors.New("KeyInfo certificate does not parse")
	}
	return cert, nil
}
