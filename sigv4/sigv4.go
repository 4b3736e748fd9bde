// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in
// the Authorization header or in a presigned query string.
//
// Verification rebuilds the canonical request the client signed and
// compares HMAC-SHA256 signatures in constant time. It is written for the
// request hot path: parsing takes substrings, scratch space comes from a
// pool and signing keys are derived once per (key, date, region, service)
// by Keyring, so a verification allocates nothing.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// Algorithm is the only signing algorithm Keyward accepts.
const Algorithm = "AWS4-HMAC-SHA256"

const (
	amzDateFormat = "20060102T150405Z"
	httpDate      = "Mon, 02 Jan 2006 15:04:05 GMT"
	// MaxSkew is how far a request's time may be from the server's, as AWS
	// allows.
	MaxSkew = 15 * time.Minute
	// MaxExpires is the longest validity of a presigned request
	// (X-Amz-Expires), a week as AWS allows.
	MaxExpires = 7 * 24 * time.Hour
)

// Auth is the signature information of a request, as parsed from its
// Authorization header or presigned query. Its strings are substrings of
// the request's.
type Auth struct {
	AccessKeyID string
	// Date, Region and Service are the credential scope's.
	Date, Region, Service string
	// Scope is "date/region/service/aws4_request".
	Scope         string
	SignedHeaders string
	Signature     string
	// AmzDate is the request time in ISO 8601 basic format.
	AmzDate string
	Time    time.Time
	// Presigned is true when the signature came in the query string;
	// Expires is then its X-Amz-Expires.
	Presigned bool
	Expires   time.Duration
	// SecurityToken is X-Amz-Security-Token, for temporary credentials.
	SecurityToken string
	// KeyAccount is set by Verifier.Authenticate, not by Parse: the
	// account AccessKeyID was found in (Key.Owner), whether the request
	// authenticated or not, for the audit trail of a failure; "" for an
	// ID of no account.
	KeyAccount string
}

func incomplete(format string, args ...any) error {
	return keyward.Errorf(keyward.EIncompleteSignature, format, args...)
}

func mismatch() error {
	return keyward.Errorf(keyward.ESignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

// DeriveKey returns the signing key for a secret and a credential scope:
// HMAC chained over "AWS4"+secret, date, region, service and "aws4_request".
func DeriveKey(secret, date, region, service string) [32]byte {
	k := hmacSum([]byte("AWS4"+secret), date)
	k = hmacSum(k, region)
	k = hmacSum(k, service)
	k = hmacSum(k, "aws4_request")
	var out [32]byte
	copy(out[:], k)
	return out
}

func hmacSum(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// splitScope parses "AKID/date/region/service/aws4_request".
func (a *Auth) splitScope(cred string) error {
	i := strings.IndexByte(cred, '/')
	if i <= 0 {
		return incomplete("Credential should be scoped to a valid region.")
	}
	a.AccessKeyID, a.Scope = cred[:i], cred[i+1:]
	rest := a.Scope
	var parts [4]string
	for n := 0; n < 4; n++ {
		j := strings.IndexByte(rest, '/')
		if n == 3 {
			j = len(rest)
			if strings.IndexByte(rest, '/') >= 0 {
				return incomplete("Credential should be scoped to a valid region.")
			}
		}
		if j < 0 {
			return incomplete("Credential should be scoped to a valid region.")
		}
		parts[n] = rest[:j]
		if j < len(rest) {
			rest = rest[j+1:]
		} else {
			rest = ""
		}
	}
	a.Date, a.Region, a.Service = parts[0], parts[1], parts[2]
	if parts[3] != "aws4_request" {
		return incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", keyward.Clip(parts[3]))
	}
	if len(a.Date) != 8 || a.Region == "" || a.Service == "" {
		return incomplete("Credential should be scoped to a valid region.")
	}
	if !ValidRegionName(a.Region) {
		return keyward.Errorf(keyward.ESignatureDoesNotMatch, "Credential should be scoped to a valid region, not '%s'. ", keyward.Clip(a.Region))
	}
	return nil
}
