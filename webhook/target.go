package webhook

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/netguard"
)

// Bounds of a subscription's URL and secret.
const (
	MaxURLLength    = 2048
	MinSecretLength = 16
	MaxSecretLength = 512
)

// ValidateURL checks a subscription's URL as the API receives it: an
// absolute http or https URL with a host, no user name or password (a
// credential would be stored and shown in clear; put it in the secret or
// a path token instead), no fragment, at most MaxURLLength bytes. Unless
// allowPrivate, a host that is written as a non-public address, or that
// is localhost, is refused at once; a name that resolves to a non-public
// address is refused when a delivery connects (NewClient), since what a
// name resolves to can change after this check. The error is the one an
// API caller gets.
func ValidateURL(raw string, allowPrivate bool) error {
	if len(raw) == 0 {
		return keyward.Errorf(keyward.EValidationError,
			"1 validation error detected: Value at 'url' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(raw) > MaxURLLength {
		return keyward.Errorf(keyward.EValidationError,
			"1 validation error detected: Value at 'url' failed to satisfy constraint: Member must have length less than or equal to %d", MaxURLLength)
	}
	invalid := func(why string) error {
		return keyward.Errorf(keyward.EInvalidInput, "Invalid URL: %s. %s", keyward.Clip(raw), why)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return invalid("A webhook URL must be an absolute http or https URL.")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return invalid("A webhook URL must begin with https:// or http://.")
	}
	if u.User != nil {
		return invalid("A webhook URL must not contain a user name or password.")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return invalid("A webhook URL must not have a fragment.")
	}
	host := u.Hostname()
	if host == "" {
		return invalid("A webhook URL must name a host.")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return invalid("The port must be between 1 and 65535.")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return invalid("The port must be between 1 and 65535.")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return invalid("A webhook URL's address must not have a zone.")
		}
		if !allowPrivate && !netguard.Public(ip) {
			return invalid("The address is not a public one; deliveries to loopback, private and link-local addresses need the server's --webhook-allow-private.")
		}
		return nil
	}
	if !validHostName(host) {
		return invalid("The host is not a valid DNS name.")
	}
	if numericName(host) {
		// 127.1, 2130706433, 0x7f.1: no DNS name ends in a numeric label,
		// and resolvers that follow inet_aton read these as addresses.
		return invalid("The host is neither an IP address written in full nor a DNS name.")
	}
	lower := strings.ToLower(strings.TrimSuffix(host, "."))
	if !allowPrivate && (lower == "localhost" || strings.HasSuffix(lower, ".localhost")) {
		return invalid("The address is not a public one; deliveries to loopback, private and link-local addresses need the server's --webhook-allow-private.")
	}
	return nil
}

// numericName reports whether h's last label is a number, decimal or
// hexadecimal: an address in one of inet_aton's shorthand forms rather
// than a name.
func numericName(h string) bool {
	h = strings.TrimSuffix(h, ".")
	last := h[strings.LastIndex(h, ".")+1:]
	if rest, ok := strings.CutPrefix(strings.ToLower(last), "0x"); ok {
		last = rest
		for _, c := range last {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
		return true
	}
	if last == "" {
		return false
	}
	for _, c := range last {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validHostName reports whether h is a DNS name: labels of letters,
// digits, hyphens and underscores, 63 bytes each, 253 in all.
func validHostName(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// ValidateSecret checks a subscription's signing secret: MinSecretLength
// to MaxSecretLength bytes. The error never repeats the secret.
func ValidateSecret(secret []byte) error {
	if len(secret) < MinSecretLength {
		return keyward.Errorf(keyward.EValidationError,
			"1 validation error detected: Value at 'secret' failed to satisfy constraint: Member must have length greater than or equal to %d", MinSecretLength)
	}
	if len(secret) > MaxSecretLength {
		return keyward.Errorf(keyward.EValidationError,
			"1 validation error detected: Value at 'secret' failed to satisfy constraint: Member must have length less than or equal to %d", MaxSecretLength)
	}
	return nil
}

// maxResponseHeaderBytes bounds a receiver's response headers.
const maxResponseHeaderBytes = 16 << 10

// NewClient returns the HTTP client deliveries are made with. It connects
// only to public addresses unless allowPrivate, checking the address the
// dialer is about to connect to, after DNS resolution, so that a name
// that resolves to a private address (DNS rebinding) is refused too
// (package netguard). It uses no proxy, whatever the environment says:
// through a proxy the address checked would be the proxy's. It follows no
// redirect: a receiver must answer at the URL the administrator gave, and a
// redirect could point anywhere. timeout bounds each request, from
// connecting to the end of the response headers; the engine bounds the
// response body it reads.
func NewClient(allowPrivate bool, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Control: netguard.Control(allowPrivate)}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:    timeout,
			ResponseHeaderTimeout:  timeout,
			MaxResponseHeaderBytes: maxResponseHeaderBytes,
			MaxIdleConns:           64,
			MaxIdleConnsPerHost:    8,
			IdleConnTimeout:        90 * time.Second,
			ForceAttemptHTTP2:      true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
