package main

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/chromedp/chromedp"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/keyward/keyward/internal/kwtest"
)

// zitadelOP is zitadel/oidc's example OpenID Provider, a real one (its
// discovery, its login form, PKCE, client authentication, ID tokens signed
// by the library), served over TLS from a CA of the test's own, which the
// account's provider trusts by thumbprint as AWS's do and Chromium by the
// server key's SPKI hash.
type zitadelOP struct {
	URL, Thumbprint, SPKI string
	// Username and Password are the example's user's; its subject is id1.
	Username, Password string
}

func newZitadelOP(t *testing.T, clientID, secret, redirectURI string) *zitadelOP {
	t.Helper()
	chain := kwtest.NewLocalhostChain(t)
	caSum, spkiSum := sha1.Sum(chain.CADER), sha256.Sum256(chain.LeafSPKI)

	var handler http.Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{chain.Certificate}}
	op := &zitadelOP{URL: "https://localhost:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port),
		Thumbprint: hex.EncodeToString(caSum[:]), SPKI: base64.StdEncoding.EncodeToString(spkiSum[:]),
		Username: "test-user@localhost", Password: "verysecure"}
	users := storage.NewUserStore(op.URL)
	store := storage.NewStorageWithClients(users, map[string]*storage.Client{clientID: storage.WebClient(clientID, secret, redirectURI)})
	handler = exampleop.SetupServer(op.URL, store, nil, false)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return op
}

// TestConsoleOIDCSignInZitadel: a person signs in to the console through
// a real OpenID Provider, in Chromium: the sign-in, set through the API
// by keyward oidc sign-in put (no flag), is offered on Keyward's sign-in
// page as "Sign in with" its name; the OP's own login form signs the user
// in; back at Keyward the two roles whose trust policies admit the ID
// token (of three) are offered in the role chooser; the one chosen is the
// console's identity; signing out ends the session. What only a process
// shows: the binary's command line configuring the server, and the
// browser carrying the flow's cookies across both sites.
func TestConsoleOIDCSignInZitadel(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", func(m *Main) {
		cheapPasswords(m)
		m.Config.OIDCAllowPrivate = true // the OP is on loopback
	})
	// The listener's own URL, as keyward serve makes it from its address
	// by default; the test's listens on port 0.
	ts.STS.SAML.BaseURL = ts.URL
	const clientID, secret = "keyward-console", "zitadel-client-secret"
	op := newZitadelOP(t, clientID, secret, ts.URL+"/console/oidc/callback")
	ctx := context.Background()
	root := ts.rootIAM()
	p, err := root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(op.URL),
		ClientIDList: []string{clientID}, ThumbprintList: []string{op.Thumbprint}})
	must(t, err)
	host := strings.TrimPrefix(op.URL, "https://")
	for role, sub := range map[string]string{"Dev": "id1", "Ops": "id1", "Other": "id2"} {
		_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"` + aws.ToString(p.OpenIDConnectProviderArn) + `"},"Action":"sts:AssumeRoleWithWebIdentity",
"Condition":{"StringEquals":{"` + host + `:sub":"` + sub + `","` + host + `:aud":"` + clientID + `"}}}]}`)})
		must(t, err)
		_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("read"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`)})
		must(t, err)
	}

	env := cliEnv(t, ts)
	secretFile := filepath.Join(t.TempDir(), "secret")
	must(t, os.WriteFile(secretFile, []byte(secret+"\n"), 0o600))
	if res := keywardCLI(t, env, "oidc", "sign-in", "put", "--provider-arn", aws.ToString(p.OpenIDConnectProviderArn), "--client-id", clientID,
		"--client-secret-file", secretFile, "--name", "Zitadel Example"); res.code != 0 {
		t.Fatalf("keyward oidc sign-in put: exit %d\n%s", res.code, res.stderr)
	}
	res := keywardCLI(t, env, "oidc", "sign-in", "get", "--provider-arn", aws.ToString(p.OpenIDConnectProviderArn))
	var got struct {
		OpenIDConnectSignIn struct {
			ClientID, DisplayName string
			ClientSecretSet       bool
		}
	}
	if res.code != 0 || json.Unmarshal([]byte(res.stdout), &got) != nil || got.OpenIDConnectSignIn.ClientID != clientID ||
		got.OpenIDConnectSignIn.DisplayName != "Zitadel Example" || !got.OpenIDConnectSignIn.ClientSecretSet || strings.Contains(res.stdout, secret) {
		t.Fatalf("keyward oidc sign-in get: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	browser := kwtest.NewBrowser(t, t.TempDir(), chromedp.Flag("ignore-certificate-errors-spki-list", op.SPKI))
	var signedIn string
	kwtest.Browse(t, browser, "keyward-signin",
		chromedp.Navigate(ts.URL+"/console/signin"),
		kwtest.WaitFor(`[...document.querySelectorAll("a")].some(a => a.textContent === "Sign in with Zitadel Example")`))
	kwtest.Browse(t, browser, "op-login",
		chromedp.Evaluate(`[...document.querySelectorAll("a")].find(a => a.textContent === "Sign in with Zitadel Example").click()`, nil),
		kwtest.WaitFor(`location.href.startsWith(`+kwtest.JSString(op.URL+"/login/")+`)`),
		chromedp.WaitVisible("#username", chromedp.ByID))
	kwtest.Browse(t, browser, "role-chooser",
		chromedp.SetValue("#username", op.Username, chromedp.ByID),
		chromedp.SetValue("#password", op.Password, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID),
		chromedp.WaitVisible("#oidc-roles", chromedp.ByID),
		kwtest.WaitFor(`document.querySelectorAll("#oidc-roles input[name=role]").length === 2 && !document.body.innerText.includes("Other")`))
	kwtest.Browse(t, browser, "console",
		chromedp.Click(`#oidc-roles input[value="arn:aws:iam::`+accountID+`:role/Ops"]`, chromedp.ByQuery),
		chromedp.Click("#oidc-submit", chromedp.ByID),
		kwtest.WaitFor(`location.href.startsWith(`+kwtest.JSString(ts.URL+"/console/roles")+`) && !!document.getElementById("roles")`),
		chromedp.Text("#signed-in-as", &signedIn, chromedp.ByID))
	if signedIn != "arn:aws:sts::"+accountID+":assumed-role/Ops/id1" {
		t.Fatalf("signed in as %q", signedIn)
	}
	kwtest.Browse(t, browser, "signed-out",
		chromedp.Click("#signout", chromedp.ByID),
		kwtest.WaitFor(`location.pathname === "/console/signin"`),
		chromedp.Navigate(ts.URL+"/console/roles"),
		kwtest.WaitFor(`location.pathname === "/console/signin"`))
}
