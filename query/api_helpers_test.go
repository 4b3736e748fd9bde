package query_test

import (
	"context"
	"crypto/sha256"
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
	"github.com/aws/aws-sdk-go-v2/service/sts"

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

var wantAPIError = kwtest.WantAPIError

// Helpers every feature package's tests share, from package kwtest.
var (
	createUserKey = kwtest.CreateUserKey
	reportRows    = kwtest.ReportRows
	totpCode      = kwtest.TOTPCode
)

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

const localPolicy = "arn:aws:iam::123456789012:policy/P"

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
