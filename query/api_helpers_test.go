package query_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/keyward/keyward/internal/kwtest"
)

// The tests of the Query API's responses and protocol, with the AWS SDK
// and with requests signed by hand, share these helpers.

// The root user's key, as the golden responses show it.
const (
	rootKeyID  = "AKIAKEYWARDTESTROOT1"
	rootSecret = "keywardTestRootSecretKey0000000000000000"
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
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	return newAPIServerWith(t, clock, kwtest.Options{})
}

// newAPIServerWith is newAPIServer with options, on clock.
func newAPIServerWith(t *testing.T, clock *kwtest.Clock, o kwtest.Options) *apiServer {
	t.Helper()
	o.Now, o.RootKeyID, o.RootSecret = clock.Now, rootKeyID, rootSecret
	return &apiServer{Keyward: kwtest.NewWithOptions(t, o), Clock: clock}
}

// signedRequest is a request signed by hand at a time, for what the SDK
// would not send.
func (ts *apiServer) signedRequest(t testing.TB, method, form, contentType, service, id, secret string, at time.Time) *http.Request {
	t.Helper()
	var r *http.Request
	var err error
	if method == http.MethodGet {
		r, err = http.NewRequest(method, ts.URL+"/?"+form, nil)
		form = ""
	} else {
		r, err = http.NewRequest(method, ts.URL+"/", strings.NewReader(form))
		r.Header.Set("Content-Type", contentType)
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret},
		r, hex.EncodeToString(sum[:]), service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return r
}

// signedFor is a form POSTed and signed now for a service and region.
func (ts *apiServer) signedFor(t testing.TB, form, service, region, id, secret string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret},
		r, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
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

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
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

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

const localPolicy = "arn:aws:iam::123456789012:policy/P"

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

// totpCode is the device's code at a time, from a TOTP library of its own
// rather than Keyward's.
func totpCode(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	must(t, err)
	return code
}

// trustAccount is a trust policy that lets the account's principals
// assume a role.
const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

// thumbprint is an OIDC provider's certificate thumbprint.
const thumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

const oidcProvider = "arn:aws:iam::123456789012:oidc-provider/token.example.com"

// Fixtures of SSH keys and certificates (testdata/credentials/README.md at
// the repository's root).
var (
	testSSHKey      = readFixture("ssh.pub")
	testCertificate = readFixture("cert.pem")
	testServerCert  = readFixture("server.pem")
	testServerKey   = readFixture("server.key")
	testCAChain     = readFixture("chain.pem")
)

func readFixture(name string) string {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "credentials", name))
	if err != nil {
		panic(err)
	}
	return string(b)
}
