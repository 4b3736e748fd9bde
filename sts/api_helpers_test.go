package sts_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/keyward/keyward/internal/kwtest"
)

// The tests that drive IAM's rules through the Query API with the AWS SDK,
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

func newAPIServer(t *testing.T) *apiServer {
	t.Helper()
	return newAPIServerWith(t, kwtest.Options{})
}

// newAPIServerWith is newAPIServer with options; the clock is its own.
func newAPIServerWith(t *testing.T, o kwtest.Options) *apiServer {
	t.Helper()
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	o.Now = clock.Now
	return &apiServer{Keyward: kwtest.NewWithOptions(t, o), Clock: clock}
}

func (ts *apiServer) iam(id, secret string) *iam.Client {
	return iam.NewFromConfig(ts.ConfigIn("us-east-1", id, secret, ""))
}

func (ts *apiServer) sts(id, secret, region string) *sts.Client {
	return sts.NewFromConfig(ts.ConfigIn(region, id, secret, ""))
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

// sessionClients returns IAM and STS clients signing with a session's
// credentials.
func (ts *apiServer) sessionClients(c *ststypes.Credentials) (*iam.Client, *sts.Client) {
	cfg := ts.ConfigIn("eu-west-1", aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return iam.NewFromConfig(cfg), sts.NewFromConfig(cfg)
}

func trustDoc(statements ...string) *string {
	return aws.String(`{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`)
}

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

// currentReport returns the credential report's rows by user.
func (ts *apiServer) currentReport(t *testing.T, c *iam.Client) map[string]map[string]string {
	t.Helper()
	ts.waitForReport(t, c)
	out, err := c.GetCredentialReport(context.Background(), &iam.GetCredentialReportInput{})
	must(t, err)
	return reportRows(t, out.Content)
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

// totpCode is the device's code at a time, from a TOTP library of its own
// rather than Keyward's.
func totpCode(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	must(t, err)
	return code
}

// rawDo sends a request and returns its status, headers and body.
func rawDo(t *testing.T, r *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}
