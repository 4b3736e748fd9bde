package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestEventHistoryTellsFailedSignIns: a failed ConsoleLogin and a good
// one looked alike; the Error code column shows the failure, as AWS
// records it (an errorMessage: ConsoleLogin has no errorCode).
func TestEventHistoryTellsFailedSignIns(t *testing.T) {
	s, rec := newAuditedSite(t)

	if status := s.browser().signIn(url.Values{"kind": {"root"}, "accesskey": {kwtest.RootKeyID}, "secret": {"wrong" + kwtest.RootSecret[5:]}}); status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", status)
	}
	admin := s.browser()
	admin.signInRoot()
	must(t, rec.Flush(context.Background()))
	row := regexp.MustCompile(`<tr data-event="ConsoleLogin">.*?<td>([^<]*)</td></tr>`)
	_, page := admin.do(http.MethodGet, "/console/events", nil)
	var errors []string
	for _, m := range row.FindAllStringSubmatch(page, -1) {
		errors = append(errors, html.UnescapeString(m[1]))
	}
	// The good sign-in and the failed one, in either order (they may
	// share a timestamp).
	slices.Sort(errors)
	if !slices.Equal(errors, []string{"", "Failed authentication"}) {
		t.Fatalf("ConsoleLogin error codes %q, want \"\" and \"Failed authentication\"", errors)
	}
}
