package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/tick"
)

// certReloader serves the API's TLS certificate from --tls-cert and
// --tls-key, and loads them again when told (SIGHUP) or when either file
// changes, so that a renewed certificate is used without a restart. A
// pair that fails to load leaves the one in use in place.
type certReloader struct {
	certFile, keyFile string

	mu      sync.RWMutex
	cert    *tls.Certificate
	modTime time.Time // the later of the two files' when loaded
}

func newCertReloader(certFile, keyFile string) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile}
	return r, r.Reload()
}

// Reload loads the certificate and key again.
func (r *certReloader) Reload() error {
	mod, err := r.filesModTime()
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("loading --tls-cert and --tls-key: %w", err)
	}
	r.mu.Lock()
	r.cert, r.modTime = &cert, mod
	r.mu.Unlock()
	return nil
}

func (r *certReloader) filesModTime() (time.Time, error) {
	var latest time.Time
	for _, f := range []string{r.certFile, r.keyFile} {
		st, err := os.Stat(f)
		if err != nil {
			return time.Time{}, err
		}
		if st.ModTime().After(latest) {
			latest = st.ModTime()
		}
	}
	return latest, nil
}

// changed reports whether either file changed since it was loaded.
func (r *certReloader) changed() bool {
	mod, err := r.filesModTime()
	r.mu.RLock()
	defer r.mu.RUnlock()
	return err == nil && !mod.Equal(r.modTime)
}

// GetCertificate is tls.Config's.
func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cert, nil
}

// watch reloads the pair when a file changes, checking every interval,
// until ctx ends; report is told of each reload's outcome.
func (r *certReloader) watch(ctx context.Context, interval time.Duration, report func(error)) {
	tick.Every(ctx, interval, func() {
		if r.changed() {
			report(r.Reload())
		}
	})
}

// tlsConfig is the API listener's: TLS 1.2 at least, the certificate from
// the reloader.
func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.GetCertificate, NextProtos: []string{"h2", "http/1.1"}}
}

// hsts tells browsers to come back over TLS only, on every answer sent
// over TLS (directly or through a trusted proxy that terminated it).
func hsts(secure func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if secure(r) {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}
