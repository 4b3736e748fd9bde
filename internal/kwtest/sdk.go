package kwtest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/sdkhttp"
	"github.com/keyward/keyward/internal/testclock"
)

// Clock is a clock the test moves by hand (NewWithClock takes its Now):
// tests never sleep for time to pass.
type Clock = testclock.Clock

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return testclock.New(t) }

// Config is an AWS SDK configuration for k's Query API, signing with the
// access key id and secret (and a session's token, or ""), without retries,
// through sdkhttp's client (the SDK closes a request's body early, which
// would otherwise cut answers off).
func (k *Keyward) Config(id, secret, token string) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, token),
		BaseEndpoint: aws.String(k.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} }, HTTPClient: sdkhttp.Wrap(nil)}
}

// IAMClient is aws-sdk-go-v2's IAM client for k, signing with a long-term
// key.
func (k *Keyward) IAMClient(id, secret string) *awsiam.Client {
	return awsiam.NewFromConfig(k.Config(id, secret, ""))
}

// STSClient is aws-sdk-go-v2's STS client for k, signing with a long-term
// key.
func (k *Keyward) STSClient(id, secret string) *awssts.Client {
	return awssts.NewFromConfig(k.Config(id, secret, ""))
}

// AnonymousSTS is aws-sdk-go-v2's STS client for k that signs nothing:
// a caller of AssumeRoleWithWebIdentity or AssumeRoleWithSAML, whose
// token or assertion is its credential.
func (k *Keyward) AnonymousSTS() *awssts.Client {
	cfg := k.Config("", "", "")
	cfg.Credentials = aws.AnonymousCredentials{}
	return awssts.NewFromConfig(cfg)
}

// STSIn is STSClient for a client in region.
func (k *Keyward) STSIn(id, secret, region string) *awssts.Client {
	return awssts.NewFromConfig(k.ConfigIn(region, id, secret, ""))
}

// SessionClients returns IAM and STS clients for k signing with a
// session's credentials, in a region other than the long-term keys'.
func (k *Keyward) SessionClients(c *ststypes.Credentials) (*awsiam.Client, *awssts.Client) {
	cfg := k.ConfigIn("eu-west-1", aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return awsiam.NewFromConfig(cfg), awssts.NewFromConfig(cfg)
}

// UserWithKey creates a user with an access key, through the root user's
// client, and returns IAM and STS clients signed with it, and the key's ID.
func (k *Keyward) UserWithKey(t testing.TB, name string) (*awsiam.Client, *awssts.Client, string) {
	t.Helper()
	id, secret := CreateUserKey(t, k.RootIAM(), name)
	return k.IAMClient(id, secret), k.STSIn(id, secret, "us-east-1"), id
}

// Must fails the test at once on err.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// WantCode checks that err is a Keyward error with the AWS error code
// given.
func WantCode(t testing.TB, err error, code string) {
	t.Helper()
	if keyward.ErrorCode(err) != code || err == nil {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// WantAPIError checks an SDK error's code, HTTP status and, unless empty,
// its message.
func WantAPIError(t testing.TB, err error, code string, status int, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	var re *smithyhttp.ResponseError
	if ae.ErrorCode() != code || !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("got %v, want %s (%d)", err, code, status)
	}
	if message != "" && ae.ErrorMessage() != message {
		t.Fatalf("got message %q, want %q", ae.ErrorMessage(), message)
	}
}

// Race makes n calls at once, call(i) for each i, as clients racing for
// one name or one quota would, and returns how many succeeded; every other
// must have failed with the API error code and status (WantAPIError, and
// its message unless "").
func Race(t testing.TB, n int, call func(i int) error, code string, status int, message string) int {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = call(i)
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		WantAPIError(t, err, code, status, message)
	}
	return ok
}

// ConfigIn is Config for a client in region.
func (k *Keyward) ConfigIn(region, id, secret, token string) aws.Config {
	cfg := k.Config(id, secret, token)
	cfg.Region = region
	return cfg
}

// RootIAM is aws-sdk-go-v2's IAM client for k, signing as the account's
// root user.
func (k *Keyward) RootIAM() *awsiam.Client { return k.IAMClient(k.opts.RootKeyID, k.opts.RootSecret) }

// RootOrganizations is aws-sdk-go-v2's Organizations client for k, signing
// as the account's root user.
func (k *Keyward) RootOrganizations() *awsorg.Client {
	return awsorg.NewFromConfig(k.Config(k.opts.RootKeyID, k.opts.RootSecret, ""))
}
