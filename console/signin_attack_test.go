package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/internal/testclock"
)

// TestSignInUnderAttack replays the sign-in attacks through the console
// and the API on one URL, as keyward serve routes them: simultaneous wrong
// passwords for one user, huge user names, a password spray from one
// address. A colleague behind the same address once got 429; now the
// right password of another user is accepted, and the user under attack
// is refused for now. The memory the attacks may take, with real argon2id
// parameters, is cmd/keyward's TestConsoleSignInUnderAttack.
func TestSignInUnderAttack(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	for _, u := range []string{"alice", "bob"} {
		consoleUser(t, ts.Keyward, root(), u, u+"-Passw0rd!", "")
	}
	user := userForm
	statuses := func(n int, form func(i int) url.Values) map[int]int {
		var mu sync.Mutex
		got := map[int]int{}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				status := newWebClient(t, ts).SignIn(form(i)).StatusCode
				mu.Lock()
				got[status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		return got
	}

	// 40 simultaneous wrong passwords for alice: five are checked.
	got := statuses(40, func(int) url.Values { return user("alice", "wrong-Passw0rd!") })
	t.Logf("40 simultaneous wrong passwords for alice: %v", got)
	if got[http.StatusUnauthorized] > 5 || got[http.StatusTooManyRequests] < 35 {
		t.Errorf("simultaneous guesses: %v, want at most 5 checked", got)
	}
	// Huge user names are refused before anything else.
	huge := strings.Repeat("n", 2<<20)
	got = statuses(10, func(i int) url.Values { return user(fmt.Sprint(i, huge), "x") })
	if got[http.StatusBadRequest] != 10 {
		t.Errorf("2 MB user names: %v, want 400 each", got)
	}
	// A spray from the same address over 20 names.
	got = statuses(20, func(i int) url.Values { return user(fmt.Sprintf("sprayed%d", i), "Spring2026!") })
	t.Logf("a spray over 20 names: %v", got)
	// bob, behind the same address, signs in.
	if resp := newWebClient(t, ts).SignIn(user("bob", "bob-Passw0rd!")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob's right password from the attacked address: %d", resp.StatusCode)
	}
	// alice herself is refused for now: her name is under attack.
	if resp := newWebClient(t, ts).SignIn(user("alice", "alice-Passw0rd!")); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("alice during the attack on her name: %d", resp.StatusCode)
	}
}

// TestAttackFailedSignInHidesNamesOfNoUser: a failed sign-in whose user
// name is no user's (often a password typed into the user name field)
// is a ConsoleLogin event whose userName is HIDDEN_DUE_TO_SECURITY_REASONS,
// as CloudTrail writes it, whether the account is here or not and when
// the attempt is throttled; a user's own failures keep its name. The
// typed name appears nowhere in the trail.
func TestAttackFailedSignInHidesNamesOfNoUser(t *testing.T) {
	t.Parallel()
	s, rec := newAuditedSite(t)
	consoleUser(t, s.k, root(), "alice", "Alice-Passw0rd-1", "")
	const typed = "Correct-Horse-Battery-9"
	for _, form := range []url.Values{
		{"kind": {"user"}, "account": {kwtest.AccountID}, "username": {typed}, "password": {"x"}},
		{"kind": {"user"}, "account": {"999999999999"}, "username": {typed}, "password": {"x"}},
		{"kind": {"user"}, "account": {kwtest.AccountID}, "username": {"alice"}, "password": {"Wrong-Passw0rd-1"}},
	} {
		if status := s.browser().signIn(form); status != http.StatusUnauthorized {
			t.Fatalf("%v: %d", form, status)
		}
	}
	// The typed name's budget spent, its next attempt is throttled.
	for range 5 {
		s.browser().signIn(url.Values{"kind": {"user"}, "account": {kwtest.AccountID}, "username": {typed + "x"}, "password": {"x"}})
	}
	if status := s.browser().signIn(url.Values{"kind": {"user"}, "account": {kwtest.AccountID}, "username": {typed + "x"}, "password": {"x"}}); status != http.StatusTooManyRequests {
		t.Fatalf("the sixth attempt: %d", status)
	}
	ctx := context.Background()
	must(t, rec.Flush(ctx))
	events, _, err := s.k.Store.LookupEvents(ctx, keyward.EventQuery{EventName: "ConsoleLogin", Max: 50})
	must(t, err)
	names := map[string]int{}
	for _, e := range events {
		if strings.Contains(string(e.Record), typed) {
			t.Fatalf("the trail keeps the name typed: %s", e.Record)
		}
		var r struct {
			UserIdentity struct{ UserName string } `json:"userIdentity"`
		}
		must(t, json.Unmarshal(e.Record, &r))
		names[r.UserIdentity.UserName]++
	}
	// Two refusals of the first account's form, one of the account that
	// is not here, five refusals and a throttled attempt; alice's own.
	if names[keyward.Hidden] != 8 || names["alice"] != 1 || len(names) != 2 {
		t.Fatalf("ConsoleLogin user names: %v", names)
	}
}

// accessKeyReads counts the store's reads of access keys.
type accessKeyReads struct {
	iam.Store
	n atomic.Int64
}

func (s *accessKeyReads) AccessKey(ctx context.Context, id string) (keyward.AccessKey, error) {
	s.n.Add(1)
	return s.Store.AccessKey(ctx, id)
}

// TestAttackThrottledRootSignInReadsNothing: the root user's sign-in form
// takes a key ID, which resolves the account its event is recorded in;
// an address past its budget of failures is refused by the limiter
// before the key is read, so that what an unauthenticated flood costs is
// bounded before the work is done.
func TestAttackThrottledRootSignInReadsNothing(t *testing.T) {
	t.Parallel()
	k := kwtest.NewWithClock(t, time.Now)
	reads := &accessKeyReads{Store: k.IAM.Store}
	k.IAM.Store = reads
	cfg := consoleConfig(k, time.Now)
	cfg.Audit = &audit.Recorder{Store: k.Store}
	s := &site{t: t, k: k, url: serveConsole(t, cfg).URL}
	status := http.StatusUnauthorized
	for i := 0; status == http.StatusUnauthorized; i++ {
		if i > 20 {
			t.Fatal("the address is never throttled")
		}
		status = s.browser().signIn(rootForm(fmt.Sprintf("wrong-secret-%d", i)))
	}
	if status != http.StatusTooManyRequests {
		t.Fatalf("a wrong secret: %d", status)
	}
	before := reads.n.Load()
	if status := s.browser().signIn(rootForm("another-wrong-secret")); status != http.StatusTooManyRequests {
		t.Fatalf("a throttled address: %d", status)
	}
	if n := reads.n.Load() - before; n != 0 {
		t.Fatalf("a throttled root sign-in read %d access keys", n)
	}
}

// TestAttackSignInBudgetTellsNoAccount: the budget of guesses keyed every
// account that is not here on one key per user name, so that the answer
// to one attempt told which accounts exist: five wrong passwords naming
// an account that is not here, then one attempt per account guessed, got
// 429 for each account not here (the shared budget spent) and 401 for
// each that is, at a request a guess. Each account named that is not
// here now has a budget of its own, as each that is has.
func TestAttackSignInBudgetTellsNoAccount(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser()
	for i := range 5 {
		if status := b.signInUser("999999999999", "admin", fmt.Sprint("wrong-", i)); status != http.StatusUnauthorized {
			t.Fatalf("guess %d at an account not here: %d", i+1, status)
		}
	}
	for _, account := range []string{kwtest.AccountID, "888888888888", "no-such-alias"} {
		if status := s.browser().signInUser(account, "admin", "wrong-again"); status != http.StatusUnauthorized {
			t.Errorf("after 5 guesses at an account not here, one naming %s: %d, want 401 whether it is here or not", account, status)
		}
	}
	// The account guessed at has its own budget, spent as any other.
	if status := s.browser().signInUser("999999999999", "admin", "wrong-5"); status != http.StatusTooManyRequests {
		t.Errorf("a sixth guess at the account not here: %d, want 429", status)
	}
}

// TestAttackMFACodeGuessesInTheTrail: the sign-in's second step, the MFA
// code of a user whose password was right, recorded nothing: the trail
// showed the password step's ConsoleLogin (a success) and no more, so
// that whoever held the password guessed codes unseen, and the session
// the code began was not told from one without it. A wrong code is a
// failed ConsoleLogin of the user, as is one throttled, and the session
// begun is a ConsoleLogin with MFAUsed, as CloudTrail writes it.
func TestAttackMFACodeGuessesInTheTrail(t *testing.T) {
	t.Parallel()
	s, rec := newAuditedSite(t)
	now := time.Now()
	b, seed, page := aliceAtMFAStep(t, s, now)
	right, wrong := kwtest.TOTPCode(t, seed, now.Add(30*time.Second)), "000000"
	if right == wrong {
		wrong = "111111"
	}
	status, page := b.do(http.MethodPost, "/console/signin/mfa", url.Values{"code": {wrong}, "csrf": {csrfOf(t, page)}})
	if status != http.StatusUnauthorized {
		t.Fatalf("a wrong code: %d", status)
	}
	if status, _ = b.do(http.MethodPost, "/console/signin/mfa", url.Values{"code": {right}, "csrf": {csrfOf(t, page)}}); status != http.StatusSeeOther {
		t.Fatalf("the right code: %d", status)
	}
	ctx := context.Background()
	must(t, rec.Flush(ctx))
	events, _, err := s.k.Store.LookupEvents(ctx, keyward.EventQuery{EventName: "ConsoleLogin", Max: 50})
	must(t, err)
	var got []string
	for _, e := range events {
		var r struct {
			UserIdentity        struct{ UserName string } `json:"userIdentity"`
			ResponseElements    struct{ ConsoleLogin string }
			AdditionalEventData struct{ MFAUsed string }
		}
		must(t, json.Unmarshal(e.Record, &r))
		got = append(got, r.UserIdentity.UserName+" "+r.ResponseElements.ConsoleLogin+" "+r.AdditionalEventData.MFAUsed)
	}
	want := []string{"alice Failure ", "alice Success ", "alice Success Yes"} // sorted: one second may hold them all
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("ConsoleLogin events %q, want %q: the password's step, the wrong code, the session", got, want)
	}
}

// TestAttackMFAStepSpentBySignIn: the cookie the sign-in's second step
// carries between the password and the code was good until it expired,
// however often it was used: a copy of it, taken before the user finished
// signing in, began a session of its own with a later code, without the
// password. The step is spent by the session it begins.
func TestAttackMFAStepSpentBySignIn(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Now())
	s, _ := startSite(t, false, clock.Now)
	b, seed, page := aliceAtMFAStep(t, s, clock.Now())
	step := kwtest.MustURL(s.url + "/console/signin/mfa")
	var copied []*http.Cookie
	for _, c := range b.HTTP.Jar.Cookies(&step) {
		if c.Name == "keyward_mfa" {
			copied = append(copied, c)
		}
	}
	clock.Add(30 * time.Second)
	resp, _ := b.Post("/console/signin/mfa", url.Values{"code": {kwtest.TOTPCode(t, seed, clock.Now())}, "csrf": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/users" {
		t.Fatalf("alice's own code: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	clock.Add(60 * time.Second) // a code of its own, within the step's lifetime
	thief := s.browser()
	_, page = thief.do(http.MethodGet, "/console/signin?as=user", nil)
	thief.HTTP.Jar.SetCookies(&step, copied)
	resp, _ = thief.Post("/console/signin/mfa", url.Values{"code": {kwtest.TOTPCode(t, seed, clock.Now())}, "csrf": {csrfOf(t, page)}})
	if resp.Header.Get("Location") == "/console/users" {
		t.Fatal("a copy of the spent MFA step began a session")
	}
	if status, _ := thief.do(http.MethodGet, "/console/users", nil); status == http.StatusOK {
		t.Fatal("the copy's browser is signed in")
	}
}

// TestAttackMFAStepAfterRevocation: between the password and the code,
// an administrator resets the user's password, ends its sessions, deletes
// its password or removes its MFA device (what one does for a phished
// password or a departing employee). The step's cookie, good for five
// minutes, began a session all the same, stamped with the time of the
// code, after the revocation, so that it held for twelve hours; with the
// device removed, any six digits did. The code's step now holds only while
// a session begun at the password would, and a step whose device is gone
// proves nothing.
func TestAttackMFAStepAfterRevocation(t *testing.T) {
	t.Parallel()
	newPassword := "New-Adm1n-Passw0rd!"
	tests := []struct {
		name   string
		revoke func(s *site) error
		code   func(seed string, now time.Time) string
		signIn bool
	}{
		{"nothing changed", func(*site) error { return nil }, nil, true},
		{"password reset", func(s *site) error { return s.k.IAM.UpdateLoginProfile(root(), "alice", &newPassword, nil) }, nil, false},
		{"sessions ended", func(s *site) error { return s.k.IAM.EndConsoleSessions(root(), "alice") }, nil, false},
		{"password deleted", func(s *site) error { return s.k.IAM.DeleteLoginProfile(root(), "alice") }, nil, false},
		{"device removed, its code", removeAlicesDevice, nil, false},
		{"device removed, any digits", removeAlicesDevice, func(string, time.Time) string { return "000000" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := testclock.New(time.Now())
			s, _ := startSite(t, false, clock.Now)
			b, seed, page := aliceAtMFAStep(t, s, clock.Now())
			clock.Add(30 * time.Second)
			must(t, tt.revoke(s))
			clock.Add(30 * time.Second)
			code := kwtest.TOTPCode(t, seed, clock.Now())
			if tt.code != nil {
				code = tt.code(seed, clock.Now())
			}
			resp, _ := b.Post("/console/signin/mfa", url.Values{"code": {code}, "csrf": {csrfOf(t, page)}})
			began := resp.Header.Get("Location") == "/console/users"
			clock.Add(time.Hour)
			status, _ := b.do(http.MethodGet, "/console/password", nil)
			switch {
			case tt.signIn && (!began || status != http.StatusOK):
				t.Fatalf("the code's step: %d to %q; an hour later: %d", resp.StatusCode, resp.Header.Get("Location"), status)
			case !tt.signIn && (began || status == http.StatusOK):
				t.Fatalf("a session began after the revocation: %d to %q; an hour later: %d", resp.StatusCode, resp.Header.Get("Location"), status)
			}
		})
	}
}

// removeAlicesDevice deactivates alice's MFA device, as an administrator
// does for a lost or stolen one.
func removeAlicesDevice(s *site) error {
	ds, _, err := s.k.IAM.ListMFADevices(root(), "alice", "", 10)
	if err != nil || len(ds) != 1 {
		return fmt.Errorf("alice's devices: %v %v", ds, err)
	}
	return s.k.IAM.DeactivateMFADevice(root(), "alice", ds[0].SerialNumber)
}

// aliceAtMFAStep makes alice, a console user with an MFA device enabled
// at now, and a browser that has given her right password: it returns the
// browser at the sign-in's second step, the device's seed and the page
// asking for the code.
func aliceAtMFAStep(t *testing.T, s *site, now time.Time) (b *browser, seed, page string) {
	t.Helper()
	const password = "Alice-Passw0rd-1"
	consoleUser(t, s.k, root(), "alice", password, "")
	d, err := s.k.IAM.CreateVirtualMFADevice(root(), "alice-phone", "/", nil)
	must(t, err)
	seed = d.Base32Seed()
	must(t, s.k.IAM.EnableMFADevice(root(), "alice", d.SerialNumber, kwtest.TOTPCode(t, seed, now.Add(-30*time.Second)), kwtest.TOTPCode(t, seed, now)))
	b = s.browser()
	_, page = b.do(http.MethodGet, "/console/signin?as=user", nil)
	status, page := b.do(http.MethodPost, "/console/signin", url.Values{"kind": {"user"}, "account": {kwtest.AccountID}, "username": {"alice"},
		"password": {password}, "csrf": {csrfOf(t, page)}})
	if status != http.StatusOK || !strings.Contains(page, `action="/console/signin/mfa"`) {
		t.Fatalf("alice is not asked for a code: %d", status)
	}
	return b, seed, page
}
