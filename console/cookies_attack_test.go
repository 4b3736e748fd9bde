package console

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/clientip"
)

// TestAttackOversizedCookiesOpenedWithoutWork: a cookie is the browser's
// to send, anyone's to make; the session, the MFA step and the role
// history had no bound of their own, and a value of tens of kilobytes was
// decoded and signed in full on every request that carried it before it
// was refused. No cookie the console seals is longer than a browser keeps
// (maxCookie), so none longer is read: its signer is not even called.
func TestAttackOversizedCookiesOpenedWithoutWork(t *testing.T) {
	c := &Console{Config: Config{SessionKey: []byte(strings.Repeat("k", 32))}}
	for _, kind := range []struct {
		name string
		max  int
		sign func([]byte) string
	}{
		{sessionCookie, 0, c.sign},
		{pendingMFACookie, 0, c.signAs("mfa:")},
		{roleHistoryCookie, 0, c.signAs("roles:")},
		{oidcRequestCookie, 2048, c.signOIDCState()},
		{samlRequestCookie, 1024, c.signSAMLState()},
	} {
		calls := 0
		counting := func(b []byte) string { calls++; return kind.sign(b) }
		// Signed, and of the kind's format: only its size is wrong.
		value := sealCookie(map[string]string{"pad": strings.Repeat("x", 40<<10)}, kind.sign)
		r, _ := http.NewRequest(http.MethodGet, "/console/", nil)
		r.AddCookie(&http.Cookie{Name: kind.name, Value: value})
		var v map[string]string
		if openCookie(r, kind.name, kind.max, counting, &v) || calls != 0 {
			t.Errorf("%s of %d bytes: read %v, signed %d times; want refused unsigned", kind.name, len(value), v != nil, calls)
		}
		// One that fits is read as before.
		r, _ = http.NewRequest(http.MethodGet, "/console/", nil)
		r.AddCookie(&http.Cookie{Name: kind.name, Value: sealCookie(map[string]string{"pad": "x"}, kind.sign)})
		if !openCookie(r, kind.name, kind.max, counting, &v) || v["pad"] != "x" {
			t.Errorf("%s that fits: not read", kind.name)
		}
	}
}

// TestRoleHistoryFitsACookie: the role history is read only as long as a
// browser keeps a cookie, so it is written so: remembering a role drops
// the oldest ones until the history fits, where a history of long role
// names and display names (escaped in JSON) was written whole, and the
// browser dropped all of it.
func TestRoleHistoryFitsACookie(t *testing.T) {
	c := &Console{Config: Config{SessionKey: []byte(strings.Repeat("k", 32)), Clients: &clientip.Resolver{}}}
	long := func(i int) roleHistory {
		return roleHistory{Account: "123456789012", Role: fmt.Sprint(strings.Repeat("path/", 100), "role-", i),
			Display: strings.Repeat("<", 64), Color: "red"}
	}
	var cookie *http.Cookie
	alice := keyward.Principal{AccountID: "123456789012", UserID: "AIDAEXAMPLEALICE", UserName: "alice"}
	for i := range maxRoleHistory {
		r := httptest.NewRequest(http.MethodPost, "/console/switchrole", nil)
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		c.rememberRole(w, &request{Request: r, from: alice}, long(i))
		cookie = w.Result().Cookies()[0]
		if len(cookie.Value) > maxCookie {
			t.Fatalf("after %d roles the history's cookie has %d bytes, more than a browser keeps", i+1, len(cookie.Value))
		}
		r = httptest.NewRequest(http.MethodGet, "/console/", nil)
		r.AddCookie(cookie)
		if h := c.roleHistoryOf(&request{Request: r, from: alice}); len(h) == 0 || h[0] != long(i) {
			t.Fatalf("after %d roles the history reads %d roles, the last one remembered not first", i+1, len(h))
		}
	}
}
