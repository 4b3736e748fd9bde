// Package verify is what other services call to accept Keyward's keys and
// obey Keyward's policies: the private protocol of a standalone IAM
// service, which Versity S3 Gateway (and package guard) speak, and the
// authorization endpoint of reverse proxies (nginx auth_request, Envoy
// ext_authz, Traefik ForwardAuth). Both translate only: package authz
// decides who may ask and what a key's owner may do. What travels on the
// wire (requests, responses, errors) is package verify/wire's, which
// clients such as package guard import without this server.
package verify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/internal/clientip"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/verify/wire"
)

// Bounds of what a caller may ask in one request.
const (
	maxBody  = 256 << 10
	maxBatch = 1000
)

// UseRecorder records the use of a key.
type UseRecorder interface {
	Record(id string, u keyward.LastUse)
}

// Protocol serves the private protocol: on a unix socket or behind mutual
// TLS, never on the public listener.
type Protocol struct {
	Authz    *authz.Authorizer
	Verifier *sigv4.Verifier
	Keys     *sigv4.Keyring
	Uses     UseRecorder
	Logger   *slog.Logger
	// Clients tells the address of the calling service.
	Clients *clientip.Resolver
	Now     func() time.Time
}

// protocolError is an error with the protocol's status and code.
type protocolError struct {
	status  int
	code    string
	message string
}

func (e *protocolError) Error() string { return e.message }

var (
	errMalformed       = &protocolError{http.StatusBadRequest, wire.CodeBadRequest, "malformed request body"}
	errNoSuchIdentity  = &protocolError{http.StatusForbidden, wire.CodeNoSuchIdentity, "no identity for the given access key id"}
	errInvalidToken    = &protocolError{http.StatusForbidden, wire.CodeInvalidToken, "the given session token is missing, invalid, or does not belong to the given access key id"}
	errNotFound        = &protocolError{http.StatusNotFound, "", "no such endpoint"}
	errMethod          = &protocolError{http.StatusMethodNotAllowed, "", "only POST is served"}
	errProtocolMissing = &protocolError{http.StatusBadRequest, wire.CodeProtocolMismatch, "no " + wire.ProtocolHeader + " header: not a client of this protocol"}
)

// ServeHTTP implements http.Handler.
func (p *Protocol) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(wire.ProtocolHeader, strconv.Itoa(wire.ProtocolVersion))
	out, err := p.serve(r)
	if err != nil {
		p.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func (p *Protocol) serve(r *http.Request) (any, error) {
	if r.Method != http.MethodPost {
		return nil, errMethod
	}
	switch r.URL.Path {
	case wire.VersionPath, wire.DerivePath, wire.EvaluatePath, wire.ResolveIdentityPath, wire.ResolvePrincipalsPath:
	default:
		return nil, errNotFound
	}
	// The version endpoint answers any client: it is how one learns what it
	// talks to.
	if r.URL.Path != wire.VersionPath {
		v, err := strconv.Atoi(r.Header.Get(wire.ProtocolHeader))
		switch {
		case r.Header.Get(wire.ProtocolHeader) == "":
			return nil, errProtocolMissing
		case err != nil || v < wire.MinClientProtocol:
			return nil, &protocolError{http.StatusBadRequest, wire.CodeProtocolMismatch,
				"this server serves private protocol " + strconv.Itoa(wire.MinClientProtocol) + " and newer"}
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return nil, errMalformed
	}
	// The calling service authenticates as itself, and must be allowed to
	// ask: package authz decides.
	ctx, err := p.caller(r, body)
	if err != nil {
		return nil, err
	}
	if err := p.Authz.AuthorizeVerifier(ctx); err != nil {
		return nil, err
	}
	switch r.URL.Path {
	case wire.VersionPath:
		return wire.VersionResponse{Protocol: wire.ProtocolVersion, MinClient: wire.MinClientProtocol, ServerVersion: "keyward", AccountID: p.Authz.Account(ctx).ID}, nil
	case wire.DerivePath:
		var req wire.DeriveSigningKeyRequest
		if json.Unmarshal(body, &req) != nil {
			return nil, errMalformed
		}
		return p.derive(ctx, req)
	case wire.EvaluatePath:
		var req wire.EvaluatePolicyRequest
		if json.Unmarshal(body, &req) != nil || len(req.Actions) > maxBatch || len(req.Resources) > maxBatch ||
			len(req.Actions)*len(req.Resources) > maxBatch {
			return nil, errMalformed
		}
		return p.evaluate(ctx, req)
	case wire.ResolveIdentityPath:
		var req wire.ResolveIdentityRequest
		if json.Unmarshal(body, &req) != nil || len(req.AccessKeyIDs) > maxBatch {
			return nil, errMalformed
		}
		return p.resolveIdentity(ctx, req)
	default:
		var req wire.ResolvePrincipalsRequest
		if json.Unmarshal(body, &req) != nil || len(req.Principals) > maxBatch {
			return nil, errMalformed
		}
		return p.resolvePrincipals(ctx, req)
	}
}

// caller authenticates the calling service's own signature and returns
// the context that names it.
func (p *Protocol) caller(r *http.Request, body []byte) (context.Context, error) {
	key, auth, err := p.Verifier.Authenticate(r.Context(), r, body, p.Keys)
	if err != nil {
		return nil, err
	}
	// The protocol is Keyward's own API: a key derived for a guarded
	// service, which this protocol hands out, must not sign it.
	if !keyward.OwnService(auth.Service) {
		return nil, keyward.Errorf(keyward.ESignatureDoesNotMatch, "Credential should be scoped to one of Keyward's own services, not '%s'.", keyward.Clip(auth.Service))
	}
	return keyward.WithCaller(r.Context(), &keyward.RequestContext{Principal: key.Principal, SourceIP: p.Clients.Addr(r),
		SecureTransport: true, CurrentTime: p.Now(), RequestedRegion: auth.Region, AccessKeyID: key.ID, UserAgent: r.UserAgent()}), nil
}

// key returns the active key an asking service names, or NoSuchIdentity;
// with a session token, the session's key, or InvalidToken for a token
// that is not valid (or no longer) for that key ID.
func (p *Protocol) key(ctx context.Context, id, sessionToken string) (*sigv4.Key, error) {
	if sessionToken != "" {
		k, err := p.Keys.Session(ctx, id, sessionToken)
		if err == nil && !p.answers(ctx, k) {
			return nil, errInvalidToken
		}
		if err != nil || !k.Active {
			var e *keyward.Error
			if err == nil || errors.As(err, &e) {
				return nil, errInvalidToken
			}
			return nil, err
		}
		return k, nil
	}
	k, err := p.Keys.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !k.Active || !p.answers(ctx, k) {
		return nil, errNoSuchIdentity
	}
	return k, nil
}

// answers reports whether the asking service of ctx is told of k. An
// asker of the installation's first account, the operator's (a gateway
// the installation's accounts share), is told of every account's keys;
// an asker of any other account, whose own administrator may allow it
// keyward:Verify, only of its own account's: another account's key would
// give it that account's signing keys (its root user's included) and
// decisions. Another account's key is answered as a key that does not
// exist.
func (p *Protocol) answers(ctx context.Context, k *sigv4.Key) bool {
	rc, _, ok := keyward.Caller(ctx)
	if !ok {
		return false
	}
	asker := rc.Principal.AccountID
	return asker == p.Authz.FirstAccount().ID || k.Principal.AccountID == asker
}

func (p *Protocol) derive(ctx context.Context, req wire.DeriveSigningKeyRequest) (any, error) {
	if len(req.Date) != 8 || !sigv4.ValidRegionName(req.Region) || !validService(req.Service) {
		return nil, errMalformed
	}
	day, err := time.Parse("20060102", req.Date)
	if err != nil {
		return nil, errMalformed
	}
	// A signing key is good for any request dated that day: one derived for
	// a day to come would outlast the asker's identity, and sign as the
	// key's owner after that identity is deleted. Only a day that a request
	// verified now can name is derived: within the clock's window, or as
	// far back as a presigned URL's longest validity (sigv4.MaxExpires).
	now := p.Now().UTC()
	if first, last := dayOf(now.Add(-sigv4.MaxExpires-sigv4.MaxSkew)), dayOf(now.Add(sigv4.MaxSkew)); day.Before(first) || day.After(last) {
		return nil, &protocolError{http.StatusBadRequest, wire.CodeBadRequest,
			"no signing key is derived for " + req.Date + ": a request verified now is dated from " +
				first.Format("20060102") + " to " + last.Format("20060102")}
	}
	// A key scoped to a service Keyward answers itself signs Keyward's own
	// API: whoever may verify requests to a guarded service would become
	// the key's owner, root included. The guarded service's scope is all
	// an asking service needs.
	if keyward.OwnService(req.Service) {
		return nil, &protocolError{http.StatusBadRequest, wire.CodeBadRequest,
			"no signing key is derived for " + req.Service + ", a service Keyward answers itself: it would sign Keyward's own API"}
	}
	k, err := p.key(ctx, req.AccessKeyID, req.SessionToken)
	if err != nil {
		return nil, err
	}
	derived := k.Derive(req.Date, req.Region, req.Service)
	out := wire.DeriveSigningKeyResponse{DerivedKey: derived[:], PrincipalArn: k.ARN}
	if k.Principal.IsRoleSession() {
		out.RoleArn = k.Principal.IdentityARN()
	}
	return out, nil
}

func (p *Protocol) evaluate(ctx context.Context, req wire.EvaluatePolicyRequest) (any, error) {
	// No other service verifies a request to one Keyward answers itself (no
	// key is derived for it): such a use would be a false last use.
	if keyward.OwnService(req.Service) {
		return nil, &protocolError{http.StatusBadRequest, wire.CodeBadRequest,
			"no other service verifies a request to " + req.Service + ", a service Keyward answers itself"}
	}
	// Keys that describe the caller or its session are Keyward's to
	// establish: an asking service that sends one is told so. Keys are
	// compared case-insensitively, so one named twice, or a region other
	// than the request's, would be two answers to one question.
	named := make(map[string]bool, len(req.Condition))
	for key, values := range req.Condition {
		if err := authz.CheckObservedKey(key); err != nil {
			return nil, &protocolError{http.StatusBadRequest, wire.CodeBadRequest, keyward.ErrorMessage(err)}
		}
		lower := strings.ToLower(key)
		if named[lower] {
			return nil, &protocolError{http.StatusBadRequest, wire.CodeBadRequest, "the condition key " + keyward.Clip(key) + " is named twice"}
		}
		named[lower] = true
		if lower == "aws:requestedregion" && sigv4.ValidRegionName(req.Region) && (len(values) != 1 || values[0] != req.Region) {
			return nil, &protocolError{http.StatusBadRequest, wire.CodeBadRequest, "aws:RequestedRegion is not the request's region"}
		}
	}
	k, err := p.key(ctx, req.AccessKeyID, req.SessionToken)
	if err != nil {
		return nil, err
	}
	if sigv4.ValidRegionName(req.Region) && !named["aws:requestedregion"] {
		if req.Condition == nil {
			req.Condition = make(map[string][]string, 1)
		}
		req.Condition["aws:RequestedRegion"] = []string{req.Region}
	}
	effects, err := p.Authz.EvaluateFor(ctx, k.Principal, req.Condition, req.Actions, req.Resources)
	if err != nil {
		return nil, err
	}
	// The request was authenticated by the asking service before it asks:
	// this is a use of the key. Only a real region and a service name of
	// the right shape are recorded.
	if sigv4.ValidRegionName(req.Region) && validService(req.Service) {
		p.Uses.Record(k.UseID(), keyward.LastUse{Time: p.Now().UTC(), Service: req.Service, Region: req.Region})
	}
	out := wire.EvaluatePolicyResponse{Decisions: make([][]string, len(effects)), PrincipalArn: k.ARN}
	for i, row := range effects {
		out.Decisions[i] = make([]string, len(row))
		for j, e := range row {
			out.Decisions[i][j] = wireDecision(e)
		}
	}
	return out, nil
}

func wireDecision(effect string) string {
	switch effect {
	case keyward.DecisionAllowed:
		return wire.DecisionAllow
	case keyward.DecisionExplicitDeny:
		return wire.DecisionDeny
	}
	return wire.DecisionNoMatch
}

// resolveIdentity tells which of the access keys asked of exist. A key
// exists here as it does for Derive and Evaluate, by the same check (key):
// one that may not sign (unknown, malformed, deactivated, past its expiry
// date, of a closed account) or that is another account's is not found,
// so that no call of the protocol holds for anyone's a key the others
// refuse.
func (p *Protocol) resolveIdentity(ctx context.Context, req wire.ResolveIdentityRequest) (any, error) {
	out := wire.ResolveIdentityResponse{Identities: make([]wire.ResolvedIdentity, len(req.AccessKeyIDs))}
	for i, id := range req.AccessKeyIDs {
		k, err := p.key(ctx, id, "")
		if errors.Is(err, errNoSuchIdentity) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Identities[i] = wire.ResolvedIdentity{Found: true, Kind: "user", PrincipalArn: k.ARN}
	}
	return out, nil
}

func (p *Protocol) resolvePrincipals(ctx context.Context, req wire.ResolvePrincipalsRequest) (any, error) {
	out := wire.ResolvePrincipalsResponse{Invalid: []string{}}
	for _, principal := range req.Principals {
		ok, err := p.Authz.PrincipalExists(ctx, principal)
		if err != nil {
			return nil, err
		}
		if !ok {
			out.Invalid = append(out.Invalid, principal)
		}
	}
	return out, nil
}

// dayOf returns the midnight (UTC) that begins t's day.
func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// validService reports whether s may be a SigV4 service name: 1 to 64
// lower-case letters, digits and hyphens.
func validService(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// writeError answers with the protocol's JSON error body. A failure of the
// asking service's own signature or permission carries no code, so that
// the service reports its own misconfiguration rather than blaming the
// end user's key.
func (p *Protocol) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := http.StatusInternalServerError, wire.ErrorBody{Error: "internal error"}
	var pe *protocolError
	var ke *keyward.Error
	switch {
	case errors.As(err, &pe):
		status, body = pe.status, wire.ErrorBody{Code: pe.code, Error: pe.message}
	case errors.As(err, &ke):
		status, body.Error = http.StatusForbidden, ke.Code+": "+ke.Message
	default:
		p.Logger.Error("verifier request failed", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
