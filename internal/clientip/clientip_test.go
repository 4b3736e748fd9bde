package clientip

import (
	"crypto/tls"
	"net/http"
	"testing"
)

func TestAddr(t *testing.T) {
	r, err := Parse("10.0.0.0/8, 192.168.1.1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer, xff, proto string
		want                   string
		secure                 bool
	}{
		{"no proxy", "203.0.113.5:4000", "", "", "203.0.113.5", false},
		{"untrusted peer's header ignored", "203.0.113.5:4000", "198.51.100.1", "https", "203.0.113.5", false},
		{"trusted proxy", "10.1.2.3:4000", "198.51.100.1", "https", "198.51.100.1", true},
		{"spoofed entry left of the real client", "10.1.2.3:4000", "1.2.3.4, 198.51.100.1", "http", "198.51.100.1", false},
		{"chain of trusted proxies", "10.1.2.3:4000", "198.51.100.1, 192.168.1.1, 10.9.9.9", "", "198.51.100.1", false},
		{"garbled entry", "10.1.2.3:4000", "1.2.3.4, not-an-ip", "", "10.1.2.3", false},
		{"only proxies", "10.1.2.3:4000", "10.0.0.1", "", "10.0.0.1", false},
		{"IPv6 peer", "[2001:db8::1]:4000", "198.51.100.1", "", "2001:db8::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", "http://keyward/", nil)
			req.RemoteAddr = tt.peer
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			if tt.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			if got := r.Addr(req); got != tt.want {
				t.Errorf("Addr = %s, want %s", got, tt.want)
			}
			if got := r.Secure(req); got != tt.secure {
				t.Errorf("Secure = %v, want %v", got, tt.secure)
			}
		})
	}
	var none *Resolver
	req, _ := http.NewRequest("GET", "http://keyward/", nil)
	req.RemoteAddr, req.TLS = "10.1.2.3:1", &tls.ConnectionState{}
	req.Header.Set("X-Forwarded-For", "1.1.1.1")
	if none.Addr(req) != "10.1.2.3" || !none.Secure(req) {
		t.Error("a nil resolver must trust no header and see TLS")
	}
	if _, err := Parse("10.0.0.0/8,bogus"); err == nil {
		t.Error("a bad entry was accepted")
	}
}
