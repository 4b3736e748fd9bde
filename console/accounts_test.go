package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// The second account of these tests, made beside the installation's
// first (kwtest.AccountID), with its root user's access key.
const (
	accountB = "210987654321"
	rootKeyB = "AKIASECONDACCOUNT001"
	rootSecB = "secondAccountRootSecretKey00000000000000"
)

// secondAccount makes account B in s's store, with its root key and the
// alias "tenant-b", and returns a context acting as B's root user.
func secondAccount(t *testing.T, k *kwtest.Keyward) context.Context {
	t.Helper()
	sealed, err := k.IAM.Sealer.Seal(rootKeyB, rootSecB)
	must(t, err)
	must(t, k.Store.CreateAccount(context.Background(), keyward.Account{ID: accountB, Name: "tenant-b", Email: "b@example.com", CreatedAt: time.Now()},
		&keyward.AccessKey{ID: rootKeyB, Status: keyward.StatusActive, CreatedAt: time.Now(), SealedSecret: sealed}))
	ctx := keyward.WithCaller(context.Background(), &keyward.RequestContext{Principal: keyward.Principal{AccountID: accountB, Root: true}, CurrentTime: time.Now()})
	must(t, k.IAM.CreateAccountAlias(ctx, "tenant-b"))
	return ctx
}

// twoAccountSite is a site whose first account has the users alice (with
// passwordA), carl (with passwordA) and adam, and whose account B has the
// users alice (with passwordB), carl (without a password) and bea.
func twoAccountSite(t *testing.T) *site {
	t.Helper()
	s := newSite(t)
	twoAccounts(t, s)
	return s
}

// twoAccounts makes account B in s's store and the users of
// twoAccountSite.
func twoAccounts(t *testing.T, s *site) {
	t.Helper()
	ctxB := secondAccount(t, s.k)
	for _, u := range []struct{ name, pw string }{{"alice", passwordA}, {"carl", passwordA}, {"adam", ""}} {
		consoleUser(t, s.k, root(), u.name, u.pw, "")
	}
	for _, u := range []struct{ name, pw string }{{"alice", passwordB}, {"carl", ""}, {"bea", ""}} {
		consoleUser(t, s.k, ctxB, u.name, u.pw, "")
	}
}

const (
	passwordA = "Account-A-Passw0rd!"
	passwordB = "Account-B-Passw0rd!"
)

// TestAccountSignInToItsOwn: a user of account B with the name of a user
// of the first account signs in to B with B's password only, whether the
// form names B by its ID or its alias, and every page shows B's users
// alone, with B in the top bar.
func TestAccountSignInToItsOwn(t *testing.T) {
	t.Parallel()
	s := twoAccountSite(t)
	for _, tc := range []struct {
		name, account, user, password string
		want                          int
	}{
		{"B by ID", accountB, "alice", passwordB, http.StatusSeeOther},
		{"B by alias", "tenant-b", "alice", passwordB, http.StatusSeeOther},
		{"A's password at B", accountB, "alice", passwordA, http.StatusUnauthorized},
		{"B's password at A", kwtest.AccountID, "alice", passwordB, http.StatusUnauthorized},
		{"B's user without a password, A's password", "tenant-b", "carl", passwordA, http.StatusUnauthorized},
		{"A's user with its password", kwtest.AccountID, "carl", passwordA, http.StatusSeeOther},
		{"B's user in A", kwtest.AccountID, "bea", passwordB, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.browser().signInUser(tc.account, tc.user, tc.password); got != tc.want {
				t.Fatalf("sign-in: %d, want %d", got, tc.want)
			}
		})
	}

	b := s.browser()
	if status := b.signInUser("tenant-b", "alice", passwordB); status != http.StatusSeeOther {
		t.Fatalf("sign-in to B: %d", status)
	}
	// alice has no permissions: B's root user gives her the users' pages.
	ctxB := keyward.WithCaller(context.Background(), &keyward.RequestContext{Principal: keyward.Principal{AccountID: accountB, Root: true}, CurrentTime: time.Now()})
	must(t, s.k.IAM.PutInlinePolicy(ctxB, keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}, "read",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","iam:Get*"],"Resource":"*"}]}`))
	status, page := b.do(http.MethodGet, "/console/users", nil)
	if status != http.StatusOK {
		t.Fatalf("B's users page: %d", status)
	}
	for _, want := range []string{"/console/users/bea", "/console/users/carl", `id="account-id">` + accountB + `<`, `id="account-alias">tenant-b<`,
		"arn:aws:iam::" + accountB + ":user/alice"} {
		if !strings.Contains(page, want) {
			t.Errorf("B's users page lacks %q", want)
		}
	}
	for _, never := range []string{"/console/users/adam", kwtest.AccountID} {
		if strings.Contains(page, never) {
			t.Errorf("B's users page shows %q of the first account", never)
		}
	}
	if status, _ := b.do(http.MethodGet, "/console/users/adam", nil); status == http.StatusOK {
		t.Error("B's session reads the first account's user adam")
	}
}

// TestAccountRootSignsInToItsKeysAccount: the root user signs in with its
// access key into the account the key belongs to, asked for a code of
// that account's root user's MFA device only (the first account's root
// user has one, B's none).
func TestAccountRootSignsInToItsKeysAccount(t *testing.T) {
	t.Parallel()
	s := twoAccountSite(t)
	_, seed := s.k.EnableRootMFA(t, "root-phone", time.Now())
	if status := s.browser().signIn(url.Values{"kind": {"root"}, "accesskey": {kwtest.RootKeyID}, "secret": {kwtest.RootSecret}}); status != http.StatusUnauthorized {
		t.Fatalf("the first account's root user without its code: %d", status)
	}
	b := s.browser()
	if status := b.signIn(url.Values{"kind": {"root"}, "accesskey": {rootKeyB}, "secret": {rootSecB}}); status != http.StatusSeeOther {
		t.Fatalf("B's root sign-in: %d", status)
	}
	_, page := b.do(http.MethodGet, "/console/users", nil)
	if !strings.Contains(page, "/console/users/bea") || strings.Contains(page, "/console/users/adam") ||
		!strings.Contains(page, "arn:aws:iam::"+accountB+":root") {
		t.Fatal("B's root user does not see B's users alone")
	}
	a := s.browser()
	if status := a.signIn(url.Values{"kind": {"root"}, "accesskey": {kwtest.RootKeyID}, "secret": {kwtest.RootSecret},
		"mfacode": {kwtest.TOTPCode(t, seed, time.Now().Add(30*time.Second))}}); status != http.StatusSeeOther {
		t.Fatalf("the first account's root user with its code: %d", status)
	}
	if _, page := a.do(http.MethodGet, "/console/users", nil); !strings.Contains(page, "/console/users/adam") || strings.Contains(page, "/console/users/bea") {
		t.Fatal("the first account's root user does not see its users alone")
	}
}

var signInError = regexp.MustCompile(`id="signin-error">([^<]*)<`)

// TestAccountUnknownAnswersAsWrongPassword: a form naming no account here,
// by ID or alias, gets the answer a wrong password gets.
func TestAccountUnknownAnswersAsWrongPassword(t *testing.T) {
	t.Parallel()
	s := twoAccountSite(t)
	answer := func(account, user, password string) (int, string) {
		b := s.browser()
		_, page := b.do(http.MethodGet, "/console/signin?as=user", nil)
		status, page := b.do(http.MethodPost, "/console/signin", url.Values{"kind": {"user"}, "account": {account}, "username": {user},
			"password": {password}, "csrf": {csrfOf(t, page)}})
		m := signInError.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no error on the refused form for %s/%s", account, user)
		}
		return status, m[1]
	}
	wantStatus, wantMsg := answer(accountB, "alice", "Wrong-Passw0rd!")
	for _, tc := range []struct{ account, user string }{
		{"999999999999", "alice"}, {"no-such-alias", "alice"}, {accountB, "nobody"}, {"", "alice"},
	} {
		if status, msg := answer(tc.account, tc.user, passwordB); status != wantStatus || msg != wantMsg {
			t.Errorf("%s/%s: %d %q, want %d %q", tc.account, tc.user, status, msg, wantStatus, wantMsg)
		}
	}
}

// TestAccountSignInURL: AWS's account sign-in URL, /console?account=…,
// opens the sign-in form with the account filled in.
func TestAccountSignInURL(t *testing.T) {
	t.Parallel()
	s := twoAccountSite(t)
	b := s.browser()
	resp, err := b.HTTP.Get(s.url + "/console?account=tenant-b")
	must(t, err)
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/console/signin?account=tenant-b" {
		t.Fatalf("account sign-in URL: %d to %q", resp.StatusCode, loc)
	}
	for _, path := range []string{"/console/signin?account=tenant-b", "/console/signin?as=user&account=tenant-b"} {
		if _, page := b.do(http.MethodGet, path, nil); !strings.Contains(page, `value="tenant-b"`) {
			t.Errorf("%s does not fill in the account", path)
		}
	}
	if _, page := b.do(http.MethodGet, "/console/signin?as=user&account=%22%3E%3Cscript%3E", nil); strings.Contains(page, `"><script>`) {
		t.Error("the account is not escaped")
	}
}

// TestAccountLimiterPerAccount: the guesses at a user of one account do
// not spend the budget of the user of that name in another.
func TestAccountLimiterPerAccount(t *testing.T) {
	t.Parallel()
	s := twoAccountSite(t)
	for range 6 {
		s.browser().signInUser(kwtest.AccountID, "alice", "Wrong-Passw0rd!")
	}
	if status := s.browser().signInUser(kwtest.AccountID, "alice", passwordA); status != http.StatusTooManyRequests {
		t.Fatalf("the first account's alice after 6 wrong passwords: %d, want 429", status)
	}
	if status := s.browser().signInUser("tenant-b", "alice", passwordB); status != http.StatusSeeOther {
		t.Fatalf("B's alice, whose budget is her own: %d", status)
	}
}

// TestAccountUserMFAInItsAccount: a user of B with an MFA device is asked
// for a code of B's user's device, and the session the code begins is in
// B; the first account's user of the same name, without a device, is not
// asked.
func TestAccountUserMFAInItsAccount(t *testing.T) {
	t.Parallel()
	s := twoAccountSite(t)
	now := time.Now()
	ctxB := keyward.WithCaller(context.Background(), &keyward.RequestContext{Principal: keyward.Principal{AccountID: accountB, Root: true}, CurrentTime: now})
	d, err := s.k.IAM.CreateVirtualMFADevice(ctxB, "alice-phone", "/", nil)
	must(t, err)
	seed := d.Base32Seed()
	must(t, s.k.IAM.EnableMFADevice(ctxB, "alice", d.SerialNumber, kwtest.TOTPCode(t, seed, now.Add(-30*time.Second)), kwtest.TOTPCode(t, seed, now)))
	if status := s.browser().signInUser(kwtest.AccountID, "alice", passwordA); status != http.StatusSeeOther {
		t.Fatalf("the first account's alice, without a device: %d", status)
	}
	b := s.browser()
	_, page := b.do(http.MethodGet, "/console/signin?as=user", nil)
	status, page := b.do(http.MethodPost, "/console/signin", url.Values{"kind": {"user"}, "account": {"tenant-b"}, "username": {"alice"},
		"password": {passwordB}, "csrf": {csrfOf(t, page)}})
	if status != http.StatusOK || !strings.Contains(page, `action="/console/signin/mfa"`) {
		t.Fatalf("B's alice is not asked for a code: %d", status)
	}
	status, _ = b.do(http.MethodPost, "/console/signin/mfa", url.Values{"code": {kwtest.TOTPCode(t, seed, now.Add(30*time.Second))},
		"csrf": {csrfOf(t, page)}})
	if status != http.StatusSeeOther {
		t.Fatalf("B's alice's code: %d", status)
	}
	if _, page := b.do(http.MethodGet, "/console/password", nil); !strings.Contains(page, "arn:aws:iam::"+accountB+":user/alice") {
		t.Fatal("the session begun with the code is not B's alice's")
	}
}

// TestAccountSignInAuditedInItsAccount: the ConsoleLogin events of a
// user of B, succeeded or failed, are B's, named with B's ID, and not in
// the first account's event history.
func TestAccountSignInAuditedInItsAccount(t *testing.T) {
	t.Parallel()
	s, rec := newAuditedSite(t)
	twoAccounts(t, s)
	s.browser().signInUser("tenant-b", "alice", "Wrong-Passw0rd!")
	if status := s.browser().signInUser(accountB, "alice", passwordB); status != http.StatusSeeOther {
		t.Fatalf("sign-in to B: %d", status)
	}
	ctx := context.Background()
	must(t, rec.Flush(ctx))
	logins := func(st keyward.Store) (n int, record string) {
		events, _, err := st.LookupEvents(ctx, keyward.EventQuery{Max: 50})
		must(t, err)
		for _, e := range events {
			if e.Name == "ConsoleLogin" {
				n++
				record += string(e.Record)
			}
		}
		return n, record
	}
	if n, record := logins(s.k.Store.InAccount(accountB)); n != 2 || !strings.Contains(record, `"recipientAccountId":"`+accountB+`"`) ||
		!strings.Contains(record, `"Failure"`) || !strings.Contains(record, `"Success"`) {
		t.Fatalf("B's ConsoleLogin events: %d\n%s", n, record)
	}
	if n, _ := logins(s.k.Store); n != 0 {
		t.Fatalf("the first account has %d of B's ConsoleLogin events", n)
	}
}

// TestAccountFederationInItsAccount: a role session of account B signs in
// through the federation endpoint into B: the console acts as B's role and
// shows B's users alone.
func TestAccountFederationInItsAccount(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	ctxB := secondAccount(t, ts.Keyward)
	consoleUser(t, ts.Keyward, root(), "adam", "", "")
	consoleUser(t, ts.Keyward, ctxB, "bea", "", "")
	ctx := context.Background()
	rootB := ts.IAMClient(rootKeyB, rootSecB)
	id, secret := kwtest.CreateUserKey(t, rootB, "fed")
	_, err := rootB.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("viewer"), AssumeRolePolicyDocument: kwtest.TrustDoc(
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountB + `:user/fed"},"Action":"sts:AssumeRole"}`)})
	must(t, err)
	_, err = rootB.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("viewer"), PolicyName: aws.String("users"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","iam:Get*"],"Resource":"*"}]}`)})
	must(t, err)
	role, err := ts.STSIn(id, secret, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + accountB + ":role/viewer"), RoleSessionName: aws.String("web")})
	must(t, err)
	web := federatedClient(t, ts, role.Credentials)
	resp, body := web.Get("/console/users")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "arn:aws:sts::"+accountB+":assumed-role/viewer/web") ||
		!strings.Contains(body, "/console/users/bea") || strings.Contains(body, "/console/users/adam") {
		t.Fatalf("B's users page as B's role: %d\n%.2000s", resp.StatusCode, body)
	}
}

// TestAccountSwitchRoleByAlias: the Switch role form names another
// account by its alias, resolved as the sign-in form resolves it, and the
// console then acts in the role's account, which the top bar shows.
func TestAccountSwitchRoleByAlias(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	switchFixture(t, ts, aliceSwitches)
	ctxB := secondAccount(t, ts.Keyward)
	consoleUser(t, ts.Keyward, ctxB, "bea", "", "")
	_, err := ts.IAM.CreateRole(ctxB, keyward.Role{Name: "viewer", Path: "/", TrustPolicy: trustAlice, MaxSessionDuration: 3600})
	must(t, err)
	must(t, ts.IAM.PutInlinePolicy(ctxB, keyward.Entity{Kind: keyward.EntityRole, Name: "viewer"}, "p",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","iam:Get*"],"Resource":"*"}]}`))
	web := newWebClient(t, ts)
	signInAlice(t, web)
	if resp, body := web.switchTo("tenant-b", "viewer", "", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch to tenant-b's viewer: %d\n%.2000s", resp.StatusCode, body)
	}
	resp, body := web.Get("/console/users")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "arn:aws:sts::"+accountB+":assumed-role/viewer/alice") ||
		!strings.Contains(body, `id="account-id">`+accountB+`<`) || !strings.Contains(body, "/console/users/bea") {
		t.Fatalf("B's users page as B's role: %d\n%.2000s", resp.StatusCode, body)
	}
	// The switch is an AssumeRole of both accounts, as the API's is: B
	// sees who assumed its role, as another account's principal.
	ctx := context.Background()
	must(t, ts.Audit.Flush(ctx))
	for _, v := range []struct{ account, identity string }{{kwtest.AccountID, `"type":"IAMUser"`}, {accountB, `"type":"AWSAccount"`}} {
		evs, _, err := ts.Store.InAccount(v.account).LookupEvents(ctx, keyward.EventQuery{EventName: "AssumeRole", Max: 10})
		must(t, err)
		if len(evs) != 1 || !strings.Contains(string(evs[0].Record), v.identity) || !strings.Contains(string(evs[0].Record), `"sharedEventID"`) ||
			!strings.Contains(string(evs[0].Record), `"recipientAccountId":"`+v.account+`"`) {
			t.Fatalf("the switch's AssumeRole events in %s's trail: %d %+v", v.account, len(evs), evs)
		}
	}
}

// TestSignInByAccountAlias: a user signs in naming the account by its
// alias, and the console shows the alias.
func TestSignInByAccountAlias(t *testing.T) {
	s := newSite(t)
	must(t, s.k.IAM.CreateAccountAlias(root(), "my-company"))
	consoleUser(t, s.k, root(), "carol", "Carol-Passw0rd-1", "")
	b := s.browser()
	if status := b.signInUser("my-company", "carol", "Carol-Passw0rd-1"); status != http.StatusSeeOther {
		t.Fatalf("sign-in by alias: %d", status)
	}
	if _, page := b.do(http.MethodGet, "/console/password", nil); !strings.Contains(page, `id="account-alias">my-company<`) {
		t.Fatal("the console does not show the alias")
	}
}
