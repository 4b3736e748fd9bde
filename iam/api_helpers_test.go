package iam_test

import (
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

// The tests that drive IAM's rules through the Query API with the AWS SDK,
// as a client sees them, share these helpers.

// apiServer is a Keyward on a clock the test moves, with the Query API in
// front of it.
type apiServer = kwtest.Server

func newAPIServer(t *testing.T) *apiServer {
	t.Helper()
	return kwtest.NewServer(t, kwtest.Options{})
}

var wantAPIError = kwtest.WantAPIError

// Helpers every feature package's tests share, from package kwtest.
var (
	createUserKey = kwtest.CreateUserKey
	reportRows    = kwtest.ReportRows
	totpCode      = kwtest.TOTPCode
)

const awsPolicy = "arn:aws:iam::aws:policy/"
