package console_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward/internal/kwtest"
)

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
func signedInAsRole(ts *apiServer) chromedp.Tasks {
	return chromedp.Tasks{
		waitFor(`location.href.startsWith(` + jsString(ts.URL+"/console/roles") + `) && !!document.getElementById("roles")`),
		waitFor(`document.body.innerText.includes("Admin/alice")`),
	}
}

// TestConsoleSAMLSignIn signs in to the console through the identity
// provider in Chromium, from its login form to a console page as the
// role's session: IdP-initiated (the IdP's own start page), then
// SP-initiated ("Sign in with corp" on Keyward's sign-in page), whose
// response comes back through Keyward's page that posts it again with the
// request's cookie.
func TestConsoleSAMLSignIn(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	idp := kwtest.NewIdPSite(t, ts.STS.SAML, ts.Clock.Now, ts.URL, ts.RootIAM())
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
	t.Run("SP-initiated into another account", func(t *testing.T) {
		// A member account with its own identity provider and role, named
		// on the sign-in page: the session is that account's role's.
		bg := context.Background()
		org := ts.RootOrganizations()
		_, err := org.CreateOrganization(bg, &awsorg.CreateOrganizationInput{})
		must(t, err)
		made, err := org.CreateAccount(bg, &awsorg.CreateAccountInput{AccountName: aws.String("tenant"), Email: aws.String("tenant@example.com")})
		must(t, err)
		b := aws.ToString(made.CreateAccountStatus.AccountId)
		id, secret := kwtest.CreateUserKey(t, ts.RootIAM(), "ops")
		_, err = ts.RootIAM().PutUserPolicy(bg, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
		must(t, err)
		assumed, err := ts.STSClient(id, secret).AssumeRole(bg, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::" + b + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("tenant-setup")})
		must(t, err)
		bIAM, _ := ts.SessionClients(assumed.Credentials)
		kwtest.NewIdPSite(t, ts.STS.SAML, ts.Clock.Now, ts.URL, bIAM)
		browse(t, ctx, "keyward-signin-b",
			network.ClearBrowserCookies(),
			chromedp.Navigate(ts.URL+"/console/signin"),
			chromedp.WaitVisible("#federated-account-id", chromedp.ByID),
			chromedp.SetValue("#federated-account-id", b, chromedp.ByID),
			chromedp.Click("#federated-account-next", chromedp.ByID),
			chromedp.WaitVisible("#saml-corp", chromedp.ByID))
		browse(t, ctx, "console-b",
			chromedp.Click("#saml-corp", chromedp.ByID),
			idpLogin(),
			waitFor(`location.href.startsWith(`+jsString(ts.URL+"/console/roles")+`) && !!document.getElementById("roles")`),
			waitFor(`document.body.innerText.includes(`+jsString("arn:aws:sts::"+b+":assumed-role/Admin/alice")+`)`))
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
