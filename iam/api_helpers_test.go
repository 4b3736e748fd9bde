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

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

const localPolicy = "arn:aws:iam::123456789012:policy/P"

// trustAccount is a trust policy that lets the account's principals
// assume a role.
const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

// thumbprint is an OIDC provider's certificate thumbprint.
const thumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

const oidcProvider = "arn:aws:iam::123456789012:oidc-provider/token.example.com"
