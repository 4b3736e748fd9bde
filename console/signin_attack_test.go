package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
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
				status := newWebClient(t, ts).signIn(form(i)).StatusCode
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
	if resp := newWebClient(t, ts).signIn(user("bob", "bob-Passw0rd!")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob's right password from the attacked address: %d", resp.StatusCode)
	}
	// alice herself is refused for now: her name is under attack.
	if resp := newWebClient(t, ts).signIn(user("alice", "alice-Passw0rd!")); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("alice during the attack on her name: %d", resp.StatusCode)
	}
}
