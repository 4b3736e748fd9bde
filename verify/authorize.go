package verify

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/verify/wire"
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

// Proxy answers reverse proxies' authorization subrequests. It verifies
// and decides with the private protocol's parts (Protocol's fields, which
// its own ServeHTTP shadows), except that Clients tells the client's
// address and whether it used TLS from the proxy's X-Forwarded-For and
// X-Forwarded-Proto, when the proxy is trusted.
type Proxy struct {
	*Protocol
	Rand io.Reader
}

// ServeHTTP implements http.Handler. The subrequest's own body, if any, is
// never read: the client's body stays with the proxy.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, err := p.authorize(r)
	h := w.Header()
	if err == nil {
		h.Set(wire.HeaderPrincipalARN, key.ARN)
		h.Set(wire.HeaderUserName, key.Principal.UserName)
		h.Set(wire.HeaderAccessKeyID, key.ID)
		h.Set(wire.HeaderAccountID, key.Principal.AccountID)
		w.WriteHeader(http.StatusOK)
		return
	}
	reqID := wire.RequestID(p.Rand)
	doc, status, code, message := wire.ErrorDocument(err, "", reqID)
	switch code {
	case keyward.EServiceFailure:
		p.Logger.Error("authorization failed", "request_id", reqID, "err", err)
	case keyward.EMissingAuthenticationToken:
		status = http.StatusUnauthorized
	}
	h.Set("Content-Type", "text/xml")
	h.Set(wire.HeaderRequestID, reqID)
	h.Set(wire.HeaderErrorType, code)
	h.Set(wire.HeaderErrorMessage, xmlEscaper.Replace(message))
	w.WriteHeader(status)
	w.Write(doc)
}

// authorize authenticates the original request and asks package authz
// whether its signer may invoke it.
func (p *Proxy) authorize(r *http.Request) (*sigv4.Key, error) {
	orig, api, err := original(r)
	if err != nil {
		return nil, err
	}
	a, err := sigv4.Parse(orig)
	if err != nil {
		return nil, err
	}
	if a.Service != wire.InvokeService {
		return nil, keyward.Errorf(keyward.ESignatureDoesNotMatch, "Credential should be scoped to correct service: '%s'.", wire.InvokeService)
	}
	// The ARN decided names the region signed for: where the proxy names
	// its API's region, a signature for another one (which no Deny written
	// for the API's region would match) is refused, as AWS refuses a
	// signature for another region than its endpoint's.
	if api.region != "" && a.Region != api.region {
		return nil, keyward.Errorf(keyward.ESignatureDoesNotMatch, "Credential should be scoped to a valid region, not '%s'.", a.Region)
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
	p.Uses.Record(key.UseID(), keyward.LastUse{Time: p.Now().UTC(), Service: wire.InvokeService, Region: a.Region})
	// The ARN names the principal's own account, where API Gateway names
	// the API's owner: the proxy has no account of its own to name, and a
	// policy written for one's own account's API matches it. Where the
	// proxy names a single account, it is the account of every principal
	// it lets through.
	resource := "arn:aws:execute-api:" + a.Region + ":" + key.Principal.AccountID + ":" + api.id + "/" + api.stage + "/" +
		orig.Method + orig.URL.Path
	ctx := keyward.WithCaller(r.Context(), &keyward.RequestContext{Principal: key.Principal, SourceIP: p.Clients.Addr(r),
		SecureTransport: p.Clients.Secure(r), CurrentTime: p.Now(), RequestedRegion: a.Region,
		AccessKeyID: key.ID, UserAgent: r.UserAgent(), Temporary: key.Session, MFAAuthTime: key.MFAAt})
	err = p.Authz.AuthorizeExternal(ctx, wire.InvokeAction, resource)
	// That decision is the principal's own account's, whose administrator
	// may allow anything (its root user is allowed everything): only the
	// proxy's configuration opens the API to an account, and the account
	// is the principal's as Keyward knows it, never one the client says.
	// The use was recorded above, as it is for a refusal by policy.
	if err == nil && api.accounts != nil && !slices.Contains(api.accounts, key.Principal.AccountID) {
		err = wire.AccountRefused(key.ARN, wire.InvokeAction, resource)
	}
	if err != nil {
		p.Logger.LogAttrs(ctx, slog.LevelInfo, "authorize", slog.String("caller", key.ARN),
			slog.String("resource", keyward.Clip(resource)), slog.String("outcome", keyward.ErrorCode(err)))
		return nil, err
	}
	return key, nil
}

// Headers Traefik's ForwardAuth sets on its subrequest.
const (
	headerForwardedMethod = "X-Forwarded-Method"
	headerForwardedURI    = "X-Forwarded-Uri"
	headerForwardedHost   = "X-Forwarded-Host"
)

// proxyAPI is what the proxy's configuration names of the API it guards.
type proxyAPI struct {
	id, stage string
	// region is the API's region, or "" when the proxy names none.
	region string
	// accounts are the only accounts whose principals pass, or nil when
	// the proxy names none: then every account's do, each on its own
	// account's policies.
	accounts []string
}

// original rebuilds the client's request from the subrequest: its method
// and URI as the proxy says, its headers and Host as forwarded. It also
// returns what the proxy's configuration names of the API: its ID and
// stage, and its region and the accounts that may call it if it names
// them.
//
// Each proxy says what the client asked in its own way, and every one of
// them passes the client's other headers on, so each is recognised by
// what its configuration makes of the subrequest, which no client can
// change, and only its own sources are taken:
//
//   - Envoy's ext_authz (HTTP service, path_prefix wire.AuthorizePath) sends
//     the client's method, to wire.AuthorizePath followed by the client's path
//     and query; the API and stage are in X-Keyward-Api-Id and
//     X-Keyward-Stage from its headers_to_add, which replace a client's
//     (and its region and accounts, if it names them, in X-Keyward-Region
//     and X-Keyward-Accounts).
//   - Traefik's ForwardAuth sends a GET to its configured address, which
//     names the API and stage (wire.AuthorizePath?api-id=…&stage=…, and
//     its region and accounts if it names them: &region=…&accounts=…),
//     with the
//     client's method, URI and host in X-Forwarded-Method, X-Forwarded-Uri
//     and X-Forwarded-Host, which it sets itself (unless
//     trustForwardHeader, which must stay off).
//   - nginx's auth_request sends a subrequest to wire.AuthorizePath with no
//     query; its proxy_set_header lines set X-Original-Method,
//     X-Original-URI, X-Original-Content-Length, X-Keyward-Api-Id and
//     X-Keyward-Stage (and X-Keyward-Region, X-Keyward-Accounts),
//     replacing a client's headers of those names.
//
// A header that another proxy would set, present because a client sent it
// and the proxy passed it on, must say the same as the proxy's own source,
// or the request is refused: two answers to one question are a conflict,
// not a choice.
func original(r *http.Request) (orig *http.Request, api proxyAPI, err error) {
	h := r.Header
	var method, uri, host string
	// accounts is the list of accounts as the proxy writes it, named tells
	// whether it names one at all.
	var accounts string
	var named bool
	methodSource, uriSource := wire.HeaderOriginalMethod, wire.HeaderOriginalURI
	trustLength := false
	switch q := r.URL.Query(); {
	case strings.HasPrefix(r.URL.Path, wire.AuthorizePath+"/"): // Envoy
		rest, ok := strings.CutPrefix(r.RequestURI, wire.AuthorizePath)
		if !ok {
			return nil, proxyAPI{}, keyward.Errorf(keyward.EInvalidInput, "The proxy must send the client's path after %s as it is.", wire.AuthorizePath)
		}
		method, uri, host = r.Method, rest, r.Host
		methodSource, uriSource = "its own method", "the path after "+wire.AuthorizePath
		api = proxyAPI{id: h.Get(wire.HeaderAPIID), stage: h.Get(wire.HeaderStage), region: h.Get(wire.HeaderRegion)}
		accounts, named = h.Get(wire.HeaderAccounts), len(h.Values(wire.HeaderAccounts)) > 0
	case q.Has("api-id") || q.Has("stage"): // Traefik: the API in the configured address
		if len(q["api-id"]) > 1 || len(q["stage"]) > 1 || len(q["region"]) > 1 || len(q["accounts"]) > 1 {
			return nil, proxyAPI{}, keyward.Errorf(keyward.EInvalidInput, "The address must name one API, one stage, one region and one list of accounts.")
		}
		method, uri, host = h.Get(headerForwardedMethod), h.Get(headerForwardedURI), h.Get(headerForwardedHost)
		methodSource, uriSource = headerForwardedMethod, headerForwardedURI
		if host == "" {
			host = r.Host
		}
		api = proxyAPI{id: q.Get("api-id"), stage: q.Get("stage"), region: q.Get("region")}
		accounts, named = q.Get("accounts"), q.Has("accounts")
	case h.Get(headerForwardedURI) != "" && (h.Get(wire.HeaderOriginalURI) == "" || h.Get(wire.HeaderOriginalURI) == h.Get(headerForwardedURI)):
		// Traefik without the API in its address: the API would be the
		// client's to name. Traefik passes a client's own X-Original-Uri
		// on, so one that says what X-Forwarded-Uri says does not make the
		// subrequest nginx's: the client would then name the API in its
		// own X-Keyward-Api-Id. nginx must set no X-Forwarded-Uri (some
		// auth_request snippets do, for other servers), and a client's that
		// disagrees with nginx's X-Original-Uri is refused below as a
		// conflict.
		return nil, proxyAPI{}, keyward.Errorf(keyward.EInvalidInput,
			"Traefik's ForwardAuth must name the API and its stage in its address: %s?api-id=…&stage=…; "+
				"nginx must not set X-Forwarded-Uri, which is Traefik's.", wire.AuthorizePath)
	default: // nginx
		method, uri, host = h.Get(wire.HeaderOriginalMethod), h.Get(wire.HeaderOriginalURI), r.Host
		api = proxyAPI{id: h.Get(wire.HeaderAPIID), stage: h.Get(wire.HeaderStage), region: h.Get(wire.HeaderRegion)}
		accounts, named = h.Get(wire.HeaderAccounts), len(h.Values(wire.HeaderAccounts)) > 0
		trustLength = true
	}
	switch {
	case !token(method, 16):
		return nil, proxyAPI{}, keyward.Errorf(keyward.EInvalidInput, "The proxy must pass the client's method in %s.", methodSource)
	case uri == "" || uri[0] != '/' || len(uri) > maxURI:
		return nil, proxyAPI{}, keyward.Errorf(keyward.EInvalidInput, "The proxy must pass the client's URI, at most %d bytes, in %s.", maxURI, uriSource)
	case !token(api.id, 128) || !token(api.stage, 128):
		return nil, proxyAPI{}, keyward.Errorf(keyward.EInvalidInput, "The proxy must name the API and its stage in %s and %s: letters, digits, '.', '_' and '-'.", wire.HeaderAPIID, wire.HeaderStage)
	case api.region != "" && !sigv4.ValidRegionName(api.region):
		return nil, proxyAPI{}, keyward.Errorf(keyward.EInvalidInput, "The region the proxy names in %s is not a region's name.", wire.HeaderRegion)
	}
	// A list the proxy names but that is not one of accounts is refused
	// rather than read as naming none, which would open the API to every
	// account.
	if named {
		ids, ok := wire.ParseAccounts(accounts)
		if !ok {
			return nil, proxyAPI{}, keyward.Errorf(keyward.EInvalidInput,
				"The accounts the proxy names in %s (Traefik: accounts= in its address) must be 12-digit account IDs separated by commas.", wire.HeaderAccounts)
		}
		api.accounts = ids
	}
	for _, c := range [...]struct{ header, want string }{
		{wire.HeaderOriginalMethod, method}, {headerForwardedMethod, method},
		{wire.HeaderOriginalURI, uri}, {headerForwardedURI, uri},
		{wire.HeaderAPIID, api.id}, {wire.HeaderStage, api.stage}, {wire.HeaderRegion, api.region},
		{wire.HeaderAccounts, accounts},
	} {
		if vs := h.Values(c.header); len(vs) > 1 || len(vs) == 1 && vs[0] != c.want {
			return nil, proxyAPI{}, keyward.Errorf(keyward.EAccessDenied,
				"The request's %s does not match what the proxy says: it cannot name another request than the one the proxy forwards.", c.header)
		}
	}
	if err := wire.DecisionMethod(method); err != nil {
		return nil, proxyAPI{}, err
	}
	rawPath, rawQuery, _ := strings.Cut(uri, "?")
	path, err := wire.DecisionPath(rawPath)
	if err != nil {
		return nil, proxyAPI{}, err
	}
	orig = &http.Request{Method: method, URL: &url.URL{Path: path, RawPath: rawPath, RawQuery: rawQuery}, RequestURI: uri,
		Host: host, Header: h, ContentLength: -1}
	// The client's length, where the proxy says it: nginx, in the header
	// its configuration sets; a proxy that passes the body on with the
	// subrequest, in the subrequest's own. Otherwise it is unknown, and a
	// request that may have a body must declare its hash.
	switch cl := h.Get(wire.HeaderOriginalContentLength); {
	case trustLength && cl != "":
		n, err := strconv.ParseInt(cl, 10, 64)
		if err != nil || n < 0 {
			return nil, proxyAPI{}, keyward.Errorf(keyward.EInvalidInput, "The length in %s is not valid.", wire.HeaderOriginalContentLength)
		}
		orig.Header = h.Clone()
		orig.Header.Set("Content-Length", cl)
		orig.ContentLength = n
	case r.ContentLength > 0:
		orig.ContentLength = r.ContentLength
	}
	return orig, api, nil
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
