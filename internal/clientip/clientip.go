// Package clientip tells where a request comes from when Keyward may sit
// behind reverse proxies: X-Forwarded-For and X-Forwarded-Proto are trusted
// only from the proxies an administrator configured, never from anyone
// else, since any client can send them.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver finds a request's client address and whether it arrived over
// TLS. Its zero value trusts no proxy: the peer is the client.
type Resolver struct {
	// Trusted are the proxies whose forwarding headers are believed.
	Trusted []netip.Prefix
}

// Parse reads a comma-separated list of addresses and CIDR prefixes, as
// given to --trusted-proxies.
func Parse(list string) (*Resolver, error) {
	r := &Resolver{}
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			r.Trusted = append(r.Trusted, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR prefix", f)
		}
		r.Trusted = append(r.Trusted, netip.PrefixFrom(a, a.BitLen()))
	}
	return r, nil
}

func (r *Resolver) trusted(a netip.Addr) bool {
	if r == nil {
		return false
	}
	a = a.Unmap()
	for _, p := range r.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func peer(req *http.Request) (netip.Addr, string) {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		host = req.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap(), host
}

// maxHops bounds how much of X-Forwarded-For is read.
const maxHops = 16

// Addr returns the client's address: the peer, unless the peer is a
// trusted proxy; then the nearest address in X-Forwarded-For that is not a
// trusted proxy itself, read from the right, since entries further left
// were written by whoever the client was.
func (r *Resolver) Addr(req *http.Request) string {
	a, host := peer(req)
	if !r.trusted(a) {
		return host
	}
	hops := 0
	vs := req.Header.Values("X-Forwarded-For")
	for i := len(vs) - 1; i >= 0; i-- {
		parts := strings.Split(vs[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			if hops++; hops > maxHops {
				return host
			}
			h, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return host // garbled: believe nothing further left
			}
			if !r.trusted(h) {
				return h.Unmap().String()
			}
			host = h.Unmap().String()
		}
	}
	return host
}

// Secure reports whether the client's connection is encrypted: TLS to
// Keyward itself, or X-Forwarded-Proto https from a trusted proxy that
// terminated it.
func (r *Resolver) Secure(req *http.Request) bool {
	if req.TLS != nil {
		return true
	}
	a, _ := peer(req)
	return r.trusted(a) && strings.EqualFold(strings.TrimSpace(req.Header.Get("X-Forwarded-Proto")), "https")
}
