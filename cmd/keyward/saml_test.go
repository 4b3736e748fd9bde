package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	crewsaml "github.com/crewjam/saml"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/saml"
)

// samlIdP is a real identity provider (crewjam/saml's, with a login form)
// served over HTTP at http://localhost:port, another site than Keyward's
// http://127.0.0.1:port as a browser sees them, known to Keyward as the
// SAML provider "corp"; the role Admin trusts it and may list IAM.
type samlIdP struct {
	*kwtest.IdP
	URL, ProviderARN, RoleARN string
}

func newSAMLIdP(t *testing.T, ts *testServer) *samlIdP {
	t.Helper()
	// The listener's own address is Keyward's URL, as it is without
	// --public-url on a fixed port.
	ts.STS.SAML.BaseURL = ts.URL
	srv := httptest.NewUnstartedServer(nil)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p := &samlIdP{URL: "http://localhost:" + port}
	p.IdP = kwtest.NewIdPAt(t, ts.STS.SAML, ts.Clock.Now, p.URL)
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	api, bg := ts.rootIAM(), context.Background()
	out, err := api.CreateSAMLProvider(bg, &iam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(p.Metadata)})
	must(t, err)
	p.ProviderARN = aws.ToString(out.SAMLProviderArn)
	role, err := api.CreateRole(bg, &iam.CreateRoleInput{RoleName: aws.String("Admin"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + p.ProviderARN + `"},` +
			`"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"` + ts.URL + `/saml"}}}]}`)})
	must(t, err)
	p.RoleARN = aws.ToString(role.Role.Arn)
	_, err = api.PutRolePolicy(bg, &iam.PutRolePolicyInput{RoleName: aws.String("Admin"), PolicyName: aws.String("list"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`)})
	must(t, err)
	p.Session.CustomAttributes = []crewsaml.Attribute{kwtest.IdPAttribute(saml.AttributeRole, p.RoleARN+","+p.ProviderARN),
		kwtest.IdPAttribute(saml.AttributeSessionName, "alice")}
	return p
}

// idpLogin fills in the identity provider's login form.
func idpLogin() chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.WaitVisible("#idp-username", chromedp.ByID),
		chromedp.SetValue("#idp-username", "alice", chromedp.ByID),
		chromedp.SetValue("#idp-password", kwtest.IdPPassword, chromedp.ByID),
		chromedp.Click("#idp-submit", chromedp.ByID),
	}
}

// signedInAsRole waits for the console's roles page shown to the role's
// session.
func signedInAsRole(ts *testServer) chromedp.Tasks {
	return chromedp.Tasks{
		waitFor(`location.href.startsWith(` + jsString(ts.URL+"/console/roles") + `) && !!document.getElementById("roles")`),
		waitFor(`document.body.innerText.includes("Admin/alice")`),
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestConsoleSAMLSignIn signs in to the console through the identity
// provider in Chromium, from its login form to a console page as the
// role's session: IdP-initiated (the IdP's own start page), then
// SP-initiated ("Sign in with corp" on Keyward's sign-in page), whose
// response comes back through Keyward's page that posts it again with the
// request's cookie.
func TestConsoleSAMLSignIn(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", cheapPasswords)
	idp := newSAMLIdP(t, ts)
	// One browser for both, its cookies cleared in between: Chromium's
	// start is most of the test's time.
	ctx := newBrowser(t, t.TempDir())
	t.Run("IdP-initiated", func(t *testing.T) {
		browse(t, ctx, "idp-login", chromedp.Navigate(idp.URL+"/start"), chromedp.WaitVisible("#idp-username", chromedp.ByID))
		browse(t, ctx, "console", idpLogin(), signedInAsRole(ts))
	})
	t.Run("SP-initiated", func(t *testing.T) {
		var before, after []*network.Cookie
		browse(t, ctx, "keyward-signin",
			network.ClearBrowserCookies(),
			chromedp.Navigate(ts.URL+"/console/signin"),
			chromedp.Click("#saml-corp", chromedp.ByID),
			waitFor(`location.href.startsWith(`+jsString(idp.URL+"/sso?SAMLRequest=")+`)`),
			chromedp.WaitVisible("#idp-username", chromedp.ByID),
			cookiesOf(ts.URL+"/saml", &before))
		browse(t, ctx, "console", idpLogin(), signedInAsRole(ts), cookiesOf(ts.URL+"/saml", &after))
		// The request was remembered, and forgotten once answered: the
		// sign-in went through the check of InResponseTo.
		if !hasCookie(before, "keyward_saml_request") || hasCookie(after, "keyward_saml_request") {
			t.Fatalf("the request's cookie: before %v, after %v", before, after)
		}
	})
}

func cookiesOf(u string, out *[]*network.Cookie) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		*out, err = network.GetCookies().WithURLs([]string{u}).Do(ctx)
		return err
	})
}

func hasCookie(cs []*network.Cookie, name string) bool {
	for _, c := range cs {
		if c.Name == name {
			return true
		}
	}
	return false
}
