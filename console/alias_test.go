package console_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestSignInByAccountAlias: a user signs in naming the account by its
// alias, and the console shows the alias.
func TestSignInByAccountAlias(t *testing.T) {
	s := newSite(t)
	must(t, s.k.IAM.CreateAccountAlias(root(), "my-company"))
	s.withPassword("carol", "Carol-Passw0rd-1", "")
	b := s.browser()
	if status := b.signInUser("my-company", "carol", "Carol-Passw0rd-1"); status != http.StatusSeeOther {
		t.Fatalf("sign-in by alias: %d", status)
	}
	if _, page := b.do(http.MethodGet, "/console/password", nil); !strings.Contains(page, `id="account-alias">my-company<`) {
		t.Fatal("the console does not show the alias")
	}
}
