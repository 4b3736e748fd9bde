// Package netguard keeps Keyward's outgoing connections to the public
// internet when their destination comes from a caller or from a document
// Keyward fetched (an OpenID Connect provider's discovery URL and
// jwks_uri; webhook targets): such a URL must not reach the host's
// loopback services, the private network, or a cloud's metadata endpoint.
//
// The address is checked as the dialer connects, after DNS resolution
// (Control), not on the URL's host name: a name that resolves to a public
// address when checked and to a private one when connecting (DNS
// rebinding) is refused all the same.
package netguard

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// nonPublic are the prefixes besides those netip classifies (loopback,
// private, link-local, multicast, unspecified) that reach no public host,
// or that embed an IPv4 address which may be private.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated), embedding IPv4
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated (SIIT), embedding IPv4
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated), private
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 of any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001::/32"),       // Teredo, embedding IPv4
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4, embedding IPv4
}

// Public reports whether ip is an address of the public internet.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// Control is a net.Dialer's Control that refuses to connect to anything
// but a public address, unless allowPrivate (single-host setups, tests).
func Control(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("netguard: %q is not an IP address", host)
		}
		if !Public(ip) {
			return &NotPublicError{IP: ip}
		}
		return nil
	}
}

// NotPublicError is Control's refusal of an address that is not public:
// a type, so that a caller can tell the refusal from other failures to
// connect (errors.As) and say so without repeating the address, which
// may be one of the host's own network.
type NotPublicError struct{ IP netip.Addr }

func (e *NotPublicError) Error() string {
	return fmt.Sprintf("netguard: %s is not a public address", e.IP)
}
