package saml_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"flag"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/keyward/keyward/saml"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestSPMetadata: Keyward's service-provider metadata, as identity
// providers import it (crewjam/saml's does, in every test of this package).
func TestSPMetadata(t *testing.T) {
	sp, err := saml.NewServiceProvider("https://keyward.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	got := sp.Metadata()
	golden := filepath.Join("testdata", "sp-metadata.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("metadata differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
	if sp.Endpoint() != "https://keyward.example.com/saml" || sp.MetadataURL() != "https://keyward.example.com/saml/metadata" {
		t.Errorf("Endpoint %s MetadataURL %s", sp.Endpoint(), sp.MetadataURL())
	}
}

func TestNewServiceProvider(t *testing.T) {
	for in, want := range map[string]string{
		"https://keyward.example.com":      "https://keyward.example.com/saml",
		"http://127.0.0.1:8080/":           "http://127.0.0.1:8080/saml",
		"https://example.com/keyward/":     "https://example.com/keyward/saml",
		"ftp://keyward.example.com":        "",
		"keyward.example.com":              "",
		"https://keyward.example.com/?a=b": "",
		"https://user@keyward.example.com": "",
		"https://":                         "",
	} {
		sp, err := saml.NewServiceProvider(in)
		switch {
		case want == "" && err == nil:
			t.Errorf("%s taken", in)
		case want != "" && (err != nil || sp.Endpoint() != want):
			t.Errorf("%s: %v", in, err)
		}
	}
}

// decodeRedirect reads an HTTP-Redirect binding URL's request.
func decodeRedirect(t *testing.T, u string) (*url.URL, *etree.Element) {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(pu.Query().Get("SAMLRequest"))
	if err != nil {
		t.Fatal(err)
	}
	xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xml); err != nil {
		t.Fatal(err)
	}
	return pu, doc.Root()
}

func TestNewAuthnRequest(t *testing.T) {
	h := newHarness(t)
	h.sp.Rand = bytes.NewReader(bytes.Repeat([]byte{0xab}, 20))
	md := *h.provider.Metadata
	md.SingleSignOn = []saml.Endpoint{
		{Binding: saml.BindingHTTPPost, Location: "https://idp.test/post"},
		{Binding: saml.BindingHTTPRedirect, Location: "https://idp.test/sso?tenant=7"},
	}
	req, err := h.sp.NewAuthnRequest(&md, "/console/home")
	if err != nil {
		t.Fatal(err)
	}
	wantID := "id-" + strings.Repeat("ab", 20)
	u, r := decodeRedirect(t, req.URL)
	checks := map[string][2]string{
		"ID":                       {req.ID, wantID},
		"URL":                      {u.Scheme + "://" + u.Host + u.Path, "https://idp.test/sso"},
		"tenant":                   {u.Query().Get("tenant"), "7"},
		"RelayState":               {u.Query().Get("RelayState"), "/console/home"},
		"element":                  {r.Tag + " " + r.NamespaceURI(), "AuthnRequest urn:oasis:names:tc:SAML:2.0:protocol"},
		"request ID":               {r.SelectAttrValue("ID", ""), wantID},
		"Version":                  {r.SelectAttrValue("Version", ""), "2.0"},
		"IssueInstant":             {r.SelectAttrValue("IssueInstant", ""), "2026-03-02T10:00:00.000Z"},
		"Destination":              {r.SelectAttrValue("Destination", ""), "https://idp.test/sso?tenant=7"},
		"ACS":                      {r.SelectAttrValue("AssertionConsumerServiceURL", ""), endpoint},
		"ProtocolBinding":          {r.SelectAttrValue("ProtocolBinding", ""), saml.BindingHTTPPost},
		"Issuer":                   {r.SelectElement("Issuer").Text(), endpoint},
		"NameIDPolicy AllowCreate": {r.SelectElement("NameIDPolicy").SelectAttrValue("AllowCreate", ""), "true"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	// No RelayState when there is none.
	h.sp.Rand = nil
	req, err = h.sp.NewAuthnRequest(h.provider.Metadata, "")
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := decodeRedirect(t, req.URL); u.Query().Has("RelayState") {
		t.Error("an empty RelayState was sent")
	}
	// The identity provider takes the request and answers it (more in
	// TestSPInitiated).
	if _, err := h.sp.Verify(h.signIn(req.URL), h.provider, saml.Options{InResponseTo: req.ID}); err != nil {
		t.Fatal(err)
	}

	bad := map[string]func(m *saml.Metadata) string{
		"RelayState over 80 bytes": func(*saml.Metadata) string { return strings.Repeat("r", saml.MaxRelayState+1) },
		"signed requests wanted":   func(m *saml.Metadata) string { m.WantAuthnRequestsSigned = true; return "" },
		"no HTTP-Redirect endpoint": func(m *saml.Metadata) string {
			m.SingleSignOn = m.SingleSignOn[:1]
			return ""
		},
		"an endpoint that is not http": func(m *saml.Metadata) string {
			m.SingleSignOn = []saml.Endpoint{{Binding: saml.BindingHTTPRedirect, Location: "javascript:alert(1)"}}
			return ""
		},
	}
	for name, f := range bad {
		m := md
		relay := f(&m)
		if _, err := h.sp.NewAuthnRequest(&m, relay); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := h.sp.NewAuthnRequest(&md, strings.Repeat("r", saml.MaxRelayState)); err != nil {
		t.Errorf("80 bytes of RelayState: %v", err)
	}
}
