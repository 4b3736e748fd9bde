package verify

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/clientip"
	"github.com/keyward/keyward/query"
	"github.com/keyward/keyward/sigv4"
)

// The reverse proxies' authorization endpoint. The proxy (nginx
// auth_request, Envoy ext_authz in HTTP mode, Traefik ForwardAuth) sends a
// body-less request carrying the client's headers and the original method
// and URI; Keyward checks the client's SigV4 signature and decides
// InvokeAction on the request's execute-api ARN, as API Gateway's IAM
// authorisation does.
const (
	AuthorizePath = "/_keyward/authorize"

	// InvokeAction is the action decided, on
	// arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{path},
	// region being the signature's.
	InvokeAction = "execute-api:Invoke"
	// InvokeService is the service a client signs for.
	InvokeService = "execute-api"

	HeaderOriginalMethod = "X-Original-Method"
	HeaderOriginalURI    = "X-Original-Uri"
	// HeaderOriginalContentLength carries the client's Content-Length,
	// which clients sign and which the subrequest, having no body, cannot
	// carry as itself.
	HeaderOriginalContentLength = "X-Original-Content-Length"
	HeaderAPIID                 = "X-Keyward-Api-Id"
	HeaderStage                 = "X-Keyward-Stage"

	HeaderPrincipalARN = "X-Keyward-Principal-Arn"
	HeaderUserName     = "X-Keyward-User-Name"
	HeaderAccessKeyID  = "X-Keyward-Access-Key-Id"
	// HeaderErrorType names the error code of a refusal, as API Gateway's
	// x-amzn-ErrorType does, and HeaderErrorMessage its message, escaped
	// for XML: a proxy, which never passes the body of its subrequest's
	// answer on, can answer the client with AWS's XML error from them.
	HeaderErrorType    = "X-Amzn-Errortype"
	HeaderErrorMessage = "X-Keyward-Error-Message"
	HeaderRequestID    = "X-Amzn-Requestid"
)

// xmlEscaper escapes a message for XML text, and turns line breaks, which
// a header cannot carry, into spaces.
var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", " ", "\n", " ")

// emptyHash is the SHA-256 of no bytes: the payload hash of a body-less
// request.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// unsignedPayload is what a client declares when it signs no payload.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// maxURI bounds the original URI, as a proxy's own header limits do.
const maxURI = 8 << 10

// Proxy answers reverse proxies' authorization subrequests.
type Proxy struct {
	Service  *keyward.Service
	Verifier *sigv4.Verifier
	Keys     *sigv4.Keyring
	Uses     UseRecorder
	Logger   *slog.Logger
	// Clients tells the client's address and whether it used TLS from the
	// proxy's X-Forwarded-For and X-Forwarded-Proto, when the proxy is
	// trusted.
	Clients *clientip.Resolver
	Now     func() time.Time
	Rand    io.Reader
}

// ServeHTTP implements http.Handler. The subrequest's own body, if any, is
// never read: the client's body stays with the proxy.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, err := p.authorize(r)
	h := w.Header()
	if err == nil {
		h.Set(HeaderPrincipalARN, key.ARN)
		h.Set(HeaderUserName, key.Principal.UserName)
		h.Set(HeaderAccessKeyID, key.ID)
		w.WriteHeader(http.StatusOK)
		return
	}
	reqID := query.RequestID(p.Rand)
	doc, status, code, message := query.ErrorDocument(err, "", reqID)
	switch code {
	case keyward.EServiceFailure:
		p.Logger.Error("authorization failed", "request_id", reqID, "err", err)
	case keyward.EMissingAuthenticationToken:
		status = http.StatusUnauthorized
	}
	h.Set("Content-Type", "text/xml")
	h.Set(HeaderRequestID, reqID)
	h.Set(HeaderErrorType, code)
	h.Set(HeaderErrorMessage, xmlEscaper.Replace(message))
	w.WriteHeader(status)
	w.Write(doc)
}

// authorize authenticates the original request and asks the Service
// whether its signer may invoke it.
func (p *Proxy) authorize(r *http.Request) (*sigv4.Key, error) {
	orig, apiID, stage, err := original(r)
	if err != nil {
		return nil, err
	}
	a, err := sigv4.Parse(orig)
	if err != nil {
		return nil, err
	}
	if a.Service != InvokeService {
		return nil, keyward.Errorf(keyward.ESignatureDoesNotMatch, "Credential should be scoped to correct service: '%s'.", InvokeService)
	}
	hash, err := payloadHash(orig)
	if err != nil {
		return nil, err
	}
	var key *sigv4.Key
	if a.SecurityToken != "" {
		key, err = p.Keys.Session(r.Context(), a.AccessKeyID, a.SecurityToken)
	} else {
		key, err = p.Keys.Get(r.Context(), a.AccessKeyID)
	}
	if err != nil {
		return nil, err
	}
	if !key.Active {
		return nil, keyward.Errorf(keyward.EInvalidClientTokenID, "The security token included in the request is invalid.")
	}
	if err := p.Verifier.VerifyPayloadHash(orig, hash, &a, key.SigningKey(&a)); err != nil {
		return nil, err
	}
	// Parse checked the region's form and the service is ours to name:
	// nothing chosen freely reaches last use.
	p.Uses.Record(key.UseID(), keyward.LastUse{Time: p.Now().UTC(), Service: InvokeService, Region: a.Region})
	resource := "arn:aws:execute-api:" + a.Region + ":" + key.Principal.AccountID + ":" + apiID + "/" + stage + "/" +
		orig.Method + orig.URL.Path
	ctx := keyward.WithCaller(r.Context(), &keyward.RequestContext{Principal: key.Principal, SourceIP: p.Clients.Addr(r),
		SecureTransport: p.Clients.Secure(r), CurrentTime: p.Now(), RequestedRegion: a.Region,
		AccessKeyID: key.ID, UserAgent: r.UserAgent(), Temporary: key.Session, MFAAuthTime: key.MFAAt})
	if err := p.Service.Authorize(ctx, InvokeAction, resource); err != nil {
		p.Logger.LogAttrs(ctx, slog.LevelInfo, "authorize", slog.String("caller", key.ARN),
			slog.String("resource", keyward.Clip(resource)), slog.String("outcome", keyward.ErrorCode(err)))
		return nil, err
	}
	return key, nil
}

// original rebuilds the client's request from the subrequest: its method
// and URI from the proxy's headers, its headers and Host as forwarded. It
// also returns the API ID and stage the proxy names.
//
// Proxies say what the client asked in one of three ways: nginx in the
// headers its configuration sets (X-Original-Method and X-Original-URI);
// Traefik's ForwardAuth in X-Forwarded-Method, X-Forwarded-Uri and
// X-Forwarded-Host, with the API and stage in the address's query
// (?api-id=…&stage=…) where it cannot add headers; Envoy's ext_authz by
// sending the client's method to AuthorizePath followed by the client's
// path and query. The signature, checked next, covers all of it.
func original(r *http.Request) (orig *http.Request, apiID, stage string, err error) {
	method, uri, host := r.Header.Get(HeaderOriginalMethod), r.Header.Get(HeaderOriginalURI), r.Host
	apiID, stage = r.Header.Get(HeaderAPIID), r.Header.Get(HeaderStage)
	switch {
	case uri != "":
	case r.Header.Get("X-Forwarded-Uri") != "":
		method, uri = r.Header.Get("X-Forwarded-Method"), r.Header.Get("X-Forwarded-Uri")
		if h := r.Header.Get("X-Forwarded-Host"); h != "" {
			host = h
		}
	case strings.HasPrefix(r.URL.Path, AuthorizePath+"/"):
		method, uri = r.Method, strings.TrimPrefix(r.RequestURI, AuthorizePath)
	}
	if apiID == "" && stage == "" && r.URL.Path == AuthorizePath {
		q := r.URL.Query()
		apiID, stage = q.Get("api-id"), q.Get("stage")
	}
	switch {
	case !token(method, 16):
		return nil, "", "", keyward.Errorf(keyward.EInvalidInput, "The proxy must pass the client's method in %s.", HeaderOriginalMethod)
	case uri == "" || uri[0] != '/' || len(uri) > maxURI:
		return nil, "", "", keyward.Errorf(keyward.EInvalidInput, "The proxy must pass the client's URI, at most %d bytes, in %s.", maxURI, HeaderOriginalURI)
	case !token(apiID, 128) || !token(stage, 128):
		return nil, "", "", keyward.Errorf(keyward.EInvalidInput, "The proxy must name the API and its stage in %s and %s: letters, digits, '.', '_' and '-'.", HeaderAPIID, HeaderStage)
	}
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return nil, "", "", keyward.Errorf(keyward.EInvalidInput, "The URI in %s is not valid.", HeaderOriginalURI)
	}
	orig = &http.Request{Method: method, URL: u, RequestURI: uri, Host: host, Header: r.Header}
	if cl := r.Header.Get(HeaderOriginalContentLength); cl != "" {
		n, err := strconv.ParseInt(cl, 10, 64)
		if err != nil || n < 0 {
			return nil, "", "", keyward.Errorf(keyward.EInvalidInput, "The length in %s is not valid.", HeaderOriginalContentLength)
		}
		orig.Header = r.Header.Clone()
		orig.Header.Set("Content-Length", cl)
		orig.ContentLength = n
	} else if r.ContentLength <= 0 {
		orig.ContentLength = -1 // unknown: the subrequest's own says nothing
	}
	return orig, apiID, stage, nil
}

// payloadHash returns the payload hash the client signed. The proxy cannot
// show Keyward the body, so a request that may have one must declare its
// hash in X-Amz-Content-Sha256 (the upstream may check the body against
// it; UNSIGNED-PAYLOAD leaves the body unprotected, as S3 allows). Only a
// request known to have no body may leave it out.
func payloadHash(orig *http.Request) (string, error) {
	h := orig.Header.Get("X-Amz-Content-Sha256")
	if h == "" {
		if orig.ContentLength == 0 || bodyless(orig.Method) && orig.ContentLength < 0 {
			return emptyHash, nil
		}
		return "", keyward.Errorf(keyward.EIncompleteSignature,
			"A request with a body must sign its payload hash in the X-Amz-Content-Sha256 header.")
	}
	if h == unsignedPayload || isHexHash(h) {
		return h, nil
	}
	return "", keyward.Errorf(keyward.EIncompleteSignature, "The X-Amz-Content-Sha256 header must be a lower-case hex SHA-256 or UNSIGNED-PAYLOAD.")
}

func bodyless(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

func isHexHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// token reports whether s is 1 to max letters, digits, '.', '_' and '-'.
func token(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
