package saml

import (
	"crypto/rsa"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/xmlenc"
)

// Algorithms an EncryptedAssertion may use: AES-CBC or AES-GCM for the
// assertion, as IAM documents, and RSA-OAEP for its key. RSA PKCS #1 v1.5
// key transport (open to Bleichenbacher's padding oracle) and 3DES are
// refused before anything is decrypted.
var (
	dataEncryptions = map[string]bool{
		"http://www.w3.org/2001/04/xmlenc#aes128-cbc": true, "http://www.w3.org/2001/04/xmlenc#aes192-cbc": true,
		"http://www.w3.org/2001/04/xmlenc#aes256-cbc": true, "http://www.w3.org/2009/xmlenc11#aes128-gcm": true,
		"http://www.w3.org/2009/xmlenc11#aes192-gcm": true, "http://www.w3.org/2009/xmlenc11#aes256-gcm": true,
	}
	keyTransports = map[string]bool{
		"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p": true, "http://www.w3.org/2009/xmlenc11#rsa-oaep": true,
	}
)

// maxEncryptedKeys bounds the RSA decryptions one response can cause:
// identity providers encrypt the key once, or once per recipient.
const maxEncryptedKeys = 4

// decryptAssertion decrypts an EncryptedAssertion with the provider's
// private keys (crewjam/saml's xmlenc does the XML Encryption) and returns
// the Assertion it holds, checked and parsed as a response is. Every
// failure, whatever its cause, is the same error with the same message as
// a bad signature, so that the answer is no oracle for the padding of a
// modified ciphertext.
func decryptAssertion(ea *etree.Element, keys []*rsa.PrivateKey) (*etree.Element, error) {
	fail := func(detail string) error { return refuse(ErrDecrypt, detail) }
	if len(keys) == 0 {
		return nil, fail("the provider has no private key")
	}
	ed, err := child(ea, nsXMLEnc, "EncryptedData")
	if err != nil || ed == nil {
		return nil, fail("not one EncryptedData")
	}
	if t, ok := attr(ed, "Type"); ok && t != nsXMLEnc+"Element" {
		return nil, fail("EncryptedData is not an element")
	}
	if a := algorithmOf(ed); !dataEncryptions[a] {
		return nil, fail("data encryption algorithm not allowed")
	}
	// The key is inside the EncryptedData's KeyInfo, or beside the
	// EncryptedData in the EncryptedAssertion (as Shibboleth puts it).
	var encKeys []*etree.Element
	if localCount(ed, "KeyInfo") > 1 {
		return nil, fail("more than one KeyInfo")
	}
	if ki, _ := child(ed, nsDSig, "KeyInfo"); ki != nil {
		encKeys = append(encKeys, children(ki, nsXMLEnc, "EncryptedKey")...)
	}
	encKeys = append(encKeys, children(ea, nsXMLEnc, "EncryptedKey")...)
	if len(encKeys) == 0 || len(encKeys) > maxEncryptedKeys {
		return nil, fail("not one to four EncryptedKeys")
	}
	for _, ek := range encKeys {
		if a := algorithmOf(ek); !keyTransports[a] {
			return nil, fail("key transport algorithm not allowed")
		}
		em := ek.FindElement("./EncryptionMethod")
		if localCount(em, "DigestMethod") > 1 {
			return nil, fail("more than one key transport digest")
		}
		if dm := em.FindElement("./DigestMethod"); dm != nil {
			if a, _ := attr(dm, "Algorithm"); !digestMethods[a] {
				return nil, fail("key transport digest not allowed")
			}
		}
	}
	var plaintext []byte
	for _, ek := range encKeys {
		// A copy of the EncryptedData whose KeyInfo holds just this key,
		// the shape the library reads.
		data := ed.Copy()
		for _, c := range data.ChildElements() {
			if c.Tag == "KeyInfo" {
				data.RemoveChild(c)
			}
		}
		ki := data.CreateElement("ds:KeyInfo")
		ki.CreateAttr("xmlns:ds", nsDSig)
		ki.AddChild(ek.Copy())
		for _, key := range keys {
			if pt, err := xmlenc.Decrypt(key, data); err == nil {
				plaintext = pt
				break
			}
		}
		if plaintext != nil {
			break
		}
	}
	if plaintext == nil {
		return nil, fail("no private key decrypts the assertion")
	}
	if len(plaintext) > MaxResponseSize {
		return nil, fail("decrypted assertion too large")
	}
	root, err := parse(plaintext, responseLimits)
	if err != nil {
		return nil, fail("decrypted assertion: " + err.Error())
	}
	if !is(root, nsAssertion, "Assertion") {
		return nil, fail("decrypted element is not an Assertion")
	}
	if len(descendants(root, nsAssertion, "Assertion")) != 1 || len(descendants(root, nsAssertion, "EncryptedAssertion")) != 0 {
		return nil, refuse(ErrMalformed, "decrypted assertion holds another assertion")
	}
	if err := checkSignedShape(root); err != nil {
		return nil, refuse(ErrMalformed, err.Error())
	}
	return root, nil
}

// algorithmOf returns the Algorithm of el's EncryptionMethod, or "" unless
// el has one child of that local name, in the XML Encryption namespace: the
// library finds it by local name alone, so it must find the one checked.
func algorithmOf(el *etree.Element) string {
	if localCount(el, "EncryptionMethod") != 1 {
		return ""
	}
	em, _ := child(el, nsXMLEnc, "EncryptionMethod")
	if em == nil {
		return ""
	}
	a, _ := attr(em, "Algorithm")
	return a
}

// localCount counts el's child elements of local name tag, in any
// namespace.
func localCount(el *etree.Element, tag string) int {
	n := 0
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			n++
		}
	}
	return n
}
