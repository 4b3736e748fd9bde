package console_test

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/chromedp"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/console"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/oidc"
)

// zitadelOP is zitadel/oidc's example OpenID Provider, a real one (its
// discovery, its login form, PKCE, client authentication, ID tokens signed
// by the library), served over TLS from a CA of the test's own, which the
// account's provider trusts by thumbprint as AWS's do.
type zitadelOP struct {
	URL, Thumbprint string
	// Username and Password are the example's user's; its subject is id1.
	Username, Password string
}

func newZitadelOP(t *testing.T, clientID, secret, redirectURI string) *zitadelOP {
	t.Helper()
	chain := kwtest.NewLocalhostChain(t)
	caSum := sha1.Sum(chain.CADER)
	var handler http.Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{chain.Certificate}}
	op := &zitadelOP{URL: "https://localhost:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port),
		Thumbprint: hex.EncodeToString(caSum[:]), Username: "test-user@localhost", Password: "verysecure"}
	users := storage.NewUserStore(op.URL)
	store := storage.NewStorageWithClients(users, map[string]*storage.Client{clientID: storage.WebClient(clientID, secret, redirectURI)})
	handler = exampleop.SetupServer(op.URL, store, nil, false)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return op
}

// TestOIDCSignInZitadel: a person signs in to the console through a real
// OpenID Provider, in Chromium: the sign-in, set through the API by
// IAM as keyward oidc sign-in put sets it (no flag), is offered on Keyward's sign-in page
// as "Sign in with" its name; the OP's own login form signs the user in;
// back at Keyward the two roles whose trust policies admit the ID token
// (of three) are offered in the role chooser; the one chosen is the
// console's identity; signing out ends the session. The browser carries
// the flow's cookies across both sites.
func TestOIDCSignInZitadel(t *testing.T) {
	t.Parallel()
	k := kwtest.NewWithOptions(t, kwtest.Options{OIDCAllowPrivate: true}) // the OP is on loopback
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	// The console's own URL, as keyward serve makes it from its address.
	k.STS.SAML.BaseURL = srv.URL
	key := make([]byte, 32)
	rand.Read(key)
	c, err := console.New(console.Config{IAM: k.IAM, STS: k.STS, Reports: k.Reports, Logger: slog.New(slog.NewTextHandler(k.Log, nil)),
		Now: time.Now, Rand: rand.Reader, SessionKey: key, Audit: k.Audit, OIDC: k.STS.WebIdentity.(*oidc.Verifier)})
	must(t, err)
	mux := http.NewServeMux()
	mux.Handle("/console/", c)
	mux.Handle("/", console.Home(k.API))
	handler = mux

	const clientID, secret = "keyward-console", "zitadel-client-secret"
	op := newZitadelOP(t, clientID, secret, srv.URL+console.OIDCCallbackPath)
	ctx := context.Background()
	root := k.RootIAM()
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

	// Set as keyward oidc sign-in put sets it (cli's TestCLIOIDCSignIn), no
	// flag naming it.
	must(t, k.IAM.PutOIDCSignIn(kwtest.AsRoot(ctx), aws.ToString(p.OpenIDConnectProviderArn), clientID, secret, "Zitadel Example", nil))

	browser := newBrowser(t, t.TempDir())
	var signedIn string
	browse(t, browser, "keyward-signin",
		// The OP's certificate is of the test's own CA.
		security.SetIgnoreCertificateErrors(true),
		chromedp.Navigate(srv.URL+"/console/signin"),
		waitFor(`[...document.querySelectorAll("a")].some(a => a.textContent === "Sign in with Zitadel Example")`))
	browse(t, browser, "op-login",
		chromedp.Evaluate(`[...document.querySelectorAll("a")].find(a => a.textContent === "Sign in with Zitadel Example").click()`, nil),
		waitFor(`location.href.startsWith(`+jsString(op.URL+"/login/")+`)`),
		chromedp.WaitVisible("#username", chromedp.ByID))
	browse(t, browser, "role-chooser",
		chromedp.SetValue("#username", op.Username, chromedp.ByID),
		chromedp.SetValue("#password", op.Password, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID),
		chromedp.WaitVisible("#oidc-roles", chromedp.ByID),
		waitFor(`document.querySelectorAll("#oidc-roles input[name=role]").length === 2 && !document.body.innerText.includes("Other")`))
	browse(t, browser, "console",
		chromedp.Click(`#oidc-roles input[value="arn:aws:iam::`+kwtest.AccountID+`:role/Ops"]`, chromedp.ByQuery),
		chromedp.Click("#oidc-submit", chromedp.ByID),
		waitFor(`location.href.startsWith(`+jsString(srv.URL+"/console/roles")+`) && !!document.getElementById("roles")`),
		signedInText(&signedIn))
	if signedIn != "arn:aws:sts::"+kwtest.AccountID+":assumed-role/Ops/id1" {
		t.Fatalf("signed in as %q", signedIn)
	}
	browse(t, browser, "signed-out", signOutThenAsk(srv.URL+"/console/roles"))

	// Another account registers the same OP as its own provider, with its
	// own sign-in and role: named on the sign-in page, it offers its
	// sign-in, and the session is its role's, in that account.
	const accountB = "864209753102"
	must(t, k.Store.CreateAccount(ctx, keyward.Account{ID: accountB, Name: "b", CreatedAt: time.Now()}, nil))
	ctxB := keyward.WithCaller(ctx, &keyward.RequestContext{Principal: keyward.Principal{AccountID: accountB, Root: true}, CurrentTime: time.Now()})
	pb, err := k.IAM.CreateOIDCProvider(ctxB, op.URL, []string{clientID}, []string{op.Thumbprint}, nil)
	must(t, err)
	_, err = k.IAM.CreateRole(ctxB, keyward.Role{Name: "BOps", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"` + pb.ARN + `"},"Action":"sts:AssumeRoleWithWebIdentity",
"Condition":{"StringEquals":{"` + host + `:sub":"id1","` + host + `:aud":"` + clientID + `"}}}]}`})
	must(t, err)
	must(t, k.IAM.PutInlinePolicy(ctxB, keyward.Entity{Kind: keyward.EntityRole, Name: "BOps"}, "read",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`))
	must(t, k.IAM.PutOIDCSignIn(ctxB, pb.ARN, clientID, secret, "Zitadel B", nil))
	browse(t, browser, "keyward-signin-b",
		chromedp.Navigate(srv.URL+"/console/signin"),
		chromedp.WaitVisible("#federated-account-id", chromedp.ByID),
		chromedp.SetValue("#federated-account-id", accountB, chromedp.ByID),
		chromedp.Click("#federated-account-next", chromedp.ByID),
		waitFor(`[...document.querySelectorAll("a")].some(a => a.textContent === "Sign in with Zitadel B")`))
	browse(t, browser, "op-or-console-b",
		chromedp.Evaluate(`[...document.querySelectorAll("a")].find(a => a.textContent === "Sign in with Zitadel B").click()`, nil),
		waitFor(`(location.href.startsWith(`+jsString(op.URL+"/login/")+`) && !!document.getElementById("username")) || !!document.getElementById("signed-in-as")`))
	var atOP bool
	browse(t, browser, "op-login-b", chromedp.Evaluate(`!!document.getElementById("username")`, &atOP))
	if atOP {
		browse(t, browser, "op-login-b-form",
			chromedp.SetValue("#username", op.Username, chromedp.ByID),
			chromedp.SetValue("#password", op.Password, chromedp.ByID),
			chromedp.Submit("#password", chromedp.ByID))
	}
	browse(t, browser, "console-b",
		waitFor(`location.href.startsWith(`+jsString(srv.URL+"/console/roles")+`) && !!document.getElementById("signed-in-as")`),
		signedInText(&signedIn))
	if signedIn != "arn:aws:sts::"+accountB+":assumed-role/BOps/id1" {
		t.Fatalf("signed in to account B as %q", signedIn)
	}
}
