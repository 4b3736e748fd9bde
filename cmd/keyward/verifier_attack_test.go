// Attacks on the verifier protocol's listeners. Its unix socket
// (--verifier-socket) is the boundary between Keyward and the other local
// users of its host: only the socket's owner may connect, and a connection
// once accepted is served, whatever the socket's mode becomes afterwards,
// so the socket must never be reachable by anyone else, not even for the
// moment between its creation and its chmod. Its TCP listener
// (--verifier-listen) is open to whoever reaches the port until the TLS
// handshake checks the client's certificate.
package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestAttackVerifierListenerKeepsBusyConnections: --verifier-listen holds
// at most 1,024 connections, and at the limit a new one closes the one
// that has waited longest. The guard was given the listener but not the
// server's hooks, so it knew no connection as busy: anyone reaching the
// port, with no certificate, opened a thousand connections and closed a
// gateway's in the middle of its request. A connection whose request is
// being handled is never closed to make room.
func TestAttackVerifierListenerKeepsBusyConnections(t *testing.T) {
	pki := newTestPKI(t)
	m := NewMain()
	m.Logger = slog.New(slog.DiscardHandler)
	m.Config.VerifierListen = "127.0.0.1:0"
	m.Config.VerifierTLSCert, m.Config.VerifierTLSKey, m.Config.VerifierClientCA = pki.serverCert, pki.serverKey, pki.ca
	lns, err := m.listenVerifier()
	must(t, err)
	handling, release := make(chan struct{}), make(chan struct{})
	srv := m.verifierServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(handling)
		<-release
		io.WriteString(w, "ok")
	}))
	go srv.Serve(lns[0])
	t.Cleanup(func() { srv.Close() })

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: pki.clientTLS(t)}}
	answered := make(chan error, 1)
	go func() {
		resp, err := client.Get("https://" + m.VerifierAddr + "/")
		if err == nil {
			var b []byte
			b, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && string(b) != "ok" {
				err = io.ErrUnexpectedEOF
			}
		}
		answered <- err
	}()
	<-handling
	// A stranger's connections, enough to fill the guard and then some:
	// each past the limit closes another to make room.
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range 1030 {
		c, err := net.Dial("tcp", m.VerifierAddr)
		must(t, err)
		conns = append(conns, c)
	}
	for deadline := time.Now().Add(30 * time.Second); m.VerifierConns.Evicted() < 7 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // the server accepts them in its own time
	}
	if n := m.VerifierConns.Evicted(); n < 7 {
		t.Fatalf("%d connections closed to make room, want 7", n)
	}
	close(release)
	if err := <-answered; err != nil {
		t.Fatalf("the gateway's request, handled while a stranger filled the listener: %v", err)
	}
}

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
