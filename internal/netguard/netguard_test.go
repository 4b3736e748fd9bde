package netguard_test

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/keyward/keyward/internal/netguard"
)

func TestPublic(t *testing.T) {
	tests := []struct {
		addr   string
		public bool
	}{
		{"8.8.8.8", true},
		{"140.82.112.3", true},
		{"2606:4700:4700::1111", true},
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // a cloud's metadata service
		{"fe80::1", false},
		{"fc00::1", false},
		{"fd00:ec2::254", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"100.64.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"64:ff9b::7f00:1", false}, // NAT64 of 127.0.0.1
		{"2002:7f00:1::", false},   // 6to4 of 127.0.0.1
		{"::7f00:1", false},        // IPv4-compatible 127.0.0.1 (deprecated)
		{"::a00:1", false},         // IPv4-compatible 10.0.0.1
		{"::ffff:0:7f00:1", false}, // IPv4-translated 127.0.0.1 (SIIT)
		{"fec0::1", false},         // site-local (deprecated)
	}
	for _, tt := range tests {
		if got := netguard.Public(netip.MustParseAddr(tt.addr)); got != tt.public {
			t.Errorf("Public(%s) = %v, want %v", tt.addr, got, tt.public)
		}
	}
}

// TestControl: a dialer with Control refuses a loopback listener reached by
// name or by address, before any connection is made, unless private
// addresses are allowed.
func TestControl(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, host := range []string{"127.0.0.1", "localhost"} {
		d := &net.Dialer{Control: netguard.Control(false)}
		if c, err := d.DialContext(context.Background(), "tcp", net.JoinHostPort(host, port)); err == nil {
			c.Close()
			t.Fatalf("connected to %s", host)
		}
	}
	d := &net.Dialer{Control: netguard.Control(true)}
	c, err := d.DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("allowed, refused: %v", err)
	}
	c.Close()
	<-accepted
	if n := len(accepted); n != 0 {
		t.Fatalf("%d connections reached the listener while refused", n)
	}
}
