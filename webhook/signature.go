package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a delivery's signature:
//
//	X-Keyward-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//
// t is the time of signing in Unix seconds and each v1 is the lowercase
// hex HMAC-SHA256, keyed with a subscription secret, of t, a full stop and
// the request body exactly as received. The timestamp is inside the signed
// string, so a receiver that refuses old timestamps (Verify does) refuses
// a delivery captured and replayed later.
//
// While a subscription's secret is being replaced the header has one v1
// for each of its secrets, newest first, so a receiver holding either the
// old or the new secret accepts the delivery; receivers must therefore
// accept a header in which any one v1 matches, and ignore keys they do not
// know (a later scheme would add v2).
const SignatureHeader = "X-Keyward-Signature"

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// maxSignatureHeader bounds the header Verify parses: a header with a
// handful of signatures is some 300 bytes.
const maxSignatureHeader = 4096

// Errors of Verify.
var (
	// ErrSignatureFormat: the header is missing, too long, or not of the
	// form t=<seconds>,v1=<hex>[,v1=<hex>…].
	ErrSignatureFormat = errors.New("webhook: malformed " + SignatureHeader + " header")
	// ErrSignatureTimestamp: the timestamp is further from now than the
	// tolerance: a replayed delivery, or a clock that is wrong.
	ErrSignatureTimestamp = errors.New("webhook: signature timestamp outside the tolerance")
	// ErrSignatureMismatch: no v1 is the body's signature under the secret.
	ErrSignatureMismatch = errors.New("webhook: signature does not match")
)

// Sign returns the SignatureHeader value for body sent at t, with one v1
// for each secret in the order given (the current secret first).
func Sign(t time.Time, body []byte, secrets ...[]byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(ts)
	for _, s := range secrets {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(mac(s, ts, body)))
	}
	return b.String()
}

// mac is HMAC-SHA256(secret, ts + "." + body).
func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a delivery as its receiver should, before believing
// anything in the body: header is the SignatureHeader's value, body the
// request body exactly as received (not parsed and encoded again), now
// the receiver's clock. It returns nil when the timestamp is within
// tolerance of now (either side; DefaultTolerance when tolerance is zero or
// less) and one of the header's v1 values is the body's HMAC under secret.
// Signatures are compared in constant time.
//
// A timestamp within the tolerance does not make a delivery unique: a
// receiver that must act once per event also drops an event whose
// CloudEvent id it has already handled (deliveries are at least once).
// A receiver rotating its own secret calls Verify with the new secret,
// then with the old one while Keyward may still sign with it.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return errors.New("webhook: Verify needs the subscription's secret")
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if header == "" || len(header) > maxSignatureHeader {
		return ErrSignatureFormat
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrSignatureFormat
		}
		switch k {
		case "t":
			if ts != "" || !digits(v) {
				return ErrSignatureFormat
			}
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return ErrSignatureFormat
			}
			sigs = append(sigs, sig)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return ErrSignatureFormat
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrSignatureFormat
	}
	// Compare in seconds: a tolerance in nanoseconds would overflow for a
	// timestamp far from now.
	if d := now.Unix() - sec; d > int64(tolerance/time.Second) || -d > int64(tolerance/time.Second) {
		return ErrSignatureTimestamp
	}
	want := mac(secret, ts, body)
	ok := false
	for _, sig := range sigs {
		// Every value is compared, so the time taken does not say which
		// one matched.
		if hmac.Equal(sig, want) {
			ok = true
		}
	}
	if !ok {
		return ErrSignatureMismatch
	}
	return nil
}

// digits reports whether s is 1 to 12 decimal digits: Unix seconds until
// the year 33658, and no sign, space or exponent.
func digits(s string) bool {
	if s == "" || len(s) > 12 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
