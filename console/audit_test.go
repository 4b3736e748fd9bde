package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestConsoleAuditTrail: the console's sign-ins (AWS's ConsoleLogin, a
// failure too) and its changing forms (named after the API operation they
// perform, written with the change) are events; the Event history page and
// the user's Events tab show them.
func TestConsoleAuditTrail(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	web := newWebClient(t, ts)
	if resp := web.signIn(rootForm("wrong-" + rootSecret)); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong secret: %d", resp.StatusCode)
	}
	if resp := web.signIn(rootForm(rootSecret)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	if resp, body := web.post("/console/users", url.Values{"name": {"carol"}, "csrf": {web.token()}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create user: %d %s", resp.StatusCode, body)
	}
	must(t, ts.Audit.Flush(context.Background()))

	resp, body := web.get("/console/events")
	if resp.StatusCode != 200 {
		t.Fatalf("event history: %d", resp.StatusCode)
	}
	for _, want := range []string{`data-event="ConsoleLogin"`, `data-event="CreateUser"`, `&#34;ConsoleLogin&#34;:&#34;Failure&#34;`, `&#34;ConsoleLogin&#34;:&#34;Success&#34;`} {
		if !strings.Contains(body, want) {
			t.Fatalf("the event history lacks %s:\n%s", want, body)
		}
	}
	resp, body = web.get("/console/users/carol?tab=events")
	if resp.StatusCode != 200 || !strings.Contains(body, `data-event="CreateUser"`) || !strings.Contains(body, `&#34;userName&#34;:&#34;carol&#34;`) {
		t.Fatalf("carol's events tab: %d\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, rootSecret) {
		t.Fatal("a secret in the console's events")
	}
}
