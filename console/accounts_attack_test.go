package console_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// keyedSite is twoAccountSite with the session key the console signs
// cookies with, to forge cookies as one who had stolen it would.
func keyedSite(t *testing.T) (*site, []byte) {
	t.Helper()
	k := kwtest.NewWithClock(t, time.Now)
	cfg := consoleConfig(k, time.Now)
	s := &site{t: t, k: k, url: serveConsole(t, cfg).URL}
	twoAccounts(t, s)
	return s, cfg.SessionKey
}

// sessionOf returns the session cookie's claims and signature.
func sessionOf(t *testing.T, b *browser) (map[string]any, string) {
	t.Helper()
	_, raw, sig := signedCookie(t, b.HTTP, b.s.url+"/console/", "keyward_session")
	claims := map[string]any{}
	must(t, json.Unmarshal(raw, &claims))
	return claims, sig
}

// setSession puts claims with sig (or, with key, a signature made with
// it) in b's session cookie.
func setSession(t *testing.T, b *browser, claims map[string]any, sig string, key []byte) {
	t.Helper()
	raw, err := json.Marshal(claims)
	must(t, err)
	if key != nil {
		m := hmac.New(sha256.New, key)
		m.Write(raw)
		sig = base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	u, _ := url.Parse(b.s.url + "/console/")
	b.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "keyward_session", Value: base64.RawURLEncoding.EncodeToString(raw) + "." + sig, Path: "/console/"}})
}

// TestAccountSessionCannotBeMoved: a session's account is the one it
// signed in to. A cookie edited to name another account is refused for
// its signature; and one signed with a stolen session key is refused
// too, for the credential it names is not of that account (the user of
// that name there is another user, the root key another account's).
func TestAccountSessionCannotBeMoved(t *testing.T) {
	t.Parallel()
	s, key := keyedSite(t)
	for _, tc := range []struct {
		name    string
		signIn  func(b *browser) int
		account string // the account the cookie is made to name
		forge   bool   // signed with the stolen key
	}{
		{"user A to B, edited", func(b *browser) int { return b.signInUser(kwtest.AccountID, "alice", passwordA) }, accountB, false},
		{"user A to B, forged", func(b *browser) int { return b.signInUser(kwtest.AccountID, "alice", passwordA) }, accountB, true},
		{"user B to A, edited", func(b *browser) int { return b.signInUser(accountB, "alice", passwordB) }, kwtest.AccountID, false},
		{"user B to A, forged", func(b *browser) int { return b.signInUser(accountB, "alice", passwordB) }, kwtest.AccountID, true},
		{"user B to no account, forged", func(b *browser) int { return b.signInUser(accountB, "alice", passwordB) }, "", true},
		{"root A to B, forged", func(b *browser) int {
			return b.signIn(url.Values{"kind": {"root"}, "accesskey": {kwtest.RootKeyID}, "secret": {kwtest.RootSecret}})
		}, accountB, true},
		{"root B to A, forged", func(b *browser) int {
			return b.signIn(url.Values{"kind": {"root"}, "accesskey": {rootKeyB}, "secret": {rootSecB}})
		}, kwtest.AccountID, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := s.browser()
			if status := tc.signIn(b); status != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", status)
			}
			claims, sig := sessionOf(t, b)
			if status, _ := b.do(http.MethodGet, "/console/users", nil); status == http.StatusSeeOther {
				t.Fatal("the session as issued is refused")
			}
			if tc.account == "" {
				delete(claims, "a")
			} else {
				claims["a"] = tc.account
			}
			var with []byte
			if tc.forge {
				with = key
			}
			setSession(t, b, claims, sig, with)
			status, page := b.do(http.MethodGet, "/console/users", nil)
			if status != http.StatusSeeOther {
				t.Fatalf("the session moved to account %q: %d", tc.account, status)
			}
			if strings.Contains(page, "/console/users/") {
				t.Fatal("the moved session shows users")
			}
		})
	}
}

// TestRootSignInFailureInTheKeysAccount: a root sign-in that fails with
// account B's root key (a wrong secret) is a failed ConsoleLogin of B's
// root user in B's trail, never one of the first account's root user in
// the first account's; a key ID of no account stays in the first
// account's trail.
func TestRootSignInFailureInTheKeysAccount(t *testing.T) {
	t.Parallel()
	s, rec := newAuditedSite(t)
	twoAccounts(t, s)
	ctx := context.Background()
	failures := func(account string) (n int, record string) {
		t.Helper()
		must(t, rec.Flush(ctx))
		events, _, err := s.k.Store.InAccount(account).LookupEvents(ctx, keyward.EventQuery{EventName: "ConsoleLogin", Max: 50})
		must(t, err)
		for _, e := range events {
			if strings.Contains(string(e.Record), `"Failure"`) {
				n++
				record += string(e.Record)
			}
		}
		return n, record
	}
	if status := s.browser().signIn(url.Values{"kind": {"root"}, "accesskey": {rootKeyB}, "secret": {"wrong" + rootSecB[5:]}}); status != http.StatusUnauthorized {
		t.Fatalf("a wrong secret: %d", status)
	}
	if n, record := failures(accountB); n != 1 || !strings.Contains(record, `"arn":"arn:aws:iam::`+accountB+`:root"`) ||
		!strings.Contains(record, `"recipientAccountId":"`+accountB+`"`) {
		t.Fatalf("B's failed root sign-ins: %d\n%s", n, record)
	}
	if n, record := failures(kwtest.AccountID); n != 0 {
		t.Fatalf("the first account's trail has B's failed root sign-in:\n%s", record)
	}
	if status := s.browser().signIn(url.Values{"kind": {"root"}, "accesskey": {"AKIAUNKNOWNKEY000001"}, "secret": {rootSecB}}); status != http.StatusUnauthorized {
		t.Fatalf("an unknown key: %d", status)
	}
	if n, _ := failures(kwtest.AccountID); n != 1 {
		t.Fatalf("failed root sign-ins with an unknown key in the first account's trail: %d, want 1", n)
	}
	if n, _ := failures(accountB); n != 1 {
		t.Fatalf("B's failed root sign-ins: %d, want 1", n)
	}
}
