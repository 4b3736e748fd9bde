// Attacks on package guard: the boundary between a client and a Go
// service that Keyward's keys and policies guard in-process.
//
// The client may claim anything it sends: its access key, session token
// and signature, its method, path, headers and body. The guarded service's
// own configuration establishes the API, stage, action and service, and
// the accounts whose principals pass if it names them; the connection
// establishes the client's address and TLS.
//
// The guard establishes itself, with Keyward: that the signature is valid
// for the method, path, headers and body as received (the signing key
// Keyward derives, the body's hash as the handler reads it); that the path
// is in a normal form the handler reads as written, so that the decision
// is on what it serves; and the decision, which Keyward makes with
// everything that describes the caller and its session established by
// Keyward itself: the guard passes only what it observed of the request.
// A guard's own identity must be allowed keyward:Verify, and cannot stand
// for a service Keyward answers itself.
//
// A new way into a guarded handler adds its attacks here.
package guard_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/keyward/keyward"
	"github.com/keyward/keyward/guard"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestAttackGuardIdentity: a guard whose own identity may not verify does
// not start, nor does one configured to guard a service Keyward answers
// itself (it would ask for keys that sign Keyward's own API).
func TestAttackGuardIdentity(t *testing.T) {
	k := kwtest.New(t)
	carol := user(t, k, "carol", "")
	svc := user(t, k, "svc", verifyPolicy)
	_, err := guard.New(context.Background(), guard.Config{Endpoint: k.Socket, AccessKeyID: carol.AccessKeyID,
		SecretAccessKey: carol.SecretAccessKey, APIID: "myapi", Stage: "prod"})
	if err == nil || !strings.Contains(err.Error(), "keyward:Verify") {
		t.Fatalf("an identity without keyward:Verify: got %v", err)
	}
	for _, service := range keyward.OwnServices() {
		t.Run(service, func(t *testing.T) {
			_, err := guard.New(context.Background(), guard.Config{Endpoint: k.Socket, AccessKeyID: svc.AccessKeyID,
				SecretAccessKey: svc.SecretAccessKey, APIID: "myapi", Stage: "prod", Service: service})
			if err == nil || !strings.Contains(err.Error(), "a service Keyward answers itself") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// TestAttackGuardPath: a file server (Go's http.FileServer, which resolves
// "..", "//" and escapes) behind the guard holds /public/a.txt and
// /admin/secret.txt. A user allowed only GET /public/*, and one allowed
// everything but GET /admin/*, ask for /admin/secret.txt written as
// another path, each signed validly for the form sent
// (kwtest.PathAttacks). None reaches the handler: each is refused with
// AccessDenied, or, malformed, by Go's server as a bad request.
func TestAttackGuardPath(t *testing.T) {
	k := kwtest.New(t)
	public := user(t, k, "public", kwtest.PublicPolicy("myapi"))
	notAdmin := user(t, k, "notadmin", kwtest.NotAdminPolicy("myapi"))
	g := newGuard(t, k, guard.Config{})
	files := kwtest.NewFiles(t)
	srv := httptest.NewServer(g.Wrap(files))
	t.Cleanup(srv.Close)
	kwtest.RunPathAttacks(t, files, strings.TrimPrefix(srv.URL, "http://"), "eu-west-1", public, notAdmin)
}

// TestAttackGuardCallerKeys: what describes the caller and its session is
// Keyward's, whatever the client sends: a revoked role session is refused
// through the guard however its request is dressed, and a long-term key
// does not pass an MFA condition.
func TestAttackGuardCallerKeys(t *testing.T) {
	k := kwtest.New(t)
	mfa := user(t, k, "mfa", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	srv := service(t, k, guard.Config{})

	root := kwtest.AsRoot(context.Background())
	if _, err := k.IAM.CreateRole(root, keyward.Role{Name: "reader", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`}); err != nil {
		t.Fatal(err)
	}
	if err := k.IAM.PutInlinePolicy(root, keyward.Entity{Kind: keyward.EntityRole, Name: "reader"}, "get",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	u, err := k.IAM.User(root, "alice")
	if err != nil {
		t.Fatal(err)
	}
	asAlice := keyward.WithCaller(context.Background(), &keyward.RequestContext{AccessKeyID: alice.AccessKeyID, CurrentTime: time.Now(),
		Principal: keyward.Principal{AccountID: kwtest.AccountID, UserID: u.ID, UserName: "alice", UserPath: "/"}})
	s, err := k.STS.AssumeRole(asAlice, keyward.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:role/reader", SessionName: "s"})
	if err != nil {
		t.Fatal(err)
	}
	session := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret, SessionToken: s.Token}
	if status, body := send(t, &session, "GET", srv.URL+"/pets/1", "execute-api", nil, false, nil); status != 200 {
		t.Fatalf("the session before its revocation: got %d %s", status, body)
	}
	if err := k.IAM.RevokeRoleSessions(root, "reader"); err != nil {
		t.Fatal(err)
	}
	if status, body := send(t, &session, "GET", srv.URL+"/pets/1", "execute-api", nil, false, nil); status != 403 || !strings.Contains(body, "explicit deny") {
		t.Fatalf("the revoked session: got %d %s", status, body)
	}
	if status, body := send(t, &mfa, "GET", srv.URL+"/pets/1", "execute-api", nil, false, nil); status != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Fatalf("a long-term key on an MFA condition: got %d %s", status, body)
	}
}

// countingSocket serves a unix socket that passes every call on to
// Keyward's verifier socket and counts the signing keys asked for.
func countingSocket(t *testing.T, k *kwtest.Keyward) (string, *atomic.Int64) {
	t.Helper()
	dir, err := os.MkdirTemp("", "kwg") // short: a socket path has at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "count.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var derived atomic.Int64
	upstream := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.Out.URL.Scheme, r.Out.URL.Host = "http", "keyward" },
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", k.Socket)
		}},
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/private/derive-signing-key" {
			derived.Add(1)
		}
		upstream.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sock, &derived
}

// countingBody is a request body that counts the bytes read from it.
type countingBody struct {
	r    io.Reader
	read *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read.Add(int64(n))
	return n, err
}

func (countingBody) Close() error { return nil }

// TestAttackGuardUnauthenticatedWork: before a request's signature is
// checked the guard does only what the signature's own claims bound. A
// client with no secret sends requests signed at a time far from now,
// with a key ID that does not exist, or with a real key ID (key IDs are
// not secrets: they are in logs and URLs) and made-up scopes: none makes
// the guard read its body, a request out of the clock's window costs no
// question to Keyward, and the signing keys of scopes that signed nothing
// do not push out those of scopes that did, which would make every real
// client's next request ask Keyward again.
func TestAttackGuardUnauthenticatedWork(t *testing.T) {
	k := kwtest.New(t)
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	sock, derived := countingSocket(t, k)
	g := newGuard(t, k, guard.Config{Endpoint: sock, MaxKeys: 4})
	h := g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	// serve signs a POST of size bytes, without declaring its hash, as
	// creds in region at time at, and returns the answer's status, its
	// error code and how much of the body was read.
	serve := func(creds aws.Credentials, region string, at time.Time, size int) (int, string, int64) {
		body := make([]byte, size)
		sum := sha256.Sum256(body)
		req := httptest.NewRequest("POST", "/pets", nil)
		var read atomic.Int64
		req.Body, req.ContentLength = countingBody{bytes.NewReader(body), &read}, int64(size)
		req.Header.Set("Content-Length", strconv.Itoa(size)) // as net/http's server leaves it
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", region, at); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code, w.Header().Get("X-Amzn-Errortype"), read.Load()
	}
	if status, code, _ := serve(alice, "eu-west-1", time.Now(), 10); status != 200 {
		t.Fatalf("alice: got %d %s", status, code)
	}
	before := derived.Load()

	stale := time.Now().Add(-72 * time.Hour)
	if status, code, read := serve(alice, "eu-west-1", stale, 512<<10); status != 403 || code != "SignatureDoesNotMatch" || read != 0 {
		t.Errorf("signed three days ago: got %d %s, %d bytes of the body read", status, code, read)
	}
	if n := derived.Load() - before; n != 0 {
		t.Errorf("signed three days ago: Keyward was asked for %d signing keys", n)
	}
	unknown := aws.Credentials{AccessKeyID: "AKIAZZZZZZZZZZZZZZZZ", SecretAccessKey: "guess"}
	if status, code, read := serve(unknown, "eu-west-1", time.Now(), 512<<10); status != 403 || code != "InvalidClientTokenId" || read != 0 {
		t.Errorf("an unknown key: got %d %s, %d bytes of the body read", status, code, read)
	}

	forged := aws.Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: "not alice's secret"}
	for _, region := range []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-south-1", "ca-central-1", "sa-east-1", "eu-north-1"} {
		if status, code, _ := serve(forged, region, time.Now(), 10); status != 403 || code != "SignatureDoesNotMatch" {
			t.Fatalf("forged in %s: got %d %s", region, status, code)
		}
	}
	before = derived.Load()
	if status, code, _ := serve(alice, "eu-west-1", time.Now(), 10); status != 200 {
		t.Fatalf("alice again: got %d %s", status, code)
	}
	if n := derived.Load() - before; n != 0 {
		t.Errorf("alice's signing key was pushed out by scopes that signed nothing: Keyward was asked %d more times", n)
	}
}

// TestAttackGuardMethodCase: a user allowed everything but GET /admin/*
// sends "get /admin/secret.txt". Go's server passes the method on as
// written, and a handler that reads methods without regard to case (a
// proxy to a Django or Flask application, which upper-case them) would
// serve a GET that the decision on "get" let through. A method that is not
// in upper case is refused before the handler sees it.
func TestAttackGuardMethodCase(t *testing.T) {
	k := kwtest.New(t)
	notAdmin := user(t, k, "notadmin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},
		{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:myapi/prod/GET/admin/*"}]}`)
	g := newGuard(t, k, guard.Config{})
	var served atomic.Int64
	h := g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Add(1) }))
	for _, method := range []string{"get", "Get", "GET"} {
		req := httptest.NewRequest(method, "/admin/secret.txt", nil)
		if err := v4.NewSigner().SignHTTP(context.Background(), notAdmin, req, emptySHA256, "execute-api", "eu-west-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 403 || w.Header().Get("X-Amzn-Errortype") != "AccessDenied" {
			t.Errorf("%s: got %d %s", method, w.Code, w.Body)
		}
	}
	if n := served.Load(); n != 0 {
		t.Fatalf("the handler served %d requests", n)
	}
}

// TestAttackGuardBodyDecodedBeforeItsEnd: a client's body, signed by its
// declared X-Amz-Content-Sha256, is replaced on the way (a request
// replayed from a log, or changed past the TLS that carried it) by another:
// of the same length, or, sent chunked without a signed Content-Length, of
// any length. A handler that decodes JSON with json.Decoder, as Go
// handlers do, stops once the value is complete and never asks for the
// end, where the guard's check failed the read: it would act on the
// replaced body. A body within MaxBufferedBody, its length known or not, is
// checked before the handler runs, so the handler never sees a body that
// is not the one signed.
func TestAttackGuardBodyDecodedBeforeItsEnd(t *testing.T) {
	k := kwtest.New(t)
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	g := newGuard(t, k, guard.Config{})
	var mu sync.Mutex
	var paid []int
	srv := httptest.NewServer(g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var order struct{ Amount int }
		if err := json.NewDecoder(r.Body).Decode(&order); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		paid = append(paid, order.Amount)
		mu.Unlock()
	})))
	t.Cleanup(srv.Close)
	signedBody := []byte(`{"Amount":1}`)
	for _, tc := range []struct {
		name    string
		sent    []byte
		chunked bool
	}{
		{"known length", []byte(`{"Amount":9}`), false},
		{"chunked", []byte(`{"Amount":9999}`), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			paid = nil
			mu.Unlock()
			status, body := sendBody(t, &alice, "POST", srv.URL+"/orders", "execute-api", signedBody, true, tc.sent, tc.chunked)
			if status != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
				t.Errorf("the replaced body: got %d %s", status, body)
			}
			if status, body := sendBody(t, &alice, "POST", srv.URL+"/orders", "execute-api", signedBody, true, nil, tc.chunked); status != 200 {
				t.Errorf("the body as signed: got %d %s", status, body)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(paid) != 1 || paid[0] != 1 {
				t.Fatalf("the handler acted on %v", paid)
			}
		})
	}
}

// TestAttackGuardRegion: a user allowed everything but DELETE in
// eu-west-1, the guarded service's region, signs its DELETE for us-east-1,
// and the ARN decided names us-east-1, which no Deny written for
// eu-west-1 matches. A guard configured with its region refuses a
// signature for another one before the handler sees it.
func TestAttackGuardRegion(t *testing.T) {
	k := kwtest.New(t)
	noDelete := user(t, k, "nodelete", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},
		{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:eu-west-1:*:myapi/prod/DELETE/*"}]}`)
	g := newGuard(t, k, guard.Config{Region: "eu-west-1"})
	var served atomic.Int64
	h := g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Add(1) }))
	for _, tc := range []struct {
		region, method string
		status         int
		code           string
	}{
		{"us-east-1", "DELETE", 403, "SignatureDoesNotMatch"},
		{"eu-west-1", "DELETE", 403, "AccessDenied"},
		{"eu-west-1", "GET", 200, ""},
	} {
		req := httptest.NewRequest(tc.method, "/pets/1", nil)
		if err := v4.NewSigner().SignHTTP(context.Background(), noDelete, req, emptySHA256, "execute-api", tc.region, time.Now()); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tc.status || w.Header().Get("X-Amzn-Errortype") != tc.code {
			t.Errorf("%s for %s: got %d %s", tc.method, tc.region, w.Code, w.Body)
		}
	}
	if n := served.Load(); n != 1 {
		t.Fatalf("the handler served %d requests", n)
	}
}

// TestAttackGuardCallerAfterRename: alice's key signs a request, so that
// the guard caches its signing key; an administrator then renames alice to
// mallory and moves her to /ops/, and makes a new user alice, someone
// else. The old key still signs, and is mallory's: a handler that acts on
// the caller's name (an owner's records, a per-user quota, an audit line)
// must be told mallory, not the alice who now exists, and a refusal names
// mallory too. Who the caller is comes from Keyward's answer to each
// request, never from what the guard cached with the signing key.
func TestAttackGuardCallerAfterRename(t *testing.T) {
	k := kwtest.New(t)
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},
		{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:myapi/prod/DELETE/*"}]}`)
	srv := service(t, k, guard.Config{})
	if status, body := send(t, &alice, "GET", srv.URL+"/pets/1", "execute-api", nil, false, nil); status != 200 ||
		!strings.HasPrefix(body, "alice arn:aws:iam::123456789012:user/alice ") {
		t.Fatalf("alice before the rename: got %d %s", status, body)
	}
	root := kwtest.AsRoot(context.Background())
	newName, newPath := "mallory", "/ops/"
	if err := k.IAM.UpdateUser(root, "alice", keyward.UserUpdate{NewName: &newName, NewPath: &newPath}); err != nil {
		t.Fatal(err)
	}
	user(t, k, "alice", "")
	for _, tc := range []struct {
		name, method string
		status       int
		want         string
	}{
		{"let through", "GET", 200, "mallory arn:aws:iam::123456789012:user/ops/mallory " + alice.AccessKeyID + " eu-west-1 0 123456789012"},
		{"refused", "DELETE", 403, "User: arn:aws:iam::123456789012:user/ops/mallory is not authorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := send(t, &alice, tc.method, srv.URL+"/pets/1", "execute-api", nil, false, nil)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %s\nwant %d with %q", status, body, tc.status, tc.want)
			}
		})
	}
}

// TestAttackGuardOtherAccounts: one installation serves many accounts, and
// a guard lets every account's principals through, each on its own
// account's policies: a new tenant's root user, which no policy of its own
// limits, passes, as does a tenant's user whose administrator allowed it
// execute-api:Invoke on "*". A guard configured with its accounts
// (Config.Accounts) refuses both, in AWS's words for another account's
// principal that no resource-based policy lets in, and lets its own
// account's principals through on their policies. The account is the one
// Keyward names in its decision: the session of a tenant's role is the
// tenant's, though a principal of the service's account assumed it. A
// refused request is still the key's last use, as a refusal by policy is;
// a guard without Accounts lets every account through, as before.
func TestAttackGuardOtherAccounts(t *testing.T) {
	k := kwtest.New(t)
	const tenant = "222233334444"
	const invokeAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["execute-api:Invoke","sts:AssumeRole"],"Resource":"*"}]}`
	alice := user(t, k, "alice", invokeAll)
	carol := user(t, k, "carol", "")
	rootID, rootSecret := k.Account(t, tenant)
	tenantRoot := aws.Credentials{AccessKeyID: rootID, SecretAccessKey: rootSecret}
	danaID, danaSecret := k.UserIn(t, tenant, "dana", invokeAll)
	dana := aws.Credentials{AccessKeyID: danaID, SecretAccessKey: danaSecret}
	erinID, erinSecret := k.UserIn(t, tenant, "erin", invokeAll)
	erin := aws.Credentials{AccessKeyID: erinID, SecretAccessKey: erinSecret}

	s := k.RoleSessionIn(t, tenant, "reader", "arn:aws:iam::"+kwtest.AccountID+":root", invokeAll, "alice", "s")
	session := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret, SessionToken: s.Token}

	svc := user(t, k, "svc", verifyPolicy)
	guarded := func(accounts ...string) string {
		return service(t, k, guard.Config{AccessKeyID: svc.AccessKeyID, SecretAccessKey: svc.SecretAccessKey, Accounts: accounts}).URL
	}
	open, ours, tenants := guarded(), guarded(kwtest.AccountID), guarded(tenant)
	// refused is the refusal of principal by ours or tenants: the resource
	// names the guard's own account, the service's.
	refused := func(principal string) string {
		return "<Message>User: " + principal + " is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:eu-west-1:" +
			kwtest.AccountID + ":myapi/prod/GET/pets/1 because no resource-based policy allows the execute-api:Invoke action</Message>"
	}
	for _, tc := range []struct {
		name   string
		srv    string
		creds  aws.Credentials
		status int
		want   string
	}{
		{"the tenant's root user, closed to other accounts", ours, tenantRoot, 403, refused("arn:aws:iam::" + tenant + ":root")},
		{"the tenant's user allowed everything, closed to other accounts", ours, dana, 403, refused("arn:aws:iam::" + tenant + ":user/dana")},
		{"the tenant's role's session, closed to other accounts", ours, session, 403, refused("arn:aws:sts::" + tenant + ":assumed-role/reader/s")},
		{"our user, closed to other accounts", ours, alice, 200, "alice arn:aws:iam::" + kwtest.AccountID + ":user/alice " + alice.AccessKeyID + " eu-west-1 0 " + kwtest.AccountID},
		{"our user no policy allows, closed to other accounts", ours, carol, 403, "because no identity-based policy allows the execute-api:Invoke action"},
		{"the tenant's user, open to the tenant alone", tenants, dana, 200, "dana arn:aws:iam::" + tenant + ":user/dana"},
		{"the tenant's role's session, open to the tenant alone", tenants, session, 200, " arn:aws:sts::" + tenant + ":assumed-role/reader/s " + s.AccessKeyID + " eu-west-1 0 " + tenant},
		{"our user, open to the tenant alone", tenants, alice, 403, refused("arn:aws:iam::" + kwtest.AccountID + ":user/alice")},
		{"the tenant's root user, open to every account", open, tenantRoot, 200, " arn:aws:iam::" + tenant + ":root " + rootID + " eu-west-1 0 " + tenant},
		{"the tenant's role's session, open to every account", open, session, 200, " arn:aws:sts::" + tenant + ":assumed-role/reader/s "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := send(t, &tc.creds, "GET", tc.srv+"/pets/1", "execute-api", nil, false, nil)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %s\nwant %d with %q", status, body, tc.status, tc.want)
			}
		})
	}

	t.Run("a refused request is the key's last use", func(t *testing.T) {
		if status, body := send(t, &erin, "GET", ours+"/pets/1", "execute-api", nil, false, nil); status != 403 {
			t.Fatalf("got %d %s", status, body)
		}
		key, err := k.IAM.AccessKeyLastUsed(kwtest.AsRootOf(context.Background(), tenant), erin.AccessKeyID)
		if err != nil {
			t.Fatal(err)
		}
		if key.LastUsed.Service != "execute-api" || key.LastUsed.Region != "eu-west-1" {
			t.Fatalf("last use %+v", key.LastUsed)
		}
	})

	t.Run("accounts that are not account IDs", func(t *testing.T) {
		for _, accounts := range [][]string{{""}, {"12345678901"}, {"1234567890123"}, {"12345678901a"}, {" 123456789012"},
			{"arn:aws:iam::123456789012:root"}, {kwtest.AccountID, "*"}} {
			_, err := guard.New(t.Context(), guard.Config{Endpoint: k.Socket, AccessKeyID: svc.AccessKeyID, SecretAccessKey: svc.SecretAccessKey,
				APIID: "myapi", Stage: "prod", Accounts: accounts})
			if err == nil || !strings.Contains(err.Error(), "is not an account ID") {
				t.Errorf("%q: got %v", accounts, err)
			}
		}
	})
}
