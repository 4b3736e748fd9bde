package console_test

// The sign-in page a new user meets: the one the README describes, with
// one message per mistake.

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

// readDocs returns the README and the pages under docs/, where the
// README's instructions may be moved.
func readDocs(t *testing.T) []string {
	t.Helper()
	files := []string{filepath.Join("..", "README.md")}
	more, _ := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	var out []string
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

var (
	boldTerm     = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	labelFor     = regexp.MustCompile(`<label for="([-\w]+)"[^>]*>([^<]+)</label>`)
	radioInput   = regexp.MustCompile(`<input type="radio" name="as" value="(\w+)" id="([-\w]+)"`)
	buttonText   = regexp.MustCompile(`<button[^>]*>([^<]+)</button>`)
	checkedRadio = regexp.MustCompile(`<input type="radio" name="as" value="(\w+)"[^>]* checked>`)
)

// TestSignInPageIsWhatTheREADMESays follows the README's sign-in
// instructions on the pages themselves: every term it puts in bold is a
// choice, a field or a button of the page at that step, in that order, and
// they sign the root user in. The page opens, as AWS's does, on the choice
// between the root user and an IAM user, which sign in apart.
func TestSignInPageIsWhatTheREADMESays(t *testing.T) {
	var steps []string
	for _, doc := range readDocs(t) {
		for _, para := range strings.Split(doc, "\n\n") {
			if strings.Contains(para, "To sign in to the console") {
				for _, m := range boldTerm.FindAllStringSubmatch(strings.Join(strings.Fields(para), " "), -1) {
					steps = append(steps, m[1])
				}
			}
		}
	}
	if len(steps) == 0 {
		t.Fatal(`the README says nowhere "To sign in to the console", with the page's terms in bold`)
	}

	s := newSite(t)
	b := s.browser()
	status, page := b.do(http.MethodGet, "/console/signin", nil)
	if status != http.StatusOK {
		t.Fatalf("sign-in page: %d", status)
	}
	if strings.Contains(page, `id="username"`) || strings.Contains(page, `id="accesskey"`) {
		t.Fatal("the sign-in page opens on a form, not on the choice between the root user and an IAM user")
	}
	if m := checkedRadio.FindStringSubmatch(page); m == nil || m[1] != "root" {
		t.Errorf("the choice does not start on Root user: %v", m)
	}
	form := url.Values{}
	chosen := ""
	for _, step := range steps {
		labels := map[string]string{} // text → the id of its control
		for _, m := range labelFor.FindAllStringSubmatch(page, -1) {
			labels[html.UnescapeString(m[2])] = m[1]
		}
		var button bool
		for _, m := range buttonText.FindAllStringSubmatch(page, -1) {
			button = button || html.UnescapeString(m[1]) == step
		}
		id, isLabel := labels[step]
		switch {
		case isLabel && strings.HasPrefix(id, "as-"):
			for _, m := range radioInput.FindAllStringSubmatch(page, -1) {
				if m[2] == id {
					chosen = m[1]
				}
			}
		case isLabel:
			form.Set(fieldName(t, page, id), map[string]string{"accesskey": kwtest.RootKeyID, "secret": kwtest.RootSecret}[id])
		case button && step == "Next":
			status, page = b.do(http.MethodGet, "/console/signin?as="+url.QueryEscape(chosen), nil)
			if status != http.StatusOK {
				t.Fatalf("after choosing %q: %d", chosen, status)
			}
		case button:
			form.Set("csrf", csrfOf(t, page))
			form.Set("kind", chosen)
			if status, _ = b.do(http.MethodPost, "/console/signin", form); status != http.StatusSeeOther {
				t.Fatalf("signing in as the README says (%v): %d", steps, status)
			}
			if status, _ = b.do(http.MethodGet, "/console/users", nil); status != http.StatusOK {
				t.Fatalf("after signing in: %d", status)
			}
			return
		default:
			t.Fatalf("the README says %q; the page at that step has no such choice, field or button:\n%s", step, page)
		}
	}
	t.Fatalf("the README's steps %q never choose Sign in", steps)
}

// fieldName is the name of the input whose id is id.
func fieldName(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<input id="` + regexp.QuoteMeta(id) + `" name="([-\w]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no input %q", id)
	}
	return m[1]
}

// TestErrorShownOnce: a page that shows its error beside its form showed
// it in the layout's banner too, twice in all.
func TestErrorShownOnce(t *testing.T) {
	s := newSite(t)
	consoleUser(t, s.k, root(), "bo", "Bo-Passw0rd-1", "")
	admin := s.browser()
	admin.signInRoot()
	token := func() string {
		_, page := admin.do(http.MethodGet, "/console/users/new", nil)
		return csrfOf(t, page)
	}
	for _, tc := range []struct {
		name string
		do   func() (int, string)
	}{
		{"wrong secret", func() (int, string) {
			b := s.browser()
			_, page := b.do(http.MethodGet, "/console/signin?as=root", nil)
			return b.do(http.MethodPost, "/console/signin", url.Values{"kind": {"root"}, "accesskey": {kwtest.RootKeyID},
				"secret": {"wrong" + kwtest.RootSecret[5:]}, "csrf": {csrfOf(t, page)}})
		}},
		{"wrong password", func() (int, string) {
			b := s.browser()
			_, page := b.do(http.MethodGet, "/console/signin?as=user", nil)
			return b.do(http.MethodPost, "/console/signin", url.Values{"kind": {"user"}, "account": {kwtest.AccountID},
				"username": {"bo"}, "password": {"Wrong-Passw0rd-1"}, "csrf": {csrfOf(t, page)}})
		}},
		{"bad group name", func() (int, string) {
			return admin.do(http.MethodPost, "/console/groups", url.Values{"name": {"no spaces"}, "csrf": {token()}})
		}},
		{"bad MFA device name", func() (int, string) {
			return admin.do(http.MethodPost, "/console/users/bo/mfa/new", url.Values{"name": {"no spaces"}, "csrf": {token()}})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, page := tc.do()
			if status < 400 {
				t.Fatalf("%d, want an error", status)
			}
			alerts := strings.Count(page, `class="flash error"`)
			if alerts != 1 {
				t.Fatalf("%d error messages, want 1:\n%s", alerts, page)
			}
		})
	}
}
