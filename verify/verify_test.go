package verify_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/verify"
	"github.com/keyward/keyward/verify/wire"
)

type key struct{ id, secret string }

func user(t testing.TB, k *kwtest.Keyward, name, policy string) key {
	id, secret := k.User(t, name, policy)
	return key{id, secret}
}

// readerSession has alice, a user of k who may call sts:AssumeRole,
// assume the role "reader", which trusts her and may do action, and
// returns the session.
func readerSession(t *testing.T, k *kwtest.Keyward, root context.Context, alice key, action string) keyward.AssumedRole {
	t.Helper()
	if _, err := k.IAM.CreateRole(root, keyward.Role{Name: "reader", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`}); err != nil {
		t.Fatal(err)
	}
	if err := k.IAM.PutInlinePolicy(root, keyward.Entity{Kind: keyward.EntityRole, Name: "reader"}, "get",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"`+action+`","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	u, err := k.IAM.User(root, "alice")
	if err != nil {
		t.Fatal(err)
	}
	asAlice := keyward.WithCaller(context.Background(), &keyward.RequestContext{AccessKeyID: alice.id, CurrentTime: time.Now(),
		Principal: keyward.Principal{AccountID: kwtest.AccountID, UserID: u.ID, UserName: "alice", UserPath: "/"}})
	s, err := k.STS.AssumeRole(asAlice, keyward.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:role/reader", SessionName: "s"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// call POSTs body to path on the verifier socket, signed by signer (not at
// all when empty) with the protocol header (unless noHeader).
func call(t *testing.T, k *kwtest.Keyward, signer key, path, body string, noHeader bool) (int, http.Header, map[string]any) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", k.Socket)
	}}}
	req, _ := http.NewRequest("POST", "http://keyward"+path, strings.NewReader(body))
	if !noHeader {
		req.Header.Set(wire.ProtocolHeader, "1")
	}
	if signer.id != "" {
		sigv4.Sign(req, []byte(body), signer.id, signer.secret, "us-east-1", "iam", time.Now())
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

const verifyPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"keyward:Verify","Resource":"*"}]}`

func TestProtocol(t *testing.T) {
	k := kwtest.New(t)
	root := key{kwtest.RootKeyID, kwtest.RootSecret}
	gw := user(t, k, "gw", verifyPolicy)
	carol := user(t, k, "carol", "")
	// A signing key is derived only for a day a request verified now can
	// name.
	today := time.Now().UTC().Format("20060102")
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"},
		{"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`)

	t.Run("who may ask", func(t *testing.T) {
		tests := []struct {
			name   string
			signer key
			status int
			code   string
		}{
			{"root", root, 200, ""},
			{"a user allowed keyward:Verify", gw, 200, ""},
			{"a user without it", carol, 403, ""},
			{"nobody", key{}, 403, ""},
			{"a wrong secret", key{gw.id, carol.secret}, 403, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				status, h, out := call(t, k, tc.signer, wire.VersionPath, "{}", false)
				if status != tc.status || h.Get(wire.ProtocolHeader) != "1" {
					t.Fatalf("got %d %v %v", status, h, out)
				}
				// A refusal of the asking service carries no code: the
				// gateway must not blame the end user's key.
				if status != 200 && out["code"] != nil {
					t.Fatalf("refusal with code %v", out["code"])
				}
				if status == 200 && (out["accountId"] != kwtest.AccountID || out["protocol"] != 1.0) {
					t.Fatalf("version %v", out)
				}
			})
		}
	})

	t.Run("requests", func(t *testing.T) {
		tests := []struct {
			name, path, body string
			noHeader         bool
			status           int
			want             map[string]any
		}{
			{name: "derive: active key", path: wire.DerivePath, status: 200,
				body: `{"accessKeyId":"` + alice.id + `","date":"` + today + `","region":"eu-west-1","service":"s3"}`,
				want: map[string]any{"principalArn": "arn:aws:iam::123456789012:user/alice"}},
			{name: "derive: unknown key", path: wire.DerivePath, status: 403, want: map[string]any{"code": "NoSuchIdentity"},
				body: `{"accessKeyId":"AKIAAAAAAAAAAAAAAAAA","date":"` + today + `","region":"eu-west-1","service":"s3"}`},
			{name: "derive: session token", path: wire.DerivePath, status: 403, want: map[string]any{"code": "InvalidToken"},
				body: `{"accessKeyId":"` + alice.id + `","sessionToken":"x","date":"` + today + `","region":"eu-west-1","service":"s3"}`},
			{name: "derive: bad scope", path: wire.DerivePath, status: 400, want: map[string]any{"code": "BadRequest"},
				body: `{"accessKeyId":"` + alice.id + `","date":"2026-01-01","region":"eu-west-1","service":"s3"}`},
			{name: "no protocol header", path: wire.DerivePath, noHeader: true, status: 400, want: map[string]any{"code": "ProtocolMismatch"},
				body: `{}`},
			{name: "malformed body", path: wire.EvaluatePath, status: 400, want: map[string]any{"code": "BadRequest"}, body: `{`},
			{name: "too large a batch", path: wire.EvaluatePath, status: 400, want: map[string]any{"code": "BadRequest"},
				body: `{"accessKeyId":"` + alice.id + `","actions":["s3:GetObject"],"resources":[` + strings.Repeat(`"r",`, 1000) + `"r"]}`},
			{name: "unknown path", path: "/private/nothing", status: 404, body: `{}`},
			{name: "resolve identity", path: wire.ResolveIdentityPath, status: 200,
				body: `{"accessKeyIds":["` + alice.id + `","AKIAAAAAAAAAAAAAAAAA","nonsense"]}`,
				want: map[string]any{"identities": []any{
					map[string]any{"found": true, "kind": "user", "principalArn": "arn:aws:iam::123456789012:user/alice"},
					map[string]any{"found": false}, map[string]any{"found": false}}}},
			{name: "resolve principals", path: wire.ResolvePrincipalsPath, status: 200,
				body: `{"principals":["123456789012","arn:aws:iam::123456789012:root","arn:aws:iam::123456789012:user/alice","arn:aws:iam::123456789012:user/nobody","arn:aws:iam::999999999999:root"]}`,
				want: map[string]any{"invalid": []any{"arn:aws:iam::123456789012:user/nobody", "arn:aws:iam::999999999999:root"}}},
			{name: "evaluate: a matrix per resource and action, policy variables and conditions", path: wire.EvaluatePath, status: 200,
				body: `{"accessKeyId":"` + alice.id + `","actions":["s3:GetObject","s3:PutObject"],
					"resources":["arn:aws:s3:::b/alice/x","arn:aws:s3:::b/bob/x"],"condition":{"aws:SourceIp":["198.51.100.1"]}}`,
				want: map[string]any{"decisions": []any{[]any{"allow", "no_match"}, []any{"no_match", "no_match"}},
					"principalArn": "arn:aws:iam::123456789012:user/alice"}},
			{name: "evaluate: an observed condition denies", path: wire.EvaluatePath, status: 200,
				body: `{"accessKeyId":"` + alice.id + `","actions":["s3:GetObject"],"resources":["arn:aws:s3:::b/alice/x"],"condition":{"aws:SourceIp":["192.0.2.7"]}}`,
				want: map[string]any{"decisions": []any{[]any{"deny"}}}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				status, _, out := call(t, k, gw, tc.path, tc.body, tc.noHeader)
				if status != tc.status {
					t.Fatalf("got %d %v, want %d", status, out, tc.status)
				}
				for f, v := range tc.want {
					got, _ := json.Marshal(out[f])
					want, _ := json.Marshal(v)
					if !bytes.Equal(got, want) {
						t.Fatalf("%s: got %s, want %s", f, got, want)
					}
				}
			})
		}
	})

	t.Run("the derived key signs as the secret does", func(t *testing.T) {
		_, _, out := call(t, k, gw, wire.DerivePath, `{"accessKeyId":"`+alice.id+`","date":"`+today+`","region":"eu-west-1","service":"s3"}`, false)
		want := sigv4.DeriveKey(alice.secret, today, "eu-west-1", "s3")
		got, _ := json.Marshal(want[:])
		if string(got) != `"`+out["derivedKey"].(string)+`"` {
			t.Fatalf("derived %v", out["derivedKey"])
		}
	})

	t.Run("a deactivated key has no identity", func(t *testing.T) {
		ctx := kwtest.AsRoot(context.Background())
		if err := k.IAM.UpdateAccessKey(ctx, "alice", alice.id, keyward.StatusInactive); err != nil {
			t.Fatal(err)
		}
		status, _, out := call(t, k, gw, wire.EvaluatePath, `{"accessKeyId":"`+alice.id+`","actions":["s3:GetObject"],"resources":["*"]}`, false)
		if status != 403 || out["code"] != "NoSuchIdentity" {
			t.Fatalf("got %d %v", status, out)
		}
	})
}

// proxy is the authorization endpoint on a test server, as keyward serve
// routes it.
func proxy(t *testing.T, k *kwtest.Keyward) string {
	p := &verify.Proxy{Protocol: &verify.Protocol{Authz: k.Authz, Verifier: &sigv4.Verifier{Now: time.Now}, Keys: k.Keys, Uses: k.API.Uses,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}, Rand: rand.Reader}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv.URL
}

// authorizeGet asks the endpoint at url, as nginx would, about a
// client's GET /pets/1 signed with creds by the SDK's signer (which puts a
// session's token in X-Amz-Security-Token), and returns the answer, its
// body read and closed.
func authorizeGet(t *testing.T, url string, creds aws.Credentials) *http.Response {
	t.Helper()
	orig, _ := http.NewRequest("GET", "http://api.example.com/pets/1", nil)
	const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, orig, emptyHash, wire.InvokeService, "eu-west-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(nginxSubrequest(url, orig.Header, "GET", "/pets/1"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestAuthorizeEndpoint(t *testing.T) {
	k := kwtest.New(t)
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	url := proxy(t, k)
	// sign makes the client's request to the service and turns it into the
	// proxy's subrequest: the same headers, plus the proxy's.
	sign := func(method, uri, service string, proxyHeaders map[string]string) *http.Request {
		orig, _ := http.NewRequest(method, "http://api.example.com"+uri, nil)
		sigv4.Sign(orig, nil, alice.id, alice.secret, "eu-west-1", service, time.Now())
		sub, _ := http.NewRequest("GET", url+wire.AuthorizePath, nil)
		sub.Header = orig.Header.Clone()
		sub.Host = "api.example.com"
		for k, v := range proxyHeaders {
			if v == "" {
				sub.Header.Del(k)
			} else {
				sub.Header.Set(k, v)
			}
		}
		return sub
	}
	std := func(method, uri string) map[string]string {
		return map[string]string{wire.HeaderOriginalMethod: method, wire.HeaderOriginalURI: uri, wire.HeaderAPIID: "pets", wire.HeaderStage: "prod"}
	}
	with := func(m map[string]string, k, v string) map[string]string { m[k] = v; return m }
	tests := []struct {
		name    string
		req     *http.Request
		status  int
		code    string
		message string
	}{
		{"allowed", sign("GET", "/pets/1?a=b", "execute-api", std("GET", "/pets/1?a=b")), 200, "", ""},
		{"no original URI", sign("GET", "/pets/1", "execute-api", with(std("GET", "/pets/1"), wire.HeaderOriginalURI, "")), 400, "InvalidInput", ""},
		{"no API ID", sign("GET", "/pets/1", "execute-api", with(std("GET", "/pets/1"), wire.HeaderAPIID, "")), 400, "InvalidInput", ""},
		{"a method with a body and no hash", sign("POST", "/pets", "execute-api", with(std("POST", "/pets"), "X-Amz-Content-Sha256", "")), 403,
			"IncompleteSignature", "A request with a body must sign its payload hash in the X-Amz-Content-Sha256 header."},
		{"a method with a body, its hash signed", sign("POST", "/pets", "execute-api", std("POST", "/pets")), 200, "", ""},
	}
	// Traefik's ForwardAuth: its own headers, the API in the address.
	traefik := sign("GET", "/pets/3?x=y", "execute-api", map[string]string{"X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/pets/3?x=y",
		"X-Forwarded-Host": "api.example.com"})
	traefik.Host = "keyward.internal"
	traefik.URL.RawQuery = "api-id=pets&stage=prod"
	// Envoy's ext_authz: the client's method and path after the prefix.
	envoy := sign("DELETE", "/pets/4?x=y", "execute-api", map[string]string{wire.HeaderAPIID: "pets", wire.HeaderStage: "prod"})
	envoy.Method = "DELETE"
	envoy.URL.Path, envoy.URL.RawQuery = wire.AuthorizePath+"/pets/4", "x=y"
	tests = append(tests, []struct {
		name    string
		req     *http.Request
		status  int
		code    string
		message string
	}{{"Traefik ForwardAuth", traefik, 200, "", ""}, {"Envoy ext_authz", envoy, 200, "", ""}}...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || tc.code != "" && resp.Header.Get(wire.HeaderErrorType) != tc.code ||
				tc.message != "" && resp.Header.Get(wire.HeaderErrorMessage) != tc.message {
				t.Fatalf("got %d %v %s", resp.StatusCode, resp.Header, b)
			}
			if tc.status == 200 && (resp.Header.Get(wire.HeaderUserName) != "alice" || resp.Header.Get(wire.HeaderAccessKeyID) != alice.id ||
				resp.Header.Get(wire.HeaderPrincipalARN) != "arn:aws:iam::123456789012:user/alice") {
				t.Fatalf("identity headers %v", resp.Header)
			}
		})
	}
}

// TestAuthorizeEndpointSession: a request signed with temporary
// credentials (the SDK's signer puts the session token in
// X-Amz-Security-Token) is authorised as the session's principal; its
// token altered, it is refused.
func TestAuthorizeEndpointSession(t *testing.T) {
	k := kwtest.New(t)
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	url := proxy(t, k)
	u, err := k.IAM.User(kwtest.AsRoot(context.Background()), "alice")
	if err != nil {
		t.Fatal(err)
	}
	asAlice := keyward.WithCaller(context.Background(), &keyward.RequestContext{AccessKeyID: alice.id,
		Principal: keyward.Principal{AccountID: "123456789012", UserID: u.ID, UserName: "alice", UserPath: "/"}})
	s, err := k.STS.GetSessionToken(asAlice, 900, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token string
		status      int
	}{{"session", s.Token, 200}, {"altered token", s.Token[:len(s.Token)-4] + "AAAA", 403}} {
		t.Run(tc.name, func(t *testing.T) {
			resp := authorizeGet(t, url, aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret, SessionToken: tc.token})
			if resp.StatusCode != tc.status || tc.status == 200 && resp.Header.Get(wire.HeaderPrincipalARN) != "arn:aws:iam::123456789012:user/alice" {
				t.Fatalf("got %d %v", resp.StatusCode, resp.Header)
			}
		})
	}
}

// TestAuthorizeEndpointAccount: the endpoint names the principal's
// account in X-Keyward-Account-Id: a user's own, and for the session of
// another account's role (a cross-account AssumeRole) the role's account,
// whose principal the session is.
func TestAuthorizeEndpointAccount(t *testing.T) {
	k := kwtest.New(t)
	const other = "210987654321"
	invoke := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["execute-api:Invoke","sts:AssumeRole"],"Resource":"*"}]}`
	alice := user(t, k, "alice", invoke)
	url := proxy(t, k)
	ctx := context.Background()
	if err := k.Store.CreateAccount(ctx, keyward.Account{ID: other, CreatedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	s := k.RoleSessionIn(t, other, "reader", kwtest.AccountID, invoke, "alice", "s1")
	for _, tc := range []struct {
		name            string
		creds           aws.Credentials
		account, caller string
	}{
		{"a user", aws.Credentials{AccessKeyID: alice.id, SecretAccessKey: alice.secret}, kwtest.AccountID, "arn:aws:iam::" + kwtest.AccountID + ":user/alice"},
		{"another account's role's session", aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret, SessionToken: s.Token}, other,
			"arn:aws:sts::" + other + ":assumed-role/reader/s1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := authorizeGet(t, url, tc.creds)
			if resp.StatusCode != 200 || resp.Header.Get(wire.HeaderAccountID) != tc.account || resp.Header.Get(wire.HeaderPrincipalARN) != tc.caller {
				t.Fatalf("got %d %v", resp.StatusCode, resp.Header)
			}
		})
	}
}
