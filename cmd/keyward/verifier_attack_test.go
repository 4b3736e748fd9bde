// Attacks on the verifier protocol's unix socket (--verifier-socket): the
// boundary between Keyward and the other local users of its host. Only the
// socket's owner may connect: a connection once accepted is served,
// whatever the socket's mode becomes afterwards, so the socket must never
// be reachable by anyone else, not even for the moment between its
// creation and its chmod.
package main

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestAttackVerifierSocketBeforeItsMode: the socket is created with the
// umask's mode (0777 less the umask: with a umask of 002 its group may
// connect, with 000 everyone) and only then set to 0600. A local user who
// connects in between keeps the connection. While its mode is not yet
// 0600 the socket must sit in a directory only its owner may enter.
func TestAttackVerifierSocketBeforeItsMode(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // /run/keyward as a package makes it
		t.Fatal(err)
	}
	path := filepath.Join(dir, "verify.sock")
	var checked bool
	socketCreated = func(sock string) {
		checked = true
		for d := filepath.Dir(sock); d != dir && len(d) > len(dir); d = filepath.Dir(d) {
			if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o077 == 0 {
				return // a directory of the owner's alone stands in the way
			}
		}
		t.Errorf("the socket %s exists before its mode is set, reachable through %s", sock, dir)
	}
	t.Cleanup(func() { socketCreated = nil })
	ln, err := listenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if !checked {
		t.Fatal("listenUnix did not report the socket it created")
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the socket: %v %v", fi, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("left beside the socket: %v", entries)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
