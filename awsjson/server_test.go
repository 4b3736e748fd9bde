package awsjson_test

import (
	"crypto/rand"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/awsjson"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestObserved: every authenticated request is observed under its
// operation, named apart from IAM's operations of the same names.
func TestObserved(t *testing.T) {
	k := kwtest.New(t)
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(&awsjson.Server{Organizations: k.Organizations, Auth: k.API, Next: k.API,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now, Rand: rand.Reader,
		Observe: func(action, outcome string, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, action+" "+outcome)
		}})
	defer srv.Close()
	k.URL = srv.URL
	want(t, request(t, k, "ListPolicies", `{"Filter":"SERVICE_CONTROL_POLICY"}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret), 400, "AWSOrganizationsNotInUseException")
	want(t, request(t, k, "InviteAccountToOrganization", `{}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret), 400, "UnknownOperationException")
	want(t, request(t, k, "ListPolicies", `{}`, "", "", ""), 400, "MissingAuthenticationTokenException")
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != "organizations:ListPolicies AWSOrganizationsNotInUseException" || seen[1] != "unknown UnknownOperationException" {
		t.Fatalf("observed %q", seen)
	}
}
