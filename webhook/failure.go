package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/keyward/keyward/internal/netguard"
)

// transportFailure is what a delivery's last error says of a request that
// got no HTTP answer: the kind of failure, in words that hold no address.
// The last error is shown to the subscription's account (the parked
// deliveries' listing), and the errors of the net package name the
// address a receiver's name resolved to (one of the host's own network,
// when netguard refuses it), the resolver the host asks, and the host's
// own end of the connection: the account learns nothing of Keyward's
// network from it. The error itself, whole, is for the server's log,
// which is the operator's.
func transportFailure(err error, timeout time.Duration) string {
	var notPublic *netguard.NotPublicError
	var dnsErr *net.DNSError
	var addrErr *net.AddrError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verification *tls.CertificateVerificationError
	var recordHeader tls.RecordHeaderError
	var opErr *net.OpError
	var errno syscall.Errno
	var netErr net.Error
	switch {
	case errors.As(err, &notPublic):
		return "the receiver's host is not at a public address (deliveries to loopback, private and link-local addresses need the server's --webhook-allow-private)"
	// The resolver's errors come before the timeouts: a lookup that timed
	// out is one of them.
	case errors.As(err, &dnsErr):
		switch {
		case dnsErr.IsNotFound:
			return "the receiver's host name did not resolve (no such host)"
		case dnsErr.IsTimeout:
			return "the receiver's host name could not be resolved in time"
		}
		return "the receiver's host name could not be resolved"
	case errors.As(err, &addrErr):
		return "the receiver's host name has no address to connect to"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("no answer within %v", timeout)
	case errors.As(err, &unknownAuthority):
		return "TLS: the receiver's certificate is not signed by a trusted authority"
	case errors.As(err, &hostname):
		return "TLS: the receiver's certificate is not valid for its host name"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "TLS: the receiver's certificate has expired or is not valid yet"
	case errors.As(err, &invalid), errors.As(err, &verification):
		return "TLS: the receiver's certificate is not valid"
	case errors.As(err, &recordHeader):
		return "TLS: the receiver did not answer in TLS"
	case tlsAlert(err) != "":
		return "TLS: the handshake failed (" + tlsAlert(err) + ")"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection was reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the receiver's address is unreachable"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed before an answer"
	case errors.As(err, &errno):
		// The system's words for the error, which name no address.
		return "the connection failed: " + errno.Error()
	case errors.As(err, &opErr):
		return "the connection failed"
	}
	// Errors of HTTP itself ("malformed HTTP status code …", "server gave
	// HTTP response to HTTPS client") name no address of their own, but
	// quote the answer, which could: whatever reads as an address is
	// removed all the same.
	return withoutAddresses(err.Error())
}

// tlsAlert is the TLS alert that ended a handshake, sent by the receiver
// ("remote error") or by Keyward ("local error"), in TLS's words for it
// ("tls: handshake failure"); "" when err is none.
func tlsAlert(err error) string {
	for ; err != nil; err = errors.Unwrap(err) {
		if op, ok := err.(*net.OpError); ok && (op.Op == "remote error" || op.Op == "local error") && op.Err != nil {
			return op.Op + ": " + op.Err.Error()
		}
	}
	return ""
}

// withoutAddresses replaces each word of s that is an IP address, with or
// without a port, by "…".
func withoutAddresses(s string) string {
	var b strings.Builder
	word := func(w string) {
		for i, part := range strings.Split(w, "->") {
			if i > 0 {
				b.WriteString("->")
			}
			trimmed := strings.TrimRight(part, ":.")
			if isAddress(trimmed) {
				b.WriteString("…" + part[len(trimmed):])
			} else {
				b.WriteString(part)
			}
		}
	}
	start := -1
	for i, r := range s {
		if unicode.IsSpace(r) || strings.ContainsRune(`,;()"'<>=`, r) {
			if start >= 0 {
				word(s[start:i])
				start = -1
			}
			b.WriteRune(r)
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		word(s[start:])
	}
	return b.String()
}

// isAddress reports whether w is an IP address, bracketed or not, or an
// address and port.
func isAddress(w string) bool {
	if _, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(w, "["), "]")); err == nil {
		return true
	}
	_, err := netip.ParseAddrPort(w)
	return err == nil
}
