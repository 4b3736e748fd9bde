package query_test

import (
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kwtest"
)

// must is kwtest's, under the name the tests here call.
var must = kwtest.Must

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
type apiServer = kwtest.Server

func newAPIServer(t *testing.T) *apiServer {
	t.Helper()
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	return newAPIServerWith(t, clock, kwtest.Options{})
}

// newAPIServerWith is newAPIServer with options, on clock.
func newAPIServerWith(t *testing.T, clock *kwtest.Clock, o kwtest.Options) *apiServer {
	t.Helper()
	o.RootKeyID, o.RootSecret = rootKeyID, rootSecret
	return kwtest.NewServerOn(t, clock, o)
}

// rawDo sends a request and returns its status, headers and body.
var rawDo = kwtest.RawDo

var wantAPIError = kwtest.WantAPIError

// Helpers every feature package's tests share, from package kwtest.
var (
	createUserKey = kwtest.CreateUserKey
	reportRows    = kwtest.ReportRows
	totpCode      = kwtest.TOTPCode
)

// Fixtures of SSH keys and certificates (testdata/credentials/README.md at
// the repository's root).
var (
	testSSHKey      = readFixture("ssh.pub")
	testCertificate = readFixture("cert.pem")
	testServerCert  = readFixture("server.pem")
	testServerKey   = readFixture("server.key")
	testCAChain     = readFixture("chain.pem")
)

var readFixture = kwtest.Fixture
