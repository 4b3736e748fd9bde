package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"strings"
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

func newSAMLIdP(t testing.TB, ts *testServer) *samlIdP {
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
			chromedp.WaitVisible("#saml-corp", chromedp.ByID))
		browse(t, ctx, "idp-login",
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

// TestAWSCLIAssumeRoleWithSAML: Debian's AWS CLI exchanges a response of
// the identity provider for the role's credentials with `aws sts
// assume-role-with-saml`, unsigned, and calls IAM with them; the same
// response a second time is refused as a replay.
func TestAWSCLIAssumeRoleWithSAML(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(awsCLI); err != nil {
		t.Skipf("Debian's AWS CLI (%s) is not installed here (scripts/install-test-deps.sh installs it; CI has it): %v", awsCLI, err)
	}
	ts := startServer(t, "")
	idp := newSAMLIdP(t, ts)
	response := idp.Response()
	assume := func() cliResult {
		// No credentials at all: the call is unsigned, as on AWS.
		return runCommand(t, samlCLIEnv(t, "", "", ""), awsCLI, "--endpoint-url", ts.URL, "--output", "json",
			"sts", "assume-role-with-saml", "--role-arn", idp.RoleARN, "--principal-arn", idp.ProviderARN, "--saml-assertion", response)
	}
	res := assume()
	if res.code != 0 {
		t.Fatalf("assume-role-with-saml: exit %d\n%s", res.code, res.stderr)
	}
	var out struct {
		Credentials                            struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		AssumedRoleUser                        struct{ Arn string }
		Subject, SubjectType, Issuer, Audience string
	}
	must(t, json.Unmarshal([]byte(res.stdout), &out))
	if out.AssumedRoleUser.Arn != "arn:aws:sts::"+accountID+":assumed-role/Admin/alice" || out.Subject != "alice@corp.test" ||
		out.Issuer != idp.URL+"/metadata" || out.Audience != ts.URL+"/saml" {
		t.Fatalf("answer: %s", res.stdout)
	}
	env := samlCLIEnv(t, out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
	who := runCommand(t, env, awsCLI, "--endpoint-url", ts.URL, "--output", "json", "sts", "get-caller-identity")
	if who.code != 0 || !strings.Contains(who.stdout, `"Arn": "arn:aws:sts::`+accountID+`:assumed-role/Admin/alice"`) {
		t.Fatalf("get-caller-identity: exit %d\n%s%s", who.code, who.stdout, who.stderr)
	}
	roles := runCommand(t, env, awsCLI, "--endpoint-url", ts.URL, "--output", "json", "iam", "list-roles")
	if roles.code != 0 || !strings.Contains(roles.stdout, `"RoleName": "Admin"`) {
		t.Fatalf("list-roles as the role: exit %d\n%s%s", roles.code, roles.stdout, roles.stderr)
	}
	if again := assume(); again.code == 0 || !strings.Contains(again.stderr, "InvalidIdentityToken") {
		t.Fatalf("the response replayed: exit %d\n%s", again.code, again.stderr)
	}
}

// samlCLIEnv is the AWS CLI's environment with the given credentials (none
// when empty) and nothing of the user's configuration.
func samlCLIEnv(t *testing.T, id, secret, token string) []string {
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true"}
	if id != "" {
		env = append(env, "AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_SESSION_TOKEN="+token)
	}
	return env
}
