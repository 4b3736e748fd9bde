package keyward

import (
	"context"
	"errors"
)

// The caller of a request travels in its context: the principal and the
// request's condition keys (source address, TLS, time, region). Every
// feature-package method a transport calls takes it from there and decides
// access itself, once, with IAM's policy evaluation (package authz); the
// transports (API, console, verifier) only say who is calling.

type callerKey struct{}

// internalCaller marks the service's own work: a context carries it, or a
// request's context, by pointer (no allocation on the request path).
var internalCaller RequestContext

// WithCaller returns ctx carrying the caller of a request.
func WithCaller(ctx context.Context, rc *RequestContext) context.Context {
	return context.WithValue(ctx, callerKey{}, rc)
}

// Internal returns ctx marked as the service's own work (start-up,
// background generation, maintenance commands), which no policy governs.
// Transports never use it.
func Internal(ctx context.Context) context.Context {
	return context.WithValue(ctx, callerKey{}, &internalCaller)
}

// Caller returns ctx's caller and whether it is the service itself.
func Caller(ctx context.Context) (rc *RequestContext, internal bool, ok bool) {
	rc, ok = ctx.Value(callerKey{}).(*RequestContext)
	return rc, rc == &internalCaller, ok && rc != nil
}

// ErrNoCaller is a programming error: a service method reached without
// saying who calls. It fails closed, as ServiceFailure.
var ErrNoCaller = errors.New("keyward: no caller in the context")
