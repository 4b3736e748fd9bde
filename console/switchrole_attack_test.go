package console_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestSwitchRoleUnderAttack: Switch role decides as AssumeRole does and
// the switched session is held to the identity that switched: a user
// whose own policies do not allow sts:AssumeRole, or whom the role's trust
// policy does not trust, is refused and stays itself; a session cookie
// changed to claim another role, or another user's role session, is
// refused; Switch back only ever returns to the identity signed in; the
// switch ends with the console session, with the user's sessions and with
// the role; forms without the session's token and the root user are
// refused.
func TestSwitchRoleUnderAttack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// stillAlice checks that c is alice's own session.
	stillAlice := func(t *testing.T, c *webClient) {
		t.Helper()
		if c.session().Switched != nil {
			t.Fatal("the session switched")
		}
		if _, page := c.Get("/console/users"); !strings.Contains(page, `id="signed-in-as">arn:aws:iam::123456789012:user/alice<`) {
			t.Fatalf("not alice:\n%s", page)
		}
	}
	switched := func(t *testing.T, ts *apiServer, policy string) *webClient {
		t.Helper()
		switchFixture(t, ts, policy)
		c := newWebClient(t, ts)
		signInAlice(t, c)
		if policy != "" {
			if resp, body := c.switchTo(kwtest.AccountID, "ops/auditor", "", ""); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("switch: %d\n%s", resp.StatusCode, body)
			}
		}
		return c
	}

	t.Run("own policies do not allow sts:AssumeRole", func(t *testing.T) {
		t.Parallel()
		ts := newAPIServer(t)
		c := switched(t, ts, "")
		// The role trusts the account: the user's own policies must allow.
		resp, body := c.switchTo(kwtest.AccountID, "ops/auditor", "", "")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/ops/auditor") {
			t.Fatalf("%d\n%s", resp.StatusCode, body)
		}
		if c.session().Switched != nil {
			t.Fatal("switched")
		}
	})
	t.Run("an alias answered alike whether it leads to an account", func(t *testing.T) {
		t.Parallel()
		// An alias is resolved across the installation: a refusal naming
		// the role's ARN told any user, policies or none, which aliases
		// exist and the ID of each.
		ts := newAPIServer(t)
		c := switched(t, ts, "")
		secondAccount(t, ts.Keyward) // alias tenant-b
		known, knownBody := c.switchTo("tenant-b", "anything", "", "")
		unknown, unknownBody := c.switchTo("tenant-zzz", "anything", "", "")
		bad, badBody := c.switchTo("tenant-b", "bad role name!", "", "")
		for _, r := range []struct {
			name   string
			status int
			body   string
		}{{"tenant-b", known.StatusCode, knownBody}, {"tenant-zzz", unknown.StatusCode, unknownBody}, {"tenant-b, a malformed role", bad.StatusCode, badBody}} {
			if r.status != unknown.StatusCode || strings.Contains(r.body, accountB) || strings.Contains(r.body, "not authorized") ||
				!strings.Contains(r.body, "Invalid information in one or more fields.") {
				t.Errorf("%s: %d (an alias of no account: %d)\n%s", r.name, r.status, unknown.StatusCode, r.body)
			}
		}
		stillAlice(t, c)
		// Nor does alice's own account's trail, which its users may read.
		must(t, ts.Audit.Flush(ctx))
		evs, _, err := ts.Store.LookupEvents(ctx, keyward.EventQuery{EventName: "AssumeRole"})
		must(t, err)
		if len(evs) != 3 {
			t.Fatalf("%d AssumeRole events, want the 3 refused switches", len(evs))
		}
		for _, ev := range evs {
			if strings.Contains(string(ev.Record), accountB) {
				t.Errorf("the trail names the alias's account: %s", ev.Record)
			}
		}
	})
	t.Run("trust policy does not trust the user", func(t *testing.T) {
		t.Parallel()
		ts := newAPIServer(t)
		c := switched(t, ts, "")
		must(t, ts.IAM.PutInlinePolicy(kwtest.AsRoot(ctx), keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}, "p", aliceSwitches))
		for _, role := range []string{"closed", "no-such-role", "auditor"} { // auditor without its path is another role
			resp, body := c.switchTo(kwtest.AccountID, role, "", "")
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/"+role) {
				t.Fatalf("%s: %d\n%s", role, resp.StatusCode, body)
			}
		}
		stillAlice(t, c)
	})
	t.Run("a changed cookie claims another role", func(t *testing.T) {
		t.Parallel()
		ts := newAPIServer(t)
		c := switched(t, ts, aliceSwitches)
		var value string
		for _, ck := range c.cookies() {
			if ck.Name == "keyward_session" {
				value = ck.Value
			}
		}
		payload, sig, _ := strings.Cut(value, ".")
		b, _ := base64URL(payload)
		forged := strings.Replace(string(b), `"r":"ops/auditor"`, `"r":"direct"`, 1)
		if forged == string(b) {
			t.Fatalf("no role in %s", b)
		}
		c.setCookie("keyward_session", base64.RawURLEncoding.EncodeToString([]byte(forged))+"."+sig)
		if resp, _ := c.Get("/console/roles"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
			t.Fatalf("a changed cookie: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("another user's role session", func(t *testing.T) {
		t.Parallel()
		// Were a cookie ever to pair alice with a role session issued to
		// bob, STS would not take it for hers.
		ts := newAPIServer(t)
		switchFixture(t, ts, aliceSwitches)
		root := ts.RootIAM()
		_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")})
		must(t, err)
		_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("p"), PolicyDocument: aws.String(aliceSwitches)})
		must(t, err)
		u, err := ts.IAM.Store.User(ctx, "bob")
		must(t, err)
		bob := keyward.Principal{AccountID: kwtest.AccountID, UserID: u.ID, UserName: "bob", UserPath: "/"}
		rc := &keyward.RequestContext{Principal: bob, CurrentTime: ts.Clock.Now()}
		ar, err := ts.STS.SwitchRole(keyward.WithCaller(ctx, rc), "arn:aws:iam::123456789012:role/ops/auditor", ts.Clock.Now().Add(time.Hour))
		must(t, err)
		if _, err := ts.STS.SwitchedPrincipal(ctx, bob, ar.AccessKeyID, ar.Token); err != nil {
			t.Fatalf("bob's own: %v", err)
		}
		a, err := ts.IAM.Store.User(ctx, "alice")
		must(t, err)
		alice := keyward.Principal{AccountID: kwtest.AccountID, UserID: a.ID, UserName: "alice", UserPath: "/"}
		if _, err := ts.STS.SwitchedPrincipal(ctx, alice, ar.AccessKeyID, ar.Token); err == nil {
			t.Fatal("alice took bob's role session")
		}
		if _, err := ts.STS.SwitchedPrincipal(ctx, keyward.Principal{AccountID: kwtest.AccountID, Root: true}, ar.AccessKeyID, ar.Token); err == nil {
			t.Fatal("the root user took a role session")
		}
	})
	t.Run("switch back returns only to the identity signed in", func(t *testing.T) {
		t.Parallel()
		ts := newAPIServer(t)
		c := switched(t, ts, aliceSwitches)
		_, page := c.Get("/console/roles")
		resp, _ := c.Post("/console/switchrole/back", url.Values{"csrf": {csrfOf(t, page)}, "user": {"bob"}, "username": {"bob"}, "account": {kwtest.AccountID}, "role": {"direct"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch back: %d", resp.StatusCode)
		}
		stillAlice(t, c)
		// Switch back from alice's own session leaves it hers.
		_, page = c.Get("/console/users")
		c.Post("/console/switchrole/back", url.Values{"csrf": {csrfOf(t, page)}})
		stillAlice(t, c)
	})
	t.Run("the switch does not outlive the console session", func(t *testing.T) {
		t.Parallel()
		ts := newAPIServer(t)
		switchFixture(t, ts, aliceSwitches)
		c := newWebClient(t, ts)
		signInAlice(t, c)
		ts.Clock.Add(11*time.Hour + 50*time.Minute) // the role allows 12 hours; 10 minutes are left
		if resp, _ := c.switchTo(kwtest.AccountID, "ops/auditor", "", ""); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch: %d", resp.StatusCode)
		}
		s := c.session()
		if s.Switched == nil || s.Switched.Expires > s.Expires {
			t.Fatalf("switched until %+v, the session until %d", s.Switched, s.Expires)
		}
		ts.Clock.Add(11 * time.Minute)
		if resp, _ := c.Get("/console/roles"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
			t.Fatalf("past the session: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("the user's sessions end", func(t *testing.T) {
		t.Parallel()
		ts := newAPIServer(t)
		c := switched(t, ts, aliceSwitches)
		ts.Clock.Add(time.Second)
		_, err := ts.RootIAM().DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("alice")})
		must(t, err)
		if resp, _ := c.Get("/console/roles"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
			t.Fatalf("after the user's sessions ended: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	for _, replaced := range []bool{false, true} {
		name := "a deleted role's session ends"
		if replaced {
			name = "a replaced role's session ends"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := newAPIServer(t)
			c := switched(t, ts, aliceSwitches)
			root := ts.RootIAM()
			_, err := root.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("auditor"), PolicyName: aws.String("p")})
			must(t, err)
			_, err = root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("auditor")})
			must(t, err)
			if replaced {
				_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("auditor"), Path: aws.String("/ops/"), AssumeRolePolicyDocument: aws.String(trustAccount)})
				must(t, err)
			}
			resp, _ := c.Get("/console/roles")
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/?notice=switch-ended" {
				t.Fatalf("%d → %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			stillAlice(t, c)
		})
	}
	t.Run("CSRF", func(t *testing.T) {
		t.Parallel()
		ts := newAPIServer(t)
		c := switched(t, ts, "")
		must(t, ts.IAM.PutInlinePolicy(kwtest.AsRoot(ctx), keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}, "p", aliceSwitches))
		for _, tok := range []string{"", "0123456789abcdef0123456789abcdef"} {
			resp, _ := c.Post("/console/switchrole", url.Values{"csrf": {tok}, "account": {kwtest.AccountID}, "role": {"ops/auditor"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("token %q: %d", tok, resp.StatusCode)
			}
		}
		stillAlice(t, c)
		if resp, _ := c.switchTo(kwtest.AccountID, "ops/auditor", "", ""); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch: %d", resp.StatusCode)
		}
		resp, _ := c.Post("/console/switchrole/back", url.Values{"csrf": {"0123456789abcdef0123456789abcdef"}})
		if resp.StatusCode != http.StatusForbidden || c.session().Switched == nil {
			t.Fatalf("a forged switch back: %d", resp.StatusCode)
		}
	})
	t.Run("the root user cannot switch", func(t *testing.T) {
		t.Parallel()
		ts := newAPIServer(t)
		switchFixture(t, ts, aliceSwitches)
		c := newWebClient(t, ts)
		c.SignIn(rootForm(kwtest.RootSecret))
		_, page := c.Get("/console/users")
		if strings.Contains(page, `id="switch-role"`) {
			t.Fatal("the root user's menu offers Switch role")
		}
		if resp, _ := c.Get("/console/switchrole"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("the form: %d", resp.StatusCode)
		}
		resp, _ := c.Post("/console/switchrole", url.Values{"csrf": {csrfOf(t, page)}, "account": {kwtest.AccountID}, "role": {"ops/auditor"}})
		if resp.StatusCode != http.StatusForbidden || c.session().Switched != nil {
			t.Fatalf("the root user switched: %d", resp.StatusCode)
		}
	})
	t.Run("another user's role history is not shown", func(t *testing.T) {
		// The history is the browser's, as on AWS, but the roles a user
		// switched to are that user's: the next user to sign in on the
		// browser sees none of them, nor may the menu offer them.
		t.Parallel()
		ts := newAPIServer(t)
		c := switched(t, ts, aliceSwitches)
		if _, page := c.Get("/console/roles"); !strings.Contains(page, `id="role-history-0"`) {
			t.Fatal("alice's own history is not shown: the check below would prove nothing")
		}
		consoleUser(t, ts.Keyward, kwtest.AsRoot(ctx), "bob", switchPassword, aliceSwitches)
		if resp := c.SignIn(userForm("bob", switchPassword)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("bob's sign-in: %d", resp.StatusCode)
		}
		if _, page := c.Get("/console/roles"); strings.Contains(page, `id="role-history-0"`) || strings.Contains(page, "ops/auditor") {
			t.Fatalf("bob is shown alice's roles:\n%s", page)
		}
	})
	t.Run("a forged role history is ignored", func(t *testing.T) {
		t.Parallel()
		ts := newAPIServer(t)
		c := switched(t, ts, aliceSwitches)
		forged := base64.RawURLEncoding.EncodeToString([]byte(`[{"a":"123456789012","r":"closed","d":"Click me"}]`)) + ".AAAA"
		c.setCookie("keyward_roles", forged)
		if _, page := c.Get("/console/roles"); strings.Contains(page, "Click me") || strings.Contains(page, `id="role-history-0"`) {
			t.Fatalf("a forged history shown:\n%s", page)
		}
	})
}
