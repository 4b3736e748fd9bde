package saml_test

import (
	"crypto/rsa"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/crewjam/saml/xmlenc"

	"github.com/keyward/keyward/saml"
)

// The cost of a response, from the caller's string to an Assertion or a
// refusal, on the largest responses the bounds let through and on hostile
// ones. Run with go test -run '^$' -bench . ./saml/.

func benchVerify(b *testing.B, h *harness, resp string, ok bool) {
	b.Helper()
	b.ReportAllocs()
	b.SetBytes(int64(len(resp)))
	b.ResetTimer()
	for b.Loop() {
		_, err := h.verify(resp)
		if (err == nil) != ok {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify: a typical response, signed twice (response and
// assertion) with RSA-2048 and SHA-256, about 12,000 base64 characters.
func BenchmarkVerify(b *testing.B) {
	h := newHarness(b)
	benchVerify(b, h, h.response(), true)
}

// BenchmarkVerifyEncrypted: the same, encrypted with AES-256-GCM and
// RSA-OAEP.
func BenchmarkVerifyEncrypted(b *testing.B) {
	h := newHarness(b)
	h.encryptTo(encKeys.cert, xmlenc.AES256GCM)
	h.provider.PrivateKeys = []*rsa.PrivateKey{encKeys.key}
	benchVerify(b, h, h.response(), true)
}

// BenchmarkVerifyLargest: the largest response the bound lets through, a
// signed response of nearly 100,000 base64 characters whose attributes
// fill it (600 group memberships of 90 characters).
func BenchmarkVerifyLargest(b *testing.B) {
	h := newHarness(b)
	resp := largest(b, h)
	benchVerify(b, h, resp, true)
}

// largest grows the groups until the response is just under the bound.
func largest(b testing.TB, h *harness) string {
	resp := ""
	for n := 100; ; n += 10 {
		h.session.Groups = h.session.Groups[:0]
		for i := range n {
			h.session.Groups = append(h.session.Groups, strings.Repeat("g", 84)+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676)))
		}
		next := h.response()
		if len(next) > saml.MaxResponseSize {
			if resp == "" {
				b.Fatal("no response under the bound")
			}
			return resp
		}
		resp = next
	}
}

// BenchmarkRefuseOversized: one character over the bound.
func BenchmarkRefuseOversized(b *testing.B) {
	h := newHarness(b)
	benchVerify(b, h, strings.Repeat("A", saml.MaxResponseSize+1), false)
}

// BenchmarkRefuseDeep: 75,000 bytes of nested elements.
func BenchmarkRefuseDeep(b *testing.B) {
	h := newHarness(b)
	n := 75000 / 7
	benchVerify(b, h, base64.StdEncoding.EncodeToString([]byte(strings.Repeat("<a>", n)+strings.Repeat("</a>", n))), false)
}

// BenchmarkRefuseWide: 75,000 bytes of empty elements.
func BenchmarkRefuseWide(b *testing.B) {
	h := newHarness(b)
	benchVerify(b, h, base64.StdEncoding.EncodeToString([]byte("<r>"+strings.Repeat("<a/>", 18700)+"</r>")), false)
}

// BenchmarkRefuseEntities: the billion laughs.
func BenchmarkRefuseEntities(b *testing.B) {
	h := newHarness(b)
	benchVerify(b, h, billionLaughs(), false)
}

// BenchmarkRefuseForgedSignature: a response of the largest size whose
// assertion signature does not verify: the most a forger can make Keyward
// compute.
func BenchmarkRefuseForgedSignature(b *testing.B) {
	h := newHarness(b)
	doc := decodeDoc(b, largest(b, h))
	removeSignature(doc.Root())
	find(b, doc.Root(), "Assertion/Subject/NameID").SetText("admin@example.com")
	benchVerify(b, h, encodeDoc(b, doc), false)
}
