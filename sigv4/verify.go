package sigv4

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding"
	"encoding/hex"
	"hash"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward"
)

// Verifier checks signatures against the clock.
type Verifier struct {
	// Now is the server's clock.
	Now func() time.Time
	// KeepPath turns off normalisation of the URI path (removing "." and
	// ".." segments and empty segments), as S3 does; IAM and STS normalise.
	KeepPath bool
}

// state is the scratch space of one verification, pooled so that a
// verification allocates nothing.
type state struct {
	buf      []byte // canonical request, then string to sign
	arena    []byte // encoded query keys and values, normalised path
	pairs    []pair
	h        hash.Hash
	sum      [sha256.Size]byte
	inner    [sha256.Size]byte
	sig      [2 * sha256.Size]byte
	provided [2 * sha256.Size]byte
}

type pair struct{ k0, k1, v0, v1 int }

var pool = sync.Pool{New: func() any {
	return &state{buf: make([]byte, 0, 1024), arena: make([]byte, 0, 512), pairs: make([]pair, 0, 16), h: sha256.New()}
}}

// Verify checks that a (parsed from r by Parse) is a valid signature of r
// with body under the signing key for a's scope, and that r's time is
// within MaxSkew of now (for a presigned request: not expired).
func (v *Verifier) Verify(r *http.Request, body []byte, a *Auth, key *SigningKey) error {
	return v.verify(r, body, "", a, key)
}

// VerifyPayloadHash is Verify for a request whose body is not at hand (a
// proxy's subrequest, a body still streaming): payloadHash is the hex
// SHA-256 the client signed, as its X-Amz-Content-Sha256 says. The caller
// checks the body against it, if there is one.
func (v *Verifier) VerifyPayloadHash(r *http.Request, payloadHash string, a *Auth, key *SigningKey) error {
	return v.verify(r, nil, payloadHash, a, key)
}

func (v *Verifier) verify(r *http.Request, body []byte, payloadHash string, a *Auth, key *SigningKey) error {
	if err := v.checkTime(a); err != nil {
		return err
	}
	if len(a.Signature) != len(state{}.provided) {
		return mismatch()
	}
	st := pool.Get().(*state)
	defer pool.Put(st)
	st.signature(r, body, payloadHash, a, key, !v.KeepPath)
	copy(st.provided[:], a.Signature)
	if subtle.ConstantTimeCompare(st.sig[:], st.provided[:]) != 1 {
		return mismatch()
	}
	return nil
}

// CheckTime reports whether a's time is within MaxSkew of now (for a
// presigned request: current and not expired), as Verify does. A caller
// that must do work before it can verify (ask for a signing key, read a
// body) checks the time first, since that costs nothing and bounds the
// scopes a client without a secret can make it work for.
func (v *Verifier) CheckTime(a *Auth) error { return v.checkTime(a) }

func (v *Verifier) checkTime(a *Auth) error {
	now := v.Now().UTC()
	if a.Presigned {
		if now.Before(a.Time.Add(-MaxSkew)) {
			return keyward.Errorf(keyward.ESignatureDoesNotMatch, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
				a.AmzDate, now.Add(MaxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
		}
		if end := a.Time.Add(a.Expires); now.After(end) {
			return keyward.Errorf(keyward.ESignatureDoesNotMatch, "Signature expired: %s is now earlier than %s (%s - %s.)",
				end.Format(amzDateFormat), now.Format(amzDateFormat), now.Format(amzDateFormat), a.Expires)
		}
		return nil
	}
	if early := now.Add(-MaxSkew); a.Time.Before(early) {
		return keyward.Errorf(keyward.ESignatureDoesNotMatch, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			a.AmzDate, early.Format(amzDateFormat), now.Format(amzDateFormat))
	}
	if late := now.Add(MaxSkew); a.Time.After(late) {
		return keyward.Errorf(keyward.ESignatureDoesNotMatch, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			a.AmzDate, late.Format(amzDateFormat), now.Format(amzDateFormat))
	}
	return nil
}

// hmac computes HMAC-SHA256(key, msg) into st.sum with the pooled hash,
// starting from the key's precomputed pad states: crypto/hmac can do
// neither without allocating.
func (st *state) hmac(key *SigningKey, msg []byte) {
	u := st.h.(encoding.BinaryUnmarshaler)
	u.UnmarshalBinary(key.inner)
	st.h.Write(msg)
	st.h.Sum(st.inner[:0])
	u.UnmarshalBinary(key.outer)
	st.h.Write(st.inner[:])
	st.h.Sum(st.sum[:0])
}

// SigningKey is a key derived for one credential scope, with the HMAC
// states after its inner and outer pads so that each signature costs two
// fewer SHA-256 blocks.
type SigningKey struct {
	inner, outer []byte
	raw          [32]byte
}

// NewSigningKey derives the signing key of secret for a credential scope.
func NewSigningKey(secret, date, region, service string) *SigningKey {
	return SigningKeyOf(DeriveKey(secret, date, region, service))
}

// SigningKeyOf prepares a signing key already derived (kSigning), as a
// service that verifies signatures with keys Keyward derives holds it.
func SigningKeyOf(key [32]byte) *SigningKey {
	var pad [sha256.BlockSize]byte
	state := func(x byte) []byte {
		for i := range pad {
			pad[i] = x
		}
		for i, b := range key {
			pad[i] ^= b
		}
		h := sha256.New()
		h.Write(pad[:])
		b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			panic("sigv4: sha256 state cannot be saved: " + err.Error())
		}
		return b
	}
	return &SigningKey{inner: state(0x36), outer: state(0x5c), raw: key}
}

// canonicalRequest writes the canonical request of r into st.buf.
func (st *state) canonicalRequest(r *http.Request, body []byte, payloadHash string, a *Auth, normalize bool) {
	st.buf = append(st.buf[:0], r.Method...)
	st.buf = append(st.buf, '\n')

	path := wirePath(r)
	st.arena = st.arena[:0]
	if normalize {
		st.arena = appendNormalizedPath(st.arena, path)
	} else {
		st.arena = append(st.arena, path...)
	}
	if len(st.arena) == 0 {
		st.arena = append(st.arena, '/')
	}
	st.buf = appendEncoded(st.buf, st.arena, true)
	st.buf = append(st.buf, '\n')

	st.appendQuery(r.URL.RawQuery, a.Presigned)
	st.buf = append(st.buf, '\n')

	for list := a.SignedHeaders; list != ""; {
		var name string
		name, list, _ = strings.Cut(list, ";")
		st.buf = append(st.buf, name...)
		st.buf = append(st.buf, ':')
		if name == "host" {
			st.buf = appendTrimmed(st.buf, r.Host)
		} else {
			for i, v := range headerValues(r.Header, name) {
				if i > 0 {
					st.buf = append(st.buf, ',')
				}
				st.buf = appendTrimmed(st.buf, v)
			}
		}
		st.buf = append(st.buf, '\n')
	}
	st.buf = append(st.buf, '\n')
	st.buf = append(st.buf, a.SignedHeaders...)
	st.buf = append(st.buf, '\n')
	if payloadHash != "" {
		st.buf = append(st.buf, payloadHash...)
		return
	}
	st.sum = sha256.Sum256(body)
	st.buf = hex.AppendEncode(st.buf, st.sum[:])
}

// headerValues returns the values of the header named name (lower case)
// by a map lookup of its canonical form, as net/http keys a request's
// headers: a lookup, rather than a pass over every header for each name
// signed, keeps the cost of a request with many headers and many names
// signed to its size.
func headerValues(h http.Header, name string) []string {
	var buf [128]byte
	if len(name) > len(buf) {
		return h[http.CanonicalHeaderKey(name)]
	}
	b := buf[:len(name)]
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b[i] = c
		upper = c == '-'
	}
	return h[string(b)]
}

// wirePath returns the path as the client sent it, before any decoding:
// the canonical URI encodes it once more, as the SDKs do for every service
// but S3.
func wirePath(r *http.Request) string {
	if u := r.RequestURI; u != "" && u[0] == '/' {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			return u[:i]
		}
		return u
	}
	return r.URL.EscapedPath()
}

// appendNormalizedPath appends p with "." and ".." segments resolved and
// empty segments removed, keeping a trailing slash.
func appendNormalizedPath(dst []byte, p string) []byte {
	start := len(dst)
	dst = append(dst, '/') // invariant: dst[start:] ends with '/'
	last := ""
	for rest := p; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		last = seg
		switch seg {
		case "", ".":
		case "..":
			if j := bytes.LastIndexByte(dst[start:len(dst)-1], '/'); j >= 0 {
				dst = dst[:start+j+1]
			}
		default:
			dst = append(dst, seg...)
			dst = append(dst, '/')
		}
	}
	if strings.HasSuffix(p, "/") || last == "." || last == ".." || len(dst)-start == 1 {
		return dst
	}
	return dst[:len(dst)-1]
}

// appendQuery writes the canonical query string: every parameter decoded,
// then URI-encoded, sorted by key and value; a presigned request's
// signature is left out.
func (st *state) appendQuery(raw string, presigned bool) {
	st.pairs = st.pairs[:0]
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		var p pair
		p.k0 = len(st.arena)
		st.arena = appendReencoded(st.arena, k)
		p.k1 = len(st.arena)
		st.arena = appendReencoded(st.arena, v)
		p.v0, p.v1 = p.k1, len(st.arena)
		st.pairs = append(st.pairs, p)
	}
	if len(st.pairs) > 1 {
		sort.Sort(st)
	}
	for i, p := range st.pairs {
		if i > 0 {
			st.buf = append(st.buf, '&')
		}
		st.buf = append(st.buf, st.arena[p.k0:p.k1]...)
		st.buf = append(st.buf, '=')
		st.buf = append(st.buf, st.arena[p.v0:p.v1]...)
	}
}

// Len, Less and Swap sort the query pairs; state implements sort.Interface
// so that sorting needs no closure.
func (st *state) Len() int      { return len(st.pairs) }
func (st *state) Swap(i, j int) { st.pairs[i], st.pairs[j] = st.pairs[j], st.pairs[i] }
func (st *state) Less(i, j int) bool {
	a, b := st.pairs[i], st.pairs[j]
	if c := bytes.Compare(st.arena[a.k0:a.k1], st.arena[b.k0:b.k1]); c != 0 {
		return c < 0
	}
	return bytes.Compare(st.arena[a.v0:a.v1], st.arena[b.v0:b.v1]) < 0
}

const upperHex = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// appendEncoded URI-encodes s as SigV4 requires, leaving '/' alone when
// keepSlash is set.
func appendEncoded(dst, s []byte, keepSlash bool) []byte {
	for _, c := range s {
		if unreserved(c) || keepSlash && c == '/' {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendReencoded decodes a form-encoded query component ('+' is a space,
// as in the form decoding the API applies to the same values) and appends
// it URI-encoded, in one pass.
func appendReencoded(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 < len(s) {
				hi, ok1 := unhex(s[i+1])
				lo, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					c = hi<<4 | lo
					i += 2
				}
			}
		}
		if unreserved(c) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// appendTrimmed appends a header value with leading and trailing space
// removed and inner runs of white space collapsed to one space.
func appendTrimmed(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") && strings.IndexByte(v, '\t') < 0 && strings.IndexByte(v, '\n') < 0 && strings.IndexByte(v, '\r') < 0 {
		return append(dst, v...) // the common case: nothing to collapse
	}
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			space = true
			continue
		}
		if space {
			dst = append(dst, ' ')
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}
