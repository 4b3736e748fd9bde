package iam

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"strconv"
	"strings"
	"time"
)

// totpCounter is RFC 6238's T: the number of steps since the Unix epoch.
func totpCounter(t time.Time) int64 { return t.Unix() / totpStep }

// TOTP returns the code of seed for the step containing t; tests and the
// console's own checks use it.
func TOTP(seed []byte, t time.Time) string { return totpCode(seed, totpCounter(t)) }

// totpCode is RFC 4226's HOTP of seed at counter step, six digits.
func totpCode(seed []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, seed)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	code := strconv.FormatUint(uint64(v%1_000_000), 10)
	return strings.Repeat("0", totpDigits-len(code)) + code
}

func codeMatches(seed []byte, step int64, code string) bool {
	return subtle.ConstantTimeCompare([]byte(totpCode(seed, step)), []byte(code)) == 1
}

// consecutive finds the step of code1 such that code2 is the next step's,
// looking back window steps from now and one ahead.
func consecutive(seed []byte, now time.Time, code1, code2 string, window int64) (int64, bool) {
	at := totpCounter(now)
	for step := at + 1; step >= at-window; step-- {
		if codeMatches(seed, step, code1) && codeMatches(seed, step+1, code2) {
			return step, true
		}
	}
	return 0, false
}
