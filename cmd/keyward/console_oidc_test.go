package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestConsoleOIDCServeFlags: keyward serve's --console-oidc-* settings
// reach the console: its sign-in page offers the provider, and its link
// sends the browser to the provider's authorisation endpoint with the
// configured client, a PKCE challenge and the callback under the public
// URL, the provider's discovery document read through the verifier that
// --oidc-allow-private governs. The flow itself is console's
// TestOIDCSignIn.
func TestConsoleOIDCServeFlags(t *testing.T) {
	t.Parallel()
	is := newTestIssuer(t)
	host := strings.TrimPrefix(is.URL, "https://")
	role := "arn:aws:iam::" + accountID + ":role/Dev"
	secretFile := filepath.Join(t.TempDir(), "secret")
	must(t, os.WriteFile(secretFile, []byte("client-secret\n"), 0o600))
	ts := startServerWith(t, "", func(m *Main) {
		cheapPasswords(m)
		m.Config.OIDCAllowPrivate = true // the test's issuer is on loopback
		m.Config.PublicURL = "https://keyward.example.com"
		m.Config.ConsoleOIDCProvider, m.Config.ConsoleOIDCClientID, m.Config.ConsoleOIDCRoles = is.URL, "keyward-console", role
		secret, err := readSecretFile(secretFile)
		must(t, err)
		m.Config.ConsoleOIDCClientSecret = secret
	})
	_, err := ts.rootIAM().CreateOpenIDConnectProvider(context.Background(), &iam.CreateOpenIDConnectProviderInput{Url: aws.String(is.URL),
		ClientIDList: []string{"keyward-console"}, ThumbprintList: []string{is.Thumbprint}})
	must(t, err)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(ts.URL + "/console/signin")
	must(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Sign in with "+host+"<") {
		t.Fatalf("the sign-in page does not offer %s", host)
	}
	resp, err = hc.Get(ts.URL + "/console/signin/oidc?" + url.Values{"provider": {host}, "role": {role}}.Encode())
	must(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc.String(), is.URL+"/authorize?") {
		t.Fatalf("start: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("client_id") != "keyward-console" || q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") != "https://keyward.example.com/console/oidc/callback" {
		t.Fatalf("authorisation request: %v", q)
	}
	if ck := resp.Cookies(); len(ck) != 1 || ck[0].Name != "keyward_oidc_request" || ck[0].SameSite != http.SameSiteLaxMode || !ck[0].HttpOnly {
		t.Fatalf("request cookie: %v", ck)
	}
}
