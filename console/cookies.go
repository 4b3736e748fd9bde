package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// The console keeps its state in the browser in signed cookies: the
// session, the pending MFA step, the role history and the SAML and OIDC
// requests. A value is the state's JSON, base64url without padding, a dot
// and an HMAC-SHA256 of the JSON. Each kind is signed apart (a purpose
// before the JSON, or a key of its own), so that no kind's value is valid
// as another's.

// sign is the session key's HMAC of payload, base64url.
func (c *Console) sign(payload []byte) string {
	return mac(c.SessionKey, payload)
}

func mac(key, payload []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// signAs signs with the session key what purpose (a prefix such as
// "mfa:") puts before the payload.
func (c *Console) signAs(purpose string) func([]byte) string {
	return func(payload []byte) string { return c.sign(append([]byte(purpose), payload...)) }
}

// derivedKey is a key derived from the session key with label, so that
// what it signs or seals is never valid as a session, nor the reverse.
func (c *Console) derivedKey(label string) []byte {
	m := hmac.New(sha256.New, c.SessionKey)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// signWithKey signs with the key derivedKey derives with label.
func (c *Console) signWithKey(label string) func([]byte) string {
	key := c.derivedKey(label)
	return func(payload []byte) string { return mac(key, payload) }
}

// sealCookie is a cookie's value holding v, signed by sign.
func sealCookie(v any, sign func([]byte) string) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b) + "." + sign(b)
}

// openCookie reads into v r's cookie name, a value sealCookie made with
// sign, and says whether it did: a cookie longer than max (when max is
// not 0), or than a browser keeps (maxCookie), or not signed by sign, is
// not read. The length is checked before anything else: a cookie is
// anyone's to make, and no work is done for one that no seal of this
// console's is.
func openCookie(r *http.Request, name string, max int, sign func([]byte) string, v any) bool {
	if max <= 0 || max > maxCookie {
		max = maxCookie
	}
	ck, err := r.Cookie(name)
	if err != nil || len(ck.Value) > max {
		return false
	}
	payload, sig, ok := strings.Cut(ck.Value, ".")
	if !ok {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(payload) // one string per cookie: no unused bits to flip
	return err == nil && hmac.Equal([]byte(sign(b)), []byte(sig)) && json.Unmarshal(b, v) == nil
}
