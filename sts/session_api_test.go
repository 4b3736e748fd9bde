package sts_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/internal/sdkhttp"
)

// TestGetSessionToken: a user gets temporary credentials (ASIA key,
// secret, token) that sign requests as the user, MFA-backed when a code of
// the user's device is given, which aws:MultiFactorAuthPresent then shows;
// a wrong code, a session asking for a session, a tampered token and an
// expired one are refused as AWS refuses them.
func TestGetSessionToken(t *testing.T) {
	t.Parallel()
	ts := kwtest.NewServer(t, kwtest.Options{})
	root := ts.RootIAM()
	ctx := context.Background()
	id, secret := kwtest.CreateUserKey(t, root, "alice")
	_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"},
{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)})
	must(t, err)
	alice := ts.STSIn(id, secret, "us-east-1")
	sessionIAM := func(c *sts.GetSessionTokenOutput) *iam.Client {
		cfg := ts.ConfigIn("us-east-1", "", "", "")
		cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.Credentials.AccessKeyId), aws.ToString(c.Credentials.SecretAccessKey), aws.ToString(c.Credentials.SessionToken))
		return iam.NewFromConfig(cfg)
	}

	plain, err := alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	must(t, err)
	if k := aws.ToString(plain.Credentials.AccessKeyId); len(k) != 20 || k[:4] != "ASIA" || plain.Credentials.Expiration.Sub(ts.Clock.Now()) > 901*time.Second {
		t.Fatalf("credentials %+v", plain.Credentials)
	}
	s := sessionIAM(plain)
	u, err := s.GetUser(ctx, &iam.GetUserInput{})
	must(t, err)
	if aws.ToString(u.User.UserName) != "alice" {
		t.Fatalf("the session is %+v", u.User)
	}
	_, err = s.ListUsers(ctx, &iam.ListUsersInput{})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")

	// With MFA.
	now := ts.Clock.Now()
	serial, seed := kwtest.EnableUserMFA(t, root, "alice", now)
	_, err = alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(kwtest.TOTPCode(t, seed, now.Add(time.Hour)))})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	ts.Clock.Add(30 * time.Second)
	withMFA, err := alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(kwtest.TOTPCode(t, seed, ts.Clock.Now()))})
	must(t, err)
	if _, err := sessionIAM(withMFA).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("an MFA session is refused what needs MFA: %v", err)
	}

	// A session cannot make another; a tampered token is not ours.
	sessionSTS := sts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:  sdkhttp.Wrap(nil),
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(plain.Credentials.AccessKeyId), aws.ToString(plain.Credentials.SecretAccessKey), aws.ToString(plain.Credentials.SessionToken))})
	_, err = sessionSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "Cannot call GetSessionToken with session credentials")
	tampered := *plain.Credentials
	tok := []byte(aws.ToString(tampered.SessionToken))
	tok[len(tok)-5] ^= 1
	tampered.SessionToken = aws.String(string(tok))
	_, err = sessionIAM(&sts.GetSessionTokenOutput{Credentials: &tampered}).GetUser(ctx, &iam.GetUserInput{})
	kwtest.WantAPIError(t, err, "InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid.")

	// Past its expiration the session is refused.
	ts.Clock.Add(15 * time.Minute)
	_, err = s.GetUser(ctx, &iam.GetUserInput{})
	kwtest.WantAPIError(t, err, "ExpiredToken", http.StatusForbidden, "The security token included in the request is expired")
}

// TestRootGetSessionTokenWithMFA: the root user's long-term key gets an
// MFA-backed session with a code of the root user's own device, as a user
// does with the user's; a wrong or used code is refused as a user's is, and
// a user named "root" cannot use the root user's device.
func TestRootGetSessionTokenWithMFA(t *testing.T) {
	t.Parallel()
	ts := kwtest.NewServer(t, kwtest.Options{})
	ctx := context.Background()
	serialNumber, seed := ts.EnableRootMFA(t, "root-phone", ts.Clock.Now())
	serial := aws.String(serialNumber)
	root := ts.STSIn(kwtest.RootKeyID, kwtest.RootSecret, "us-east-1")
	ts.Clock.Add(30 * time.Second)

	_, err := root.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: aws.String(kwtest.TOTPCode(t, seed, ts.Clock.Now().Add(time.Hour)))})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	code := aws.String(kwtest.TOTPCode(t, seed, ts.Clock.Now()))
	id, secret := kwtest.CreateUserKey(t, ts.RootIAM(), "root")
	_, err = ts.STSIn(id, secret, "us-east-1").GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: code})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")

	out, err := root.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: code})
	must(t, err)
	c, err := ts.STS.OpenSession(ctx, aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SessionToken))
	must(t, err)
	if !c.Principal.Root || !c.MFAAt.Equal(ts.Clock.Now()) {
		t.Fatalf("the root user's session: root %v, MFA at %v", c.Principal.Root, c.MFAAt)
	}
	_, err = root.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: code})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
}
