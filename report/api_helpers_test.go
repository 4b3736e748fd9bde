package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
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

// createUserKey creates the user name with one access key through c and
// returns the key's ID and secret.
func createUserKey(t *testing.T, c *iam.Client, name string) (id, secret string) {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
	must(t, err)
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	must(t, err)
	return *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey
}

var wantAPIError = kwtest.WantAPIError

// waitForReport generates the credential report through c and waits for
// the generation to finish.
func (ts *apiServer) waitForReport(t *testing.T, c *iam.Client) {
	t.Helper()
	for range 2 {
		out, err := c.GenerateCredentialReport(context.Background(), &iam.GenerateCredentialReportInput{})
		must(t, err)
		if out.State == types.ReportStateTypeComplete {
			return
		}
		ts.Reports.Wait()
	}
	t.Fatal("the credential report is not complete once its generation ended")
}

func reportRows(t *testing.T, content []byte) map[string]map[string]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	must(t, err)
	if len(rows) < 2 || rows[1][0] != "<root_account>" {
		t.Fatalf("report rows %v", rows)
	}
	out := map[string]map[string]string{}
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, col := range rows[0] {
			m[col] = r[i]
		}
		out[r[0]] = m
	}
	return out
}
