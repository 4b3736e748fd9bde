package main

import (
	"log"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// serverErrorLog is the log of an http.Server's own errors, at WARN.
// net/http writes one line for each failed TLS handshake, which anyone
// who connects and sends anything but a handshake causes before any
// check: written as they came, a stranger's loop of connections wrote
// the log's every line. Those are written at most once a minute, with how
// many were passed over since; the server's other errors as they come.
func (m *Main) serverErrorLog() *log.Logger {
	return log.New(&handshakeLog{logger: m.Logger, now: m.Now, every: time.Minute}, "", 0)
}

// handshakeLog writes an http.Server's error lines to logger, those of
// failed TLS handshakes at most once every while.
type handshakeLog struct {
	logger *slog.Logger
	now    func() time.Time
	every  time.Duration

	mu     sync.Mutex
	last   time.Time // when a failed handshake was last written
	passed int       // failed handshakes not written since
}

func (h *handshakeLog) Write(p []byte) (int, error) {
	msg := strings.TrimSuffix(string(p), "\n")
	if !strings.Contains(msg, "TLS handshake error") {
		h.logger.Warn(msg)
		return len(p), nil
	}
	h.mu.Lock()
	now := h.now()
	if !h.last.IsZero() && now.Sub(h.last) < h.every {
		h.passed++
		h.mu.Unlock()
		return len(p), nil
	}
	passed := h.passed
	h.last, h.passed = now, 0
	h.mu.Unlock()
	h.logger.Warn(msg, "handshake_errors_not_logged", passed)
	return len(p), nil
}
