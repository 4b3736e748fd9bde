package guard_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/keyward/keyward"
	"github.com/keyward/keyward/guard"
	"github.com/keyward/keyward/internal/kwtest"
)

// user makes an IAM user with an inline policy (none when empty) and an
// access key.
func user(t testing.TB, k *kwtest.Keyward, name, policy string) aws.Credentials {
	id, secret := k.User(t, name, policy)
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
}

const verifyPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"keyward:Verify","Resource":"*"}]}`

// newGuard is a guard in front of k of the API myapi's stage prod (where
// cfg does not say otherwise), asking Keyward as a user svc whose only
// permission is keyward:Verify, made for it unless cfg names an identity.
func newGuard(t testing.TB, k *kwtest.Keyward, cfg guard.Config) *guard.Guard {
	t.Helper()
	if cfg.AccessKeyID == "" {
		svc := user(t, k, "svc", verifyPolicy)
		cfg.AccessKeyID, cfg.SecretAccessKey = svc.AccessKeyID, svc.SecretAccessKey
	}
	cfg.Endpoint = cmp.Or(cfg.Endpoint, k.Socket)
	cfg.APIID = cmp.Or(cfg.APIID, "myapi")
	cfg.Stage = cmp.Or(cfg.Stage, "prod")
	g, err := guard.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// service is a small service behind the guard: it answers who called and
// how much of the body it read, or the read's error.
func service(t *testing.T, k *kwtest.Keyward, cfg guard.Config) *httptest.Server {
	t.Helper()
	g := newGuard(t, k, cfg)
	srv := httptest.NewServer(g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := guard.CallerFrom(r.Context())
		if !ok {
			http.Error(w, "no caller", 500)
			return
		}
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, "read: "+err.Error(), http.StatusBadRequest)
			return
		}
		io.WriteString(w, c.UserName+" "+c.PrincipalARN+" "+c.AccessKeyID+" "+c.Region+" "+strconv.FormatInt(n, 10)+" "+c.AccountID)
	})))
	t.Cleanup(srv.Close)
	return srv
}

// send signs a request with aws-sdk-go-v2's signer, as a client of the
// service would, and returns the status and body of the answer.
// declare puts the payload hash in X-Amz-Content-Sha256; sent, when not
// nil, replaces the body after signing.
func send(t *testing.T, creds *aws.Credentials, method, url, service string, body []byte, declare bool, sent []byte) (int, string) {
	t.Helper()
	return sendBody(t, creds, method, url, service, body, declare, sent, false)
}

// sendBody is send with the body's length unknown when chunked: the client
// signs no Content-Length and net/http sends the body chunked.
func sendBody(t *testing.T, creds *aws.Credentials, method, url, service string, body []byte, declare bool, sent []byte, chunked bool) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if chunked {
		req.ContentLength = -1
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if declare {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	if creds != nil {
		if err := v4.NewSigner().SignHTTP(context.Background(), *creds, req, hash, service, "eu-west-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if sent != nil {
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestGuard(t *testing.T) {
	k := kwtest.New(t)
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:myapi/prod/*/pets/*"},
		{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:myapi/prod/DELETE/*"}]}`)
	carol := user(t, k, "carol", "")
	srv := service(t, k, guard.Config{MaxBufferedBody: 1000})
	wrong := alice
	wrong.SecretAccessKey = "not" + wrong.SecretAccessKey[3:]
	big := bytes.Repeat([]byte("x"), 1001)

	tests := []struct {
		name, method, path, service string
		creds                       *aws.Credentials
		body                        []byte
		declare, chunked            bool
		sent                        []byte
		status                      int
		want                        string
	}{
		{name: "allowed", method: "GET", path: "/pets/1?color=red", creds: &alice, status: 200,
			want: "alice arn:aws:iam::123456789012:user/alice " + alice.AccessKeyID + " eu-west-1 0 123456789012"},
		{name: "body with its hash declared streams", method: "POST", path: "/pets/", creds: &alice, body: big, declare: true,
			status: 200, want: " 1001"},
		{name: "body without its hash is read first", method: "PUT", path: "/pets/2", creds: &alice, body: []byte("rex"),
			status: 200, want: " 3"},
		{name: "body not the one signed, within MaxBufferedBody, is refused first", method: "POST", path: "/pets/", creds: &alice,
			body: []byte("rex"), declare: true, sent: []byte("max"), status: 403, want: "<Code>SignatureDoesNotMatch</Code>"},
		{name: "longer body not the one signed fails the handler's read", method: "POST", path: "/pets/", creds: &alice,
			body: big, declare: true, sent: bytes.Repeat([]byte("y"), 1001), status: 400, want: guard.ErrPayloadMismatch.Error()},
		{name: "chunked body with its hash declared, within MaxBufferedBody", method: "POST", path: "/pets/", creds: &alice,
			body: []byte("rex"), declare: true, chunked: true, status: 200, want: " 3"},
		{name: "chunked body not the one signed, within MaxBufferedBody, is refused first", method: "POST", path: "/pets/", creds: &alice,
			body: []byte("rex"), declare: true, chunked: true, sent: []byte("maximus"), status: 403, want: "<Code>SignatureDoesNotMatch</Code>"},
		{name: "longer chunked body with its hash declared streams", method: "POST", path: "/pets/", creds: &alice, body: big, declare: true,
			chunked: true, status: 200, want: " 1001"},
		{name: "longer chunked body not the one signed fails the handler's read", method: "POST", path: "/pets/", creds: &alice,
			body: big, declare: true, chunked: true, sent: bytes.Repeat([]byte("y"), 5000), status: 400, want: guard.ErrPayloadMismatch.Error()},
		{name: "chunked body without its hash is read first", method: "PUT", path: "/pets/2", creds: &alice, body: []byte("rex"),
			chunked: true, status: 200, want: " 3"},
		{name: "large chunked body without its hash", method: "POST", path: "/pets/", creds: &alice, body: big, chunked: true, status: 403,
			want: "<Code>IncompleteSignature</Code>"},
		{name: "body not the one signed, undeclared", method: "POST", path: "/pets/", creds: &alice,
			body: []byte("rex"), sent: []byte("max"), status: 403, want: "<Code>SignatureDoesNotMatch</Code>"},
		{name: "large body without its hash", method: "POST", path: "/pets/", creds: &alice, body: big, status: 403,
			want: "<Code>IncompleteSignature</Code>"},
		{name: "no policy allows", method: "GET", path: "/pets/1", creds: &carol, status: 403,
			want: "<Message>User: arn:aws:iam::123456789012:user/carol is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:eu-west-1:123456789012:myapi/prod/GET/pets/1 because no identity-based policy allows the execute-api:Invoke action</Message>"},
		{name: "outside the policy", method: "GET", path: "/cats/1", creds: &alice, status: 403, want: "because no identity-based policy allows"},
		{name: "explicit deny", method: "DELETE", path: "/pets/1", creds: &alice, status: 403,
			want: "on resource: arn:aws:execute-api:eu-west-1:123456789012:myapi/prod/DELETE/pets/1 with an explicit deny in an identity-based policy"},
		{name: "unsigned", method: "GET", path: "/pets/1", status: 401, want: "<Code>MissingAuthenticationToken</Code>"},
		{name: "wrong secret", method: "GET", path: "/pets/1", creds: &wrong, status: 403, want: "<Code>SignatureDoesNotMatch</Code>"},
		{name: "signed for another service", method: "GET", path: "/pets/1", service: "s3", creds: &alice, status: 403,
			want: "Credential should be scoped to correct service: 'execute-api'."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			service := tc.service
			if service == "" {
				service = "execute-api"
			}
			status, body := sendBody(t, tc.creds, tc.method, srv.URL+tc.path, service, tc.body, tc.declare, tc.sent, tc.chunked)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %s\nwant %d with %q", status, body, tc.status, tc.want)
			}
		})
	}

	t.Run("last use", func(t *testing.T) {
		ctx := kwtest.AsRoot(context.Background())
		key, err := k.IAM.AccessKeyLastUsed(ctx, alice.AccessKeyID)
		if err != nil {
			t.Fatal(err)
		}
		if key.LastUsed.Service != "execute-api" || key.LastUsed.Region != "eu-west-1" {
			t.Fatalf("last use %+v", key.LastUsed)
		}
	})

	t.Run("a deactivated key is refused at once, its signing key cached or not", func(t *testing.T) {
		ctx := kwtest.AsRoot(context.Background())
		if err := k.IAM.UpdateAccessKey(ctx, "alice", alice.AccessKeyID, keyward.StatusInactive); err != nil {
			t.Fatal(err)
		}
		status, body := send(t, &alice, "GET", srv.URL+"/pets/1", "execute-api", nil, false, nil)
		if status != 403 || !strings.Contains(body, "<Code>InvalidClientTokenId</Code>") {
			t.Fatalf("got %d %s", status, body)
		}
		if err := k.IAM.UpdateAccessKey(ctx, "alice", alice.AccessKeyID, keyward.StatusActive); err != nil {
			t.Fatal(err)
		}
		if status, body := send(t, &alice, "GET", srv.URL+"/pets/1", "execute-api", nil, false, nil); status != 200 {
			t.Fatalf("reactivated: got %d %s", status, body)
		}
	})

	t.Run("a role's session signs like a key, within the role's policy", func(t *testing.T) {
		root := kwtest.AsRoot(context.Background())
		u, err := k.IAM.User(root, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.IAM.CreateRole(root, keyward.Role{Name: "pets-reader", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`}); err != nil {
			t.Fatal(err)
		}
		if err := k.IAM.PutInlinePolicy(root, keyward.Entity{Kind: keyward.EntityRole, Name: "pets-reader"}, "get",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:myapi/prod/GET/pets/*"}]}`); err != nil {
			t.Fatal(err)
		}
		asAlice := keyward.WithCaller(context.Background(), &keyward.RequestContext{AccessKeyID: alice.AccessKeyID,
			Principal: keyward.Principal{AccountID: "123456789012", UserID: u.ID, UserName: "alice", UserPath: "/"}})
		s, err := k.STS.AssumeRole(asAlice, keyward.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:role/pets-reader", SessionName: "guarded"})
		if err != nil {
			t.Fatal(err)
		}
		creds := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret, SessionToken: s.Token}
		status, body := send(t, &creds, "GET", srv.URL+"/pets/1", "execute-api", nil, false, nil)
		if status != 200 || !strings.Contains(body, "arn:aws:sts::123456789012:assumed-role/pets-reader/guarded") {
			t.Fatalf("session: got %d %s", status, body)
		}
		// Alice may PUT; the role may not.
		if status, body := send(t, &creds, "PUT", srv.URL+"/pets/1", "execute-api", nil, false, nil); status != 403 || !strings.Contains(body, "assumed-role/pets-reader/guarded is not authorized") {
			t.Fatalf("session PUT: got %d %s", status, body)
		}
		// The session's use is its role's last use.
		if role, err := k.IAM.Role(root, "pets-reader"); err != nil || role.LastUsed.IsZero() || role.LastUsedRegion != "eu-west-1" {
			t.Fatalf("the role's last use after its session's request: %+v %v", role, err)
		}
		forged := creds
		forged.SessionToken = s.Token[:len(s.Token)-4] + "AAAA"
		if status, body := send(t, &forged, "GET", srv.URL+"/pets/1", "execute-api", nil, false, nil); status != 403 || !strings.Contains(body, "<Code>InvalidClientTokenId</Code>") {
			t.Fatalf("forged token: got %d %s", status, body)
		}
	})

}

// TestGuardCrossAccountSession: the session of another account's role,
// assumed across accounts, is let through as its principal, and the
// caller the service sees is of the role's account.
func TestGuardCrossAccountSession(t *testing.T) {
	k := kwtest.New(t)
	const other = "210987654321"
	user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	srv := service(t, k, guard.Config{})
	ctx := context.Background()
	if err := k.Store.CreateAccount(ctx, keyward.Account{ID: other, CreatedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	s := k.RoleSessionIn(t, other, "pets-reader", "arn:aws:iam::"+kwtest.AccountID+":root",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:myapi/prod/GET/pets/*"}]}`, "alice", "guarded")
	creds := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret, SessionToken: s.Token}
	status, body := send(t, &creds, "GET", srv.URL+"/pets/1", "execute-api", nil, false, nil)
	if want := " arn:aws:sts::" + other + ":assumed-role/pets-reader/guarded " + s.AccessKeyID + " eu-west-1 0 " + other; status != 200 || body != want {
		t.Fatalf("got %d %q, want %q", status, body, want)
	}
	if status, body := send(t, &creds, "PUT", srv.URL+"/pets/1", "execute-api", nil, false, nil); status != 403 || !strings.Contains(body, "assumed-role/pets-reader/guarded is not authorized") {
		t.Fatalf("session PUT: got %d %s", status, body)
	}
}
