// Package query serves the AWS Query protocol: form-encoded requests on
// POST / (or a query string on GET /), authenticated with Signature
// Version 4, dispatched by Action to IAM (Version 2010-05-08) or STS
// (Version 2011-06-15) according to the credential scope's service, and
// answered in the XML of the service models, errors included.
package query

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/clientip"
	"github.com/keyward/keyward/internal/lastuse"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/sts"
	"github.com/keyward/keyward/verify/wire"
)

// API versions and XML namespaces of the two services.
const (
	IAMVersion   = "2010-05-08"
	STSVersion   = "2011-06-15"
	IAMNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// maxBody bounds a request body; IAM's largest inputs (policy documents)
// are far smaller.
const maxBody = 1 << 20

// Server is the http.Handler for the Query API. It authenticates the
// caller, reads the action's parameters and calls the feature package
// (Services), which decides access; it never authorises anything itself.
type Server struct {
	Services
	Verifier *sigv4.Verifier
	Keys     *sigv4.Keyring
	Uses     *lastuse.Recorder
	Logger   *slog.Logger
	// Clients tells the client's address and whether it used TLS,
	// believing proxy headers only from trusted proxies.
	Clients *clientip.Resolver
	// Now and Rand are the clock and the randomness for request IDs.
	Now  func() time.Time
	Rand io.Reader
	// Observe, when set, is told of every answered request: its action
	// (one of the table's, or "unknown"), outcome ("OK" or the error
	// code) and latency; AuthFailed of each refused before authentication.
	Observe    func(action, outcome string, latency time.Duration)
	AuthFailed func(reason string)
	// Audit, when set, receives the audit events of requests (package
	// internal/audit); a change's event is written with it by the store.
	Audit *audit.Recorder

	authLogOnce sync.Once
	authLog     *authLog
}

// failures returns the log of failed authentications, made on first use.
func (s *Server) failures() *authLog {
	s.authLogOnce.Do(func() { s.authLog = newAuthLog(s.Logger, s.Now) })
	return s.authLog
}

// FlushAuthLog writes the summary of failed authentications not logged in
// an interval that has ended; call it every few seconds.
func (s *Server) FlushAuthLog() { s.failures().flush() }

// api is one service's table of actions and XML namespace.
type api struct {
	// service is the signing name, as recorded in last use.
	service   string
	version   string
	namespace string
	actions   map[string]*action
}

// newAPI returns an api of the actions in tables, each with its
// operation of ops and its element names filled in. An action without an
// operation is a programming error.
func newAPI(service, version, namespace string, ops map[string]*keyward.Operation, tables ...map[string]action) api {
	a := api{service: service, version: version, namespace: namespace, actions: map[string]*action{}}
	for _, t := range tables {
		for name, act := range t {
			if act.op = ops[name]; act.op == nil {
				panic("query: no operation " + name)
			}
			act.result, act.response = name+"Result", name+"Response"
			a.actions[name] = &act
		}
	}
	return a
}

// iamRows are the IAM endpoint's rows, each file adding those of its
// entity (serveIAM), so that a row is beside its entity's XML.
var iamRows []map[string]action

// serveIAM adds rows to the IAM endpoint.
func serveIAM(rows map[string]action) { iamRows = append(iamRows, rows) }

// The two APIs Keyward serves, told apart by the signing scope's service.
// IAM's is made on first use, once every file has added its rows.
var (
	iamAPI = sync.OnceValue(func() *api {
		a := newAPI(keyward.ServiceIAM, IAMVersion, IAMNamespace, withKeyward(iam.Operations()), iamRows...)
		return &a
	})
	stsAPI = newAPI(keyward.ServiceSTS, STSVersion, STSNamespace, sts.Operations, stsActions)
)

// withKeyward is IAM's operations and Keyward's own (the webhook
// subscriptions, the key lifecycle policy), which the IAM endpoint serves
// beside them.
func withKeyward(ops map[string]*keyward.Operation) map[string]*keyward.Operation {
	out := make(map[string]*keyward.Operation, len(ops)+len(iam.KeywardOperations)+len(lifecycle.Operations))
	for _, t := range []map[string]*keyward.Operation{ops, iam.KeywardOperations, lifecycle.Operations} {
		for name, op := range t {
			if out[name] != nil {
				panic("query: two operations " + name)
			}
			out[name] = op
		}
	}
	return out
}

// Actions returns the names of the actions each API serves, by the
// service of their IAM action (iam, sts, keyward).
func Actions() map[string][]string {
	out := map[string][]string{}
	for _, a := range []*api{iamAPI(), &stsAPI} {
		for name, act := range a.actions {
			// Keyward's own actions, on the IAM endpoint, are listed
			// under their own service (keyward).
			out[act.op.Service] = append(out[act.op.Service], name)
		}
	}
	return out
}

// xmlWriter buffers are pooled; each also lends its spare space to the
// request body, which is read before the response is written.
var bufPool = sync.Pool{New: func() any { return &xmlWriter{b: make([]byte, 0, 2048), body: make([]byte, 0, 1024)} }}

// maxPresized bounds the room made for a request body from its declared
// length, before its bytes arrive; a pooled buffer keeps as much.
const maxPresized = 64 << 10

// readBody reads the whole body into the pooled buffer of xw.
func readBody(r *http.Request, xw *xmlWriter) ([]byte, error) {
	buf := xw.body[:0]
	// The declared length is the client's word, given before it is
	// authenticated and before it sends a byte: room made for all of it
	// would let a client that declares 1 MiB and sends nothing hold 1 MiB
	// per request. Beyond a small bound the buffer grows as bytes arrive.
	if n := r.ContentLength; n > int64(cap(buf)) && n <= maxPresized {
		buf = make([]byte, 0, n)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > maxBody {
			return buf, nil // the caller refuses it
		}
		if err == io.EOF {
			if cap(buf) <= maxPresized {
				xw.body = buf // keep a grown buffer, within reason
			}
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if cloudTrailTarget(r) != "" {
		s.serveCloudTrail(w, r)
		return
	}
	start := time.Now()
	reqID := s.requestID()
	xw := bufPool.Get().(*xmlWriter)
	xw.b = xw.b[:0]
	defer bufPool.Put(xw)

	var ev eventOf
	action, caller, keyID, ns, err := s.serve(r, xw, reqID, &ev)
	status := http.StatusOK
	code := "OK"
	if err != nil {
		var message, fault string
		code, message, status, fault = wire.Describe(err)
		if code == keyward.EServiceFailure {
			s.Logger.Error("request failed", "request_id", reqID, "action", action, "err", err)
		}
		xw.b = wire.AppendError(xw.b[:0], ns, fault, code, message, reqID)
		defer s.audit(r, &ev, reqID, action, keyID, code, message)
	} else {
		defer s.audit(r, &ev, reqID, action, keyID, "", "")
	}
	h := w.Header()
	h["Content-Type"] = textXML
	h["X-Amzn-Requestid"] = []string{reqID}
	w.WriteHeader(status)
	w.Write(xw.b)
	if s.Observe != nil {
		s.Observe(knownAction(action), code, time.Since(start))
	}
	if caller == "" && err != nil {
		// Before authentication anyone can send anything, as fast as they
		// like: such failures are logged within a budget.
		s.failures().failed(r.Context(), reqID, code, keyID, s.Clients.Addr(r), err)
		if s.AuthFailed != nil {
			s.AuthFailed(code)
		}
		return
	}
	s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("request_id", reqID), slog.String("action", action), slog.String("caller", caller),
		slog.String("outcome", code), slog.Int("status", status), slog.Duration("latency", time.Since(start)))
}

var textXML = []string{"text/xml"}

// knownAction is action if the table has it, else "unknown": what a caller
// sends never becomes a label by itself.
func knownAction(action string) string {
	if operation(action) != nil {
		return action
	}
	return "unknown"
}

// serve authenticates and dispatches r, writing the success response to
// xw. It returns the action, the caller's ARN ("" until authenticated) and
// the key ID the request named, for the log, and the XML namespace of the
// service addressed.
func (s *Server) serve(r *http.Request, xw *xmlWriter, reqID string, ev *eventOf) (action, caller, keyID, ns string, err error) {
	action, caller, ns, err = s.serveAuthenticated(r, xw, reqID, &keyID, ev)
	return action, caller, keyID, ns, err
}

func (s *Server) serveAuthenticated(r *http.Request, xw *xmlWriter, reqID string, keyID *string, ev *eventOf) (action, caller, ns string, err error) {
	ns = IAMNamespace
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return "", "", ns, keyward.Errorf(keyward.EInvalidAction, "Only GET and POST are supported.")
	}
	body, err := readBody(r, xw)
	if err != nil {
		return "", "", ns, keyward.Errorf(keyward.EMalformedQueryString, "The request body could not be read.")
	}
	if len(body) > maxBody {
		return "", "", ns, keyward.Errorf(keyward.EMalformedQueryString, "The request body is larger than %d bytes.", maxBody)
	}
	key, auth, err := s.authenticate(r, body)
	*keyID, ev.keyAccount = auth.AccessKeyID, auth.KeyAccount
	if errors.Is(err, &keyward.Error{Code: keyward.EMissingAuthenticationToken}) {
		// Unsigned: only STS's web identity federation, whose token is the
		// credential, is served so.
		return s.serveAnonymous(r, body, xw, reqID, ev)
	}
	if err != nil {
		return "", "", ns, err
	}
	caller = key.ARN

	params, err := parseParams(r, body)
	if err != nil {
		return "", caller, ns, err
	}
	action = params.Get("Action")
	if action == "" {
		return "", caller, ns, keyward.Errorf(keyward.EMissingAction, "Missing Action")
	}
	var a *api
	switch auth.Service {
	case keyward.ServiceIAM:
		a = iamAPI()
	case keyward.ServiceSTS:
		a = &stsAPI
	default:
		return action, caller, ns, keyward.Errorf(keyward.EInvalidAction, "Could not find operation %s for service %s",
			keyward.Clip(action), keyward.Clip(auth.Service))
	}
	// A use is recorded only under a service Keyward serves, and the region
	// was checked by Parse: nothing the caller chose freely reaches the
	// credential report. The server's clock, not the signed time, which may
	// be 15 minutes off.
	s.Uses.Record(key.UseID(), keyward.LastUse{Time: s.Now().UTC(), Service: a.service, Region: auth.Region})
	ns = a.namespace
	act, ok := a.actions[action]
	version := params.Get("Version")
	if !ok || (version != "" && version != a.version) {
		return action, caller, ns, keyward.Errorf(keyward.EInvalidAction, "Could not find operation %s for version %s", keyward.Clip(action), keyward.Clip(version))
	}
	*ev = eventOf{principal: key.Principal, keyID: key.ID, region: auth.Region, api: a, params: params, act: act}
	return action, caller, ns, s.dispatch(s.callerContext(r, key, auth.Region), r, xw, reqID, action, ev)
}

// authenticate checks r's signature. Keyward's own API is signed only for
// its own services (keyward.OwnService): a signing key derived for
// another service, which the verifier protocol hands out, never signs it,
// and a service added here must be added there, where the verifier learns
// never to derive its keys.
func (s *Server) authenticate(r *http.Request, body []byte) (*sigv4.Key, sigv4.Auth, error) {
	key, auth, err := s.Verifier.Authenticate(r.Context(), r, body, s.Keys)
	if err == nil && !keyward.OwnService(auth.Service) {
		return nil, auth, keyward.Errorf(keyward.EInvalidAction, "Could not find operation for service %s", keyward.Clip(auth.Service))
	}
	return key, auth, err
}

// callerContext is r's context carrying its caller, for the feature
// packages to decide; key is nil for an unsigned request.
func (s *Server) callerContext(r *http.Request, key *sigv4.Key, region string) context.Context {
	rc := &keyward.RequestContext{SourceIP: s.Clients.Addr(r), SecureTransport: s.Clients.Secure(r), CurrentTime: s.Now(),
		RequestedRegion: region, UserAgent: r.UserAgent()}
	if key != nil {
		rc.Principal, rc.AccessKeyID, rc.Temporary, rc.MFAAuthTime = key.Principal, key.ID, key.Session, key.MFAAt
	}
	return keyward.WithCaller(r.Context(), rc)
}

// dispatch runs ev's action in ctx and writes its answer to xw. A change
// carries its audit event in ctx, for the store to write in the change's
// transaction.
func (s *Server) dispatch(ctx context.Context, r *http.Request, xw *xmlWriter, reqID, action string, ev *eventOf) error {
	if s.Audit != nil && ev.act.op.Audited() {
		ev.pending = &keyward.PendingEvent{Event: s.event(r, reqID, ev, action)}
		ctx = keyward.WithEvent(ctx, ev.pending)
	}
	xw.b = append(xw.b, '<')
	xw.b = append(xw.b, action...)
	xw.b = append(xw.b, `Response xmlns="`...)
	xw.b = append(xw.b, ev.api.namespace...)
	xw.b = append(xw.b, `">`...)
	if err := run(ctx, &s.Services, ev.act, ev.params, xw); err != nil {
		return err
	}
	xw.open("ResponseMetadata")
	xw.elem("RequestId", reqID)
	xw.close("ResponseMetadata")
	xw.close(ev.act.response)
	return nil
}

// anonymousActions are the STS actions a caller may send unsigned.
var anonymousActions = map[string]bool{"AssumeRoleWithWebIdentity": true, "AssumeRoleWithSAML": true}

// serveAnonymous serves an unsigned request, if it asks for one of
// anonymousActions; otherwise it is refused as AWS refuses an unsigned
// request.
func (s *Server) serveAnonymous(r *http.Request, body []byte, xw *xmlWriter, reqID string, ev *eventOf) (action, caller, ns string, err error) {
	missing := keyward.Errorf(keyward.EMissingAuthenticationToken, "Request is missing Authentication Token")
	params, err := parseParams(r, body)
	if err != nil {
		return "", "", IAMNamespace, missing
	}
	action = params.Get("Action")
	if !anonymousActions[action] || params.Get("Version") != stsAPI.version {
		return action, "", IAMNamespace, missing
	}
	*ev = eventOf{api: &stsAPI, params: params, act: stsAPI.actions[action]}
	return action, "", stsAPI.namespace, s.dispatch(s.callerContext(r, nil, ""), r, xw, reqID, action, ev)
}

// parseParams decodes the query string and, for a form POST, the body. A
// request carries its parameters in one or the other, so the other's map is
// used as it is rather than merged into a new one.
func parseParams(r *http.Request, body []byte) (url.Values, error) {
	var params url.Values
	if r.URL.RawQuery != "" {
		var err error
		if params, err = url.ParseQuery(r.URL.RawQuery); err != nil {
			return nil, keyward.Errorf(keyward.EMalformedQueryString, "The query string is malformed.")
		}
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		if !isForm(r.Header.Get("Content-Type")) {
			return nil, keyward.Errorf(keyward.EMalformedQueryString, "The request body must be application/x-www-form-urlencoded.")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, keyward.Errorf(keyward.EMalformedQueryString, "The request body is not a valid form.")
		}
		if params == nil {
			return form, nil
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	if params == nil {
		params = url.Values{}
	}
	return params, nil
}

const formType = "application/x-www-form-urlencoded"

// isForm reports whether the media type of contentType is formType. The
// SDKs send it exactly, with or without "; charset=utf-8", so those skip
// the full parse, which costs allocations on every request.
func isForm(contentType string) bool {
	if len(contentType) >= len(formType) && strings.EqualFold(contentType[:len(formType)], formType) {
		rest := contentType[len(formType):]
		if rest == "" || strings.HasPrefix(rest, ";") && strings.EqualFold(strings.TrimSpace(rest[1:]), "charset=utf-8") {
			return true
		}
	}
	ct, _, _ := mime.ParseMediaType(contentType)
	return ct == formType
}

// requestID returns a random UUID, the form of AWS's request IDs.
func (s *Server) requestID() string { return wire.RequestID(s.Rand) }
