package report_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/internal/kwtest"
)

// The tests that drive the reports through the Query API with the AWS SDK,
// as a client sees them, share these helpers.

const (
	rootKeyID  = kwtest.RootKeyID
	rootSecret = kwtest.RootSecret
	accountID  = kwtest.AccountID
)

// apiServer is a Keyward on a clock the test moves, with the Query API in
// front of it.
type apiServer struct {
	*kwtest.Keyward
	Clock *kwtest.Clock
}

// newAPIServer serves credential reports for four hours, as keyward serve
// does by default.
func newAPIServer(t *testing.T) *apiServer {
	t.Helper()
	return newAPIServerMaxAge(t, 4*time.Hour)
}

// newAPIServerMaxAge serves each credential report for maxAge.
func newAPIServerMaxAge(t *testing.T, maxAge time.Duration) *apiServer {
	t.Helper()
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	return &apiServer{Keyward: kwtest.NewWithOptions(t, kwtest.Options{Now: clock.Now, ReportMaxAge: maxAge}), Clock: clock}
}

func (ts *apiServer) iam(id, secret string) *iam.Client {
	return iam.NewFromConfig(ts.ConfigIn("us-east-1", id, secret, ""))
}

func (ts *apiServer) sts(id, secret, region string) *sts.Client {
	return sts.NewFromConfig(ts.ConfigIn(region, id, secret, ""))
}

// userWithKey creates a user with an access key and returns IAM and STS
// clients signed with it, and the key's ID.
func (ts *apiServer) userWithKey(t *testing.T, name string) (*iam.Client, *sts.Client, string) {
	t.Helper()
	id, secret := createUserKey(t, ts.RootIAM(), name)
	return ts.iam(id, secret), ts.sts(id, secret, "us-east-1"), id
}

var wantAPIError = kwtest.WantAPIError

// Helpers every feature package's tests share, from package kwtest.
var (
	createUserKey = kwtest.CreateUserKey
	reportRows    = kwtest.ReportRows
)
