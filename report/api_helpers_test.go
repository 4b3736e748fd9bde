package report_test

import (
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kwtest"
)

// The tests that drive the reports through the Query API with the AWS SDK,
// as a client sees them, share these helpers.

// apiServer is a Keyward on a clock the test moves, with the Query API in
// front of it.
type apiServer = kwtest.Server

// newAPIServer serves credential reports for four hours, as keyward serve
// does by default.
func newAPIServer(t *testing.T) *apiServer {
	t.Helper()
	return newAPIServerMaxAge(t, 4*time.Hour)
}

// newAPIServerMaxAge serves each credential report for maxAge.
func newAPIServerMaxAge(t *testing.T, maxAge time.Duration) *apiServer {
	t.Helper()
	return kwtest.NewServer(t, kwtest.Options{ReportMaxAge: maxAge})
}

var wantAPIError = kwtest.WantAPIError

// Helpers every feature package's tests share, from package kwtest.
var (
	createUserKey = kwtest.CreateUserKey
	reportRows    = kwtest.ReportRows
)
