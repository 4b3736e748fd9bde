package iam_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

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
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	return &apiServer{Keyward: kwtest.NewWithClock(t, clock.Now), Clock: clock}
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

const awsPolicy = "arn:aws:iam::aws:policy/"

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

const localPolicy = "arn:aws:iam::123456789012:policy/P"
