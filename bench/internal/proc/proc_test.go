package proc

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
)

// TestMain makes the test binary a server when PROC_TEST_LISTEN names an
// address: it listens there, or says why not and exits, as a server whose
// port was taken does.
func TestMain(m *testing.M) {
	if addr := os.Getenv("PROC_TEST_LISTEN"); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			os.Exit(1)
		}
		for {
			c, err := ln.Accept()
			if err != nil {
				os.Exit(1)
			}
			c.Close()
		}
	}
	os.Exit(m.Run())
}

// server starts the test binary as a server on addr.
func server(t *testing.T, addr string) (*Proc, error) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Start(self, nil, []string{"PROC_TEST_LISTEN=" + addr}, false)
}

// taken is a loopback address the test listens on: the port another
// program took.
func taken(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func TestOnFreePortsStartsAgainWhenThePortWasTaken(t *testing.T) {
	other := taken(t)
	starts := 0
	p, addrs, err := OnFreePorts(1, func(addrs []string) (*Proc, error) {
		starts++
		if starts == 1 {
			// Another program took the port after FreeAddr found it free.
			return server(t, other)
		}
		return server(t, addrs[0])
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if starts != 2 {
		t.Fatalf("started %d times, want twice", starts)
	}
	if p.exited() || !p.listensOn(addrs) || addrs[0] == other {
		t.Fatalf("the server returned does not listen on %v", addrs)
	}
}

func TestOnFreePortsGivesUp(t *testing.T) {
	other := taken(t)
	starts := 0
	_, _, err := OnFreePorts(1, func([]string) (*Proc, error) {
		starts++
		return server(t, other)
	})
	if err == nil {
		t.Fatal("a server that never listened was returned")
	}
	if starts != 5 {
		t.Errorf("started %d times, want 5", starts)
	}
	if !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("the error does not give the server's own: %v", err)
	}
}

// TestListensOn: a port another program listens on is not the server's,
// though a connection to it is answered.
func TestListensOn(t *testing.T) {
	other := taken(t)
	p, addrs, err := OnFreePorts(1, func(addrs []string) (*Proc, error) { return server(t, addrs[0]) })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	for _, tc := range []struct {
		addrs []string
		want  bool
	}{
		{addrs, true},
		{[]string{other}, false},
		{[]string{addrs[0], other}, false},
	} {
		if got := p.listensOn(tc.addrs); got != tc.want {
			t.Errorf("listensOn(%v) = %v, want %v", tc.addrs, got, tc.want)
		}
	}
}

func TestTailKeepsTheEnd(t *testing.T) {
	var tl tail
	fmt.Fprint(&tl, strings.Repeat("a", 5000))
	fmt.Fprint(&tl, "the end")
	if got := tl.String(); len(got) != 4096 || !strings.HasSuffix(got, "athe end") {
		t.Errorf("kept %d bytes ending %q", len(got), got[len(got)-10:])
	}
}
