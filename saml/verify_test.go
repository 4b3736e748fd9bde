package saml_test

import (
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/xmlenc"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/saml"
)

func TestVerifyIdPInitiated(t *testing.T) {
	h := newHarness(t)
	resp := h.response()
	a, err := h.verify(resp)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte(idpEntityID + account + "/TestIdP"))
	wantID := find(t, decodeDoc(t, resp).Root(), "Assertion").SelectAttrValue("ID", "")
	checks := []struct {
		name      string
		got, want any
	}{
		{"ID", a.ID, wantID},
		{"Issuer", a.Issuer, idpEntityID},
		{"Subject", a.Subject, "alice@example.com"},
		{"SubjectFormat", a.SubjectFormat, "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"},
		{"SubjectType", a.SubjectType, "persistent"},
		{"NameQualifier", a.NameQualifier, base64.StdEncoding.EncodeToString(sum[:])},
		{"Recipient", a.Recipient, endpoint},
		{"Audiences", a.Audiences, []string{endpoint}},
		{"InResponseTo", a.InResponseTo, ""},
		{"IssueInstant", a.IssueInstant, t0},
		// crewjam/saml's assertions are good for 90 seconds.
		{"NotOnOrAfter", a.NotOnOrAfter, t0.Add(90 * time.Second)},
		{"AuthnInstant", a.AuthnInstant, t0.Add(-time.Minute)},
		{"Roles", a.Roles, []saml.RolePair{{RoleARN: adminRole, ProviderARN: providerARN}, {RoleARN: readerRole, ProviderARN: providerARN}}},
		{"RoleSessionName", a.RoleSessionName, "alice"},
		{"ProviderARN", a.ProviderARN, providerARN},
		{"AccountID", a.AccountID, account},
		{"ProviderName", a.ProviderName, "TestIdP"},
		{"Encrypted", a.Encrypted, false},
		{"HasRole Admin", a.HasRole(adminRole, providerARN), true},
		{"HasRole other provider", a.HasRole(adminRole, "arn:aws:iam::123456789012:saml-provider/Other"), false},
		{"ContextKeys", a.ContextKeys(), map[string][]string{
			"saml:aud":                    {endpoint},
			"saml:iss":                    {idpEntityID},
			"saml:sub":                    {"alice@example.com"},
			"saml:sub_type":               {"persistent"},
			"saml:namequalifier":          {base64.StdEncoding.EncodeToString(sum[:])},
			"saml:doc":                    {"123456789012/TestIdP"},
			"saml:edupersonprincipalname": {"alice@example.com"},
			"saml:cn":                     {"Alice Liddell"},
			"saml:edupersonaffiliation":   {"staff", "member"},
		}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestNameQualifierExample checks NameQualifier against the pseudocode of
// the STS API reference: BASE64(SHA1("https://example.com/saml" +
// "123456789012" + "/MySAMLIdP")).
func TestNameQualifierExample(t *testing.T) {
	h := newHarness(t)
	h.idp.MetadataURL = kwtest.MustURL("https://example.com/saml")
	md := *h.provider.Metadata
	md.EntityID = "https://example.com/saml"
	h.provider.Metadata = &md
	h.provider.ARN = "arn:aws:iam::123456789012:saml-provider/MySAMLIdP"
	a, err := h.verify(h.response())
	if err != nil {
		t.Fatal(err)
	}
	// The hash of that string, computed with Python's hashlib.
	const want = "1uAJanUnBc2XeUkHURMht+xam2c="
	if a.NameQualifier != want {
		t.Errorf("NameQualifier %s, want %s", a.NameQualifier, want)
	}
}

// readContextKeys reads testdata/context-keys.txt, the attributes AWS
// documents as mapped to saml: keys, kept apart from the package's own
// table so that a wrong entry there fails the test.
func readContextKeys(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("testdata/context-keys.txt")
	if err != nil {
		t.Fatal(err)
	}
	mapped := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 2 {
			t.Fatalf("context-keys.txt: %q is not an attribute and a key", line)
		}
		mapped[f[0]] = f[1]
	}
	return mapped
}

// TestContextKeys sends every attribute AWS maps to a saml: key, and two
// that map to one key, of which AWS maps one.
func TestContextKeys(t *testing.T) {
	mapped := readContextKeys(t)
	h := newHarness(t)
	h.session = crewsaml.Session{NameID: "alice", NameIDFormat: string(crewsaml.TransientNameIDFormat), CreateTime: t0, CustomAttributes: []crewsaml.Attribute{
		attribute(saml.AttributeRole, adminRole+","+providerARN),
		attribute(saml.AttributeSessionName, "alice"),
	}}
	want := map[string][]string{}
	for name, key := range mapped {
		h.session.CustomAttributes = append(h.session.CustomAttributes, attribute(name, "v-"+name, "w"))
		want[key] = []string{"v-" + name, "w"}
	}
	// The X.500 table's own spellings, after the attributes above, so the
	// first claim for a key is the one mapped.
	h.session.CustomAttributes = append(h.session.CustomAttributes,
		attribute("2.5.4.3", "x500 cn"), attribute("2.5.4.4", "x500 sn"), attribute("2.4.5.42", "x500 given"),
		attribute("0.9.2342.19200300100.1.1", "x500 uid"), attribute("0.9.2342.19200300100.1.3", "x500 mail"),
		attribute("urn:example:unmapped", "nothing"))
	a, err := h.verify(h.response())
	if err != nil {
		t.Fatal(err)
	}
	got := a.ContextKeys()
	for _, k := range []string{"saml:aud", "saml:iss", "saml:sub", "saml:sub_type", "saml:namequalifier", "saml:doc"} {
		if len(got[k]) != 1 || got[k][0] == "" {
			t.Errorf("%s = %v", k, got[k])
		}
		delete(got, k)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("context keys\n got %v\nwant %v", got, want)
	}
	if got["saml:sub_type"] != nil || a.SubjectType != "transient" {
		t.Errorf("SubjectType %s", a.SubjectType)
	}

	// Alone, the X.500 spellings set their keys.
	h.session.CustomAttributes = []crewsaml.Attribute{
		attribute(saml.AttributeSessionName, "alice"),
		attribute("2.5.4.3", "cn"), attribute("2.5.4.4", "sn"), attribute("2.5.4.42", "given"),
		attribute("0.9.2342.19200300.100.1.1", "uid"), attribute("0.9.2342.19200300.100.1.3", "mail"),
	}
	if a, err = h.verify(h.response()); err != nil {
		t.Fatal(err)
	}
	got = a.ContextKeys()
	for k, v := range map[string]string{"saml:commonname": "cn", "saml:surname": "sn", "saml:givenname": "given", "saml:uid": "uid", "saml:mail": "mail"} {
		if !reflect.DeepEqual(got[k], []string{v}) {
			t.Errorf("%s = %v, want [%s]", k, got[k], v)
		}
	}
}

// TestSignedParts: AWS accepts a signature on the response, on the
// assertion, or on both; not on neither.
func TestSignedParts(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name string
		edit func(doc *etree.Document)
		want error
	}{
		{"both", func(*etree.Document) {}, nil},
		{"assertion only", func(doc *etree.Document) { removeSignature(doc.Root()) }, nil},
		{"response only", func(doc *etree.Document) {
			removeSignature(find(t, doc.Root(), "Assertion"))
			h.idpSigner().sign(t, doc.Root())
		}, nil},
		{"neither", func(doc *etree.Document) {
			removeSignature(doc.Root())
			removeSignature(find(t, doc.Root(), "Assertion"))
		}, saml.ErrSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := decodeDoc(t, h.response())
			c.edit(doc)
			a, err := h.verify(encodeDoc(t, doc))
			if c.want != nil {
				wantErr(t, err, c.want, saml.CodeInvalidIdentityToken)
				return
			}
			if err != nil || a.Subject != "alice@example.com" {
				t.Fatalf("%v %v", a, err)
			}
		})
	}
}

// TestSPInitiated signs in the way a browser does: to the identity
// provider with Keyward's AuthnRequest, and back with its response, which
// must answer that request.
func TestSPInitiated(t *testing.T) {
	h := newHarness(t)
	req, err := h.sp.NewAuthnRequest(h.provider.Metadata, "console/home")
	if err != nil {
		t.Fatal(err)
	}
	resp := h.signIn(req.URL)
	a, err := h.sp.Verify(resp, h.provider, saml.Options{InResponseTo: req.ID})
	if err != nil {
		t.Fatal(err)
	}
	if a.InResponseTo != req.ID || a.Subject != "alice@example.com" {
		t.Errorf("InResponseTo %q Subject %q", a.InResponseTo, a.Subject)
	}
	// The same response for another sign-in, and an unsolicited one where
	// Keyward started a sign-in, are refused.
	_, err = h.sp.Verify(resp, h.provider, saml.Options{InResponseTo: "id-other"})
	wantErr(t, err, saml.ErrInResponseTo, saml.CodeInvalidIdentityToken)
	_, err = h.sp.Verify(h.response(), h.provider, saml.Options{InResponseTo: req.ID})
	wantErr(t, err, saml.ErrInResponseTo, saml.CodeInvalidIdentityToken)
	// AssumeRoleWithSAML does not know the request and takes the response.
	if _, err := h.verify(resp); err != nil {
		t.Fatal(err)
	}
}

func TestTimes(t *testing.T) {
	cases := []struct {
		name         string
		issued, now  time.Duration // after t0
		validFor     time.Duration // NotOnOrAfter after issue, when edited
		want         error
		wantMessage  string
		wantNotAfter time.Duration // after t0
	}{
		{name: "at issue", now: 0, wantNotAfter: 90 * time.Second},
		{name: "just before NotOnOrAfter", now: 89 * time.Second, wantNotAfter: 90 * time.Second},
		{name: "at NotOnOrAfter", now: 90 * time.Second, want: saml.ErrExpired, wantMessage: "Response has expired"},
		{name: "long after", now: time.Hour, want: saml.ErrExpired, wantMessage: "Response has expired"},
		{name: "IdP clock 5 minutes ahead", issued: 5 * time.Minute, now: 0, wantNotAfter: 5*time.Minute + 90*time.Second},
		{name: "IdP clock 6 minutes ahead", issued: 6 * time.Minute, now: 0, want: saml.ErrNotYetValid, wantMessage: "Response is not yet valid"},
		{name: "long-lived, within 5 minutes of issue", now: 5*time.Minute - time.Second, validFor: time.Hour, wantNotAfter: 5 * time.Minute},
		{name: "long-lived, 5 minutes after issue", now: 5 * time.Minute, validFor: time.Hour, want: saml.ErrExpired,
			wantMessage: "Token must be redeemed within 5 minutes of issuance"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.issued = t0.Add(c.issued)
			resp := h.response()
			if c.validFor != 0 {
				resp = h.edit(resp, func(a *etree.Element) {
					end := h.issued.Add(c.validFor).Format(time.RFC3339)
					find(t, a, "Conditions").CreateAttr("NotOnOrAfter", end)
					find(t, a, "Subject/SubjectConfirmation/SubjectConfirmationData").CreateAttr("NotOnOrAfter", end)
				})
			}
			h.now = t0.Add(c.now)
			a, err := h.verify(resp)
			if c.want != nil {
				code := saml.CodeInvalidIdentityToken
				if c.want == saml.ErrExpired {
					code = saml.CodeExpiredTokenException
				}
				wantErr(t, err, c.want, code)
				if err.(*saml.Error).Message != c.wantMessage {
					t.Errorf("message %q, want %q", err.(*saml.Error).Message, c.wantMessage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !a.NotOnOrAfter.Equal(t0.Add(c.wantNotAfter)) {
				t.Errorf("NotOnOrAfter %s, want %s", a.NotOnOrAfter, t0.Add(c.wantNotAfter))
			}
		})
	}
}

func TestAWSAttributes(t *testing.T) {
	session := attribute(saml.AttributeSessionName, "alice")
	role := attribute(saml.AttributeRole, adminRole+","+providerARN)
	cases := []struct {
		name    string
		attrs   []crewsaml.Attribute
		wantMsg string // an ErrAttribute refusal's message
		check   func(t *testing.T, a *saml.Assertion)
	}{
		{name: "all of them", attrs: []crewsaml.Attribute{
			role, session,
			attribute(saml.AttributeDuration, "3600"),
			attribute(saml.AttributeSourceID, "alice@example.com"),
			attribute(saml.AttributePrincipalTag+"Project", "Marketing"),
			attribute(saml.AttributePrincipalTag+"CostCenter", "12345"),
			attribute(saml.AttributeTransitive, "Project", "CostCenter"),
		}, check: func(t *testing.T, a *saml.Assertion) {
			if a.SessionDuration != 3600 || a.SourceIdentity != "alice@example.com" ||
				!reflect.DeepEqual(a.PrincipalTags, []saml.Tag{{Key: "Project", Value: "Marketing"}, {Key: "CostCenter", Value: "12345"}}) ||
				!reflect.DeepEqual(a.TransitiveTagKeys, []string{"Project", "CostCenter"}) {
				t.Errorf("%+v", a)
			}
		}},
		{name: "roles either way round, malformed ones ignored", attrs: []crewsaml.Attribute{session,
			attribute(saml.AttributeRole, providerARN+", "+adminRole, "not a pair", adminRole, adminRole+","+readerRole,
				"arn:aws:iam::123456789012:user/bob,"+providerARN),
		}, check: func(t *testing.T, a *saml.Assertion) {
			if !reflect.DeepEqual(a.Roles, []saml.RolePair{{RoleARN: adminRole, ProviderARN: providerARN}}) {
				t.Errorf("Roles %v", a.Roles)
			}
		}},
		{name: "attribute names are case-sensitive", attrs: []crewsaml.Attribute{session,
			attribute(strings.ToLower(saml.AttributeRole), adminRole+","+providerARN),
		}, check: func(t *testing.T, a *saml.Assertion) {
			if len(a.Roles) != 0 {
				t.Errorf("Roles %v", a.Roles)
			}
		}},
		{name: "the first RoleSessionName", attrs: []crewsaml.Attribute{role, session, attribute(saml.AttributeSessionName, "bob")},
			check: func(t *testing.T, a *saml.Assertion) {
				if a.RoleSessionName != "alice" {
					t.Errorf("RoleSessionName %s", a.RoleSessionName)
				}
			}},
		{name: "no RoleSessionName", attrs: []crewsaml.Attribute{role},
			wantMsg: "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"},
		{name: "RoleSessionName with a space", attrs: []crewsaml.Attribute{role, attribute(saml.AttributeSessionName, "Alice Liddell")},
			wantMsg: "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"},
		{name: "RoleSessionName too long", attrs: []crewsaml.Attribute{role, attribute(saml.AttributeSessionName, strings.Repeat("a", 65))},
			wantMsg: "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"},
		{name: "two RoleSessionName values", attrs: []crewsaml.Attribute{role, attribute(saml.AttributeSessionName, "alice", "bob")},
			wantMsg: "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"},
		{name: "SessionDuration too short", attrs: []crewsaml.Attribute{role, session, attribute(saml.AttributeDuration, "899")},
			wantMsg: "SessionDuration in AuthnResponse must be an integer between 900 and 43200"},
		{name: "SessionDuration too long", attrs: []crewsaml.Attribute{role, session, attribute(saml.AttributeDuration, "43201")},
			wantMsg: "SessionDuration in AuthnResponse must be an integer between 900 and 43200"},
		{name: "SessionDuration not a number", attrs: []crewsaml.Attribute{role, session, attribute(saml.AttributeDuration, "1h")},
			wantMsg: "SessionDuration in AuthnResponse must be an integer between 900 and 43200"},
		{name: "SourceIdentity with a colon", attrs: []crewsaml.Attribute{role, session, attribute(saml.AttributeSourceID, "aws:alice")},
			wantMsg: "SourceIdentity in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"},
		{name: "PrincipalTag with two values", attrs: []crewsaml.Attribute{role, session, attribute(saml.AttributePrincipalTag+"Project", "a", "b")},
			wantMsg: "PrincipalTag attributes in AuthnResponse must have exactly one value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.session.CustomAttributes = c.attrs
			a, err := h.verify(h.response())
			if c.wantMsg != "" {
				wantErr(t, err, saml.ErrAttribute, saml.CodeInvalidIdentityToken)
				if m := err.(*saml.Error).Message; m != c.wantMsg {
					t.Errorf("message %q, want %q", m, c.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, a)
		})
	}
}

func TestSubjectType(t *testing.T) {
	cases := []struct{ format, want string }{
		{"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", "persistent"},
		{"urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "transient"},
		{"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"},
		{"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"},
		{"urn:example:custom", "urn:example:custom"},
		{"", "unspecified"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			h := newHarness(t)
			resp := h.edit(h.response(), func(a *etree.Element) {
				n := find(t, a, "Subject/NameID")
				n.RemoveAttr("Format")
				if c.format != "" {
					n.CreateAttr("Format", c.format)
				}
			})
			a, err := h.verify(resp)
			if err != nil {
				t.Fatal(err)
			}
			if a.SubjectType != c.want || a.SubjectFormat != c.format || a.ContextKeys()["saml:sub_type"][0] != c.want {
				t.Errorf("SubjectType %q SubjectFormat %q", a.SubjectType, a.SubjectFormat)
			}
		})
	}
}

func TestEncryptedAssertions(t *testing.T) {
	ciphers := map[string]xmlenc.BlockCipher{
		"AES-128-CBC": xmlenc.AES128CBC, "AES-256-CBC": xmlenc.AES256CBC,
		"AES-128-GCM": xmlenc.AES128GCM, "AES-256-GCM": xmlenc.AES256GCM,
	}
	for name, cipher := range ciphers {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.encryptTo(encKeys.cert, cipher)
			h.provider.PrivateKeys = []*rsa.PrivateKey{encKeys.key}
			resp := h.response()
			if decodeDoc(t, resp).Root().FindElement("EncryptedAssertion") == nil {
				t.Fatal("the identity provider did not encrypt")
			}
			for _, mode := range []saml.EncryptionMode{"", saml.EncryptionAllowed, saml.EncryptionRequired} {
				h.provider.EncryptionMode = mode
				a, err := h.verify(resp)
				if err != nil || !a.Encrypted || a.Subject != "alice@example.com" || a.RoleSessionName != "alice" {
					t.Fatalf("mode %q: %+v %v", mode, a, err)
				}
			}
		})
	}

	h := newHarness(t)
	h.encryptTo(encKeys.cert, xmlenc.AES256GCM)
	encrypted := h.response()
	plain := newHarness(t).response()
	cases := []struct {
		name string
		resp string
		keys []*rsa.PrivateKey
		mode saml.EncryptionMode
		want error
	}{
		{"the second of two keys (rotation)", encrypted, []*rsa.PrivateKey{encKeys2.key, encKeys.key}, saml.EncryptionRequired, nil},
		{"not the provider's key", encrypted, []*rsa.PrivateKey{encKeys2.key}, saml.EncryptionAllowed, saml.ErrDecrypt},
		{"no key", encrypted, nil, saml.EncryptionAllowed, saml.ErrDecrypt},
		{"plain where required", plain, []*rsa.PrivateKey{encKeys.key}, saml.EncryptionRequired, saml.ErrEncryptionRequired},
		{"plain where allowed", plain, []*rsa.PrivateKey{encKeys.key}, saml.EncryptionAllowed, nil},
		{"key beside the data, as Shibboleth sends it", func() string {
			doc := decodeDoc(t, encrypted)
			ea := find(t, doc.Root(), "EncryptedAssertion")
			ki := find(t, ea, "EncryptedData/KeyInfo")
			ek := find(t, ki, "EncryptedKey")
			ctx, err := etreeutils.NSBuildParentContext(ek)
			if err != nil {
				t.Fatal(err)
			}
			moved, err := etreeutils.NSDetatch(ctx, ek)
			if err != nil {
				t.Fatal(err)
			}
			ki.RemoveChild(ek)
			ea.AddChild(moved)
			h.idpSigner().sign(t, doc.Root())
			return encodeDoc(t, doc)
		}(), []*rsa.PrivateKey{encKeys.key}, saml.EncryptionRequired, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.provider.PrivateKeys, h.provider.EncryptionMode = c.keys, c.mode
			a, err := h.verify(c.resp)
			if c.want != nil {
				wantErr(t, err, c.want, saml.CodeInvalidIdentityToken)
				return
			}
			if err != nil || a.Subject != "alice@example.com" {
				t.Fatalf("%+v %v", a, err)
			}
		})
	}
}

func TestProviderExpired(t *testing.T) {
	h := newHarness(t)
	resp := h.response()
	md := *h.provider.Metadata
	md.ValidUntil = t0
	h.provider.Metadata = &md
	_, err := h.verify(resp)
	wantErr(t, err, saml.ErrProviderExpired, saml.CodeInvalidIdentityToken)
	md.ValidUntil = t0.Add(time.Second)
	if _, err := h.verify(resp); err != nil {
		t.Fatal(err)
	}
}

// TestRoleProviders: the providers a response's Role attribute names,
// each once, in order, before anything is verified.
func TestRoleProviders(t *testing.T) {
	h := newHarness(t)
	const other = "arn:aws:iam::123456789012:saml-provider/other"
	h.session.CustomAttributes = []crewsaml.Attribute{
		attribute(saml.AttributeRole, adminRole+","+providerARN, other+","+readerRole, readerRole+","+providerARN, "not a pair"),
		attribute(saml.AttributeSessionName, "alice"),
	}
	got, err := h.sp.RoleProviders(h.response())
	if err != nil || strings.Join(got, " ") != providerARN+" "+other {
		t.Errorf("RoleProviders %q %v", got, err)
	}
	h.session.CustomAttributes = h.session.CustomAttributes[1:]
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString([]byte("<a/>")), h.response()} {
		if _, err := h.sp.RoleProviders(bad); !errors.Is(err, saml.ErrMalformed) {
			t.Errorf("RoleProviders(%.40q): %v", bad, err)
		}
	}
}

// TestBase64Lines: the HTTP-POST binding's value may come in lines.
func TestBase64Lines(t *testing.T) {
	h := newHarness(t)
	resp := h.response()
	var b strings.Builder
	for len(resp) > 76 {
		b.WriteString(resp[:76] + "\r\n")
		resp = resp[76:]
	}
	b.WriteString(resp)
	if _, err := h.verify(b.String()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.verify(url.QueryEscape(b.String())); !errors.Is(err, saml.ErrMalformed) {
		t.Errorf("URL-encoded response: %v", err)
	}
}
