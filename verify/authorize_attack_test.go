// Attacks on the proxy endpoint (verify.Proxy, /_keyward/authorize): the
// boundary between Keyward and a reverse proxy (nginx auth_request,
// Traefik ForwardAuth, Envoy ext_authz) that asks whether a client's
// request may pass to the service behind it.
//
// The client may claim anything it sends: its method, URI, headers and
// signature; every header it adds, including headers of the names the
// proxies use, which Traefik and Envoy pass on. The proxy's configuration
// establishes, in ways a client cannot change: which proxy asks (the
// subrequest's path and the address's query), the client's method and URI
// (in that proxy's own headers or path), the API and stage, its region and
// the accounts that may call it if it names them, the client's address and
// TLS (with --trusted-proxies).
//
// Keyward establishes itself: the signer and its key's state, from the
// signature over exactly that method and URI; that the path is in a normal
// form every server reads as written, so that the decision is on the
// resource the service serves; the decision, from the signer's policies.
// Where two sources answer one question differently, the request is
// refused.
//
// A new form of subrequest, or a new proxy, adds its attacks here.
package verify_test

import (
	"context"
	"net/http"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/verify/wire"
)

// signedFor signs a client's request for method and the raw URI as sent
// (the signature is valid for that URI as Keyward reads it) and returns
// its headers.
func signedFor(c key, method, rawURI string) http.Header {
	r, _ := http.NewRequest(method, "http://api.example.com/", nil)
	r.RequestURI = rawURI
	_, r.URL.RawQuery, _ = strings.Cut(rawURI, "?")
	sigv4.Sign(r, nil, c.id, c.secret, "eu-west-1", wire.InvokeService, time.Now())
	return r.Header
}

// nginxSubrequest is what nginx's auth_request, configured as
// examples/nginx/keyward.conf, sends for a client's request with headers h.
func nginxSubrequest(url string, h http.Header, method, rawURI string) *http.Request {
	sub, _ := http.NewRequest("GET", url+wire.AuthorizePath, nil)
	sub.Header = h.Clone()
	sub.Host = "api.example.com"
	sub.Header.Set(wire.HeaderOriginalMethod, method)
	sub.Header.Set(wire.HeaderOriginalURI, rawURI)
	sub.Header.Set(wire.HeaderAPIID, "pets")
	sub.Header.Set(wire.HeaderStage, "prod")
	return sub
}

// traefikSubrequest is what Traefik's ForwardAuth sends: a GET to its
// address, every client header, and its own X-Forwarded-*.
func traefikSubrequest(url, query string, h http.Header, method, rawURI string) *http.Request {
	sub, _ := http.NewRequest("GET", url+wire.AuthorizePath+query, nil)
	sub.Header = h.Clone()
	sub.Host = "keyward.internal"
	sub.Header.Set("X-Forwarded-Method", method)
	sub.Header.Set("X-Forwarded-Uri", rawURI)
	sub.Header.Set("X-Forwarded-Host", "api.example.com")
	return sub
}

// envoySubrequest is what Envoy's ext_authz sends: the client's method and
// URI after the prefix, the headers of headers_to_add.
func envoySubrequest(url string, h http.Header, method, rawURI string) *http.Request {
	sub, _ := http.NewRequest(method, url+wire.AuthorizePath+rawURI, nil)
	sub.Header = h.Clone()
	sub.Host = "api.example.com"
	sub.Header.Set(wire.HeaderAPIID, "pets")
	sub.Header.Set(wire.HeaderStage, "prod")
	return sub
}

// authorize sends a subrequest and returns its status and error code.
func authorize(t *testing.T, sub *http.Request) (int, string, string) {
	t.Helper()
	status, h, _ := kwtest.RawDo(t, sub)
	return status, h.Get(wire.HeaderErrorType), h.Get(wire.HeaderErrorMessage)
}

const (
	// onlyPublic may read /public/ and nothing else.
	onlyPublic = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:pets/prod/GET/public/*"}]}`
	// notAdmin may do everything but read /admin/.
	notAdmin = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},
		{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:pets/prod/GET/admin/*"}]}`
)

// TestAttackAuthorizePath: a user allowed only GET /public/*, and one
// explicitly denied GET /admin/*, ask for /admin/secret.txt written so
// that the decision would be on another path than the one a server
// behind the proxy serves. Every such form is refused with AccessDenied,
// whichever proxy asks; paths in normal form, escapes that must be
// escaped included, are decided as before.
func TestAttackAuthorizePath(t *testing.T) {
	k := kwtest.New(t)
	url := proxy(t, k)
	public, admin := user(t, k, "public", onlyPublic), user(t, k, "admin", notAdmin)
	attacks := []struct {
		name, uri string
		who       key
	}{
		{"dot-dot out of /public", "/public/../admin/secret.txt", public},
		{"dot-dot escaped", "/public/%2e%2e/admin/secret.txt", public},
		{"dot-dot escaped in capitals", "/public/%2E%2E/admin/secret.txt", public},
		{"dot-dot half escaped", "/public/.%2e/admin/secret.txt", public},
		{"dot-dot with a query", "/public/../admin/secret.txt?x=1", public},
		{"dot-dot at the end", "/public/x/..", public},
		{"dot segment", "/./admin/secret.txt", admin},
		{"double slash", "//admin/secret.txt", admin},
		{"double slash inside", "/admin//secret.txt", admin},
		{"escaped slash", "/%2Fadmin/secret.txt", admin},
		{"escaped slash, lower case", "/%2fadmin/secret.txt", admin},
		{"escaped letter", "/%61dmin/secret.txt", admin},
		{"backslashes", `/public/..\admin\secret.txt`, public},
		{"escaped backslashes", "/public/..%5Cadmin%5Csecret.txt", public},
		{"escaped NUL", "/public/a%00/../../admin/secret.txt", public},
		{"escaped NUL alone", "/admin/secret.txt%00.png", admin},
		{"overlong UTF-8 dots", "/public/%C0%AE%C0%AE/admin/secret.txt", public},
		{"overlong UTF-8 slash", "/public/..%C0%AFadmin%C0%AFsecret.txt", public},
		{"invalid escape", "/public/%zz/../../admin/secret.txt", public},
		{"truncated escape", "/public/%4", public},
		{"double escaped dot-dot", "/public/%252e%252e/admin/secret.txt", public},
		{"path parameter dot-dot (Tomcat)", "/public/..;/admin/secret.txt", public},
		{"path parameter on a segment (Tomcat)", "/admin;x/secret.txt", admin},
		{"escaped path parameter dot-dot", "/public/..%3B/admin/secret.txt", public},
		{"fragment", "/admin/secret.txt#/public/x", admin},
		{"tab", "/public/\t/../admin/secret.txt", public},
	}
	for _, tc := range attacks {
		t.Run(tc.name, func(t *testing.T) {
			h := signedFor(tc.who, "GET", tc.uri)
			for proxyName, sub := range map[string]*http.Request{
				"nginx":   nginxSubrequest(url, h, "GET", tc.uri),
				"Traefik": traefikSubrequest(url, "?api-id=pets&stage=prod", h, "GET", tc.uri),
			} {
				status, code, message := authorize(t, sub)
				if status != http.StatusForbidden || code != "AccessDenied" || !strings.Contains(message, "not in normal form") {
					t.Errorf("%s: got %d %s %s", proxyName, status, code, message)
				}
			}
		})
	}
	// Envoy's subrequest carries the path itself: a Go client cannot send
	// every form, and Go's ServeMux, which serves it in keyward serve,
	// redirects some; those it can are refused as well.
	for _, uri := range []string{"/public/%2e%2e/admin/secret.txt", "/%2Fadmin/secret.txt", "/public/..%5Cadmin%5Csecret.txt"} {
		t.Run("Envoy "+uri, func(t *testing.T) {
			who := public
			if strings.Contains(uri, "%2F") {
				who = admin
			}
			status, code, _ := authorize(t, envoySubrequest(url, signedFor(who, "GET", uri), "GET", uri))
			if status != http.StatusForbidden || code != "AccessDenied" {
				t.Fatalf("got %d %s", status, code)
			}
		})
	}

	for _, tc := range []struct {
		name, uri string
		who       key
		status    int
	}{
		{"a file in /public", "/public/a.txt", public, 200},
		{"a directory's trailing slash", "/public/", public, 200},
		{"escapes that must be escaped", "/public/a%20b%3Bc%3Fd%23e%25f%C3%A9.txt", public, 200},
		{"raw UTF-8", "/public/café", public, 200},
		{"a dot inside a name", "/public/.hidden/..x", public, 200},
		{"the root", "/", admin, 200},
		{"/admin itself", "/admin/secret.txt", admin, 403},
		{"/admin for the public user", "/admin/secret.txt", public, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, code, message := authorize(t, nginxSubrequest(url, signedFor(tc.who, "GET", tc.uri), "GET", tc.uri))
			if status != tc.status || strings.Contains(message, "normal form") {
				t.Fatalf("got %d %s %s", status, code, message)
			}
		})
	}
}

// TestAttackAuthorizeClientHeaders: a client adds headers of the names the
// proxies use, to be decided on another request than the one the proxy
// forwards, or on another API: its own X-Original-Uri and
// X-Original-Method through Traefik (which passes client headers on) or
// Envoy, its own X-Forwarded-Uri through nginx, its own X-Keyward-Api-Id
// and X-Keyward-Stage against the API of Traefik's address, its own
// X-Original-Content-Length to make a body look absent. Each is refused;
// a client header that says the same as the proxy's changes nothing.
func TestAttackAuthorizeClientHeaders(t *testing.T) {
	k := kwtest.New(t)
	url := proxy(t, k)
	public := user(t, k, "public", onlyPublic)
	other := user(t, k, "other", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:other/*"}]}`)
	anything := user(t, k, "anything", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)

	// with adds the client's own headers to its signed ones.
	with := func(h http.Header, kv ...string) http.Header {
		h = h.Clone()
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	signedPublic := signedFor(public, "GET", "/public/a")
	tests := []struct {
		name   string
		sub    *http.Request
		status int
		code   string
	}{
		// Traefik asks about GET /admin/x; the client signed /public/a and
		// names it in nginx's headers.
		{"Traefik: the client's X-Original-Uri", traefikSubrequest(url, "?api-id=pets&stage=prod",
			with(signedPublic, "X-Original-Uri", "/public/a", "X-Original-Method", "GET"), "GET", "/admin/x"), 403, "AccessDenied"},
		{"Traefik: the client's X-Original-Method", traefikSubrequest(url, "?api-id=pets&stage=prod",
			with(signedFor(public, "GET", "/public/a"), "X-Original-Method", "GET"), "DELETE", "/public/a"), 403, "AccessDenied"},
		// The API of Traefik's address is pets, which other may not use.
		{"Traefik: the client's X-Keyward-Api-Id", traefikSubrequest(url, "?api-id=pets&stage=prod",
			with(signedFor(other, "GET", "/x"), "X-Keyward-Api-Id", "other", "X-Keyward-Stage", "prod"), "GET", "/x"), 403, "AccessDenied"},
		{"Traefik: the client's X-Keyward-Stage", traefikSubrequest(url, "?api-id=pets&stage=prod",
			with(signedFor(public, "GET", "/public/a"), "X-Keyward-Stage", "test"), "GET", "/public/a"), 403, "AccessDenied"},
		{"Traefik without the API in its address: the client's X-Keyward-Api-Id", traefikSubrequest(url, "",
			with(signedFor(other, "GET", "/x"), "X-Keyward-Api-Id", "other", "X-Keyward-Stage", "prod"), "GET", "/x"), 400, "InvalidInput"},
		{"Envoy: the client's X-Original-Uri", envoySubrequest(url,
			with(signedPublic, "X-Original-Uri", "/public/a"), "GET", "/admin/x"), 403, "AccessDenied"},
		{"Envoy: the client's X-Forwarded-Uri", envoySubrequest(url,
			with(signedPublic, "X-Forwarded-Uri", "/public/a"), "GET", "/admin/x"), 403, "AccessDenied"},
		{"nginx: the client's X-Forwarded-Uri", nginxSubrequest(url,
			with(signedFor(anything, "GET", "/admin/x"), "X-Forwarded-Uri", "/public/a"), "GET", "/admin/x"), 403, "AccessDenied"},
		{"nginx: the client's X-Forwarded-Method", nginxSubrequest(url,
			with(signedPublic, "X-Forwarded-Method", "DELETE"), "GET", "/public/a"), 403, "AccessDenied"},
		{"nginx: a second X-Original-Uri", func() *http.Request {
			sub := nginxSubrequest(url, signedPublic, "GET", "/public/a")
			sub.Header.Add(wire.HeaderOriginalURI, "/admin/x")
			return sub
		}(), 403, "AccessDenied"},
		// Agreeing with the proxy changes nothing.
		{"Traefik: the client's X-Original-Uri, the same", traefikSubrequest(url, "?api-id=pets&stage=prod",
			with(signedPublic, "X-Original-Uri", "/public/a", "X-Keyward-Api-Id", "pets"), "GET", "/public/a"), 200, ""},
		{"Envoy, undisturbed", envoySubrequest(url, signedPublic, "GET", "/public/a"), 200, ""},
	}
	// Through Traefik, which does not say how long the body is, a client
	// declares a length of 0 for a POST whose body it then sends unsigned.
	post, _ := http.NewRequest("POST", "http://api.example.com/pets", nil)
	const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: anything.id, SecretAccessKey: anything.secret},
		post, emptyHash, wire.InvokeService, "eu-west-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct {
		name   string
		sub    *http.Request
		status int
		code   string
	}{"Traefik: the client's X-Original-Content-Length", traefikSubrequest(url, "?api-id=pets&stage=prod",
		with(post.Header, wire.HeaderOriginalContentLength, "0"), "POST", "/pets"), 403, "IncompleteSignature"})

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, code, message := authorize(t, tc.sub)
			if status != tc.status || code != tc.code || code == "AccessDenied" && !strings.Contains(message, "does not match what the proxy says") {
				t.Fatalf("got %d %s %s, want %d %s", status, code, message, tc.status, tc.code)
			}
		})
	}
}

// TestAttackAuthorizeSignature: the signature covers the method, the URI
// and the service the client signed for, and the API's name cannot
// change the ARN decided.
func TestAttackAuthorizeSignature(t *testing.T) {
	k := kwtest.New(t)
	url := proxy(t, k)
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	signed := func(method, uri, service string) http.Header {
		r, _ := http.NewRequest(method, "http://api.example.com"+uri, nil)
		sigv4.Sign(r, nil, alice.id, alice.secret, "eu-west-1", service, time.Now())
		return r.Header
	}
	apiID := nginxSubrequest(url, signed("GET", "/pets/1", wire.InvokeService), "GET", "/pets/1")
	apiID.Header.Set(wire.HeaderAPIID, "a/b")
	for _, tc := range []struct {
		name          string
		sub           *http.Request
		status        int
		code, message string
	}{
		{"another URI than signed", nginxSubrequest(url, signed("GET", "/pets/1", wire.InvokeService), "GET", "/pets/2"), 403, "SignatureDoesNotMatch", ""},
		{"another method than signed", nginxSubrequest(url, signed("GET", "/pets/1", wire.InvokeService), "DELETE", "/pets/1"), 403, "SignatureDoesNotMatch", ""},
		{"signed for another service", nginxSubrequest(url, signed("GET", "/pets/1", "s3"), "GET", "/pets/1"), 403, "SignatureDoesNotMatch",
			"Credential should be scoped to correct service: 'execute-api'."},
		{"an API ID that would change the ARN", apiID, 400, "InvalidInput", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, code, message := authorize(t, tc.sub)
			if status != tc.status || code != tc.code || tc.message != "" && message != tc.message {
				t.Fatalf("got %d %s %s", status, code, message)
			}
		})
	}
}

// TestAttackAuthorizeCallerKeys: what describes the caller and its session
// comes from Keyward, never from the subrequest: a revoked role session is
// refused, and a long-term key does not pass an MFA condition.
func TestAttackAuthorizeCallerKeys(t *testing.T) {
	k := kwtest.New(t)
	url := proxy(t, k)
	mfa := user(t, k, "mfa", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	root := kwtest.AsRoot(context.Background())
	s := readerSession(t, k, root, alice, "execute-api:Invoke")
	session := func() http.Header {
		r, _ := http.NewRequest("GET", "http://api.example.com/pets/1", nil)
		r.Header.Set("X-Amz-Security-Token", s.Token)
		sigv4.Sign(r, nil, s.AccessKeyID, s.Secret, "eu-west-1", wire.InvokeService, time.Now())
		return r.Header
	}
	if status, code, message := authorize(t, nginxSubrequest(url, session(), "GET", "/pets/1")); status != 200 {
		t.Fatalf("the session before its revocation: got %d %s %s", status, code, message)
	}
	if err := k.IAM.RevokeRoleSessions(root, "reader"); err != nil {
		t.Fatal(err)
	}
	if status, code, message := authorize(t, nginxSubrequest(url, session(), "GET", "/pets/1")); status != 403 || !strings.Contains(message, "explicit deny") {
		t.Fatalf("the revoked session: got %d %s %s", status, code, message)
	}
	if status, code, message := authorize(t, nginxSubrequest(url, signedFor(mfa, "GET", "/pets/1"), "GET", "/pets/1")); status != 403 || code != "AccessDenied" {
		t.Fatalf("a long-term key on an MFA condition: got %d %s %s", status, code, message)
	}
}

// TestAttackAuthorizeTraefikWithoutAPIForgedNginx: Traefik's ForwardAuth
// without the API in its address is refused rather than letting a client
// name the API. A client must not get around that refusal by sending
// nginx's headers itself, X-Original-Uri saying what Traefik's
// X-Forwarded-Uri says, so that the subrequest looks like nginx's and its
// own X-Keyward-Api-Id names an API it may use (signing for the Host
// Keyward sees, Traefik's address): Traefik passes the request on to the
// service, whatever API was decided.
func TestAttackAuthorizeTraefikWithoutAPIForgedNginx(t *testing.T) {
	k := kwtest.New(t)
	url := proxy(t, k)
	other := user(t, k, "other", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:other/*"}]}`)
	// The signature is checked only by Keyward, which in nginx's reading
	// takes the subrequest's Host, Traefik's address: the client signs
	// that.
	r, _ := http.NewRequest("DELETE", "http://keyward.internal/pets/1", nil)
	sigv4.Sign(r, nil, other.id, other.secret, "eu-west-1", wire.InvokeService, time.Now())
	h := r.Header
	for _, kv := range [][2]string{{wire.HeaderOriginalURI, "/pets/1"}, {wire.HeaderOriginalMethod, "DELETE"},
		{wire.HeaderAPIID, "other"}, {wire.HeaderStage, "prod"}, {wire.HeaderOriginalContentLength, "0"}} {
		h.Set(kv[0], kv[1])
	}
	status, code, message := authorize(t, traefikSubrequest(url, "", h, "DELETE", "/pets/1"))
	if status != http.StatusBadRequest || code != "InvalidInput" || !strings.Contains(message, "Traefik") {
		t.Fatalf("got %d %s %s, want 400 InvalidInput", status, code, message)
	}
}

// TestAttackAuthorizeMethodCase: a user allowed everything but GET
// /admin/* asks for /admin/secret.txt with the method written "get" or
// "Get". Traefik and Envoy pass such a method on, and servers that read
// methods without regard to case (Django and Werkzeug upper-case them)
// serve a GET, while the decision on "get" would match no Deny written for
// GET. A method that is not in upper case is refused.
func TestAttackAuthorizeMethodCase(t *testing.T) {
	k := kwtest.New(t)
	url := proxy(t, k)
	admin := user(t, k, "admin", notAdmin)
	for _, method := range []string{"get", "Get", "gET"} {
		t.Run(method, func(t *testing.T) {
			h := signedFor(admin, method, "/admin/secret.txt")
			for proxyName, sub := range map[string]*http.Request{
				"nginx":   nginxSubrequest(url, h, method, "/admin/secret.txt"),
				"Traefik": traefikSubrequest(url, "?api-id=pets&stage=prod", h, method, "/admin/secret.txt"),
				"Envoy":   envoySubrequest(url, h, method, "/admin/secret.txt"),
			} {
				status, code, message := authorize(t, sub)
				if status != http.StatusForbidden || code != "AccessDenied" || !strings.Contains(message, "upper case") {
					t.Errorf("%s: got %d %s %s", proxyName, status, code, message)
				}
			}
		})
	}
	if status, code, message := authorize(t, nginxSubrequest(url, signedFor(admin, "GET", "/admin/secret.txt"), "GET", "/admin/secret.txt")); status != 403 || !strings.Contains(message, "explicit deny") {
		t.Fatalf("GET: got %d %s %s", status, code, message)
	}
}

// TestAttackAuthorizeRegion: the region of the ARN decided is the one the
// client signed for, which the client chooses: a user allowed everything
// but DELETE in eu-west-1, where the API is, signs its DELETE for
// us-east-1, and no Deny written for eu-west-1 matches. A proxy that names
// its API's region (X-Keyward-Region, Traefik's region= in its address)
// has a signature for another region refused; a client's X-Keyward-Region
// that disagrees with Traefik's is refused as a conflict.
func TestAttackAuthorizeRegion(t *testing.T) {
	k := kwtest.New(t)
	url := proxy(t, k)
	noDelete := user(t, k, "nodelete", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},
		{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:eu-west-1:*:pets/prod/DELETE/*"}]}`)
	signedIn := func(region, method, uri string) http.Header {
		r, _ := http.NewRequest(method, "http://api.example.com"+uri, nil)
		sigv4.Sign(r, nil, noDelete.id, noDelete.secret, region, wire.InvokeService, time.Now())
		return r.Header
	}
	withRegion := func(sub *http.Request, region string) *http.Request {
		sub.Header.Set("X-Keyward-Region", region)
		return sub
	}
	for _, tc := range []struct {
		name   string
		sub    *http.Request
		status int
		code   string
	}{
		{"nginx naming eu-west-1, signed for us-east-1", withRegion(nginxSubrequest(url, signedIn("us-east-1", "DELETE", "/pets/1"), "DELETE", "/pets/1"), "eu-west-1"),
			403, "SignatureDoesNotMatch"},
		{"Envoy naming eu-west-1, signed for us-east-1", withRegion(envoySubrequest(url, signedIn("us-east-1", "DELETE", "/pets/1"), "DELETE", "/pets/1"), "eu-west-1"),
			403, "SignatureDoesNotMatch"},
		{"Traefik naming eu-west-1, signed for us-east-1", traefikSubrequest(url, "?api-id=pets&stage=prod&region=eu-west-1", signedIn("us-east-1", "DELETE", "/pets/1"), "DELETE", "/pets/1"),
			403, "SignatureDoesNotMatch"},
		{"Traefik naming eu-west-1, the client's X-Keyward-Region us-east-1", withRegion(traefikSubrequest(url, "?api-id=pets&stage=prod&region=eu-west-1",
			signedIn("us-east-1", "DELETE", "/pets/1"), "DELETE", "/pets/1"), "us-east-1"), 403, "AccessDenied"},
		{"nginx naming eu-west-1, signed for it", withRegion(nginxSubrequest(url, signedIn("eu-west-1", "DELETE", "/pets/1"), "DELETE", "/pets/1"), "eu-west-1"),
			403, "AccessDenied"},
		{"nginx naming eu-west-1, GET signed for it", withRegion(nginxSubrequest(url, signedIn("eu-west-1", "GET", "/pets/1"), "GET", "/pets/1"), "eu-west-1"),
			200, ""},
		{"nginx naming no valid region", withRegion(nginxSubrequest(url, signedIn("eu-west-1", "GET", "/pets/1"), "GET", "/pets/1"), "eu west"),
			400, "InvalidInput"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, code, message := authorize(t, tc.sub)
			if status != tc.status || code != tc.code {
				t.Fatalf("got %d %s %s, want %d %s", status, code, message, tc.status, tc.code)
			}
		})
	}
}

// TestAttackAuthorizeOtherAccounts: one installation serves many accounts,
// and the proxy endpoint lets every account's principals through, each on
// its own account's policies: a new tenant's root user, which no policy of
// its own limits, passes the operator's nginx, as does a tenant's user
// whose administrator allowed it execute-api:Invoke on "*". A proxy that
// names its accounts (X-Keyward-Accounts from nginx's proxy_set_header or
// Envoy's headers_to_add, accounts= in Traefik's address) refuses both, in
// AWS's words for another account's principal that no resource-based
// policy lets in; the account is the principal's as Keyward knows it (the
// session of a tenant's role is the tenant's, though a principal of the
// operator's account assumed it). Through Traefik, which passes a client's
// headers on, a client's X-Keyward-Accounts neither adds a list nor widens
// the address's: it is refused unless it says the same. A list that is not
// one of account IDs is refused rather than read as naming none. A refused
// request is still the key's last use, as a refusal by policy is.
func TestAttackAuthorizeOtherAccounts(t *testing.T) {
	k := kwtest.New(t)
	url := proxy(t, k)
	const tenant = "222233334444"
	const invokeAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["execute-api:Invoke","sts:AssumeRole"],"Resource":"*"}]}`
	alice := user(t, k, "alice", invokeAll)
	rootID, rootSecret := k.Account(t, tenant)
	tenantRoot := key{rootID, rootSecret}
	danaID, danaSecret := k.UserIn(t, tenant, "dana", invokeAll)
	dana := key{danaID, danaSecret}
	erinID, erinSecret := k.UserIn(t, tenant, "erin", invokeAll)
	erin := key{erinID, erinSecret}

	s := k.RoleSessionIn(t, tenant, "reader", "arn:aws:iam::"+kwtest.AccountID+":root", invokeAll, "alice", "s")

	const uri = "/admin/secret.txt"
	signed := func(c key) http.Header { return signedFor(c, "GET", uri) }
	session := func() http.Header {
		r, _ := http.NewRequest("GET", "http://api.example.com"+uri, nil)
		r.Header.Set("X-Amz-Security-Token", s.Token)
		sigv4.Sign(r, nil, s.AccessKeyID, s.Secret, "eu-west-1", wire.InvokeService, time.Now())
		return r.Header
	}
	// with adds values of X-Keyward-Accounts: the proxy's for nginx and
	// Envoy, the client's for Traefik.
	with := func(sub *http.Request, accounts ...string) *http.Request {
		for _, a := range accounts {
			sub.Header.Add(wire.HeaderAccounts, a)
		}
		return sub
	}
	nginx := func(h http.Header, accounts ...string) *http.Request {
		return with(nginxSubrequest(url, h, "GET", uri), accounts...)
	}
	envoy := func(h http.Header, accounts ...string) *http.Request {
		return with(envoySubrequest(url, h, "GET", uri), accounts...)
	}
	traefik := func(query string, h http.Header, clients ...string) *http.Request {
		return with(traefikSubrequest(url, "?api-id=pets&stage=prod"+query, h, "GET", uri), clients...)
	}
	// refused is the refusal of principal, whose account is in the ARN.
	refused := func(principal, account string) string {
		return "User: " + principal + " is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:eu-west-1:" +
			account + ":pets/prod/GET/admin/secret.txt because no resource-based policy allows the execute-api:Invoke action"
	}
	const conflict = "does not match what the proxy says"
	ours, both := kwtest.AccountID, tenant+", "+kwtest.AccountID
	for _, tc := range []struct {
		name    string
		sub     *http.Request
		status  int
		code    string
		message string
	}{
		{"nginx naming none: the tenant's root user", nginx(signed(tenantRoot)), 200, "", ""},
		{"nginx naming ours: the tenant's root user", nginx(signed(tenantRoot), ours), 403, "AccessDenied", refused("arn:aws:iam::"+tenant+":root", tenant)},
		{"nginx naming ours: the tenant's user allowed everything", nginx(signed(dana), ours), 403, "AccessDenied", refused("arn:aws:iam::"+tenant+":user/dana", tenant)},
		{"nginx naming ours: the tenant's role's session, assumed by our user", nginx(session(), ours), 403, "AccessDenied",
			refused("arn:aws:sts::"+tenant+":assumed-role/reader/s", tenant)},
		{"nginx naming ours: our user", nginx(signed(alice), ours), 200, "", ""},
		{"nginx naming the tenant: the tenant's role's session", nginx(session(), tenant), 200, "", ""},
		{"nginx naming the tenant: our user", nginx(signed(alice), tenant), 403, "AccessDenied", refused("arn:aws:iam::"+ours+":user/alice", ours)},
		{"nginx naming both: the tenant's root user", nginx(signed(tenantRoot), both), 200, "", ""},
		{"nginx naming both: our user", nginx(signed(alice), both), 200, "", ""},
		{"nginx naming ours, a second X-Keyward-Accounts", nginx(signed(dana), ours, tenant), 403, "AccessDenied", conflict},
		{"Envoy naming ours: the tenant's root user", envoy(signed(tenantRoot), ours), 403, "AccessDenied", refused("arn:aws:iam::"+tenant+":root", tenant)},
		{"Envoy naming ours: our user", envoy(signed(alice), ours), 200, "", ""},
		{"Traefik naming ours: the tenant's root user", traefik("&accounts="+ours, signed(tenantRoot)), 403, "AccessDenied", refused("arn:aws:iam::"+tenant+":root", tenant)},
		{"Traefik naming ours: our user", traefik("&accounts="+ours, signed(alice)), 200, "", ""},
		{"Traefik naming ours: the client's X-Keyward-Accounts widens it", traefik("&accounts="+ours, signed(dana), both), 403, "AccessDenied", conflict},
		{"Traefik naming ours: the client's X-Keyward-Accounts names its own", traefik("&accounts="+ours, signed(dana), tenant), 403, "AccessDenied", conflict},
		{"Traefik naming ours: the client's X-Keyward-Accounts, the same", traefik("&accounts="+ours, signed(alice), ours), 200, "", ""},
		{"Traefik naming none: the client's X-Keyward-Accounts adds a list", traefik("", signed(dana), tenant), 403, "AccessDenied", conflict},
		{"Traefik naming none: the tenant's root user", traefik("", signed(tenantRoot)), 200, "", ""},
		{"Traefik naming two lists", traefik("&accounts="+ours+"&accounts="+tenant, signed(alice)), 400, "InvalidInput", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, code, message := authorize(t, tc.sub)
			if status != tc.status || code != tc.code || !strings.Contains(message, tc.message) {
				t.Fatalf("got %d %s %s\nwant %d %s %s", status, code, message, tc.status, tc.code, tc.message)
			}
		})
	}

	t.Run("lists that are not of account IDs", func(t *testing.T) {
		for _, list := range []string{"", " ", "12345678901", "1234567890123", "12345678901a", "*", ours + ",", "," + ours,
			ours + ";" + tenant, ours + " " + tenant, "arn:aws:iam::" + ours + ":root"} {
			for proxyName, sub := range map[string]*http.Request{
				"nginx":   nginx(signed(alice), list),
				"Envoy":   envoy(signed(alice), list),
				"Traefik": traefik("&accounts="+neturl.QueryEscape(list), signed(alice)),
			} {
				if status, code, message := authorize(t, sub); status != 400 || code != "InvalidInput" || !strings.Contains(message, wire.HeaderAccounts) {
					t.Errorf("%s naming %q: got %d %s %s", proxyName, list, status, code, message)
				}
			}
		}
	})

	t.Run("a refused request is the key's last use", func(t *testing.T) {
		if status, code, message := authorize(t, nginx(signed(erin), ours)); status != 403 {
			t.Fatalf("got %d %s %s", status, code, message)
		}
		got, err := k.IAM.AccessKeyLastUsed(kwtest.AsRootOf(context.Background(), tenant), erin.id)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastUsed.Service != wire.InvokeService || got.LastUsed.Region != "eu-west-1" {
			t.Fatalf("last use %+v", got.LastUsed)
		}
	})
}
