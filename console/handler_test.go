package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

func TestConsoleSecurityHeadersAndCookies(t *testing.T) {
	ts := newAPIServer(t)
	c := newWebClient(t, ts)
	resp, _ := c.Get("/console/signin")
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	} {
		if !strings.HasPrefix(resp.Header.Get(h), want) {
			t.Errorf("%s: %q, want %q…", h, resp.Header.Get(h), want)
		}
	}
	resp = c.SignIn(rootForm(kwtest.RootSecret))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/users" {
		t.Fatalf("sign-in: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "keyward_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Secure {
		t.Fatalf("session cookie %+v (Secure only over TLS)", session)
	}
	if exp := time.Until(session.Expires); exp < 11*time.Hour || exp > 12*time.Hour+time.Minute {
		t.Fatalf("session lasts %v", exp)
	}
}

func TestConsoleCSRF(t *testing.T) {
	ts := newAPIServer(t)
	c := newWebClient(t, ts)
	// The sign-in form itself needs its token.
	resp, _ := c.Post("/console/signin", rootForm(kwtest.RootSecret))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without token: %d", resp.StatusCode)
	}
	c.SignIn(rootForm(kwtest.RootSecret))
	for _, tok := range []string{"", "0123456789abcdef0123456789abcdef"} {
		resp, _ := c.Post("/console/users", url.Values{"name": {"mallory"}, "csrf": {tok}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("create user with token %q: %d", tok, resp.StatusCode)
		}
	}
	if _, err := ts.RootIAM().GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("mallory")}); err == nil {
		t.Fatal("a forged form created a user")
	}
	resp, _ = c.Post("/console/users", url.Values{"name": {"alice"}, "csrf": {c.token()}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create user with the token: %d", resp.StatusCode)
	}
}

func TestConsoleSessionExpiry(t *testing.T) {
	ts := newAPIServer(t)
	c := newWebClient(t, ts)
	c.SignIn(rootForm(kwtest.RootSecret))
	if resp, _ := c.Get("/console/users"); resp.StatusCode != http.StatusOK {
		t.Fatalf("users: %d", resp.StatusCode)
	}
	ts.Clock.Add(12*time.Hour + time.Second)
	resp, _ := c.Get("/console/users")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
		t.Fatalf("after 12 hours: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A tampered cookie is no session either.
	u, _ := url.Parse(ts.URL + "/console/")
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "keyward_session", Value: "eyJyIjp0cnVlLCJlIjo5OTk5OTk5OTk5LCJjIjoiIn0.forged", Path: "/console/"}})
	if resp, _ := c.Get("/console/users"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("forged session: %d", resp.StatusCode)
	}
}

func TestConsoleSignInLimited(t *testing.T) {
	ts := newAPIServer(t)
	c := newWebClient(t, ts)
	// Wrong secrets of the root user's key: the address runs out of its
	// budget (console/limit_test.go: never the root user's elsewhere).
	for i := 0; i < 20; i++ {
		if resp := c.SignIn(rootForm(fmt.Sprintf("wrong%02d", i) + kwtest.RootSecret[7:])); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong secret %d: %d", i, resp.StatusCode)
		}
	}
	// Locked: even the right secret is refused, without being looked at.
	_, page := c.Get("/console/signin?as=root")
	form := rootForm(kwtest.RootSecret)
	form.Set("csrf", csrfOf(t, page))
	resp, body := c.Post("/console/signin", form)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-in attempts") {
		t.Fatalf("sixth attempt: %d", resp.StatusCode)
	}
	ts.Clock.Add(16 * time.Minute)
	if resp := c.SignIn(rootForm(kwtest.RootSecret)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: %d", resp.StatusCode)
	}
}

func TestConsoleIAMUser(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("gail")})
	must(t, err)
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("gail"), Password: aws.String("Gail-Passw0rd!"), PasswordResetRequired: true})
	must(t, err)
	c := newWebClient(t, ts)
	user := userForm("gail", "Gail-Passw0rd!")
	if resp := c.SignIn(formWithPassword(user, "nope")); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	if resp := c.SignIn(user); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	// The reset comes first.
	resp, _ := c.Get("/console/users")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/password" {
		t.Fatalf("before the new password: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := c.Get("/console/password")
	resp, _ = c.Post("/console/password", url.Values{"csrf": {csrfOf(t, page)}, "old": {"Gail-Passw0rd!"}, "new": {"Gail-N3w-Passw0rd"}, "confirm": {"Gail-N3w-Passw0rd"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d", resp.StatusCode)
	}
	// Without a policy, the list is refused with AWS's words and nothing else.
	resp, body := c.Get("/console/users")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "User: arn:aws:iam::123456789012:user/gail is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action") {
		t.Fatalf("users as gail: %d\n%s", resp.StatusCode, body)
	}
	// The sign-in is in the credential report's password_last_used.
	lp, err := ts.IAM.LoginProfile(keyward.Internal(ctx), "gail")
	must(t, err)
	if lp.LastUsed.IsZero() {
		t.Fatal("console sign-in not recorded")
	}
	// With IAMReadOnlyAccess the list shows; creating a user is still refused.
	_, err = root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("gail"), PolicyArn: aws.String(awsPolicy + "IAMReadOnlyAccess")})
	must(t, err)
	if resp, _ := c.Get("/console/users"); resp.StatusCode != http.StatusOK {
		t.Fatalf("users with read-only access: %d", resp.StatusCode)
	}
	resp, body = c.Post("/console/users", url.Values{"name": {"intruder"}, "csrf": {c.token()}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "is not authorized to perform: iam:CreateUser") {
		t.Fatalf("create user as read-only: %d", resp.StatusCode)
	}
	// Sign-out ends the session, even for a copy of its cookie.
	consoleURL, _ := url.Parse(ts.URL + "/console/")
	kept := c.HTTP.Jar.Cookies(consoleURL)
	resp, _ = c.Post("/console/signout", url.Values{"csrf": {c.token()}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	if resp, _ := c.Get("/console/users"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", resp.StatusCode)
	}
	c.HTTP.Jar.SetCookies(consoleURL, kept)
	resp, _ = c.Get("/console/users")
	cleared := false
	for _, ck := range resp.Cookies() {
		cleared = cleared || (ck.Name == "keyward_session" && ck.MaxAge < 0)
	}
	// Refused as revoked (the console clears it), not as missing.
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" || !cleared {
		t.Fatalf("a kept cookie after sign-out: %d, cleared %v", resp.StatusCode, cleared)
	}
}

func TestConsoleDeleteUser(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	kwtest.CreateUserKey(t, root, "hank")
	_, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("hank"), PolicyArn: aws.String(awsPolicy + "IAMReadOnlyAccess")})
	must(t, err)
	_, err = root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	must(t, err)
	_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g"), UserName: aws.String("hank")})
	must(t, err)
	c := newWebClient(t, ts)
	c.SignIn(rootForm(kwtest.RootSecret))
	_, page := c.Get("/console/users/hank/delete")
	resp, _ := c.Post("/console/users/hank/delete", url.Values{"csrf": {csrfOf(t, page)}, "confirm": {"han"}})
	if resp.StatusCode == http.StatusSeeOther {
		t.Fatal("deleted without the name typed")
	}
	resp, _ = c.Post("/console/users/hank/delete", url.Values{"csrf": {csrfOf(t, page)}, "confirm": {"hank"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	_, err = root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("hank")})
	wantAPIError(t, err, "NoSuchEntity", 404, "")
}

// TestConsoleDetails: what the browser showed wrong once.
func TestConsoleDetails(t *testing.T) {
	ts := newAPIServer(t)
	c := newWebClient(t, ts)
	c.SignIn(rootForm(kwtest.RootSecret))
	t.Run("favicon", func(t *testing.T) {
		resp, body := c.Get("/favicon.ico")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(body, "<svg") {
			t.Fatalf("/favicon.ico: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if _, page := c.Get("/console/users"); !strings.Contains(page, `rel="icon" href="/console/static/favicon.svg"`) {
			t.Fatal("the pages name no icon")
		}
	})
	t.Run("report notice", func(t *testing.T) {
		resp, _ := c.Post("/console/reports", url.Values{"csrf": {c.token()}})
		next := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(next, "notice=report-started") {
			t.Fatalf("generate: %d → %s", resp.StatusCode, next)
		}
		ts.Reports.Wait()
		_, page := c.Get(next)
		if strings.Contains(page, "Reload this page") || !strings.Contains(page, "ready to download") || !strings.Contains(page, `id="download-report"`) {
			t.Fatalf("the report page after the report is ready:\n%s", page)
		}
	})
	t.Run("Never, one way", func(t *testing.T) {
		kwtest.CreateUserKey(t, ts.RootIAM(), "ivy")
		never := regexp.MustCompile(`>\s*never\b|\bnever\s*<|last used: never`)
		for _, path := range []string{"/console/users", "/console/users/ivy", "/console/users/ivy?tab=credentials"} {
			if _, page := c.Get(path); never.MatchString(page) {
				t.Errorf("%s says %q where other pages say Never", path, never.FindString(page))
			}
		}
	})
}

// TestConsoleUsersSortableColumns: every sortable column of the users
// table sorts on the server, both ways, and says so (aria-sort); the
// header links to the other way.
func TestConsoleUsersSortableColumns(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	kwtest.CreateUserKey(t, root, "ann")
	_, err := root.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("bob")})
	must(t, err)
	c := newWebClient(t, ts)
	c.SignIn(rootForm(kwtest.RootSecret))
	for _, col := range []string{"name", "path", "activity", "passwordage", "signin", "keyage", "keyused", "mfa", "created"} {
		for _, order := range []string{"", "desc"} {
			resp, page := c.Get("/console/users?sort=" + col + "&order=" + order)
			want := `aria-sort="ascending"`
			if order == "desc" {
				want = `aria-sort="descending"`
			}
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, want) || !strings.Contains(page, `id="sort-`+col+`"`) {
				t.Fatalf("sort=%s order=%s: %d, %s missing", col, order, resp.StatusCode, want)
			}
		}
	}
	// By active key age, newest first: ann (a key) before bob (none).
	_, page := c.Get("/console/users?sort=keyage&order=desc")
	if strings.Index(page, "/console/users/ann") > strings.Index(page, "/console/users/bob") {
		t.Fatal("sorted by key age, descending, bob came before ann")
	}
}

// TestConsoleDeleteUserWithEveryCredential: the console's delete removes an
// MFA device (deactivated, then deleted), an SSH key, a service-specific
// credential and a signing certificate before the user, as the API
// sequence AWS's console makes.
func TestConsoleDeleteUserWithEveryCredential(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	kwtest.CreateUserKey(t, root, "carol")
	d, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("carol")})
	must(t, err)
	seed, now := string(d.VirtualMFADevice.Base32StringSeed), ts.Clock.Now()
	_, err = root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("carol"), SerialNumber: d.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(kwtest.TOTPCode(t, seed, now.Add(-30*time.Second))), AuthenticationCode2: aws.String(kwtest.TOTPCode(t, seed, now))})
	must(t, err)
	_, err = root.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("carol"), SSHPublicKeyBody: aws.String(testSSHKey)})
	must(t, err)
	_, err = root.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("carol"), ServiceName: aws.String("codecommit.amazonaws.com")})
	must(t, err)
	_, err = root.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("carol"), CertificateBody: aws.String(testCertificate)})
	must(t, err)
	c := newWebClient(t, ts)
	c.SignIn(rootForm(kwtest.RootSecret))
	// The Security credentials tab shows every one of them.
	_, tab := c.Get("/console/users/carol?tab=credentials")
	for _, want := range []string{`data-serial="arn:aws:iam::123456789012:mfa/carol"`, `id="ssh-keys"`, "carol-at-123456789012", "codecommit.amazonaws.com", `id="signing-certificates"`} {
		if !strings.Contains(tab, want) {
			t.Fatalf("the credentials tab lacks %s", want)
		}
	}
	if strings.Count(tab, "No SSH public keys.")+strings.Count(tab, "No signing certificates.") != 0 {
		t.Fatal("the credentials tab says a credential is missing")
	}
	resp, body := c.Post("/console/users/carol/delete", url.Values{"confirm": {"carol"}, "csrf": {c.token()}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d\n%s", resp.StatusCode, body)
	}
	if _, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("carol")}); err == nil {
		t.Fatal("carol survived")
	}
	devices, err := root.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
	must(t, err)
	if len(devices.VirtualMFADevices) != 0 {
		t.Fatalf("%d MFA devices left", len(devices.VirtualMFADevices))
	}
}
func formWithPassword(v url.Values, pw string) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	c.Set("password", pw)
	return c
}

// TestConsoleSessionsEnd: a password reset by an administrator, a deleted
// login profile and the administrator's "sign out of all console sessions"
// end a user's console sessions, as AWS does; they once survived all three.
func TestConsoleSessionsEnd(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("hal")})
	must(t, err)
	password := "Hal-Passw0rd-1"
	createProfile := func() {
		_, err := root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("hal"), Password: aws.String(password)})
		must(t, err)
	}
	signIn := func() *webClient {
		t.Helper()
		c := newWebClient(t, ts)
		if resp := c.SignIn(userForm("hal", password)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("hal's sign-in: %d", resp.StatusCode)
		}
		// What ends the session comes later: a session is ended by what
		// happens after it began, not at the same instant.
		ts.Clock.Add(time.Second)
		return c
	}
	signedIn := func(c *webClient) bool {
		t.Helper()
		resp, _ := c.Get("/console/password")
		return resp.StatusCode == http.StatusOK
	}
	createProfile()

	t.Run("password reset by an administrator", func(t *testing.T) {
		c := signIn()
		// Requiring a reset alone leaves the session.
		_, err := root.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("hal"), PasswordResetRequired: aws.Bool(false)})
		must(t, err)
		if !signedIn(c) {
			t.Fatal("a change of the reset flag ended the session")
		}
		password = "Hal-Passw0rd-2"
		_, err = root.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("hal"), Password: aws.String(password)})
		must(t, err)
		if signedIn(c) {
			t.Fatal("the session survived a password reset")
		}
		if !signedIn(signIn()) {
			t.Fatal("no new session with the new password")
		}
	})
	t.Run("login profile deleted", func(t *testing.T) {
		c := signIn()
		_, err := root.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("hal")})
		must(t, err)
		if signedIn(c) {
			t.Fatal("the session survived DeleteLoginProfile")
		}
		// A new profile does not bring the old session back.
		createProfile()
		if signedIn(c) {
			t.Fatal("the old session came back with a new login profile")
		}
	})
	t.Run("ended by an administrator in the console", func(t *testing.T) {
		c := signIn()
		admin := newWebClient(t, ts)
		admin.SignIn(rootForm(kwtest.RootSecret))
		resp, _ := admin.Post("/console/users/hal/sessions/end", url.Values{"csrf": {admin.token()}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("ending hal's sessions: %d", resp.StatusCode)
		}
		if signedIn(c) {
			t.Fatal("the session survived the administrator's sign-out")
		}
		if !signedIn(admin) {
			t.Fatal("the administrator was signed out too")
		}
	})
	t.Run("own password change keeps the session", func(t *testing.T) {
		c := signIn()
		other := signIn()
		_, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("hal"), PolicyArn: aws.String(awsPolicy + "IAMUserChangePassword")})
		must(t, err)
		_, page := c.Get("/console/password")
		resp, _ := c.Post("/console/password", url.Values{"csrf": {csrfOf(t, page)}, "old": {password}, "new": {"Hal-Passw0rd-3"}, "confirm": {"Hal-Passw0rd-3"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("changing the password: %d", resp.StatusCode)
		}
		password = "Hal-Passw0rd-3"
		if !signedIn(c) {
			t.Fatal("the session that changed the password ended")
		}
		if signedIn(other) {
			t.Fatal("another session survived the password change")
		}
	})
}

// TestSearchFindsKeysByPrefix: the search box promises access keys, and a
// key ID's beginning ("AKIA") found nothing. It finds the keys, and their
// users, that the caller may list through the API, no others.
func TestSearchFindsKeysByPrefix(t *testing.T) {
	s := newSite(t)
	boKey, _ := s.k.User(t, "bo", "")
	cyKey, _ := s.k.User(t, "cy", "")
	consoleUser(t, s.k, root(), "al", "Al-Passw0rd-1", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"},
		{"Effect":"Allow","Action":"iam:ListAccessKeys","Resource":"arn:aws:iam::`+kwtest.AccountID+`:user/bo"}]}`)
	consoleUser(t, s.k, root(), "nobody", "Nobody-Passw0rd-1", "")

	admin := s.browser()
	admin.signInRoot()
	al := s.browser()
	if status := al.signInUser(kwtest.AccountID, "al", "Al-Passw0rd-1"); status != http.StatusSeeOther {
		t.Fatalf("al's sign-in: %d", status)
	}
	nobody := s.browser()
	if status := nobody.signInUser(kwtest.AccountID, "nobody", "Nobody-Passw0rd-1"); status != http.StatusSeeOther {
		t.Fatalf("nobody's sign-in: %d", status)
	}
	type result struct{ user, key string }
	results := func(page string) []result {
		var out []result
		for _, m := range regexp.MustCompile(`<li>(?:Root user|<a href="/console/users/(\w+)">\w+</a>) <span class="match">Access key (\w+)</span></li>`).FindAllStringSubmatch(page, -1) {
			out = append(out, result{m[1], m[2]})
		}
		return out
	}
	for _, tc := range []struct {
		name, as, q string
		status      int
		want        []result
	}{
		{"root, by the common prefix", "root", "AKIA", 200, []result{{"", kwtest.RootKeyID}, {"bo", boKey}, {"cy", cyKey}}},
		{"root, by a longer prefix in lower case", "root", strings.ToLower(boKey[:19]), 200, []result{{"bo", boKey}}},
		{"root, by the whole ID", "root", cyKey, 200, []result{{"cy", cyKey}}},
		{"al sees only the keys it may list", "al", "akia", 200, []result{{"bo", boKey}}},
		{"al, cy's key's beginning", "al", cyKey[:12], 200, nil},
		// A whole ID is looked up as GetAccessKeyLastUsed tells its owner,
		// which al may not call: refused, whether the key exists or not.
		{"al, cy's whole key ID", "al", cyKey, 403, nil},
		{"al, bo's whole key ID", "al", boKey, 200, []result{{"bo", boKey}}},
		{"nobody may list users", "nobody", "AKIA", 403, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := map[string]*browser{"root": admin, "al": al, "nobody": nobody}[tc.as]
			status, page := b.do(http.MethodGet, "/console/search?q="+url.QueryEscape(tc.q), nil)
			if status != tc.status {
				t.Fatalf("%d, want %d", status, tc.status)
			}
			got := results(page)
			if len(got) != len(tc.want) {
				t.Fatalf("results %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] && !(tc.want[i].user == "" && got[i].key == tc.want[i].key) {
					t.Fatalf("results %v, want %v", got, tc.want)
				}
			}
			if tc.status == 200 && len(tc.want) == 0 && !strings.Contains(page, "No user or access key matches") {
				t.Fatal("no results, and the page does not say so")
			}
		})
	}
}
