package console_test

// Attacks on the console: the trust boundary between a browser and the
// Service behind /console/.
//
// What the caller may claim: an account (by ID or alias), a user name and
// a password, or a root access key and its secret, on the sign-in form; a
// session cookie and a CSRF token afterwards; any path, query and form
// values. What Keyward establishes itself: which account and which user a
// sign-in names (every spelling of them shares one budget of guesses),
// whether the password is right (slowly, within limits per user and per
// address), who a session belongs to (a signed cookie, checked against the
// sessions revoked), and, for every page and every form, whether that
// principal may do it: each is the feature-package call the API makes, authorised
// the same way, so that no page shows what the API would refuse.
//
// Attacks that need the whole server (memory under a flood of sign-ins)
// are in cmd/keyward/signin_attack_test.go; each console action's
// authorisation is in authz_test.go.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/console/consoletest"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/webhook"
)

// must is kwtest's, under the name the tests here call.
var must = kwtest.Must

// site is the console alone, in front of a Service on SQLite, with
// browsers to drive it.
type site struct {
	t   *testing.T
	k   *kwtest.Keyward
	url string
}

func newSite(t *testing.T) *site {
	t.Helper()
	return newSiteAt(t, time.Now)
}

// newSiteAt is newSite on a clock the test moves.
func newSiteAt(t *testing.T, now func() time.Time) *site {
	t.Helper()
	s, _ := startSite(t, false, now)
	return s
}

// newAuditedSite is a site that records the audit trail.
func newAuditedSite(t *testing.T) (*site, *audit.Recorder) {
	t.Helper()
	return startSite(t, true, time.Now)
}

func startSite(t *testing.T, audited bool, now func() time.Time) (*site, *audit.Recorder) {
	t.Helper()
	k := kwtest.NewWithClock(t, now)
	cfg := consoleConfig(k, now)
	var rec *audit.Recorder
	if audited {
		rec = &audit.Recorder{Store: k.IAM.Store}
		cfg.Audit = rec
	}
	return &site{t: t, k: k, url: serveConsole(t, cfg).URL}, rec
}

// browser is one browser's cookies.
type browser struct {
	*consoletest.Client
	s *site
}

func (s *site) browser() *browser {
	return &browser{Client: consoletest.NewClient(s.t, s.url), s: s}
}

// do GETs path, or POSTs form to it, and returns the status and body.
func (b *browser) do(method, path string, form url.Values) (int, string) {
	b.s.t.Helper()
	var resp *http.Response
	var body string
	if method == http.MethodGet {
		resp, body = b.Get(path)
	} else {
		resp, body = b.Post(path, form)
	}
	return resp.StatusCode, body
}

// signIn submits the sign-in form and returns the status.
func (b *browser) signIn(form url.Values) int {
	b.s.t.Helper()
	return b.SignIn(form).StatusCode
}

// signInRoot signs in as the root user with its access key, failing the
// test unless the console lets it in.
func (b *browser) signInRoot() {
	b.s.t.Helper()
	if status := b.signIn(url.Values{"kind": {"root"}, "accesskey": {kwtest.RootKeyID}, "secret": {kwtest.RootSecret}}); status != http.StatusSeeOther {
		b.s.t.Fatalf("root sign-in: %d", status)
	}
}

func (b *browser) signInUser(account, name, password string) int {
	return b.signIn(url.Values{"kind": {"user"}, "account": {account}, "username": {name}, "password": {password}})
}

func root() context.Context { return kwtest.AsRoot(context.Background()) }

// TestSignInBudgetPerAccountNotPerSpelling: the guesses allowed per user
// are counted against the account the form resolves to, whether it names
// the account by ID or alias, and against the user name as the store folds
// it. Keyed on the typed field, the ID and the alias each gave 5 guesses.
func TestSignInBudgetPerAccountNotPerSpelling(t *testing.T) {
	s := newSite(t)
	must(t, s.k.IAM.CreateAccountAlias(root(), "example-corp"))
	for _, tc := range []struct {
		name            string
		guess, then     string // the account field of the guesses, then of the right password
		guessAs, thenAs string // the user name typed
	}{
		{"ID then alias", kwtest.AccountID, "example-corp", "bo", "bo"},
		{"alias then ID", "example-corp", kwtest.AccountID, "cy", "cy"},
		{"one case then another", kwtest.AccountID, "example-corp", "dee", "DEE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ToLower(tc.guessAs)
			consoleUser(t, s.k, root(), name, "Right-Passw0rd-"+name, "")
			b := s.browser()
			for i := range 5 {
				if status := b.signInUser(tc.guess, tc.guessAs, "wrong-"+string(rune('a'+i))); status != http.StatusUnauthorized {
					t.Fatalf("guess %d: %d", i+1, status)
				}
			}
			// Another spelling of the same account and user, from another
			// browser, right password: the budget is spent.
			if status := s.browser().signInUser(tc.then, tc.thenAs, "Right-Passw0rd-"+name); status != http.StatusTooManyRequests {
				t.Fatalf("after 5 guesses as %s, signing in as %s/%s: %d, want 429", tc.guess, tc.then, tc.thenAs, status)
			}
		})
	}
	t.Run("a wrong account spends nobody's budget", func(t *testing.T) {
		consoleUser(t, s.k, root(), "eve", "Right-Passw0rd-eve", "")
		b := s.browser()
		for i := range 6 {
			b.signInUser("999999999999", "eve", "wrong-"+string(rune('a'+i)))
		}
		if status := s.browser().signInUser(kwtest.AccountID, "eve", "Right-Passw0rd-eve"); status != http.StatusSeeOther {
			t.Fatalf("signing in after guesses at another account: %d", status)
		}
	})
}

// TestUsersListShowsOnlyWhatTheAPIWould: a user allowed iam:ListUsers and
// nothing else saw, on the users list, every user's access key IDs and
// their status, groups, password and MFA state, which the API refuses it
// (ListAccessKeys, ListGroupsForUser, GetLoginProfile, ListMFADevices).
// Each column is shown per user only when its action is allowed on that
// user, and the list sorts by a column only if the caller may read it for
// every user.
func TestUsersListShowsOnlyWhatTheAPIWould(t *testing.T) {
	s := newSite(t)
	ctx := root()
	keyID, _ := s.k.User(t, "target", "")
	_, err := s.k.IAM.CreateGroup(ctx, "secret-group", "/")
	must(t, err)
	must(t, s.k.IAM.AddUserToGroup(ctx, "secret-group", "target"))
	_, err = s.k.IAM.CreateLoginProfile(ctx, "target", "Target-Passw0rd-1", false)
	must(t, err)
	// An MFA device, so that a withheld MFA column differs from a shown one.
	d, err := s.k.IAM.CreateVirtualMFADevice(ctx, "target-phone", "/", nil)
	must(t, err)
	now := time.Now() // the site's clock
	must(t, s.k.IAM.EnableMFADevice(ctx, "target", d.SerialNumber, kwtest.TOTPCode(t, d.Base32Seed(), now.Add(-30*time.Second)), kwtest.TOTPCode(t, d.Base32Seed(), now)))
	otherKey, _ := s.k.User(t, "other", "")
	// cell is what a column of target's row shows.
	cell := func(page, col string) string {
		t.Helper()
		_, row, ok := strings.Cut(page, `href="/console/users/target"`)
		row, _, _ = strings.Cut(row, "</tr>")
		_, c, found := strings.Cut(row, `<td data-col="`+col+`"`)
		if !ok || !found {
			t.Fatalf("no %s cell in target's row", col)
		}
		c, _, _ = strings.Cut(c, "</td>")
		return c
	}

	consoleUser(t, s.k, root(), "lister", "Lister-Passw0rd-1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)
	consoleUser(t, s.k, root(), "reader", "Reader-Passw0rd-1", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"},
		{"Effect":"Allow","Action":["iam:ListAccessKeys","iam:ListGroupsForUser"],"Resource":"arn:aws:iam::`+kwtest.AccountID+`:user/target"}]}`)

	rootBrowser := s.browser()
	rootBrowser.signInRoot()
	_, page := rootBrowser.do(http.MethodGet, "/console/users", nil)
	if !strings.Contains(page, keyID) || !strings.Contains(page, "secret-group") || strings.Contains(page, "Access denied") {
		t.Fatal("root does not see every column")
	}
	if !strings.Contains(cell(page, "mfa"), "Virtual") || strings.TrimSpace(strings.TrimPrefix(cell(page, "passwordage"), ">")) == "-" {
		t.Fatalf("root does not see target's MFA device or password: %q %q", cell(page, "mfa"), cell(page, "passwordage"))
	}

	lister := s.browser()
	if status := lister.signInUser(kwtest.AccountID, "lister", "Lister-Passw0rd-1"); status != http.StatusSeeOther {
		t.Fatalf("lister's sign-in: %d", status)
	}
	_, page = lister.do(http.MethodGet, "/console/users", nil)
	for _, leak := range []string{keyID, otherKey, "secret-group", "Active - "} {
		if strings.Contains(page, leak) {
			t.Errorf("a caller allowed only iam:ListUsers sees %q", leak)
		}
	}
	if !strings.Contains(page, ">target<") || !strings.Contains(page, "Access denied") {
		t.Error("the list does not show the users, or not that columns are withheld")
	}
	for _, col := range []string{"groups", "activity", "passwordage", "signin", "keyid", "keyage", "keyused", "mfa"} {
		if c := cell(page, col); !strings.Contains(c, "Access denied") {
			t.Errorf("a caller allowed only iam:ListUsers sees target's %s: %q", col, c)
		}
	}
	// Sorting by a column it may not read would tell its values by the
	// order: the list sorts by name instead.
	for _, sort := range []string{"keyage", "keyused", "activity", "passwordage", "signin", "mfa"} {
		_, page = lister.do(http.MethodGet, "/console/users?sort="+sort+"&order=desc", nil)
		if !strings.Contains(page, `data-col="name" scope="col" aria-sort=`) {
			t.Errorf("sorted by %s for a caller that may not read it", sort)
		}
	}

	reader := s.browser()
	if status := reader.signInUser(kwtest.AccountID, "reader", "Reader-Passw0rd-1"); status != http.StatusSeeOther {
		t.Fatalf("reader's sign-in: %d", status)
	}
	_, page = reader.do(http.MethodGet, "/console/users", nil)
	if !strings.Contains(page, keyID) || !strings.Contains(page, "secret-group") {
		t.Error("a caller allowed to list target's keys and groups does not see them")
	}
	if strings.Contains(page, otherKey) {
		t.Error("a caller allowed to list only target's keys sees other's")
	}
	_, page = reader.do(http.MethodGet, "/console/users?sort=keyage", nil)
	if !strings.Contains(page, `data-col="name" scope="col" aria-sort=`) {
		t.Error("sorted by key age for a caller that may read the keys of one user only")
	}

	// The search page lists names only, as iam:ListUsers does.
	_, page = lister.do(http.MethodGet, "/console/search?q=target", nil)
	if strings.Contains(page, keyID) || !strings.Contains(page, "target") {
		t.Error("search shows more than user names")
	}
}

// TestExpiredPasswordsSignInNoFurther: the account's password policy says
// how old a password may get (MaxPasswordAge). Past it, as on AWS, the
// user must set a new one before anything else, and with HardExpiry may
// not sign in at all until an administrator resets it: the right but
// expired password starts no session.
func TestExpiredPasswordsSignInNoFurther(t *testing.T) {
	for _, hard := range []bool{false, true} {
		clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
		s := newSiteAt(t, clock.Now)
		consoleUser(t, s.k, root(), "aging", "Aging-Passw0rd!", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
		must(t, s.k.IAM.PutPasswordPolicy(root(), keyward.PasswordPolicy{MinimumPasswordLength: 8, MaxPasswordAge: 90, HardExpiry: hard}))
		clock.Add(91 * 24 * time.Hour)

		b := s.browser()
		status := b.signInUser(kwtest.AccountID, "aging", "Aging-Passw0rd!")
		if hard {
			if status == http.StatusSeeOther {
				t.Fatal("HardExpiry: an expired password signed in")
			}
			if got, _ := b.do(http.MethodGet, "/console/users", nil); got != http.StatusSeeOther {
				t.Fatalf("HardExpiry: the users page answered %d without a session", got)
			}
			continue
		}
		if status != http.StatusSeeOther {
			t.Fatalf("an expired password, not hard: sign-in answered %d", status)
		}
		resp, err := b.HTTP.Get(s.url + "/console/users")
		must(t, err)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/console/password" {
			t.Fatalf("an expired password went on to the users page (%d, %q) without changing it", resp.StatusCode, loc)
		}
	}
}

// TestUsersListHonoursTagConditions: the API decides an action on a user
// with the user's tags (aws:ResourceTag, iam:ResourceTag); so must the
// users list, per column and for its sorting, or a Deny of the users
// tagged sensitive shows their keys and groups in the console all the
// same.
func TestUsersListHonoursTagConditions(t *testing.T) {
	s := newSite(t)
	ctx := root()
	sensitiveKey, _ := s.k.User(t, "vip", "")
	must(t, s.k.IAM.TagResource(ctx, keyward.TaggedUser, "vip", []keyward.Tag{keyward.Tag{Key: "sensitive", Value: "true"}}))
	_, err := s.k.IAM.CreateGroup(ctx, "vip-group", "/")
	must(t, err)
	must(t, s.k.IAM.AddUserToGroup(ctx, "vip-group", "vip"))
	plainKey, _ := s.k.User(t, "plain", "")
	consoleUser(t, s.k, root(), "helpdesk", "Helpdesk-Passw0rd-1", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:ListUsers","iam:ListAccessKeys","iam:GetAccessKeyLastUsed","iam:ListGroupsForUser"],"Resource":"*"},
		{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/sensitive":"true"}}}]}`)

	b := s.browser()
	if status := b.signInUser(kwtest.AccountID, "helpdesk", "Helpdesk-Passw0rd-1"); status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", status)
	}
	_, page := b.do(http.MethodGet, "/console/users", nil)
	if !strings.Contains(page, plainKey) {
		t.Fatal("the list does not show what the caller may read")
	}
	for _, leak := range []string{sensitiveKey, "vip-group"} {
		if strings.Contains(page, leak) {
			t.Errorf("the list shows %q of a user the API refuses it", leak)
		}
	}
	_, page = b.do(http.MethodGet, "/console/users?sort=keyage&order=desc", nil)
	if !strings.Contains(page, `data-col="name" scope="col" aria-sort=`) {
		t.Error("sorted by key age, which tells of the user the caller may not read")
	}
}

// TestKeyFormEventNamesTheKeysOwner: a user who may manage only their own
// keys deactivates one from the console with an extra form field naming
// another user. The audit record and the webhook events it makes name the
// key's real owner, with the status it was given: a form field the action
// does not use must not speak for it, and a receiver watching for
// access-key.deactivated learns of a deactivation made in the console.
func TestKeyFormEventNamesTheKeysOwner(t *testing.T) {
	s, rec := newAuditedSite(t)
	consoleUser(t, s.k, root(), "dev", "Dev-Passw0rd-123", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:*AccessKey*","iam:GetUser"],"Resource":"arn:aws:iam::123456789012:user/dev"}]}`)
	key, _, err := s.k.IAM.CreateAccessKey(root(), "dev")
	must(t, err)
	_, err = s.k.IAM.CreateWebhookSubscription(root(), "https://hooks.example.com/in", "0123456789abcdef0123",
		[]string{"access-key.deactivated", "audit.UpdateAccessKey"})
	must(t, err)

	b := s.browser()
	if status := b.signInUser(kwtest.AccountID, "dev", "Dev-Passw0rd-123"); status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", status)
	}
	_, page := b.do(http.MethodGet, "/console/security-credentials/keys/"+key.ID+"/deactivate", nil)
	status, page := b.do(http.MethodPost, "/console/security-credentials/keys/"+key.ID+"/deactivate",
		url.Values{"csrf": {csrfOf(t, page)}, "user": {"admin"}})
	if status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d %s", status, page)
	}
	must(t, rec.Flush(context.Background()))

	ds, err := s.k.Store.Claim(context.Background(), webhook.ClaimQuery{Now: time.Now().Add(time.Minute), Limit: 10, Lease: time.Minute, PerSubscription: 10})
	must(t, err)
	types := map[string]webhook.Event{}
	for _, d := range ds {
		var ev webhook.Event
		must(t, json.Unmarshal(d.Body, &ev))
		types[ev.Name()] = ev
	}
	audited, ok := types["audit.UpdateAccessKey"]
	if !ok {
		t.Fatalf("no audit.UpdateAccessKey delivery: %v", types)
	}
	if strings.Contains(string(audited.Data.Record), "admin") {
		t.Errorf("the audit record names the user of a form field the action ignores: %s", audited.Data.Record)
	}
	ev, ok := types[webhook.AccessKeyDeactivated]
	if !ok {
		t.Fatalf("no access-key.deactivated delivery for a key deactivated in the console: %v", types)
	}
	if ev.Data.UserName != "dev" || ev.Data.AccessKeyID != key.ID || ev.Data.Status != keyward.StatusInactive {
		t.Errorf("access-key.deactivated data %+v, want user dev, key %s, Inactive", ev.Data, key.ID)
	}

	// A form whose action names no user at all (changing one's own
	// password) does not take one from a field either.
	_, page = b.do(http.MethodGet, "/console/password", nil)
	b.do(http.MethodPost, "/console/password", url.Values{"csrf": {csrfOf(t, page)}, "user": {"admin"}, "group": {"admins"},
		"old": {"Dev-Passw0rd-123"}, "new": {"Dev-Passw0rd-456"}, "confirm": {"Dev-Passw0rd-456"}})
	must(t, rec.Flush(context.Background()))
	evs, _, err := s.k.Store.LookupEvents(context.Background(), keyward.EventQuery{EventName: "ChangePassword", Max: 10})
	must(t, err)
	if len(evs) != 1 {
		t.Fatalf("%d ChangePassword events", len(evs))
	}
	if strings.Contains(string(evs[0].Record), "admin") {
		t.Errorf("ChangePassword's audit record names a user of a form field: %s", evs[0].Record)
	}
}

// TestRootSignInNeedsItsMFACode: once the root user has an MFA device, the
// root user's console sign-in needs the device's current code besides the
// secret. No code, a wrong code, a used code and a code of an IAM user's
// device are refused with the answer a wrong secret gets (so that the
// refusal tells nothing of which part was wrong), each counted as a failed
// sign-in: audited as AWS's ConsoleLogin failure, and within the root key's
// budget of guesses, past which the right code is refused too. The session
// a right code begins records the MFA, for aws:MultiFactorAuthPresent.
func TestRootSignInNeedsItsMFACode(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	ctx := context.Background()
	asRoot := kwtest.AsRoot(ctx)
	now := ts.Clock.Now()
	_, seed := ts.EnableRootMFA(t, "root-phone", now)
	_, err := ts.IAM.CreateUser(asRoot, "alice", "/", nil)
	must(t, err)
	a, err := ts.IAM.CreateVirtualMFADevice(asRoot, "alice-phone", "/", nil)
	must(t, err)
	must(t, ts.IAM.EnableMFADevice(asRoot, "alice", a.SerialNumber, kwtest.TOTPCode(t, a.Base32Seed(), now.Add(-30*time.Second)), kwtest.TOTPCode(t, a.Base32Seed(), now)))
	ts.Clock.Add(time.Minute)

	signIn := func(secret, code string) (int, string) {
		t.Helper()
		web := newWebClient(t, ts)
		form := rootForm(secret)
		if code != "" {
			form.Set("mfacode", code)
		}
		_, page := web.Get("/console/signin?as=root")
		form.Set("csrf", csrfOf(t, page))
		resp, body := web.Post("/console/signin", form)
		if resp.StatusCode == http.StatusSeeOther {
			for _, c := range web.HTTP.Jar.Cookies(mustParse(t, ts.URL+"/console/")) {
				if c.Name == "keyward_session" {
					return resp.StatusCode, c.Value
				}
			}
		}
		return resp.StatusCode, body
	}
	errorOf := func(body string) string {
		t.Helper()
		i := strings.Index(body, `id="signin-error">`)
		if i < 0 {
			t.Fatalf("no sign-in error in\n%.2000s", body)
		}
		rest := body[i+len(`id="signin-error">`):]
		return rest[:strings.Index(rest, "<")]
	}
	status, body := signIn("not-the-secret", kwtest.TOTPCode(t, seed, ts.Clock.Now()))
	if status != http.StatusUnauthorized {
		t.Fatalf("a wrong secret: %d", status)
	}
	wrongSecret := errorOf(body)
	code := kwtest.TOTPCode(t, seed, ts.Clock.Now())
	for _, try := range []struct{ what, code string }{
		{"no code", ""},
		{"a wrong code", kwtest.TOTPCode(t, seed, ts.Clock.Now().Add(time.Hour))},
		{"alice's code", kwtest.TOTPCode(t, a.Base32Seed(), ts.Clock.Now())},
	} {
		status, body := signIn(kwtest.RootSecret, try.code)
		if status != http.StatusUnauthorized || errorOf(body) != wrongSecret {
			t.Fatalf("%s: %d %q, want the answer to a wrong secret %q", try.what, status, errorOf(body), wrongSecret)
		}
	}
	status, cookie := signIn(kwtest.RootSecret, code)
	if status != http.StatusSeeOther {
		t.Fatalf("the right code: %d", status)
	}
	payload, _, _ := strings.Cut(cookie, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	must(t, err)
	var sess struct {
		Root bool  `json:"r"`
		MFA  int64 `json:"m"`
	}
	must(t, json.Unmarshal(raw, &sess))
	if !sess.Root || sess.MFA != ts.Clock.Now().Unix() {
		t.Fatalf("the session of an MFA sign-in: %s", raw)
	}
	if status, body := signIn(kwtest.RootSecret, code); status != http.StatusUnauthorized || errorOf(body) != wrongSecret {
		t.Fatalf("a used code: %d", status)
	}

	// Wrong secrets, however many, do not lock the root user out: its
	// key ID is no secret (the audit trail shows it to administrators).
	for i := range 8 {
		if status, _ := signIn(fmt.Sprintf("guessed-secret-%d", i), kwtest.TOTPCode(t, seed, ts.Clock.Now())); status != http.StatusUnauthorized {
			t.Fatalf("wrong secret %d: %d", i, status)
		}
	}
	ts.Clock.Add(30 * time.Second)
	if status, _ := signIn(kwtest.RootSecret, kwtest.TOTPCode(t, seed, ts.Clock.Now())); status != http.StatusSeeOther {
		t.Fatalf("the root user after others' wrong secrets: %d, want %d", status, http.StatusSeeOther)
	}
	// Right secrets with wrong codes share one budget: at the fifth
	// failure, the right code waits too.
	if status, _ := signIn(kwtest.RootSecret, kwtest.TOTPCode(t, seed, ts.Clock.Now().Add(time.Hour))); status != http.StatusUnauthorized {
		t.Fatalf("a fifth wrong code: %d", status)
	}
	ts.Clock.Add(30 * time.Second)
	if status, _ := signIn(kwtest.RootSecret, kwtest.TOTPCode(t, seed, ts.Clock.Now())); status != http.StatusTooManyRequests {
		t.Fatalf("the right code past five failures: %d, want %d", status, http.StatusTooManyRequests)
	}
	failures := 0
	for _, e := range trail(t, ts.Keyward, ts.Audit, keyward.EventQuery{Max: 50}) {
		if e.Name == "ConsoleLogin" && e.ErrorMessage == "Failed authentication" && e.UserIdentity.Type == "Root" {
			failures++
		}
	}
	if failures != 14 {
		t.Fatalf("%d failed root sign-ins audited, want 14", failures)
	}
	ts.Clock.Add(15 * time.Minute)
	if status, _ := signIn(kwtest.RootSecret, kwtest.TOTPCode(t, seed, ts.Clock.Now())); status != http.StatusSeeOther {
		t.Fatalf("the right code once the budget is back: %d", status)
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	must(t, err)
	return u
}

// TestRootMFARemovedOnlyWithItsCode: the root user's device is removed
// only from a session begun with a code of it. A console session that
// began before the device was assigned (a stolen cookie, or one left open
// on another machine) holds the root user's key, which the device guards:
// it cannot remove the device.
func TestRootMFARemovedOnlyWithItsCode(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	asRoot := kwtest.AsRoot(context.Background())
	before := signedInRoot(t, ts)
	d, err := ts.IAM.CreateVirtualMFADevice(asRoot, "root-phone", "/", nil)
	must(t, err)
	seed, now := d.Base32Seed(), ts.Clock.Now()
	must(t, ts.IAM.EnableRootMFADevice(asRoot, d.SerialNumber, kwtest.TOTPCode(t, seed, now.Add(-30*time.Second)), kwtest.TOTPCode(t, seed, now)))
	assigned := func() bool {
		t.Helper()
		ds, _, err := ts.IAM.Store.ListMFADevices(context.Background(), keyward.MFAFilter{Assignment: keyward.MFAAssigned, Root: true}, "", 10)
		must(t, err)
		return len(ds) == 1
	}

	_, page := before.Get("/console/security-credentials")
	resp, _ := before.Post("/console/security-credentials/mfa/remove", url.Values{"csrf": {csrfOf(t, page)}, "serial": {d.SerialNumber}})
	if resp.StatusCode == http.StatusSeeOther || !assigned() {
		t.Fatalf("a session begun without a code removed the root user's device: %d", resp.StatusCode)
	}

	ts.Clock.Add(time.Minute)
	after := newWebClient(t, ts)
	form := rootForm(kwtest.RootSecret)
	form.Set("mfacode", kwtest.TOTPCode(t, seed, ts.Clock.Now()))
	if resp := after.SignIn(form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing in with a code: %d", resp.StatusCode)
	}
	_, page = after.Get("/console/security-credentials")
	resp, _ = after.Post("/console/security-credentials/mfa/remove", url.Values{"csrf": {csrfOf(t, page)}, "serial": {d.SerialNumber}})
	if resp.StatusCode != http.StatusSeeOther || assigned() {
		t.Fatalf("a session begun with a code did not remove the device: %d", resp.StatusCode)
	}
}
