package console_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// The fixture of Switch role's tests: alice, who may list users and
// assume roles; the role ops/auditor (a path), which trusts the account
// and may list roles but not users; the role closed, which trusts no one
// here; and the role direct, which trusts alice by name.
const (
	switchPassword = "Alice-Passw0rd-1"
	aliceSwitches  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:GetUser","sts:AssumeRole"],"Resource":"*"}]}`
	auditorPolicy  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","iam:GetRole"],"Resource":"*"}]}`
	trustNobody    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]}`
	trustAlice     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`
)

// switchFixture makes the fixture's user (with policy as its inline
// policy, none when empty) and roles.
func switchFixture(t *testing.T, ts *apiServer, policy string) {
	t.Helper()
	root := ts.RootIAM()
	ctx := context.Background()
	consoleUser(t, ts.Keyward, kwtest.AsRoot(ctx), "alice", switchPassword, policy)
	for _, r := range []struct{ name, path, trust, policy string }{
		{"auditor", "/ops/", trustAccount, auditorPolicy},
		{"closed", "/", trustNobody, auditorPolicy},
		{"direct", "/", trustAlice, auditorPolicy},
	} {
		_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.name), Path: aws.String(r.path), AssumeRolePolicyDocument: aws.String(r.trust),
			MaxSessionDuration: aws.Int32(43200)})
		must(t, err)
		_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.name), PolicyName: aws.String("p"), PolicyDocument: aws.String(r.policy)})
		must(t, err)
	}
}

// signInAlice signs the fixture's user in.
func signInAlice(t *testing.T, c *webClient) {
	t.Helper()
	if resp := c.SignIn(userForm("alice", switchPassword)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("alice's sign-in: %d", resp.StatusCode)
	}
}

// switchTo posts the Switch role form.
func (c *webClient) switchTo(account, role, display, color string) (*http.Response, string) {
	c.t.Helper()
	_, page := c.Get("/console/switchrole")
	return c.Post("/console/switchrole", url.Values{"csrf": {csrfOf(c.t, page)}, "account": {account}, "role": {role}, "display": {display}, "color": {color}})
}

// status GETs path and returns its status.
func (c *webClient) status(path string) int {
	c.t.Helper()
	resp, _ := c.Get(path)
	return resp.StatusCode
}

// TestSwitchRoleAndBack: an IAM user switches to a role by the account's
// alias and the role's path and name (a role that does not trust it is
// refused with AWS's words), every page then shows the banner and acts as
// the role (the user's page refused, the role's allowed), the menu
// remembers the role, and Switch back returns to the user, whose session
// keeps its expiry. The switch is audited as AWS records it: a SwitchRole
// sign-in event and the AssumeRole it performed.
func TestSwitchRoleAndBack(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	switchFixture(t, ts, aliceSwitches)
	must(t, ts.IAM.CreateAccountAlias(kwtest.AsRoot(context.Background()), "example-corp"))
	c := newWebClient(t, ts)
	signInAlice(t, c)
	_, home := c.Get("/console/users")
	if !strings.Contains(home, `id="switch-role"`) || strings.Contains(home, `id="switched-banner"`) {
		t.Fatalf("alice's menu:\n%s", home)
	}
	if c.status("/console/roles") != http.StatusForbidden {
		t.Fatal("alice lists roles")
	}
	original := c.session()

	resp, body := c.switchTo(kwtest.AccountID, "closed", "", "")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Invalid information in one or more fields.") ||
		!strings.Contains(body, "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/closed") {
		t.Fatalf("an untrusting role: %d\n%s", resp.StatusCode, body)
	}
	if n := strings.Count(body, `class="flash error"`); n != 1 {
		t.Fatalf("%d error messages, want 1", n)
	}
	if resp, _ := c.switchTo("no-such-alias", "ops/auditor", "", ""); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("an unknown account: %d", resp.StatusCode)
	}
	if resp, _ := c.switchTo(kwtest.AccountID, "ops/auditor", "", "purple"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a colour AWS does not offer: %d", resp.StatusCode)
	}
	if c.session().Switched != nil {
		t.Fatal("a refused switch switched")
	}

	resp, _ = c.switchTo("example-corp", "ops/auditor", "", "green")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch: %d", resp.StatusCode)
	}
	_, page := c.Get("/console/roles")
	for _, want := range []string{`id="switched-banner"`, "switch-green", "auditor @ example-corp", "arn:aws:sts::123456789012:assumed-role/auditor/alice", `id="switch-back"`, `id="role-history-0"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("the roles page as the role lacks %s:\n%s\n%s", want, page, ts.Log.String())
		}
	}
	if c.status("/console/users") != http.StatusForbidden {
		t.Fatal("the role lists users")
	}
	sw := c.session()
	if sw.Switched == nil || sw.Expires != original.Expires || sw.Switched.Expires > original.Expires {
		t.Fatalf("switched session %+v, original %+v", sw, original)
	}

	_, page = c.Get("/console/roles")
	resp, _ = c.Post("/console/switchrole/back", url.Values{"csrf": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch back: %d", resp.StatusCode)
	}
	_, page = c.Get("/console/users")
	if strings.Contains(page, `id="switched-banner"`) || !strings.Contains(page, "arn:aws:iam::123456789012:user/alice") || !strings.Contains(page, "auditor @ example-corp") {
		t.Fatalf("back as alice:\n%s", page)
	}
	if back := c.session(); back.Switched != nil || back.Expires != original.Expires || back.ID != original.ID {
		t.Fatalf("back: %+v, original %+v", back, original)
	}

	must(t, ts.Audit.Flush(context.Background()))
	for _, q := range []struct{ name, source, want string }{
		{"SwitchRole", keyward.EventSourceSignIn, `"SwitchRole":"Success"`},
		{"AssumeRole", keyward.EventSourceSTS, `"roleSessionName":"alice"`},
		{"ExitRole", keyward.EventSourceSignIn, `"ExitRole":"Success"`},
	} {
		events, _, err := ts.IAM.Store.LookupEvents(context.Background(), keyward.EventQuery{EventName: q.name, Max: 10})
		must(t, err)
		found := false
		for _, e := range events {
			found = found || e.Source == q.source && strings.Contains(string(e.Record), q.want) && strings.Contains(string(e.Record), `"SwitchFrom":"arn:aws:iam::123456789012:user/alice"`) == (q.source == keyward.EventSourceSignIn)
		}
		if !found {
			t.Errorf("no %s event from %s with %s in %d", q.name, q.source, q.want, len(events))
		}
	}
}

// TestSwitchRoleFromASwitchedSessionIsTheUsers: a switch from a switched
// session switches from the user, not from the role (AWS's console does
// not chain roles): a role that trusts only the user is taken.
func TestSwitchRoleFromASwitchedSessionIsTheUsers(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	switchFixture(t, ts, aliceSwitches)
	c := newWebClient(t, ts)
	signInAlice(t, c)
	if resp, _ := c.switchTo(kwtest.AccountID, "ops/auditor", "Auditor", "red"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch: %d", resp.StatusCode)
	}
	if resp, body := c.switchTo(kwtest.AccountID, "direct", "", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch from the switched session: %d\n%s", resp.StatusCode, body)
	}
	_, page := c.Get("/console/roles")
	if !strings.Contains(page, "arn:aws:sts::123456789012:assumed-role/direct/alice") || !strings.Contains(page, "switched from <span id=\"switched-from\">arn:aws:iam::123456789012:user/alice") {
		t.Fatalf("the second switch:\n%s", page)
	}
}

// consoleCookie is the console session cookie as the browser holds it,
// decoded (its signature is not checked here).
type consoleCookie struct {
	ID       string `json:"s"`
	Expires  int64  `json:"e"`
	Switched *struct {
		Role    string `json:"r"`
		Expires int64  `json:"e"`
	} `json:"w"`
}

// session decodes the client's session cookie.
func (c *webClient) session() consoleCookie {
	c.t.Helper()
	var s consoleCookie
	for _, ck := range c.cookies() {
		if ck.Name == "keyward_session" {
			payload, _, _ := strings.Cut(ck.Value, ".")
			b, err := base64URL(payload)
			if err != nil || json.Unmarshal(b, &s) != nil {
				c.t.Fatalf("session cookie %q", ck.Value)
			}
		}
	}
	return s
}

// cookies are the client's cookies for the console.
func (c *webClient) cookies() []*http.Cookie {
	u, _ := url.Parse(c.ts.URL + "/console/")
	return c.HTTP.Jar.Cookies(u)
}

// setCookie replaces one of the client's console cookies.
func (c *webClient) setCookie(name, value string) {
	u, _ := url.Parse(c.ts.URL + "/console/")
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/console/"}})
}

func base64URL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// TestSwitchRoleFromAFederatedSession: a role's console session (through
// the federation endpoint) switches too, as on AWS: the new session is
// named as the federated one, lasts at most an hour (a chain), and Switch
// back returns to the federated session.
func TestSwitchRoleFromAFederatedSession(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	switchFixture(t, ts, "")
	root := ts.RootIAM()
	ctx := context.Background()
	id, secret := kwtest.CreateUserKey(t, root, "carol")
	_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("sso"), AssumeRolePolicyDocument: aws.String(trustAccount), MaxSessionDuration: aws.Int32(43200)})
	must(t, err)
	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("sso"), PolicyName: aws.String("p"), PolicyDocument: aws.String(aliceSwitches)})
	must(t, err)
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("p"), PolicyDocument: aws.String(aliceSwitches)})
	must(t, err)
	role, err := ts.STSIn(id, secret, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/sso"),
		RoleSessionName: aws.String("carol@example.com"), DurationSeconds: aws.Int32(43200)})
	must(t, err)
	c := federatedClient(t, ts, role.Credentials)
	original := c.session()
	if resp, body := c.switchTo(kwtest.AccountID, "ops/auditor", "", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch: %d\n%s", resp.StatusCode, body)
	}
	_, page := c.Get("/console/roles")
	if !strings.Contains(page, "arn:aws:sts::123456789012:assumed-role/auditor/carol@example.com") || !strings.Contains(page, "arn:aws:sts::123456789012:assumed-role/sso/carol@example.com") {
		t.Fatalf("switched from the federated session:\n%s", page)
	}
	if s := c.session(); s.Switched == nil || s.Switched.Expires > ts.Clock.Now().Add(time.Hour).Unix() || s.Expires != original.Expires {
		t.Fatalf("switched %+v, original %+v", s, original)
	}
	resp, _ := c.Post("/console/switchrole/back", url.Values{"csrf": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch back: %d", resp.StatusCode)
	}
	if _, page := c.Get("/console/roles"); strings.Contains(page, `id="switched-banner"`) || !strings.Contains(page, `id="signed-in-as">arn:aws:sts::123456789012:assumed-role/sso/carol@example.com<`) {
		t.Fatalf("back:\n%s", page)
	}
}
