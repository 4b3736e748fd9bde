package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/keyward/keyward/internal/connguard"
)

// listenVerifier opens the verifier protocol's listeners the configuration
// names: a unix socket only its owner may open, and TCP with mutual TLS.
// The protocol is never served on the public listener.
func (m *Main) listenVerifier() ([]net.Listener, error) {
	var lns []net.Listener
	fail := func(err error) ([]net.Listener, error) {
		for _, ln := range lns {
			ln.Close()
		}
		return nil, err
	}
	if path := m.Config.VerifierSocket; path != "" {
		ln, err := listenUnix(path)
		if err != nil {
			return fail(fmt.Errorf("--verifier-socket: %w", err))
		}
		lns = append(lns, ln)
	}
	if m.Config.VerifierListen != "" {
		cfg, err := m.verifierTLS()
		if err != nil {
			return fail(err)
		}
		ln, err := net.Listen("tcp", m.Config.VerifierListen)
		if err != nil {
			return fail(fmt.Errorf("--verifier-listen: %w", err))
		}
		m.VerifierAddr = ln.Addr().String()
		m.VerifierConns = &connguard.Guard{Max: 1024}
		lns = append(lns, tls.NewListener(m.VerifierConns.Listener(ln), cfg))
	}
	return lns, nil
}

// verifierTLS is the mutual TLS of --verifier-listen: a client without a
// certificate from --verifier-client-ca is refused in the handshake,
// before any request is read.
func (m *Main) verifierTLS() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(m.Config.VerifierTLSCert, m.Config.VerifierTLSKey)
	if err != nil {
		return nil, fmt.Errorf("--verifier-tls-cert, --verifier-tls-key: %w", err)
	}
	pem, err := os.ReadFile(m.Config.VerifierClientCA)
	if err != nil {
		return nil, fmt.Errorf("--verifier-client-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("--verifier-client-ca: no PEM certificate in " + m.Config.VerifierClientCA)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}, nil
}

// listenUnix listens on a unix socket of mode 0600. The socket is made
// with the umask's mode, inside a new directory beside path that only this
// user may enter (0700), so that nobody else can connect before its mode
// is set: a connection accepted then would be served. It is renamed into
// place once its mode is set; a socket left by a previous run is replaced.
func listenUnix(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket == 0 {
		return nil, fmt.Errorf("%s exists and is not a socket", path)
	}
	private, err := os.MkdirTemp(filepath.Dir(path), ".k") // short: a socket path has at most 107 bytes
	if err != nil {
		return nil, err
	}
	defer os.Remove(private)
	tmp := filepath.Join(private, "s")
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, err
	}
	if socketCreated != nil {
		socketCreated(tmp)
	}
	ul := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(false) // the file is renamed; Close removes it below
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		os.Remove(tmp)
		return nil, err
	}
	return &unixListener{ln, path}, nil
}

// socketCreated, when set (by a test), is told of the socket listenUnix
// made, before its mode is set.
var socketCreated func(path string)

// unixListener removes its socket file when closed.
type unixListener struct {
	net.Listener
	path string
}

func (l *unixListener) Close() error {
	err := l.Listener.Close()
	os.Remove(l.path)
	return err
}

// verifierServer is the server of the verifier listeners: the same
// timeouts as the API's. The guard of --verifier-listen follows each
// connection through the server's hooks, as the API's does: without them
// it knows none as busy, and anyone reaching the port, with no
// certificate, evicts the gateways' connections in the middle of their
// requests by opening more.
func (m *Main) verifierServer(h http.Handler) *http.Server {
	srv := &http.Server{
		Handler:           withDeadline(m.Config.RequestTimeout, h),
		ReadHeaderTimeout: m.Timeouts.ReadHeader,
		ReadTimeout:       m.Timeouts.Read,
		WriteTimeout:      m.Timeouts.Write,
		IdleTimeout:       m.Timeouts.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          m.serverErrorLog(),
	}
	if g := m.VerifierConns; g != nil {
		// The socket's connections are none of the guard's: its hooks
		// pass them by.
		srv.ConnState, srv.ConnContext, srv.Handler = g.ConnState, g.ConnContext, g.Handler(srv.Handler)
	}
	return srv
}
