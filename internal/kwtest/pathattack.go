package kwtest

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Files is what the path attacks try to reach behind a guard or a proxy:
// Go's http.FileServer (which resolves "..", "//" and escapes) over
// public/a.txt ("public words") and admin/secret.txt ("top secret"), which
// records the request URIs it is asked for.
type Files struct {
	fs     http.Handler
	mu     sync.Mutex
	served []string
}

// NewFiles writes the two files into a temporary directory and serves it.
func NewFiles(t testing.TB) *Files {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"public/a.txt": "public words", "admin/secret.txt": "top secret"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &Files{fs: http.FileServer(http.Dir(dir))}
}

// ServeHTTP records the request's URI and serves the file it names.
func (f *Files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.served = append(f.served, r.RequestURI)
	f.mu.Unlock()
	f.fs.ServeHTTP(w, r)
}

// Served returns the URIs asked for since the last Forget.
func (f *Files) Served() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.served...)
}

// Forget clears what Served returns.
func (f *Files) Forget() {
	f.mu.Lock()
	f.served = nil
	f.mu.Unlock()
}

// PublicPolicy allows GET /public/* of the API and its stage prod and
// nothing else; NotAdminPolicy allows everything but GET /admin/* there:
// the two callers of the path attacks.
func PublicPolicy(api string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:` + api + `/prod/GET/public/*"}]}`
}

// NotAdminPolicy: see PublicPolicy.
func NotAdminPolicy(api string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},
		{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:` + api + `/prod/GET/admin/*"}]}`
}

// PathRequest is a request of Files in normal form and its answer: the
// status and what the body holds.
type PathRequest struct {
	NotAdmin bool // sent by NotAdminPolicy's caller, else by PublicPolicy's
	URI      string
	Status   int
	Want     string
}

// NormalPaths are decided as the policies say.
var NormalPaths = []PathRequest{
	{false, "/public/a.txt", 200, "public words"},
	{true, "/public/a.txt", 200, "public words"},
	{false, "/admin/secret.txt", 403, "<Code>AccessDenied</Code>"},
	{true, "/admin/secret.txt", 403, "explicit deny"},
}

// PathAttack is /admin/secret.txt written as another path that a server
// reads as that file, by the caller whose policy the normal form refuses.
type PathAttack struct {
	Name     string
	NotAdmin bool // sent by NotAdminPolicy's caller, else by PublicPolicy's
	URI      string
	// Malformed: an HTTP server (nginx's, Go's) may refuse it itself as a
	// bad request; Keyward refuses the others as not in normal form.
	Malformed bool
}

// PathAttacks are the forms every way into a guarded service refuses.
var PathAttacks = []PathAttack{
	{"dot-dot", false, "/public/../admin/secret.txt", false},
	{"escaped dot-dot", false, "/public/%2e%2e/admin/secret.txt", false},
	{"escaped dot-dot in capitals", false, "/public/%2E%2E/admin/secret.txt", false},
	{"double slash", true, "//admin/secret.txt", false},
	{"escaped slash", true, "/%2Fadmin/secret.txt", false},
	{"dot segment", true, "/./admin/secret.txt", false},
	{"double slash inside", true, "/admin//secret.txt", false},
	{"escaped letter", true, "/%61dmin/secret.txt", false},
	{"backslashes", false, `/public/..\admin\secret.txt`, false},
	{"escaped backslashes", false, "/public/..%5Cadmin%5Csecret.txt", false},
	{"escaped NUL", false, "/public/a%00/../../admin/secret.txt", true},
	{"NUL", false, "/public/a\x00/../../admin/secret.txt", true},
	{"overlong UTF-8 dots", false, "/public/%C0%AE%C0%AE/admin/secret.txt", false},
	{"overlong UTF-8 slashes", false, "/public/..%C0%AFadmin%C0%AFsecret.txt", false},
	{"invalid escape", false, "/public/%zz/../../admin/secret.txt", true},
	{"truncated escape", false, "/public/%4", true},
	{"double escaped dot-dot", false, "/public/%252e%252e/admin/secret.txt", false},
	{"path parameter", false, "/public/..;/admin/secret.txt", false},
}

// RunPathAttacks sends NormalPaths and then PathAttacks to host, a way into
// files guarded by Keyward (with the API of PublicPolicy's and
// NotAdminPolicy's callers public and notAdmin), signed for region: the
// normal forms must be decided as the policies say; no attack may read the
// secret, and every one that is not Malformed must be Keyward's
// AccessDenied, not in normal form; files must be asked for nothing.
func RunPathAttacks(t *testing.T, files *Files, host, region string, public, notAdmin aws.Credentials) {
	t.Helper()
	who := func(notAdminCaller bool) aws.Credentials {
		if notAdminCaller {
			return notAdmin
		}
		return public
	}
	t.Run("in normal form", func(t *testing.T) {
		for _, tc := range NormalPaths {
			if status, body := RawGet(t, host, region, who(tc.NotAdmin), tc.URI); status != tc.Status || !strings.Contains(body, tc.Want) {
				t.Fatalf("%s: got %d %s", tc.URI, status, body)
			}
		}
	})
	files.Forget()
	for _, tc := range PathAttacks {
		t.Run(tc.Name, func(t *testing.T) {
			status, body := RawGet(t, host, region, who(tc.NotAdmin), tc.URI)
			if strings.Contains(body, "top secret") || status == 200 {
				t.Fatalf("got %d %s", status, body)
			}
			if !tc.Malformed && (status != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") || !strings.Contains(body, "not in normal form")) {
				t.Fatalf("got %d %s, want Keyward's AccessDenied", status, body)
			}
		})
	}
	if served := files.Served(); len(served) != 0 {
		t.Fatalf("the guarded server was asked for %q", served)
	}
}
