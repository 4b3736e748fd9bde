package saml

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

func TestText(t *testing.T) {
	cases := []struct {
		xml, want string
		err       bool
	}{
		{`<a>admin@example.com</a>`, "admin@example.com", false},
		{`<a>admin@example.com<!---->.evil.com</a>`, "admin@example.com.evil.com", false},
		{`<a>admin<!--x-->@example<?pi x?>.com</a>`, "admin@example.com", false},
		{`<a><![CDATA[admin]]>@example.com</a>`, "admin@example.com", false},
		{"<a>\n  spaced  \n</a>", "spaced", false},
		{`<a>admin<b/>@example.com</a>`, "", true},
		{`<a/>`, "", false},
	}
	for _, c := range cases {
		doc := etree.NewDocument()
		if err := doc.ReadFromString(c.xml); err != nil {
			t.Fatal(err)
		}
		got, err := text(doc.Root())
		if got != c.want || (err != nil) != c.err {
			t.Errorf("text(%s) = %q, %v", c.xml, got, err)
		}
	}
}

func TestWellFormed(t *testing.T) {
	ok := []string{
		`<a/>`,
		`<?xml version="1.0" encoding="UTF-8"?><a/>`,
		"<!-- a comment --><a/>\n",
		`<a xmlns:x="urn:x" x:b="1" b="2"/>`,
	}
	bad := []string{
		"", " ", `<a>`, `<a/><b/>`, `x<a/>`, `<a/>x`,
		"\xef\xbb\xbf<a/>", "<a>\xff</a>",
		`<!DOCTYPE a><a/>`, `<a/><?pi?>`, `<a><?pi?></a>`, `<a/><?xml version="1.0"?>`,
		`<?xml version="1.0" encoding="UTF-16"?><a/>`,
		`<a b="1" b="2"/>`, `<a xmlns:x="urn:x" xmlns:y="urn:x" x:b="1" y:b="2"/>`,
		`<a>&unknown;</a>`,
		strings.Repeat("<a>", 33) + strings.Repeat("</a>", 33),
		"<r>" + strings.Repeat("<a/>", 1000) + "</r>",
		`<a ` + strings.Repeat(`x`, 0) + func() string {
			var b strings.Builder
			for i := range 65 {
				b.WriteString(` a` + string(rune('A'+i%26)) + string(rune('A'+i/26)) + `="1"`)
			}
			return b.String()
		}() + `/>`,
	}
	for _, s := range ok {
		if err := wellFormed([]byte(s), responseLimits); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range bad {
		if err := wellFormed([]byte(s), responseLimits); err == nil {
			t.Errorf("%.60q taken", s)
		}
	}
	deepest := strings.Repeat("<a>", 32) + strings.Repeat("</a>", 32)
	most := "<r>" + strings.Repeat("<a/>", 999) + "</r>"
	for _, s := range []string{deepest, most} {
		if err := wellFormed([]byte(s), responseLimits); err != nil {
			t.Errorf("at the limit: %v", err)
		}
	}
}

// TestVerifiedIsCanonical: what verifySigned hands back is the signed
// element as the canonical bytes say it, not the tree that arrived. A
// comment, a CDATA section and a namespace declaration nothing uses, which
// leave the signature valid, are gone from it, and changing the tree that
// arrived after verification changes nothing in it.
func TestVerifiedIsCanonical(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp"}, NotBefore: now, NotAfter: now.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)

	doc := etree.NewDocument()
	if err := doc.ReadFromString(`<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="id-1" Version="2.0"><saml:Subject><saml:NameID>admin@example.com.evil.com</saml:NameID></saml:Subject></saml:Assertion>`); err != nil {
		t.Fatal(err)
	}
	ctx, err := dsig.NewSigningContext(key, [][]byte{der})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	signed, err := ctx.SignEnveloped(doc.Root())
	if err != nil {
		t.Fatal(err)
	}
	doc.SetRoot(signed)
	signedXML := mustString(t, doc)
	doc = etree.NewDocument()
	if err := doc.ReadFromString(strings.Replace(strings.Replace(signedXML,
		"admin@example.com.evil.com", "admin@example.com<!---->.evil.com", 1),
		"<saml:Subject>", `<saml:Subject xmlns:unused="urn:x"><![CDATA[]]>`, 1)); err != nil {
		t.Fatal(err)
	}
	arrived := doc.Root()
	sig, _ := child(arrived, nsDSig, "Signature")
	verified, err := verifySigned(arrived, sig, []*x509.Certificate{cert})
	if err != nil {
		t.Fatal(err)
	}
	arrived.FindElement("Subject/NameID").SetText("changed after verification")
	out := etree.NewDocument()
	out.SetRoot(verified)
	s := mustString(t, out)
	if strings.Contains(s, "<!--") || strings.Contains(s, "unused") || strings.Contains(s, "CDATA") || strings.Contains(s, "Signature") {
		t.Errorf("verified element is not canonical: %s", s)
	}
	nameID := verified.FindElement("Subject/NameID")
	if got, _ := text(nameID); got != "admin@example.com.evil.com" || len(nameID.Child) != 1 {
		t.Errorf("NameID %q in %d pieces", got, len(nameID.Child))
	}

	// A certificate the list does not have.
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	otherDER, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &other.PublicKey, other)
	otherCert, _ := x509.ParseCertificate(otherDER)
	if _, err := verifySigned(arrived, sig, []*x509.Certificate{otherCert}); !errors.Is(err, ErrSignature) {
		t.Errorf("verified with a certificate not listed: %v", err)
	}
}

func mustString(t *testing.T, doc *etree.Document) string {
	t.Helper()
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
