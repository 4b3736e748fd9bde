//go:debug rsa1024min=0

package saml_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/saml"
)

// A metadata document in the shape ADFS publishes: prefixed elements, an
// SPSSODescriptor beside the IDPSSODescriptor, an encryption key and a
// signing key without use.
const metadataTemplate = `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="http://adfs.example.com/adfs/services/trust" {{ROOT}}>
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{{SPCERT}}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://adfs.example.com/adfs/ls/" index="0"/>
  </md:SPSSODescriptor>
  <md:IDPSSODescriptor protocolSupportEnumeration="{{PROTO}}" {{IDP}}>
    {{KEYS}}
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://adfs.example.com/adfs/ls/"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://adfs.example.com/adfs/ls/"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`

func keyDescriptor(use string, cert []byte) string {
	if use != "" {
		use = ` use="` + use + `"`
	}
	return `<md:KeyDescriptor` + use + `><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` +
		base64.StdEncoding.EncodeToString(cert) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
}

// metadataDoc fills the template; r holds old, new pairs that replace its
// defaults.
func metadataDoc(r ...string) string {
	def := map[string]string{
		"ROOT": "", "IDP": "", "PROTO": "urn:oasis:names:tc:SAML:2.0:protocol",
		"SPCERT": base64.StdEncoding.EncodeToString(encKeys2.cert.Raw),
		"KEYS":   keyDescriptor("encryption", encKeys.cert.Raw) + keyDescriptor("", idpKeys.cert.Raw),
	}
	for i := 0; i+1 < len(r); i += 2 {
		def[r[i]] = r[i+1]
	}
	s := metadataTemplate
	for k, v := range def {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

func certWith(t testing.TB, pub, priv any) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "idp"}, NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestMetadataOfIdentityProvider(t *testing.T) {
	h := newHarness(t)
	md, err := saml.ParseMetadata(h.metadata, t0)
	if err != nil {
		t.Fatal(err)
	}
	if md.EntityID != idpEntityID || len(md.Certificates) != 1 || !md.Certificates[0].Equal(idpKeys.cert) ||
		!md.ValidUntil.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("%+v", md)
	}
	found := false
	for _, e := range md.SingleSignOn {
		found = found || (e.Binding == saml.BindingHTTPRedirect && e.Location == "https://idp.test/sso")
	}
	if !found {
		t.Errorf("SingleSignOn %v", md.SingleSignOn)
	}
}

func TestMetadata(t *testing.T) {
	keys(t)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	smallKey, err := rsa.GenerateKey(rand.Reader, 512)
	if err != nil {
		t.Fatal(err)
	}
	full := metadataDoc("IDP", `ID="x"`)
	pad := func(doc string, n int) string {
		return strings.Replace(doc, "<md:NameIDFormat>", "<!--"+strings.Repeat("x", n-len(doc)-7)+"--><md:NameIDFormat>", 1)
	}
	cases := []struct {
		name  string
		doc   string
		check func(t *testing.T, md *saml.Metadata) // nil: refused
		why   string                                // what a refusal's Detail says
	}{
		{"as ADFS publishes it", metadataDoc(), func(t *testing.T, md *saml.Metadata) {
			if md.EntityID != "http://adfs.example.com/adfs/services/trust" || len(md.Certificates) != 1 || !md.Certificates[0].Equal(idpKeys.cert) ||
				!md.ValidUntil.IsZero() || len(md.SingleSignOn) != 2 || md.WantAuthnRequestsSigned ||
				len(md.NameIDFormats) != 1 {
				t.Errorf("%+v", md)
			}
		}, ""},
		{"expired certificates are taken", metadataDoc(), func(t *testing.T, md *saml.Metadata) {
			if !md.Certificates[0].NotAfter.Before(t0) {
				t.Fatal("the test certificate has not expired")
			}
		}, ""},
		{"validUntil of both, the earlier", metadataDoc("ROOT", `validUntil="2027-01-01T00:00:00Z"`, "IDP", `validUntil="2026-06-01T00:00:00Z"`),
			func(t *testing.T, md *saml.Metadata) {
				if !md.ValidUntil.Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("ValidUntil %s", md.ValidUntil)
				}
			}, ""},
		{"the same certificate twice", metadataDoc("KEYS", keyDescriptor("signing", idpKeys.cert.Raw)+keyDescriptor("", idpKeys.cert.Raw)),
			func(t *testing.T, md *saml.Metadata) {
				if len(md.Certificates) != 1 {
					t.Errorf("%d certificates", len(md.Certificates))
				}
			}, ""},
		{"two signing certificates (a rollover)", metadataDoc("KEYS", keyDescriptor("signing", idpKeys.cert.Raw)+keyDescriptor("signing", attackerKeys.cert.Raw)),
			func(t *testing.T, md *saml.Metadata) {
				if len(md.Certificates) != 2 {
					t.Errorf("%d certificates", len(md.Certificates))
				}
			}, ""},
		{"an ECDSA certificate", metadataDoc("KEYS", keyDescriptor("signing", certWith(t, &ecKey.PublicKey, ecKey))), func(t *testing.T, md *saml.Metadata) {}, ""},
		{"wants signed requests", metadataDoc("IDP", `WantAuthnRequestsSigned="true"`), func(t *testing.T, md *saml.Metadata) {
			if !md.WantAuthnRequestsSigned {
				t.Error("WantAuthnRequestsSigned false")
			}
		}, ""},
		{"in an EntitiesDescriptor with a service provider", `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` +
			strings.TrimPrefix(metadataDoc(), `<?xml version="1.0" encoding="UTF-8"?>`) +
			`<EntityDescriptor entityID="sp"><SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor></EntitiesDescriptor>`,
			func(t *testing.T, md *saml.Metadata) {
				if md.EntityID != "http://adfs.example.com/adfs/services/trust" {
					t.Errorf("EntityID %s", md.EntityID)
				}
			}, ""},
		{"exactly 10,000,000 characters", pad(full, saml.MaxMetadataSize), func(t *testing.T, md *saml.Metadata) {}, ""},

		{"10,000,001 characters", pad(full, saml.MaxMetadataSize+1), nil, "size outside"},
		{"999 characters", func() string {
			doc := metadataDoc("KEYS", "")
			return doc[:strings.Index(doc, "<md:SPSSODescriptor")] + strings.Repeat(" ", 999-len(doc)+strings.Index(doc, "</md:EntityDescriptor>")-strings.Index(doc, "<md:SPSSODescriptor")) + "</md:EntityDescriptor>"
		}(), nil, "size outside"},
		{"two identity providers in an EntitiesDescriptor", `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` +
			strings.Repeat(strings.TrimPrefix(metadataDoc(), `<?xml version="1.0" encoding="UTF-8"?>`), 2) + `</EntitiesDescriptor>`, nil, "more than one identity provider"},
		{"validUntil passed", metadataDoc("ROOT", `validUntil="2026-03-02T10:00:00Z"`), nil, "validUntil has passed"},
		{"validUntil not a date", metadataDoc("ROOT", `validUntil="tomorrow"`), nil, "validUntil is not a dateTime"},
		{"no entityID", strings.Replace(metadataDoc(), `entityID="http://adfs.example.com/adfs/services/trust"`, "", 1), nil, "no entityID"},
		{"no identity provider", strings.ReplaceAll(metadataDoc(), "IDPSSODescriptor", "AttributeAuthorityDescriptor"), nil, "no IDPSSODescriptor"},
		{"SAML 1.1 only", metadataDoc("PROTO", "urn:oasis:names:tc:SAML:1.1:protocol"), nil, "no IDPSSODescriptor"},
		{"encryption keys only", metadataDoc("KEYS", keyDescriptor("encryption", idpKeys.cert.Raw)), nil, "no signing certificate"},
		{"a 512-bit RSA key", metadataDoc("KEYS", keyDescriptor("signing", certWith(t, &smallKey.PublicKey, smallKey))), nil, "shorter than 1024 bits"},
		{"an Ed25519 key", metadataDoc("KEYS", keyDescriptor("signing", certWith(t, edPub, edKey))), nil, "neither RSA nor ECDSA"},
		{"a certificate that is not base64", metadataDoc("KEYS", `<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>!!</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`), nil, "not base64"},
		{"a certificate that does not parse", metadataDoc("KEYS", keyDescriptor("signing", []byte("not DER"))), nil, "does not parse"},
		{"21 signing certificates", metadataDoc("KEYS", func() string {
			var b strings.Builder
			// One key, 21 certificates (a serial number each).
			for i := range 21 {
				tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(10 + i)), Subject: pkix.Name{CommonName: "idp"}, NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0)}
				der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &idpKeys.key.PublicKey, idpKeys.key)
				if err != nil {
					t.Fatal(err)
				}
				b.WriteString(keyDescriptor("signing", der))
			}
			return b.String()
		}()), nil, "too many signing certificates"},
		{"a byte order mark", "\xef\xbb\xbf" + metadataDoc(), nil, "byte order mark"},
		{"a DTD", strings.Replace(metadataDoc(), "?>", `?><!DOCTYPE md:EntityDescriptor [<!ENTITY x SYSTEM "file:///etc/passwd">]>`, 1), nil, "DTD"},
		{"not XML", strings.Repeat("metadata ", 200), nil, "text outside the root element"},
		{"another root", strings.ReplaceAll(metadataDoc(), "md:EntityDescriptor", "md:AffiliationDescriptor"), nil, "root is not an EntityDescriptor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			md, err := saml.ParseMetadata(c.doc, t0)
			if c.check != nil {
				if err != nil {
					t.Fatal(err)
				}
				c.check(t, md)
				return
			}
			var e *saml.Error
			if !errors.As(err, &e) || !errors.Is(err, saml.ErrMetadata) || e.Code != saml.CodeInvalidInput || e.Message != "Could not parse metadata" {
				t.Fatalf("%#v", err)
			}
			if !strings.Contains(e.Detail, c.why) {
				t.Errorf("refused for %q, want %q", e.Detail, c.why)
			}
		})
	}
}
