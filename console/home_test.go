package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keyward/keyward/console"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestHomeSendsBrowsersToConsole: a browser opening the server's address
// is sent to the console; every other request of / is the Query API's,
// answered exactly as without the console in front.
func TestHomeSendsBrowsersToConsole(t *testing.T) {
	k := kwtest.New(t)
	home := httptest.NewServer(console.Home(k.API))
	defer home.Close()
	const chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
	do := func(base, method, target, body string, header http.Header) (int, string, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body == "" {
			req.Body, req.ContentLength = nil, 0
		}
		for name, values := range header {
			req.Header[name] = values
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(b)
	}
	t.Run("browsers", func(t *testing.T) {
		for _, accept := range []string{chrome, "text/html", "TEXT/HTML; charset=utf-8", "application/json, text/html;q=0.5"} {
			status, location, _ := do(home.URL, http.MethodGet, "/", "", http.Header{"Accept": {accept}})
			if (status != http.StatusFound && status != http.StatusSeeOther) || location != "/console/" {
				t.Errorf("Accept %q: %d to %q, want a redirect to /console/", accept, status, location)
			}
		}
	})
	// Each of these is answered by the API, with what it answers alone.
	for _, tc := range []struct {
		name, method, target, body string
		header                     http.Header
	}{
		{"no Accept", http.MethodGet, "/", "", nil},
		{"any type", http.MethodGet, "/", "", http.Header{"Accept": {"*/*"}}},
		{"XML", http.MethodGet, "/", "", http.Header{"Accept": {"application/xml"}}},
		{"HTML refused", http.MethodGet, "/", "", http.Header{"Accept": {"text/html;q=0, */*"}}},
		{"signed", http.MethodGet, "/", "", http.Header{"Accept": {chrome},
			"Authorization": {"AWS4-HMAC-SHA256 Credential=" + kwtest.RootKeyID + "/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00"}}},
		{"amz header", http.MethodGet, "/", "", http.Header{"Accept": {chrome}, "X-Amz-Date": {"20260101T000000Z"}}},
		{"action", http.MethodGet, "/?Action=ListUsers&Version=2010-05-08", "", http.Header{"Accept": {chrome}}},
		{"presigned", http.MethodGet, "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x", "", http.Header{"Accept": {chrome}}},
		{"POST", http.MethodPost, "/", "Action=ListUsers&Version=2010-05-08", http.Header{"Accept": {chrome},
			"Content-Type": {"application/x-www-form-urlencoded"}}},
		{"HEAD", http.MethodHead, "/", "", http.Header{"Accept": {chrome}}},
		{"other path", http.MethodGet, "/index.html", "", http.Header{"Accept": {chrome}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, location, body := do(home.URL, tc.method, tc.target, tc.body, tc.header)
			wantStatus, _, wantBody := do(k.URL, tc.method, tc.target, tc.body, tc.header)
			if status != wantStatus || location != "" || errorCode(body) != errorCode(wantBody) {
				t.Fatalf("%d %q %s, want the API's %d %s", status, location, errorCode(body), wantStatus, errorCode(wantBody))
			}
		})
	}
	t.Run("the API refuses an unsigned GET", func(t *testing.T) {
		if status, _, body := do(home.URL, http.MethodGet, "/", "", http.Header{"Accept": {"*/*"}}); status != http.StatusForbidden ||
			errorCode(body) != "MissingAuthenticationToken" {
			t.Fatalf("%d %s", status, body)
		}
	})
}

// errorCode is the <Code> of an AWS error document, "" for another body.
func errorCode(body string) string {
	_, rest, ok := strings.Cut(body, "<Code>")
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, "</Code>")
	return code
}
