// Boundary: a SAMLResponse arrives from an unauthenticated caller, at
// AssumeRoleWithSAML (which is unsigned) and at the console's SAML endpoint,
// and everything in it is the caller's to choose except what the identity
// provider's signature covers. Each attack below starts from a real
// response of a real identity provider (crewjam/saml's, in this process)
// for mallory, a user of that provider, who rearranges it to be let in as
// someone else, somewhere else, at another time, or to make Keyward spend
// what it should not. Each must be refused for the reason named, with the
// AWS error AssumeRoleWithSAML answers.
package saml_test

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/xmlenc"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/keyward/keyward/saml"
)

// mallory is the attacker's own session at the identity provider.
func mallory(h *harness) {
	h.session.NameID = "mallory@example.com"
	h.session.CustomAttributes = []crewsaml.Attribute{
		attribute(saml.AttributeRole, readerRole+","+providerARN),
		attribute(saml.AttributeSessionName, "mallory"),
	}
}

// forge returns a copy of the signed assertion a, unsigned, that says
// admin and names the Admin role, with the ID given.
func forge(t testing.TB, a *etree.Element, id string) *etree.Element {
	t.Helper()
	f := a.Copy()
	removeSignature(f)
	f.CreateAttr("ID", id)
	find(t, f, "Subject/NameID").SetText("admin@example.com")
	for _, at := range f.FindElements("AttributeStatement/Attribute") {
		if at.SelectAttrValue("Name", "") == saml.AttributeRole {
			find(t, at, "AttributeValue").SetText(adminRole + "," + providerARN)
		}
	}
	return f
}

// object wraps el in a ds:Object, where XML signatures may carry anything.
func object(el *etree.Element) *etree.Element {
	o := etree.NewElement("ds:Object")
	o.CreateAttr("xmlns:ds", "http://www.w3.org/2000/09/xmldsig#")
	o.AddChild(el)
	return o
}

// lookalike is el renamed into another namespace: an element no SAML
// reader takes for an assertion, in which a signed assertion's content can
// be carried.
func lookalike(el *etree.Element) *etree.Element {
	l := el.Copy()
	removeSignature(l)
	l.Space = "evil"
	l.CreateAttr("xmlns:evil", "urn:example:evil")
	return l
}

type attack struct {
	name  string
	build builder
	want  error  // nil: accepted, and check holds
	code  string // the AWS code, InvalidIdentityToken when empty
	check func(t *testing.T, a *saml.Assertion)
}

// builder makes an attack's response and the options it is verified with.
type builder = func(t *testing.T, h *harness) (string, saml.Options)

// genuine is mallory's response, decoded: the Response, its Assertion.
func genuine(t *testing.T, h *harness) (*etree.Document, *etree.Element, *etree.Element) {
	mallory(h)
	doc := decodeDoc(t, h.response())
	return doc, doc.Root(), find(t, doc.Root(), "Assertion")
}

func plain(resp string) (string, saml.Options) { return resp, saml.Options{} }

// unsigned is the attacker's usual start: mallory's response with the
// response's own signature dropped (the assertion's kept), so that the
// envelope is the attacker's to write, rearranged by change, which gets
// the Response r and its Assertion a.
func unsigned(change func(t *testing.T, h *harness, r, a *etree.Element)) builder {
	return func(t *testing.T, h *harness) (string, saml.Options) {
		doc, r, a := genuine(t, h)
		removeSignature(r)
		change(t, h, r, a)
		return plain(encodeDoc(t, doc))
	}
}

// replaceAssertion puts f where the response r held its assertion a.
func replaceAssertion(r, a, f *etree.Element) {
	r.RemoveChild(a)
	r.AddChild(f)
}

// lendSignature gives the forged assertion f a copy of the signed
// assertion a's Signature, as its first child after the Issuer, carrying
// carried in an Object of that signature when it is not nil.
func lendSignature(t *testing.T, f, a, carried *etree.Element) {
	t.Helper()
	sig := find(t, a, "Signature").Copy()
	if carried != nil {
		sig.AddChild(object(carried))
	}
	f.InsertChildAt(1, sig)
}

// forgedResponse turns mallory's signed response into a forged one, of
// another ID and with the forged assertion in place of the signed one,
// keeping the response's signature; hide puts a copy of the signed
// original, orig, somewhere in the forged response r.
func forgedResponse(hide func(t *testing.T, r, orig *etree.Element)) builder {
	return func(t *testing.T, h *harness) (string, saml.Options) {
		doc, r, a := genuine(t, h)
		orig := r.Copy()
		r.CreateAttr("ID", "id-evil")
		replaceAssertion(r, a, forge(t, a, "id-forged"))
		hide(t, r, orig)
		return plain(encodeDoc(t, doc))
	}
}

// signatureWrapping are the XSW1 to XSW8 attacks of Somorovsky et al., "On
// Breaking SAML: Be Whoever You Want to Be" (2012), and variants of them
// that keep a single element in the assertion namespace, so that the
// refusal cannot come from counting assertions alone.
var signatureWrapping = []attack{
	{name: "XSW1: forged response, signed response inside its Signature's Object", want: saml.ErrMalformed,
		build: forgedResponse(func(t *testing.T, r, orig *etree.Element) {
			find(t, r, "Signature").AddChild(object(orig))
		})},
	{name: "XSW2: forged response, signed response beside its detached Signature", want: saml.ErrMalformed,
		build: forgedResponse(func(t *testing.T, r, orig *etree.Element) {
			r.InsertChildAt(find(t, r, "Signature").Index()+1, orig)
		})},
	{name: "XSW3: forged assertion before the signed one", want: saml.ErrMalformed,
		build: unsigned(func(t *testing.T, _ *harness, r, a *etree.Element) {
			r.InsertChildAt(a.Index(), forge(t, a, "id-forged"))
		})},
	{name: "XSW4: signed assertion inside the forged one", want: saml.ErrMalformed,
		build: unsigned(func(t *testing.T, _ *harness, r, a *etree.Element) {
			f := forge(t, a, "id-forged")
			r.RemoveChild(a)
			f.AddChild(a)
			r.AddChild(f)
		})},
	{name: "XSW5: signature moved into the forged assertion, signed assertion after it", want: saml.ErrMalformed,
		build: unsigned(func(t *testing.T, _ *harness, r, a *etree.Element) {
			f := forge(t, a, "id-forged")
			sig := find(t, a, "Signature")
			a.RemoveChild(sig)
			f.InsertChildAt(1, sig)
			r.InsertChildAt(a.Index(), f)
		})},
	{name: "XSW6: signed assertion inside the Object of the signature moved into the forged one", want: saml.ErrMalformed,
		build: unsigned(func(t *testing.T, _ *harness, r, a *etree.Element) {
			f := forge(t, a, "id-forged")
			lendSignature(t, f, a, a.Copy())
			replaceAssertion(r, a, f)
		})},
	{name: "XSW7: signed assertion in Extensions, forged assertion in its place", want: saml.ErrMalformed,
		build: unsigned(func(t *testing.T, _ *harness, r, a *etree.Element) {
			ext := etree.NewElement("samlp:Extensions")
			r.RemoveChild(a)
			ext.AddChild(a)
			r.InsertChildAt(1, ext)
			r.AddChild(forge(t, a, "id-forged"))
		})},
	{name: "XSW8: signed assertion without its signature inside the Object of the forged one's", want: saml.ErrMalformed,
		build: unsigned(func(t *testing.T, _ *harness, r, a *etree.Element) {
			f := forge(t, a, "id-forged")
			orig := a.Copy()
			removeSignature(orig)
			lendSignature(t, f, a, orig)
			replaceAssertion(r, a, f)
		})},
	{name: "XSW6 with one assertion: signed content as a look-alike in the Object", want: saml.ErrSignature,
		build: unsigned(func(t *testing.T, _ *harness, r, a *etree.Element) {
			f := forge(t, a, "id-forged")
			lendSignature(t, f, a, lookalike(a))
			replaceAssertion(r, a, f)
		})},
	{name: "XSW7 with one assertion: signed content as a look-alike in Extensions, forged assertion takes its ID", want: saml.ErrMalformed,
		build: unsigned(func(t *testing.T, _ *harness, r, a *etree.Element) {
			id := a.SelectAttrValue("ID", "")
			ext := etree.NewElement("samlp:Extensions")
			ext.AddChild(lookalike(a))
			r.InsertChildAt(1, ext)
			f := forge(t, a, id)
			lendSignature(t, f, a, nil)
			replaceAssertion(r, a, f)
		})},
	{name: "forged assertion with the signed one's ID and signature, nothing else", want: saml.ErrSignature,
		build: unsigned(func(t *testing.T, _ *harness, r, a *etree.Element) {
			f := forge(t, a, a.SelectAttrValue("ID", ""))
			lendSignature(t, f, a, nil)
			replaceAssertion(r, a, f)
		})},
	{name: "signed response whose unsigned assertion is changed", want: saml.ErrSignature,
		build: func(t *testing.T, h *harness) (string, saml.Options) {
			doc, r, a := genuine(t, h)
			removeSignature(a)
			h.idpSigner().sign(t, r)
			find(t, a, "Subject/NameID").SetText("admin@example.com")
			return plain(encodeDoc(t, doc))
		}},
	{name: "signed response with an unsigned second assertion", want: saml.ErrMalformed,
		build: func(t *testing.T, h *harness) (string, saml.Options) {
			// Even if the identity provider itself signed it so.
			doc, r, a := genuine(t, h)
			r.AddChild(forge(t, a, "id-forged"))
			h.idpSigner().sign(t, r)
			return plain(encodeDoc(t, doc))
		}},
	{name: "signed assertion inside Advice of the signed one", want: saml.ErrMalformed,
		build: unsigned(func(t *testing.T, h *harness, _, a *etree.Element) {
			adv := a.CreateElement("saml:Advice")
			adv.AddChild(forge(t, a, "id-forged"))
			h.idpSigner().sign(t, a)
		})},
	{name: "a signature in Extensions", want: saml.ErrMalformed,
		build: func(t *testing.T, h *harness) (string, saml.Options) {
			doc, r, a := genuine(t, h)
			ext := etree.NewElement("samlp:Extensions")
			ext.AddChild(find(t, a, "Signature").Copy())
			r.InsertChildAt(1, ext)
			return plain(encodeDoc(t, doc))
		}},
	{name: "two signatures on the assertion", want: saml.ErrMalformed,
		build: unsigned(func(t *testing.T, _ *harness, _, a *etree.Element) {
			a.AddChild(find(t, a, "Signature").Copy())
		})},
	{name: "an ID attribute in a namespace beside the real one", want: saml.ErrMalformed,
		build: unsigned(func(_ *testing.T, _ *harness, _, a *etree.Element) {
			a.CreateAttr("xmlns:x", "urn:example:x")
			a.CreateAttr("x:ID", "id-forged")
		})},
	{name: "Response in another namespace", want: saml.ErrMalformed,
		build: func(t *testing.T, h *harness) (string, saml.Options) {
			doc, r, _ := genuine(t, h)
			r.CreateAttr("xmlns:samlp", "urn:example:notsaml")
			return plain(encodeDoc(t, doc))
		}},
}

// unsignedEnvelope: the assertion is signed, the response around it is
// not, and its parts lie.
var unsignedEnvelope = []attack{
	{name: "nothing lies: accepted, as AWS accepts", check: func(t *testing.T, a *saml.Assertion) {
		if a.Subject != "mallory@example.com" {
			t.Errorf("Subject %s", a.Subject)
		}
	}, build: envelope(func(*etree.Element) {})},
	{name: "Destination elsewhere", want: saml.ErrRecipient, build: envelope(func(r *etree.Element) {
		r.CreateAttr("Destination", "https://signin.aws.amazon.com/saml")
	})},
	{name: "status a failure", want: saml.ErrStatus, build: envelope(func(r *etree.Element) {
		r.FindElement("Status/StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Responder")
	})},
	{name: "another Issuer", want: saml.ErrIssuer, build: envelope(func(r *etree.Element) {
		r.SelectElement("Issuer").SetText("https://evil.test/")
	})},
	{name: "InResponseTo of another sign-in", want: saml.ErrInResponseTo,
		build: func(t *testing.T, h *harness) (string, saml.Options) {
			resp, _ := envelope(func(r *etree.Element) { r.CreateAttr("InResponseTo", "id-other") })(t, h)
			return resp, saml.Options{InResponseTo: "id-mine"}
		}},
	{name: "no Status", want: saml.ErrMalformed, build: envelope(func(r *etree.Element) {
		r.RemoveChild(r.SelectElement("Status"))
	})},
	{name: "Version 1.1", want: saml.ErrMalformed, build: envelope(func(r *etree.Element) {
		r.CreateAttr("Version", "1.1")
	})},
}

// envelope changes the unsigned response around mallory's signed
// assertion.
func envelope(change func(r *etree.Element)) builder {
	return unsigned(func(_ *testing.T, _ *harness, r, _ *etree.Element) { change(r) })
}

// signedBy edits mallory's assertion and signs it again with s, dropping
// the response's signature.
func signedBy(s func(h *harness) signer, change func(t *testing.T, a *etree.Element)) builder {
	return unsigned(func(t *testing.T, h *harness, _, a *etree.Element) {
		change(t, a)
		s(h).sign(t, a)
	})
}

func byIdP(h *harness) signer    { return h.idpSigner() }
func byAttacker(*harness) signer { return signer{key: attackerKeys.key, cert: attackerKeys.cert} }
func asAdmin(t *testing.T, a *etree.Element) {
	find(t, a, "Subject/NameID").SetText("admin@example.com")
}

// keysAndAlgorithms: who signed, and how.
var keysAndAlgorithms = []attack{
	{name: "signed by a certificate the metadata does not list", want: saml.ErrSignature, build: signedBy(byAttacker, asAdmin)},
	{name: "signed by another key, KeyInfo naming the identity provider's certificate", want: saml.ErrSignature,
		build: unsigned(func(t *testing.T, h *harness, _, a *etree.Element) {
			asAdmin(t, a)
			byAttacker(h).sign(t, a)
			find(t, a, "Signature/KeyInfo/X509Data/X509Certificate").SetText(base64.StdEncoding.EncodeToString(idpKeys.cert.Raw))
		})},
	{name: "signed by another key, no KeyInfo", want: saml.ErrSignature,
		build: unsigned(func(t *testing.T, h *harness, _, a *etree.Element) {
			asAdmin(t, a)
			byAttacker(h).sign(t, a)
			sig := find(t, a, "Signature")
			sig.RemoveChild(sig.SelectElement("KeyInfo"))
		})},
	{name: "the identity provider's signature without KeyInfo: accepted",
		check: func(t *testing.T, a *saml.Assertion) {}, build: sigEdit(func(t *testing.T, sig *etree.Element) {
			sig.RemoveChild(sig.SelectElement("KeyInfo"))
		})},
	{name: "no signature at all", want: saml.ErrSignature,
		build: unsigned(func(t *testing.T, _ *harness, _, a *etree.Element) {
			removeSignature(a)
			asAdmin(t, a)
		})},
	{name: "empty SignatureValue", want: saml.ErrSignature, build: sigEdit(func(t *testing.T, sig *etree.Element) {
		find(t, sig, "SignatureValue").SetText("")
	})},
	{name: "Reference to the whole document, signed so by the provider's key", want: saml.ErrSignature,
		build: sigEdit(func(t *testing.T, sig *etree.Element) {
			find(t, sig, "SignedInfo/Reference").CreateAttr("URI", "")
			signSignedInfo(t, sig)
		})},
	{name: "two References, signed so by the provider's key", want: saml.ErrSignature,
		build: sigEdit(func(t *testing.T, sig *etree.Element) {
			ref := find(t, sig, "SignedInfo/Reference")
			find(t, sig, "SignedInfo").AddChild(ref.Copy())
			signSignedInfo(t, sig)
		})},
	{name: "two KeyInfos", want: saml.ErrSignature, build: sigEdit(func(t *testing.T, sig *etree.Element) {
		sig.AddChild(find(t, sig, "KeyInfo").Copy())
	})},
	{name: "SHA-1, which AWS accepts: accepted", check: func(t *testing.T, a *saml.Assertion) {},
		build: signedBy(func(h *harness) signer {
			s := h.idpSigner()
			s.method = dsig.RSASHA1SignatureMethod
			return s
		}, func(*testing.T, *etree.Element) {})},
	{name: "HMAC-SHA1 keyed with the public certificate", want: saml.ErrAlgorithm, build: unsigned(hmacSigned)},
	{name: "RSA-MD5", want: saml.ErrAlgorithm, build: sigEdit(func(t *testing.T, sig *etree.Element) {
		find(t, sig, "SignedInfo/SignatureMethod").CreateAttr("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#rsa-md5")
	})},
	{name: "DSA-SHA1", want: saml.ErrAlgorithm, build: sigEdit(func(t *testing.T, sig *etree.Element) {
		find(t, sig, "SignedInfo/SignatureMethod").CreateAttr("Algorithm", "http://www.w3.org/2000/09/xmldsig#dsa-sha1")
	})},
	{name: "MD5 digest", want: saml.ErrAlgorithm, build: sigEdit(func(t *testing.T, sig *etree.Element) {
		find(t, sig, "SignedInfo/Reference/DigestMethod").CreateAttr("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#md5")
	})},
	{name: "XSLT transform", want: saml.ErrAlgorithm, build: sigEdit(func(t *testing.T, sig *etree.Element) {
		find(t, sig, "SignedInfo/Reference/Transforms/Transform").CreateAttr("Algorithm", "http://www.w3.org/TR/1999/REC-xslt-19991116")
	})},
	{name: "unknown canonicalisation", want: saml.ErrAlgorithm, build: sigEdit(func(t *testing.T, sig *etree.Element) {
		find(t, sig, "SignedInfo/CanonicalizationMethod").CreateAttr("Algorithm", "urn:example:c14n")
	})},
}

// sigEdit changes the assertion's signature of mallory's response (the
// response's own is dropped).
func sigEdit(change func(t *testing.T, sig *etree.Element)) builder {
	return unsigned(func(t *testing.T, _ *harness, _, a *etree.Element) {
		change(t, find(t, a, "Signature"))
	})
}

// signSignedInfo signs sig's SignedInfo, as it now is, with the identity
// provider's key: what the provider would send if it were set up so.
func signSignedInfo(t *testing.T, sig *etree.Element) {
	t.Helper()
	si := find(t, sig, "SignedInfo")
	canonical := canonicalize(t, si)
	sum := sha256.Sum256(canonical)
	sv, err := rsa.SignPKCS1v15(rand.Reader, idpKeys.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	find(t, sig, "SignatureValue").SetText(base64.StdEncoding.EncodeToString(sv))
}

// canonicalize returns el canonical, with the namespaces it inherits, as
// a signature's value is computed over it.
func canonicalize(t *testing.T, el *etree.Element) []byte {
	t.Helper()
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		t.Fatal(err)
	}
	detached, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		t.Fatal(err)
	}
	canonical, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(detached)
	if err != nil {
		t.Fatal(err)
	}
	return canonical
}

// hmacSigned is the key confusion attack: the forged assertion is "signed"
// with HMAC-SHA1 whose key is the identity provider's public certificate,
// which a verifier that lets the document choose the algorithm would check
// with that same certificate.
func hmacSigned(t *testing.T, h *harness, _, a *etree.Element) {
	asAdmin(t, a)
	h.idpSigner().sign(t, a) // a signature of the right shape, digest over the forged assertion
	sig := find(t, a, "Signature")
	si := find(t, sig, "SignedInfo")
	find(t, si, "SignatureMethod").CreateAttr("Algorithm", "http://www.w3.org/2000/09/xmldsig#hmac-sha1")
	canonical := canonicalize(t, si)
	mac := hmac.New(sha1.New, idpKeys.cert.Raw)
	mac.Write(canonical)
	find(t, sig, "SignatureValue").SetText(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}

// where and when: audience, recipient, time, in assertions the identity
// provider signed (an identity provider set up for another service
// provider, for AWS, or with other lifetimes).
var whereAndWhen = []attack{
	{name: "audience another service provider", want: saml.ErrAudience, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Conditions/AudienceRestriction/Audience").SetText("https://other.test/saml")
	})},
	{name: "audience AWS (urn:amazon:webservices)", want: saml.ErrAudience, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Conditions/AudienceRestriction/Audience").SetText(saml.AWSAudience)
	})},
	{name: "audience AWS's sign-in endpoint", want: saml.ErrAudience, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Conditions/AudienceRestriction/Audience").SetText("https://signin.aws.amazon.com/saml")
	})},
	{name: "Keyward's and AWS's audience restrictions both (each must be met)", want: saml.ErrAudience,
		build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
			ar := find(t, a, "Conditions/AudienceRestriction").Copy()
			find(t, ar, "Audience").SetText(saml.AWSAudience)
			find(t, a, "Conditions").AddChild(ar)
		})},
	{name: "one restriction naming AWS and Keyward: accepted", check: func(t *testing.T, a *saml.Assertion) {
		if len(a.Audiences) != 2 {
			t.Errorf("Audiences %v", a.Audiences)
		}
	}, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		aud := find(t, a, "Conditions/AudienceRestriction/Audience")
		more := aud.Copy()
		more.SetText(saml.AWSAudience)
		aud.Parent().InsertChildAt(aud.Index(), more)
	})},
	{name: "no audience restriction", want: saml.ErrAudience, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		c := find(t, a, "Conditions")
		c.RemoveChild(find(t, c, "AudienceRestriction"))
	})},
	{name: "a condition Keyward does not understand", want: saml.ErrMalformed, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Conditions").CreateElement("saml:Condition")
	})},
	{name: "recipient another service provider", want: saml.ErrRecipient, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Subject/SubjectConfirmation/SubjectConfirmationData").CreateAttr("Recipient", "https://other.test/saml")
	})},
	{name: "recipient AWS's sign-in endpoint", want: saml.ErrRecipient, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Subject/SubjectConfirmation/SubjectConfirmationData").CreateAttr("Recipient", "https://signin.aws.amazon.com/saml")
	})},
	{name: "signed response with Destination AWS", want: saml.ErrRecipient,
		build: func(t *testing.T, h *harness) (string, saml.Options) {
			doc, r, _ := genuine(t, h)
			r.CreateAttr("Destination", "https://signin.aws.amazon.com/saml")
			h.idpSigner().sign(t, r)
			return plain(encodeDoc(t, doc))
		}},
	{name: "a second subject confirmation", want: saml.ErrMalformed, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		sc := find(t, a, "Subject/SubjectConfirmation")
		sc.Parent().AddChild(sc.Copy())
	})},
	{name: "holder-of-key confirmation", want: saml.ErrMalformed, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Subject/SubjectConfirmation").CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")
	})},
	{name: "subject confirmation without NotOnOrAfter", want: saml.ErrMalformed, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Subject/SubjectConfirmation/SubjectConfirmationData").RemoveAttr("NotOnOrAfter")
	})},
	{name: "assertion expired", want: saml.ErrExpired, code: saml.CodeExpiredTokenException, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Conditions").CreateAttr("NotOnOrAfter", t0.Add(-time.Second).Format(time.RFC3339))
	})},
	{name: "subject confirmation expired, assertion not", want: saml.ErrExpired, code: saml.CodeExpiredTokenException,
		build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
			find(t, a, "Subject/SubjectConfirmation/SubjectConfirmationData").CreateAttr("NotOnOrAfter", t0.Format(time.RFC3339))
		})},
	{name: "assertion not yet valid", want: saml.ErrNotYetValid, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Conditions").CreateAttr("NotBefore", t0.Add(ClockSkewPlus).Format(time.RFC3339))
	})},
	{name: "subject confirmation not yet valid", want: saml.ErrNotYetValid, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Subject/SubjectConfirmation/SubjectConfirmationData").CreateAttr("NotBefore", t0.Add(ClockSkewPlus).Format(time.RFC3339))
	})},
	{name: "issued in the future", want: saml.ErrNotYetValid, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		a.CreateAttr("IssueInstant", t0.Add(ClockSkewPlus).Format(time.RFC3339))
	})},
	{name: "issued long ago, valid for a year", want: saml.ErrExpired, code: saml.CodeExpiredTokenException,
		build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
			end := t0.AddDate(1, 0, 0).Format(time.RFC3339)
			a.CreateAttr("IssueInstant", t0.Add(-time.Hour).Format(time.RFC3339))
			find(t, a, "Conditions").CreateAttr("NotOnOrAfter", end)
			find(t, a, "Subject/SubjectConfirmation/SubjectConfirmationData").CreateAttr("NotOnOrAfter", end)
		})},
	{name: "the identity provider's session already ended", want: saml.ErrExpired, code: saml.CodeExpiredTokenException,
		build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
			find(t, a, "AuthnStatement").CreateAttr("SessionNotOnOrAfter", t0.Format(time.RFC3339))
		})},
	{name: "an assertion without ID in a signed response", want: saml.ErrMalformed,
		build: func(t *testing.T, h *harness) (string, saml.Options) {
			doc, r, a := genuine(t, h)
			removeSignature(a)
			a.RemoveAttr("ID")
			h.idpSigner().sign(t, r)
			return plain(encodeDoc(t, doc))
		}},
	{name: "another issuer, signed by the provider's key", want: saml.ErrIssuer, build: signedBy(byIdP, func(t *testing.T, a *etree.Element) {
		find(t, a, "Issuer").SetText("https://other-idp.test/")
	})},
}

// ClockSkewPlus is just past the leeway.
const ClockSkewPlus = saml.ClockSkew + time.Second

// comments are the CVE-2017-11427 family: a comment inside a signed value
// leaves the signature valid (canonicalisation drops comments) and cut the
// value short in readers that stop at the first comment.
var comments = []attack{
	{name: "comment inside the NameID", check: func(t *testing.T, a *saml.Assertion) {
		if a.Subject != "admin@example.com.evil.com" || a.ContextKeys()["saml:sub"][0] != "admin@example.com.evil.com" {
			t.Errorf("Subject %q", a.Subject)
		}
	}, build: func(t *testing.T, h *harness) (string, saml.Options) {
		mallory(h)
		h.session.NameID = "admin@example.com.evil.com"
		resp := commented(t, h.response(), "Subject/NameID", "admin@example.com")
		return plain(resp)
	}},
	{name: "comment inside the Role attribute", check: func(t *testing.T, a *saml.Assertion) {
		if a.HasRole(adminRole, providerARN) || len(a.Roles) != 1 || a.Roles[0].RoleARN != adminRole+"Evil" {
			t.Errorf("Roles %v", a.Roles)
		}
	}, build: func(t *testing.T, h *harness) (string, saml.Options) {
		mallory(h)
		h.session.CustomAttributes[0] = attribute(saml.AttributeRole, adminRole+"Evil,"+providerARN)
		return plain(commented(t, h.response(), "AttributeStatement/Attribute/AttributeValue", adminRole))
	}},
}

// commented puts a comment into the text of the first element at path in
// the assertion, after prefix, in a response whose signatures are left as
// they are.
func commented(t *testing.T, resp, path, prefix string) string {
	doc := decodeDoc(t, resp)
	for _, el := range find(t, doc.Root(), "Assertion").FindElements(path) {
		s := el.Text()
		if !strings.HasPrefix(s, prefix) {
			continue
		}
		el.SetText(prefix)
		el.CreateComment("")
		el.CreateText(strings.TrimPrefix(s, prefix))
		break
	}
	out := encodeDoc(t, doc)
	if raw, _ := base64.StdEncoding.DecodeString(out); !strings.Contains(string(raw), prefix+"<!---->") {
		t.Fatal("no comment was put in")
	}
	return out
}

// parsing: what a document may make the parser do.
var parsing = []attack{
	{name: "billion laughs", want: saml.ErrMalformed, build: func(t *testing.T, h *harness) (string, saml.Options) {
		return plain(billionLaughs())
	}},
	{name: "external entity", want: saml.ErrMalformed, build: withDoctype(`<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`)},
	{name: "external DTD", want: saml.ErrMalformed, build: withDoctype(`<!DOCTYPE samlp:Response SYSTEM "http://127.0.0.1:1/evil.dtd">`)},
	{name: "parameter entity", want: saml.ErrMalformed, build: withDoctype(`<!DOCTYPE samlp:Response [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p"> %p;]>`)},
	{name: "a harmless DTD on a genuine response", want: saml.ErrMalformed, build: withDoctype(`<!DOCTYPE samlp:Response>`)},
	{name: "undeclared entity", want: saml.ErrMalformed, build: func(t *testing.T, h *harness) (string, saml.Options) {
		return plain(base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&xxe;</samlp:Response>`)))
	}},
	{name: "processing instruction", want: saml.ErrMalformed, build: withDoctype(`<?xml-stylesheet href="http://127.0.0.1:1/s.xsl"?>`)},
	{name: "declared in another encoding", want: saml.ErrMalformed, build: func(t *testing.T, h *harness) (string, saml.Options) {
		raw, _ := base64.StdEncoding.DecodeString(h.response())
		return plain(base64.StdEncoding.EncodeToString(append([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?>`), raw...)))
	}},
	{name: "byte order mark", want: saml.ErrMalformed, build: func(t *testing.T, h *harness) (string, saml.Options) {
		raw, _ := base64.StdEncoding.DecodeString(h.response())
		return plain(base64.StdEncoding.EncodeToString(append([]byte("\xef\xbb\xbf"), raw...)))
	}},
	{name: "a second root element", want: saml.ErrMalformed, build: func(t *testing.T, h *harness) (string, saml.Options) {
		raw, _ := base64.StdEncoding.DecodeString(h.response())
		return plain(base64.StdEncoding.EncodeToString(append(raw, raw...)))
	}},
	{name: "a duplicated attribute", want: saml.ErrMalformed, build: func(t *testing.T, h *harness) (string, saml.Options) {
		raw, _ := base64.StdEncoding.DecodeString(h.response())
		s := strings.Replace(string(raw), `Version="2.0"`, `Version="2.0" Version="2.0"`, 1)
		return plain(base64.StdEncoding.EncodeToString([]byte(s)))
	}},
	{name: "not base64", want: saml.ErrMalformed, build: func(t *testing.T, h *harness) (string, saml.Options) {
		return plain("<samlp:Response/>")
	}},
	{name: "one character over the bound, refused before decoding", want: saml.ErrTooLarge, build: func(t *testing.T, h *harness) (string, saml.Options) {
		return plain(strings.Repeat("A", saml.MaxResponseSize+1))
	}},
	{name: "at the bound, decoded and refused as not XML", want: saml.ErrMalformed, build: func(t *testing.T, h *harness) (string, saml.Options) {
		return plain(strings.Repeat("A", saml.MaxResponseSize))
	}},
	// The three below are genuine responses with a signed assertion, whose
	// unsigned response carries Extensions (which SAML lets it carry) that
	// only the bounds refuse.
	{name: "nested 8,000 deep within the bound", want: saml.ErrMalformed, build: extended(func(ext *etree.Element) {
		for range 8000 {
			ext = ext.CreateElement("x")
		}
	})},
	{name: "nested 33 deep", want: saml.ErrMalformed, build: extended(func(ext *etree.Element) {
		for range 31 {
			ext = ext.CreateElement("x")
		}
	})},
	{name: "10,000 elements within the bound", want: saml.ErrMalformed, build: extended(func(ext *etree.Element) {
		for range 10000 {
			ext.CreateElement("x")
		}
	})},
	{name: "32 deep, 1,000 elements: accepted", check: func(t *testing.T, a *saml.Assertion) {}, build: unsigned(func(_ *testing.T, _ *harness, r, _ *etree.Element) {
		n := 0
		var count func(*etree.Element)
		count = func(e *etree.Element) {
			n++
			for _, c := range e.ChildElements() {
				count(c)
			}
		}
		count(r)
		ext := r.CreateElement("samlp:Extensions")
		r.InsertChildAt(1, ext)
		deepest := ext
		for range 30 {
			deepest = deepest.CreateElement("x")
		}
		for range 1000 - n - 31 {
			ext.CreateElement("y")
		}
	})},
}

// extended returns mallory's response, its own signature dropped, with
// Extensions that fill fills.
func extended(fill func(ext *etree.Element)) builder {
	return unsigned(func(_ *testing.T, _ *harness, r, _ *etree.Element) {
		ext := r.CreateElement("samlp:Extensions")
		r.InsertChildAt(1, ext)
		fill(ext)
	})
}

// billionLaughs is a response whose ten nested entities expand to 10^9
// "lol"s.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE samlp:Response [<!ENTITY lol0 "lol">`)
	for i := 1; i < 10; i++ {
		b.WriteString(`<!ENTITY lol` + string(rune('0'+i)) + ` "` + strings.Repeat("&lol"+string(rune('0'+i-1))+";", 10) + `">`)
	}
	b.WriteString(`]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="a" Version="2.0">&lol9;</samlp:Response>`)
	return base64.StdEncoding.EncodeToString([]byte(b.String()))
}

// withDoctype puts decl before the root of mallory's genuine response.
func withDoctype(decl string) builder {
	return func(t *testing.T, h *harness) (string, saml.Options) {
		mallory(h)
		raw, _ := base64.StdEncoding.DecodeString(h.response())
		return plain(base64.StdEncoding.EncodeToString([]byte(`<?xml version="1.0"?>` + decl + string(raw))))
	}
}

// encryption: attacks on encrypted assertions.
var encryption = []attack{
	{name: "ciphertext changed (a padding oracle's probe)", want: saml.ErrDecrypt, build: encrypted(func(t *testing.T, ea *etree.Element) {
		cv := find(t, ea, "EncryptedData/CipherData/CipherValue")
		ct, _ := base64.StdEncoding.DecodeString(cv.Text())
		ct[len(ct)-1] ^= 1
		cv.SetText(base64.StdEncoding.EncodeToString(ct))
	})},
	{name: "RSA PKCS #1 v1.5 key transport", want: saml.ErrDecrypt, build: encrypted(func(t *testing.T, ea *etree.Element) {
		find(t, ea, "EncryptedData/KeyInfo/EncryptedKey/EncryptionMethod").CreateAttr("Algorithm", "http://www.w3.org/2001/04/xmlenc#rsa-1_5")
	})},
	{name: "3DES content", want: saml.ErrDecrypt, build: encrypted(func(t *testing.T, ea *etree.Element) {
		find(t, ea, "EncryptedData/EncryptionMethod").CreateAttr("Algorithm", "http://www.w3.org/2001/04/xmlenc#tripledes-cbc")
	})},
	{name: "a second EncryptionMethod in another namespace, first", want: saml.ErrDecrypt, build: encrypted(func(t *testing.T, ea *etree.Element) {
		ek := find(t, ea, "EncryptedData/KeyInfo/EncryptedKey")
		em := find(t, ek, "EncryptionMethod").Copy()
		em.Space = "x"
		em.CreateAttr("xmlns:x", "urn:example:x")
		em.CreateAttr("Algorithm", "http://www.w3.org/2001/04/xmlenc#rsa-1_5")
		ek.InsertChildAt(0, em)
	})},
	{name: "a second KeyInfo", want: saml.ErrDecrypt, build: encrypted(func(t *testing.T, ea *etree.Element) {
		ed := find(t, ea, "EncryptedData")
		ed.InsertChildAt(0, find(t, ed, "KeyInfo").Copy())
	})},
	{name: "five encrypted keys", want: saml.ErrDecrypt, build: encrypted(func(t *testing.T, ea *etree.Element) {
		ki := find(t, ea, "EncryptedData/KeyInfo")
		for range 4 {
			ki.AddChild(find(t, ki, "EncryptedKey").Copy())
		}
	})},
	{name: "an unsigned forged assertion, encrypted to the provider's certificate", want: saml.ErrSignature,
		build: func(t *testing.T, h *harness) (string, saml.Options) {
			// Anyone can encrypt to a public certificate; encryption
			// vouches for nothing.
			mallory(h)
			h.idp.Key, h.idp.Certificate = attackerKeys.key, attackerKeys.cert
			doc := decodeDoc(t, h.response())
			removeSignature(doc.Root())
			return plain(encodeDoc(t, doc))
		}},
}

// encrypted returns mallory's response with an encrypted assertion, its
// response signature dropped and the EncryptedAssertion changed.
func encrypted(change func(t *testing.T, ea *etree.Element)) builder {
	return func(t *testing.T, h *harness) (string, saml.Options) {
		mallory(h)
		doc := decodeDoc(t, h.response())
		removeSignature(doc.Root())
		change(t, find(t, doc.Root(), "EncryptedAssertion"))
		return plain(encodeDoc(t, doc))
	}
}

func runAttacks(t *testing.T, attacks []attack, setup func(h *harness)) {
	t.Helper()
	for _, at := range attacks {
		t.Run(at.name, func(t *testing.T) {
			h := newHarness(t)
			if setup != nil {
				setup(h)
			}
			resp, opts := at.build(t, h)
			a, err := h.sp.Verify(resp, h.provider, opts)
			if at.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				at.check(t, a)
				return
			}
			code := at.code
			if code == "" {
				code = saml.CodeInvalidIdentityToken
			}
			wantErr(t, err, at.want, code)
			if a != nil {
				t.Errorf("refused, yet an assertion came back: %+v", a)
			}
		})
	}
}

func TestSignatureWrapping(t *testing.T) { runAttacks(t, signatureWrapping, nil) }
func TestUnsignedEnvelope(t *testing.T)  { runAttacks(t, unsignedEnvelope, nil) }
func TestKeysAndAlgorithms(t *testing.T) { runAttacks(t, keysAndAlgorithms, nil) }
func TestWhereAndWhen(t *testing.T)      { runAttacks(t, whereAndWhen, nil) }
func TestCommentsInValues(t *testing.T)  { runAttacks(t, comments, nil) }
func TestParsing(t *testing.T)           { runAttacks(t, parsing, nil) }
func TestEncryptionAttacks(t *testing.T) {
	runAttacks(t, encryption, func(h *harness) {
		h.encryptTo(encKeys.cert, xmlenc.AES256GCM)
		h.provider.PrivateKeys = append(h.provider.PrivateKeys, encKeys.key)
	})
}

// TestDecryptionErrorsAlike: every decryption failure answers as a bad
// signature does, so that the answer tells a padding oracle nothing.
func TestDecryptionErrorsAlike(t *testing.T) {
	var msgs []string
	for _, at := range encryption[:4] {
		h := newHarness(t)
		h.encryptTo(encKeys.cert, xmlenc.AES128CBC)
		h.provider.PrivateKeys = append(h.provider.PrivateKeys, encKeys.key)
		resp, _ := at.build(t, h)
		_, err := h.verify(resp)
		var e *saml.Error
		if !errors.As(err, &e) {
			t.Fatal(err)
		}
		msgs = append(msgs, e.Code+": "+e.Message)
	}
	msgs = append(msgs, func() string {
		h := newHarness(t)
		_, err := h.verify(func() string {
			s, _ := sigEdit(func(t *testing.T, sig *etree.Element) { find(t, sig, "SignatureValue").SetText("AAAA") })(t, h)
			return s
		}())
		e := err.(*saml.Error)
		return e.Code + ": " + e.Message
	}())
	for _, m := range msgs {
		if m != msgs[len(msgs)-1] {
			t.Errorf("answers differ: %q", msgs)
			break
		}
	}
}

// TestReplay: Verify does not remember; the same response verifies twice
// with the same ID, and NotOnOrAfter is how long the caller must remember
// it to refuse the second use (after that, Verify refuses it as expired).
func TestReplay(t *testing.T) {
	h := newHarness(t)
	resp := h.response()
	a1, err := h.verify(resp)
	if err != nil {
		t.Fatal(err)
	}
	h.now = a1.NotOnOrAfter.Add(-time.Nanosecond)
	a2, err := h.verify(resp)
	if err != nil {
		t.Fatal(err)
	}
	if a1.ID == "" || a1.ID != a2.ID || !a1.NotOnOrAfter.Equal(a2.NotOnOrAfter) {
		t.Errorf("IDs %q %q, NotOnOrAfter %s %s", a1.ID, a2.ID, a1.NotOnOrAfter, a2.NotOnOrAfter)
	}
	h.now = a1.NotOnOrAfter
	_, err = h.verify(resp)
	wantErr(t, err, saml.ErrExpired, saml.CodeExpiredTokenException)
}

// TestSessionTagShapes: PrincipalTag attributes become the session's tags,
// which every policy decision of the session (and every service asking
// Keyward's verifier) reads as aws:PrincipalTag. A user who can set an
// attribute the identity provider maps to one (a department, a display
// name) chooses its value; the identity provider's administrator chooses
// keys. Both must be session tags as AssumeRole takes them: keys of 1 to
// 128 and values of up to 256 letters, digits, spaces and _.:/=+-@, at
// most 50, and transitive keys of the same shape.
func TestSessionTagShapes(t *testing.T) {
	role := attribute(saml.AttributeRole, adminRole+","+providerARN)
	session := attribute(saml.AttributeSessionName, "mallory")
	tag := func(k, v string) crewsaml.Attribute { return attribute(saml.AttributePrincipalTag+k, v) }
	many := []crewsaml.Attribute{role, session}
	for i := range 51 {
		many = append(many, tag("k"+strconv.Itoa(i), "v"))
	}
	keys := make([]string, 51)
	for i := range keys {
		keys[i] = "dept"
	}
	cases := []struct {
		name  string
		attrs []crewsaml.Attribute
	}{
		{"a value with a wildcard", []crewsaml.Attribute{role, session, tag("dept", "*")}},
		{"a value with a comma and a newline", []crewsaml.Attribute{role, session, tag("dept", "eng,admin\nx")}},
		{"a value over 256 characters", []crewsaml.Attribute{role, session, tag("dept", strings.Repeat("a", 257))}},
		{"an empty key", []crewsaml.Attribute{role, session, tag("", "eng")}},
		{"a key over 128 characters", []crewsaml.Attribute{role, session, tag(strings.Repeat("k", 129), "eng")}},
		{"a key with a dollar and braces", []crewsaml.Attribute{role, session, tag("${aws:username}", "eng")}},
		{"51 tags", many},
		{"a transitive key with a wildcard", []crewsaml.Attribute{role, session, tag("dept", "eng"), attribute(saml.AttributeTransitive, "de*")}},
		{"51 transitive keys", []crewsaml.Attribute{role, session, tag("dept", "eng"), attribute(saml.AttributeTransitive, keys...)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.session.CustomAttributes = c.attrs
			a, err := h.verify(h.response())
			wantErr(t, err, saml.ErrAttribute, saml.CodeInvalidIdentityToken)
			if a != nil {
				t.Errorf("refused, yet an assertion came back: %+v", a)
			}
		})
	}
	t.Run("50 tags of the largest shape", func(t *testing.T) {
		h := newHarness(t)
		h.session.CustomAttributes = []crewsaml.Attribute{role, session, attribute(saml.AttributeTransitive, "Kéy 0")}
		for i := range 50 {
			h.session.CustomAttributes = append(h.session.CustomAttributes, tag("Kéy "+strconv.Itoa(i), "a b:c/d=e+f-g@h_i.j é 1"))
		}
		if a, err := h.verify(h.response()); err != nil || len(a.PrincipalTags) != 50 {
			t.Fatalf("%v", err)
		}
	})
}
