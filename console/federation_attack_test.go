// Attacks on the console federation boundary: /console/federation
// (getSigninToken, then login), the SAML endpoint /saml (a response, a
// role chosen, a relay state), and the console session they begin.
//
// What the caller may claim: a role's or a federated user's session
// credentials (sessionId, sessionKey, sessionToken), a SessionDuration, a
// sign-in token, a Destination, and later the session cookie. None of it
// is believed. What Keyward establishes itself: that the credentials are
// a live session Keyward sealed, with its secret; that a sign-in token is
// one Keyward sealed, byte for byte, unexpired and never used before on
// any replica; that the cookie is the one Keyward signed, byte for byte;
// and that Destination stays within the console. New federation endpoints
// add their attacks here.
package console_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	crewsaml "github.com/crewjam/saml"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/console/consoletest"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/internal/sdkhttp"
	"github.com/keyward/keyward/saml"
)

// federationBench serves the console in front of a Keyward with a role
// viewer that alice may assume; session returns getSigninToken's JSON
// Session document for a new session of it, named name.
func federationBench(t *testing.T) (srv *httptest.Server, session func(name string) string) {
	t.Helper()
	k := kwtest.New(t)
	srv = serveConsole(t, consoleConfig(k, time.Now))
	id, secret := k.User(t, "alice", "")
	root := kwtest.AsRoot(context.Background())
	if _, err := k.IAM.CreateRole(root, keyward.Role{Name: "viewer", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"AWS":"arn:aws:iam::` + kwtest.AccountID + `:user/alice"},"Action":"sts:AssumeRole"}]}`}); err != nil {
		t.Fatal(err)
	}
	if err := k.IAM.PutInlinePolicy(root, keyward.Entity{Kind: keyward.EntityRole, Name: "viewer"}, "roles",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	client := sts.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
		BaseEndpoint: aws.String(k.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} }, HTTPClient: sdkhttp.Wrap(nil)})
	return srv, func(name string) string {
		t.Helper()
		out, err := client.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":role/viewer"),
			RoleSessionName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return sessionDoc(out.Credentials)
	}
}

// cookieClient is a client that keeps cookies and does not follow redirects.
var cookieClient = consoletest.CookieClient

func getStatus(t *testing.T, hc *http.Client, u string) int {
	t.Helper()
	status, _ := page(t, hc, u, nil)
	return status
}

// page is what the browser hc gets at u: a GET, or a POST of form when
// form is not nil; it returns the status and the page.
func page(t *testing.T, hc *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, body := consoletest.Page(t, hc, u, form)
	return resp.StatusCode, body
}

// signedInAs says whether the browser hc's console session is the role
// session named (role/session): the roles page answers it and names it.
func signedInAs(t *testing.T, hc *http.Client, srv *httptest.Server, session string) bool {
	t.Helper()
	status, body := page(t, hc, srv.URL+"/console/roles", nil)
	return status == http.StatusOK && strings.Contains(body, session)
}

// sessionDoc is getSigninToken's Session document of the session
// credentials c.
func sessionDoc(c *ststypes.Credentials) string {
	b, _ := json.Marshal(map[string]string{"sessionId": aws.ToString(c.AccessKeyId), "sessionKey": aws.ToString(c.SecretAccessKey),
		"sessionToken": aws.ToString(c.SessionToken)})
	return string(b)
}

// federatedClient is a web client of ts signed in to the console through
// the federation endpoint with the session credentials c.
func federatedClient(t *testing.T, ts *apiServer, c *ststypes.Credentials) *webClient {
	t.Helper()
	tok := signinToken(t, ts.URL, sessionDoc(c))
	web := newWebClient(t, ts)
	if resp, _ := web.Get("/console/federation?Action=login&SigninToken=" + url.QueryEscape(tok)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	return web
}

// signinToken is getSigninToken's answer, at the console at base, for the
// Session document session.
func signinToken(t *testing.T, base, session string) string {
	t.Helper()
	resp, err := http.Get(base + "/console/federation?Action=getSigninToken&Session=" + url.QueryEscape(session))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ SigninToken string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.SigninToken == "" {
		t.Fatalf("getSigninToken: %d %v", resp.StatusCode, err)
	}
	return out.SigninToken
}

// twin returns s with its last character changed so that lenient base64
// decoding gives the same bytes, or "" when no bits are unused.
func twin(s string) string {
	want, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || s == "" {
		return ""
	}
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
		v := s[:len(s)-1] + string(c)
		if got, err := base64.RawURLEncoding.DecodeString(v); c != s[len(s)-1] && err == nil && bytes.Equal(got, want) {
			return v
		}
	}
	return ""
}

// TestSigninTokenSingleUse: a sign-in token is a bearer credential in a
// URL (history, proxy logs, Referer); it signs in once, within its 15
// minutes, and never again.
func TestSigninTokenSingleUse(t *testing.T) {
	srv, session := federationBench(t)
	tok := signinToken(t, srv.URL, session("web"))
	login := srv.URL + "/console/federation?Action=login&SigninToken=" + url.QueryEscape(tok)
	first := cookieClient()
	if status := getStatus(t, first, login); status != http.StatusSeeOther {
		t.Fatalf("the first login: %d", status)
	}
	if status := getStatus(t, first, srv.URL+"/console/roles"); status != http.StatusOK {
		t.Fatalf("the console after the first login: %d", status)
	}
	if status := getStatus(t, cookieClient(), login); status != http.StatusForbidden {
		t.Fatalf("the token a second time: %d", status)
	}
}

// TestFederationDecodesStrictly: a sign-in token or a session cookie with
// its last character changed, but the same bytes to a lenient base64
// decoder, is refused.
func TestFederationDecodesStrictly(t *testing.T) {
	srv, session := federationBench(t)
	tokens, cookies := 0, 0
	for i := 0; i < 4 && (tokens == 0 || cookies == 0); i++ {
		tok := signinToken(t, srv.URL, session("web"+strings.Repeat("x", i)))
		if forged := twin(strings.TrimPrefix(tok, "KWF1")); forged != "" {
			tokens++
			if status := getStatus(t, cookieClient(), srv.URL+"/console/federation?Action=login&SigninToken="+url.QueryEscape("KWF1"+forged)); status != http.StatusForbidden {
				t.Fatalf("a sign-in token with a flipped last character: %d", status)
			}
		}
		hc := cookieClient()
		if status := getStatus(t, hc, srv.URL+"/console/federation?Action=login&SigninToken="+url.QueryEscape(tok)); status != http.StatusSeeOther {
			t.Fatalf("the token as issued: %d", status)
		}
		u, _ := url.Parse(srv.URL + "/console/roles")
		for _, c := range hc.Jar.Cookies(u) {
			payload, sig, _ := strings.Cut(c.Value, ".")
			forged := twin(payload)
			if c.Name != "keyward_session" || forged == "" {
				continue
			}
			cookies++
			req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
			req.AddCookie(&http.Cookie{Name: c.Name, Value: forged + "." + sig})
			resp, err := cookieClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Fatal("a session cookie with a flipped last character was accepted")
			}
		}
	}
	if tokens == 0 || cookies == 0 {
		t.Fatalf("tokens with unused bits: %d, cookies: %d, in four sessions", tokens, cookies)
	}
}

// TestSAMLEndpointAttacks: what a browser may post to /saml (a response,
// a role, a relay state) is believed only as far as the response's
// signature goes, and only once.
func TestSAMLEndpointAttacks(t *testing.T) {
	s := newSAMLConsole(t)
	t.Run("a response posted twice signs in once", func(t *testing.T) {
		resp := s.idp.Response()
		if status, _ := s.post(t, cookieClient(), url.Values{"SAMLResponse": {resp}}); status != http.StatusOK {
			t.Fatalf("first: %d", status)
		}
		hc := cookieClient()
		if status, _ := s.post(t, hc, url.Values{"SAMLResponse": {resp}}); status != http.StatusForbidden {
			t.Fatalf("replayed: %d", status)
		}
		if getStatus(t, hc, s.srv.URL+"/console/roles") == http.StatusOK {
			t.Fatal("a replayed response signed in")
		}
	})
	t.Run("a role the response does not offer", func(t *testing.T) {
		hc := cookieClient()
		status, _ := s.post(t, hc, url.Values{"SAMLResponse": {s.idp.Response()}, "roleIndex": {s.roleARN("Reader")}})
		if status != http.StatusForbidden || getStatus(t, hc, s.srv.URL+"/console/roles") == http.StatusOK {
			t.Fatalf("a role not offered: %d", status)
		}
	})
	t.Run("a relay state elsewhere stays in the console", func(t *testing.T) {
		for _, relay := range []string{"https://evil.example/", "//evil.example/console/", "/console/\\evil", "javascript:alert(1)"} {
			status, page := s.post(t, cookieClient(), url.Values{"SAMLResponse": {s.idp.Response()}, "RelayState": {relay}})
			if status != http.StatusOK || !strings.Contains(page, `content="0;url=/console/roles"`) {
				t.Fatalf("relay %q: %d\n%s", relay, status, page)
			}
		}
	})
	t.Run("a forged or oversized response", func(t *testing.T) {
		forged := strings.Replace(s.idp.Response(), "A", "B", 40)
		if status, _ := s.post(t, cookieClient(), url.Values{"SAMLResponse": {forged}}); status != http.StatusForbidden {
			t.Fatalf("forged: %d", status)
		}
		if status, _ := s.post(t, cookieClient(), url.Values{"SAMLResponse": {strings.Repeat("A", saml.MaxResponseSize+1)}}); status != http.StatusBadRequest {
			t.Fatalf("oversized: %d", status)
		}
		big := url.Values{"SAMLResponse": {strings.Repeat("A", 4*saml.MaxResponseSize)}}
		if status, _ := s.post(t, cookieClient(), big); status != http.StatusBadRequest {
			t.Fatalf("a form over the bound: %d", status)
		}
	})
}

// provider registers another SAML provider with the metadata given, and
// a role that trusts only it.
func (s *samlConsole) provider(t *testing.T, name, metadata, role string) string {
	t.Helper()
	root := kwtest.AsRoot(context.Background())
	p, err := s.k.IAM.CreateSAMLProvider(root, name, metadata, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.k.IAM.CreateRole(root, keyward.Role{Name: role, TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"` + p.ARN + `"},"Action":"sts:AssumeRoleWithSAML"}]}`}); err != nil {
		t.Fatal(err)
	}
	return p.ARN
}

// TestSAMLEndpointProviderConfusion: which of the account's providers a
// response is checked against. A user allowed only iam:CreateSAMLProvider
// registers an impostor under a name that sorts first, claiming the
// company identity provider's entity ID with a key of its own: the
// company's sign-ins must go on, and the impostor's responses must be let
// in only as the impostor's own roles. An identity provider registered
// twice must sign in as the roles it names through the second provider.
func TestSAMLEndpointProviderConfusion(t *testing.T) {
	s := newSAMLConsole(t)
	impostor := kwtest.NewIdP(t, s.k.STS.SAML, time.Now) // the same entity ID, another key
	impostorARN := s.provider(t, "aaa-impostor", impostor.Metadata, "Impostor")

	t.Run("the company's sign-in goes on", func(t *testing.T) {
		hc := cookieClient()
		if status, page := s.post(t, hc, url.Values{"SAMLResponse": {s.idp.Response()}}); status != http.StatusOK || getStatus(t, hc, s.srv.URL+"/console/roles") != http.StatusOK {
			t.Fatalf("the company's response with an impostor registered: %d\n%s", status, page)
		}
	})
	t.Run("the impostor names the company's provider", func(t *testing.T) {
		impostor.Session.CustomAttributes = []crewsaml.Attribute{kwtest.IdPAttribute(saml.AttributeRole, s.roleARN("Admin")+","+s.providerARN),
			kwtest.IdPAttribute(saml.AttributeSessionName, "mallory")}
		hc := cookieClient()
		if status, _ := s.post(t, hc, url.Values{"SAMLResponse": {impostor.Response()}}); status == http.StatusOK || getStatus(t, hc, s.srv.URL+"/console/roles") == http.StatusOK {
			t.Fatalf("the impostor signed in as Admin: %d", status)
		}
	})
	t.Run("the impostor names the company's role through itself", func(t *testing.T) {
		impostor.Session.CustomAttributes = []crewsaml.Attribute{kwtest.IdPAttribute(saml.AttributeRole, s.roleARN("Admin")+","+impostorARN),
			kwtest.IdPAttribute(saml.AttributeSessionName, "mallory")}
		hc := cookieClient()
		if status, _ := s.post(t, hc, url.Values{"SAMLResponse": {impostor.Response()}}); status == http.StatusOK || getStatus(t, hc, s.srv.URL+"/console/roles") == http.StatusOK {
			t.Fatalf("the impostor signed in as Admin: %d", status)
		}
	})
	t.Run("one identity provider registered twice", func(t *testing.T) {
		dev := s.provider(t, "corp-dev", s.idp.Metadata, "Dev")
		if err := s.k.IAM.PutInlinePolicy(kwtest.AsRoot(context.Background()), keyward.Entity{Kind: keyward.EntityRole, Name: "Dev"}, "read",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`); err != nil {
			t.Fatal(err)
		}
		s.idp.Session.CustomAttributes = []crewsaml.Attribute{kwtest.IdPAttribute(saml.AttributeRole, s.roleARN("Dev")+","+dev),
			kwtest.IdPAttribute(saml.AttributeSessionName, "alice")}
		defer s.roles("Admin")
		hc := cookieClient()
		status, page := s.post(t, hc, url.Values{"SAMLResponse": {s.idp.Response()}})
		if status != http.StatusOK || getStatus(t, hc, s.srv.URL+"/console/roles") != http.StatusOK {
			t.Fatalf("a role through the second registration: %d\n%s", status, page)
		}
	})
}

// TestSAMLEndpointAudited: a response used at /saml is used as the API's
// AssumeRoleWithSAML uses it, and recorded as the API records it: an
// AssumeRoleWithSAML event of the response's bearer, refused or not, and
// for a sign-in AWS's ConsoleLogin of the role's session. Without them,
// whoever signs in with a captured response, or tries forged ones, leaves
// no trace in the event history.
func TestSAMLEndpointAudited(t *testing.T) {
	s := newSAMLConsole(t)
	forged := strings.Replace(s.idp.Response(), "A", "B", 40)
	if status, _ := s.post(t, cookieClient(), url.Values{"SAMLResponse": {forged}}); status != http.StatusForbidden {
		t.Fatalf("forged: %d", status)
	}
	if status, _ := s.post(t, cookieClient(), url.Values{"SAMLResponse": {s.idp.Response()}}); status != http.StatusOK {
		t.Fatalf("sign-in: %d", status)
	}
	var got []string
	for _, e := range trail(t, s.k, s.rec, keyward.EventQuery{Max: 50}) {
		got = append(got, e.Name+" "+e.UserIdentity.Type+" "+e.UserIdentity.ARN+" "+e.ErrorCode)
	}
	slices.Sort(got)
	want := []string{
		"AssumeRoleWithSAML SAMLUser  ",
		"AssumeRoleWithSAML SAMLUser  InvalidIdentityToken",
		"ConsoleLogin AssumedRole arn:aws:sts::" + kwtest.AccountID + ":assumed-role/Admin/alice ",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events\n%q\nwant\n%q", got, want)
	}
}

// TestConsoleFederation: a role's session signs in to the console through
// the federation endpoint, as with AWS's (getSigninToken, then login): the
// console then acts as the assumed role, within its policies. A user's
// GetSessionToken credentials, a wrong secret, an altered or expired
// sign-in token are refused, and Destination stays within the console.
func TestConsoleFederation(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	id, secret := kwtest.CreateUserKey(t, root, "alice")
	alice := ts.STSIn(id, secret, "us-east-1")
	_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("viewer"), AssumeRolePolicyDocument: kwtest.TrustDoc(
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + kwtest.AccountID + `:user/alice"},"Action":"sts:AssumeRole"}`)})
	must(t, err)
	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("viewer"), PolicyName: aws.String("roles"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","iam:GetRole","iam:ListAttachedRolePolicies","iam:ListRolePolicies","iam:ListPolicies"],"Resource":"*"}]}`)})
	must(t, err)
	role, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":role/viewer"), RoleSessionName: aws.String("web")})
	must(t, err)
	user, err := alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	must(t, err)

	signinToken := func(c *ststypes.Credentials, secret string) (int, string) {
		t.Helper()
		sess, _ := json.Marshal(map[string]string{"sessionId": aws.ToString(c.AccessKeyId), "sessionKey": secret, "sessionToken": aws.ToString(c.SessionToken)})
		resp, err := http.Get(ts.URL + "/console/federation?Action=getSigninToken&SessionDuration=3600&Session=" + url.QueryEscape(string(sess)))
		must(t, err)
		defer resp.Body.Close()
		var out struct{ SigninToken string }
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out.SigninToken
	}
	if status, _ := signinToken(user.Credentials, aws.ToString(user.Credentials.SecretAccessKey)); status != http.StatusForbidden {
		t.Fatalf("a user's GetSessionToken credentials: %d", status)
	}
	if status, _ := signinToken(role.Credentials, "wrong"+aws.ToString(role.Credentials.SecretAccessKey)[5:]); status != http.StatusForbidden {
		t.Fatalf("a wrong secret: %d", status)
	}
	status, tok := signinToken(role.Credentials, aws.ToString(role.Credentials.SecretAccessKey))
	if status != 200 || tok == "" {
		t.Fatalf("getSigninToken: %d %q", status, tok)
	}

	web := newWebClient(t, ts)
	resp, _ := web.Get("/console/federation?Action=login&SigninToken=" + url.QueryEscape(tok[:len(tok)-3]+"AAA"))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an altered sign-in token: %d", resp.StatusCode)
	}
	resp, _ = web.Get("/console/federation?Action=login&Issuer=example.com&Destination=" + url.QueryEscape("https://evil.example/") + "&SigninToken=" + url.QueryEscape(tok))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/roles" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := web.Get("/console/roles")
	if resp.StatusCode != 200 || !strings.Contains(body, "arn:aws:sts::"+kwtest.AccountID+":assumed-role/viewer/web") || !strings.Contains(body, "viewer") {
		t.Fatalf("the roles page as the role: %d\n%s", resp.StatusCode, body)
	}
	resp, body = web.Get("/console/users")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "assumed-role/viewer/web is not authorized to perform: iam:ListUsers") {
		t.Fatalf("the users page as the role: %d\n%s", resp.StatusCode, body)
	}
	// The sign-in token lasts 15 minutes.
	ts.Clock.Add(16 * time.Minute)
	resp, _ = newWebClient(t, ts).Get("/console/federation?Action=login&SigninToken=" + url.QueryEscape(tok))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an expired sign-in token: %d", resp.StatusCode)
	}
}
