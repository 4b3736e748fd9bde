package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/internal/kwtest"
)

// startNginx runs nginx on a free port with the README's snippet
// (examples/nginx/keyward.conf) in its server block, Keyward at keyward
// and the service at app; it returns nginx's URL. edits are pairs of a
// line of the snippet and what replaces it, as an operator edits it.
func startNginx(t *testing.T, keyward, app string, edits ...string) string {
	t.Helper()
	nginx := kwtest.Nginx(t)
	snippet, err := filepath.Abs("../../examples/nginx/keyward.conf")
	must(t, err)
	dir := t.TempDir()
	must(t, os.Chmod(dir, 0o755)) // nginx's workers may run as nobody
	if len(edits) > 0 {
		text, err := os.ReadFile(snippet)
		must(t, err)
		for i := 0; i+1 < len(edits); i += 2 {
			if !strings.Contains(string(text), edits[i]) {
				t.Fatalf("examples/nginx/keyward.conf has no %q", edits[i])
			}
			text = []byte(strings.Replace(string(text), edits[i], edits[i+1], 1))
		}
		snippet = filepath.Join(dir, "keyward.conf")
		must(t, os.WriteFile(snippet, text, 0o644))
	}
	var served string
	onFreePort(t, func(addr string) (taken bool) {
		os.Remove(filepath.Join(dir, "error.log")) // a taken port's, before
		conf := strings.NewReplacer("DIR", dir, "KEYWARD", keyward, "APP", app, "ADDR", addr, "SNIPPET", snippet).Replace(`
daemon off;
worker_processes 1;
error_log DIR/error.log;
pid DIR/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path DIR/body;
    proxy_temp_path DIR/proxy;
    fastcgi_temp_path DIR/fastcgi;
    uwsgi_temp_path DIR/uwsgi;
    scgi_temp_path DIR/scgi;
    upstream keyward { server KEYWARD; keepalive 16; }
    upstream app { server APP; }
    server {
        listen ADDR;
        include SNIPPET;
    }
}
`)
		path := filepath.Join(dir, "nginx.conf")
		must(t, os.WriteFile(path, []byte(conf), 0o644))
		cmd := exec.Command(nginx, "-c", path, "-p", dir)
		var out kwtest.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		must(t, cmd.Start())
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); <-exited })
		for deadline := time.Now().Add(10 * time.Second); ; {
			select {
			case <-exited:
				log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
				if portTaken(out.String() + string(log)) {
					return true
				}
				t.Fatalf("nginx exited: %s\n%s", out.String(), log)
			default:
			}
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				served = "http://" + addr
				return false
			}
			if time.Now().After(deadline) {
				t.Fatal("nginx did not listen")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	return served
}

// upstream is the service behind nginx: it answers with the identity
// headers it was given and the body's length.
type upstream struct {
	mu   sync.Mutex
	seen http.Header
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.seen = r.Header.Clone()
	u.mu.Unlock()
	io.WriteString(w, r.Header.Get("X-Keyward-User-Name")+" "+r.Header.Get("X-Keyward-Principal-Arn")+" "+
		r.Header.Get("X-Keyward-Access-Key-Id")+" "+r.Method+" "+r.URL.RequestURI()+" "+strconv.Itoa(len(b))+" "+r.Header.Get("X-Keyward-Account-Id"))
}

type awsError struct {
	Code, Message, RequestID string
}

func TestNginxAuthRequest(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", func(m *Main) { m.Config.TrustedProxies = "127.0.0.1" })
	app := httptest.NewServer(&upstream{})
	defer app.Close()
	base := startNginx(t, ts.Addr, strings.TrimPrefix(app.URL, "http://"))
	// closed is nginx with the example's X-Keyward-Accounts line in effect,
	// naming an account other than the installation's one, which stands
	// for its operator's while alice stands for another account's user.
	closed := startNginx(t, ts.Addr, strings.TrimPrefix(app.URL, "http://"),
		"# proxy_set_header X-Keyward-Accounts 123456789012;", "proxy_set_header X-Keyward-Accounts 210987654321;")
	root := ts.rootIAM()
	ctx := context.Background()
	mk := func(name, policy string) aws.Credentials {
		id, secret := createUserKey(t, root, name)
		if policy != "" {
			_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("api"), PolicyDocument: aws.String(policy)})
			must(t, err)
		}
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
	}
	alice := mk("alice", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:pets/prod/*/pets*"},
		{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:pets/prod/DELETE/*"}]}`)
	carol := mk("carol", "")

	// sendVia signs with aws-sdk-go-v2 for execute-api and sends through
	// the nginx at via; declare puts the payload hash in
	// X-Amz-Content-Sha256. send sends through base.
	sendVia := func(t *testing.T, via string, c *aws.Credentials, method, path, body string, declare bool, extra http.Header) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(method, via+path, strings.NewReader(body))
		must(t, err)
		if body == "" {
			req.Body, req.ContentLength = http.NoBody, 0
		}
		for k, v := range extra {
			req.Header[k] = v
		}
		sum := sha256.Sum256([]byte(body))
		hash := hex.EncodeToString(sum[:])
		if declare {
			req.Header.Set("X-Amz-Content-Sha256", hash)
		}
		if c != nil {
			must(t, v4.NewSigner().SignHTTP(ctx, *c, req, hash, "execute-api", "us-east-1", time.Now()))
		}
		return rawDo(t, req)
	}
	send := func(t *testing.T, c *aws.Credentials, method, path, body string, declare bool, extra http.Header) (int, http.Header, string) {
		t.Helper()
		return sendVia(t, base, c, method, path, body, declare, extra)
	}
	arn := "arn:aws:iam::" + accountID + ":user/alice"
	resource := func(method, path string) string {
		return "arn:aws:execute-api:us-east-1:" + accountID + ":pets/prod/" + method + path
	}

	tests := []struct {
		name          string
		creds         *aws.Credentials
		method, path  string
		body          string
		declare       bool
		extra         http.Header
		status        int
		want, message string
	}{
		{name: "allowed, the upstream sees the caller", creds: &alice, method: "GET", path: "/pets/1?color=red", status: 200,
			want: "alice " + arn + " " + alice.AccessKeyID + " GET /pets/1?color=red 0"},
		{name: "a client's identity headers are replaced", creds: &alice, method: "GET", path: "/pets/2",
			extra: http.Header{"X-Keyward-User-Name": {"root"}}, status: 200, want: "alice " + arn},
		{name: "a client's account header is replaced", creds: &alice, method: "GET", path: "/pets/3",
			extra: http.Header{"X-Keyward-Account-Id": {"999999999999"}}, status: 200, want: "alice " + arn + " " + alice.AccessKeyID + " GET /pets/3 0 " + accountID},
		{name: "a body with its signed hash", creds: &alice, method: "POST", path: "/pets", body: `{"name":"rex"}`, declare: true,
			status: 200, want: "alice " + arn + " " + alice.AccessKeyID + " POST /pets 14"},
		{name: "a body without its hash", creds: &alice, method: "POST", path: "/pets", body: `{"name":"rex"}`, status: 403,
			want: "IncompleteSignature", message: "A request with a body must sign its payload hash in the X-Amz-Content-Sha256 header."},
		{name: "no policy allows", creds: &carol, method: "GET", path: "/pets/1", status: 403, want: "AccessDenied",
			message: "User: arn:aws:iam::" + accountID + ":user/carol is not authorized to perform: execute-api:Invoke on resource: " +
				resource("GET", "/pets/1") + " because no identity-based policy allows the execute-api:Invoke action"},
		{name: "outside the policy's resources", creds: &alice, method: "GET", path: "/cats/1", status: 403, want: "AccessDenied",
			message: "User: " + arn + " is not authorized to perform: execute-api:Invoke on resource: " + resource("GET", "/cats/1") +
				" because no identity-based policy allows the execute-api:Invoke action"},
		{name: "explicit deny", creds: &alice, method: "DELETE", path: "/pets/1", status: 403, want: "AccessDenied",
			message: "User: " + arn + " is not authorized to perform: execute-api:Invoke on resource: " + resource("DELETE", "/pets/1") +
				" with an explicit deny in an identity-based policy"},
		{name: "unsigned", method: "GET", path: "/pets/1", status: 401, want: "MissingAuthenticationToken"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := send(t, tc.creds, tc.method, tc.path, tc.body, tc.declare, tc.extra)
			if status != tc.status {
				t.Fatalf("got %d %s, want %d", status, body, tc.status)
			}
			if status == 200 {
				if !strings.HasPrefix(body, tc.want) {
					t.Fatalf("upstream answered %q, want %q", body, tc.want)
				}
				return
			}
			var e struct {
				Error     awsError
				RequestID string `xml:"RequestId"`
			}
			if err := xml.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			message, encoded, _ := strings.Cut(e.Error.Message, ". Encoded authorization failure message: ")
			if e.Error.Code != tc.want || tc.message != "" && message != tc.message || e.RequestID == "" ||
				h.Get("X-Amzn-Errortype") != tc.want || (tc.want == "AccessDenied") != (encoded != "") {
				t.Fatalf("got %s %+v %v\nwant %s: %s", body, e, h, tc.want, tc.message)
			}
			if encoded == "" {
				return
			}
			// The refusal's details, for whoever may decode them.
			out, err := ts.sts(rootKeyID, rootSecret, "us-east-1").DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(encoded)})
			must(t, err)
			var decoded struct {
				Allowed, ExplicitDeny bool
				Context               struct {
					Principal        struct{ Arn string }
					Action, Resource string
				}
			}
			must(t, json.Unmarshal([]byte(aws.ToString(out.DecodedMessage)), &decoded))
			if decoded.Allowed || decoded.ExplicitDeny != strings.Contains(tc.message, "explicit deny") || decoded.Context.Action != "execute-api:Invoke" ||
				!strings.Contains(tc.message, decoded.Context.Resource) || !strings.Contains(tc.message, "User: "+decoded.Context.Principal.Arn+" ") {
				t.Fatalf("decoded %s", aws.ToString(out.DecodedMessage))
			}
		})
	}

	// Closed to other accounts, nginx refuses alice, allowed by her own
	// policy, in AWS's words. Her own X-Keyward-Accounts naming her account
	// does not let her in: nginx replaces it, and the request Keyward
	// checks is no longer the one she signed.
	t.Run("closed to other accounts", func(t *testing.T) {
		want := "User: " + arn + " is not authorized to perform: execute-api:Invoke on resource: " + resource("GET", "/pets/1") +
			" because no resource-based policy allows the execute-api:Invoke action"
		for _, tc := range []struct {
			name          string
			extra         http.Header
			code, message string
		}{
			{"alice", nil, "AccessDenied", want},
			{"alice naming her account", http.Header{"X-Keyward-Accounts": {accountID}}, "SignatureDoesNotMatch", ""},
		} {
			status, h, body := sendVia(t, closed, &alice, "GET", "/pets/1", "", false, tc.extra)
			var e struct{ Error awsError }
			xml.Unmarshal([]byte(body), &e) // the service's answer, if let through, is not XML
			if status != 403 || e.Error.Code != tc.code || tc.message != "" && e.Error.Message != tc.message || h.Get("X-Amzn-Errortype") != tc.code {
				t.Fatalf("%s: got %d %s %v\nwant 403 %s: %s", tc.name, status, body, h, tc.code, tc.message)
			}
		}
	})

	t.Run("last use", func(t *testing.T) {
		out, err := root.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(alice.AccessKeyID)})
		must(t, err)
		if u := out.AccessKeyLastUsed; aws.ToString(u.ServiceName) != "execute-api" || aws.ToString(u.Region) != "us-east-1" {
			t.Fatalf("last used %+v", u)
		}
	})

	t.Run("a deactivated key", func(t *testing.T) {
		_, err := root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(alice.AccessKeyID), Status: "Inactive"})
		must(t, err)
		status, _, body := send(t, &alice, "GET", "/pets/1", "", false, nil)
		if status != 403 || !strings.Contains(body, "<Code>InvalidClientTokenId</Code>") {
			t.Fatalf("got %d %s", status, body)
		}
	})
}

// TestNginxAuthRequestPaths: behind Debian's nginx with the README's
// snippet, a file server (Go's http.FileServer, which resolves "..", "//"
// and escapes as most servers do) holds /public/a.txt and
// /admin/secret.txt. A user allowed only GET /public/*, and one allowed
// everything but GET /admin/*, send /admin/secret.txt in every form that a
// server reads as that file, each signed validly for the form sent: none
// reaches the file server, none reads the secret; Keyward refuses those
// nginx passes on as not in normal form.
func TestNginxAuthRequestPaths(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", func(m *Main) { m.Config.TrustedProxies = "127.0.0.1" })
	files := kwtest.NewFiles(t)
	app := httptest.NewServer(files)
	defer app.Close()
	base := startNginx(t, ts.Addr, strings.TrimPrefix(app.URL, "http://"))
	host := strings.TrimPrefix(base, "http://")
	root := ts.rootIAM()
	ctx := context.Background()
	mk := func(name, policy string) aws.Credentials {
		id, secret := createUserKey(t, root, name)
		_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("api"), PolicyDocument: aws.String(policy)})
		must(t, err)
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
	}
	public := mk("public", kwtest.PublicPolicy("pets"))
	notAdmin := mk("notadmin", kwtest.NotAdminPolicy("pets"))
	kwtest.RunPathAttacks(t, files, host, "us-east-1", public, notAdmin)
}
