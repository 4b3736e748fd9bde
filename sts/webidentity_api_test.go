package sts_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/internal/sdkhttp"
)

// newTestIssuer starts an OpenID Connect issuer over TLS that a provider
// trusts by its CA's thumbprint.
var newTestIssuer = kwtest.NewIssuer

// TestAssumeRoleWithWebIdentity: a CI job's ID token, from an issuer the
// test starts, gets a role's session through the SDKs' standard web
// identity provider (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, read by
// aws-sdk-go-v2's default chain and by the AWS CLI); the provider's keys
// are fetched over TLS trusted by its thumbprint and cached; the trust
// policy's aud and sub conditions hold; wrong audiences, other issuers,
// forged signatures and expired tokens are refused with AWS's errors.
// Not parallel: it sets the environment the SDK reads.
func TestAssumeRoleWithWebIdentity(t *testing.T) {
	ts := kwtest.NewServer(t, kwtest.Options{OIDCAllowPrivate: true}) // the test's issuer is on loopback
	root := ts.RootIAM()
	ctx := context.Background()
	is := newTestIssuer(t)
	ci := is.NewCIRole(t, root, ts.Clock.Now())
	roleARN, tokenFile, good := ci.RoleARN, ci.TokenFile, ci.Token
	t.Run("aws-sdk-go-v2 default chain", func(t *testing.T) {
		for k, v := range map[string]string{"AWS_ROLE_ARN": roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_SESSION_NAME": "ci-run",
			"AWS_ENDPOINT_URL": ts.URL, "AWS_ENDPOINT_URL_STS": ts.URL, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
			"AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none")} {
			t.Setenv(k, v)
		}
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRetryMaxAttempts(1))
		must(t, err)
		cfg.HTTPClient = sdkhttp.Wrap(cfg.HTTPClient)
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		must(t, err)
		if got := aws.ToString(id.Arn); got != "arn:aws:sts::"+kwtest.AccountID+":assumed-role/ci/ci-run" {
			t.Fatalf("web identity session is %s", got)
		}
		if _, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
			t.Fatalf("the role's policy: %v", err)
		}
		_, err = iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	})

	anon := sts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient: sdkhttp.Wrap(nil)})
	assume := func(token string) (*sts.AssumeRoleWithWebIdentityOutput, error) {
		return anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("x1"),
			WebIdentityToken: aws.String(token)})
	}
	t.Run("response", func(t *testing.T) {
		out, err := assume(good)
		must(t, err)
		if aws.ToString(out.SubjectFromWebIdentityToken) != "repo:keyward/keyward:ref:main" || aws.ToString(out.Audience) != "sts.amazonaws.com" ||
			aws.ToString(out.Provider) != is.URL || aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::"+kwtest.AccountID+":assumed-role/ci/x1" {
			t.Fatalf("response %+v %+v", out, out.AssumedRoleUser)
		}
		// The keys were fetched once, and are cached since.
		if n := is.KeyFetches(); n != 1 {
			t.Fatalf("the issuer's keys were fetched %d times", n)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		now := ts.Clock.Now()
		_, err := assume(is.Token(t, "repo:keyward/keyward:ref:main", "someone-else", now.Add(time.Hour)))
		kwtest.WantAPIError(t, err, "InvalidIdentityToken", http.StatusBadRequest, "Incorrect token audience")
		// A token the provider issued to the registered client (its azp)
		// for another service, and forwarded by that service: not for STS.
		forwarded, err := is.Sign(jwt.Claims{Issuer: is.URL, Subject: "repo:keyward/keyward:ref:main", Audience: jwt.Audience{"https://payments.example"},
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour))}, map[string]any{"azp": "sts.amazonaws.com"})
		must(t, err)
		_, err = assume(forwarded)
		kwtest.WantAPIError(t, err, "InvalidIdentityToken", http.StatusBadRequest, "Incorrect token audience")
		_, err = assume(is.Token(t, "repo:mallory/x:ref:main", "sts.amazonaws.com", now.Add(time.Hour)))
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		_, err = assume(is.Token(t, "repo:keyward/keyward:ref:main", "sts.amazonaws.com", now.Add(-time.Second)))
		kwtest.WantAPIError(t, err, "ExpiredTokenException", http.StatusBadRequest, "")
		// Another issuer's token, and ours signed by a key that is not the issuer's.
		other := newTestIssuer(t)
		_, err = assume(other.Token(t, "repo:keyward/keyward:ref:main", "sts.amazonaws.com", now.Add(time.Hour)))
		kwtest.WantAPIError(t, err, "InvalidIdentityToken", http.StatusBadRequest, "No OpenIDConnect provider found in your account for "+other.URL)
		other.URL = is.URL
		_, err = assume(other.Token(t, "repo:keyward/keyward:ref:main", "sts.amazonaws.com", now.Add(time.Hour)))
		kwtest.WantAPIError(t, err, "InvalidIdentityToken", http.StatusBadRequest, "")
		parts := strings.Split(good, ".")
		_, err = assume(parts[0] + "." + parts[1] + ".AAAA")
		kwtest.WantAPIError(t, err, "InvalidIdentityToken", http.StatusBadRequest, "")
		_, err = assume("not-a-jwt")
		kwtest.WantAPIError(t, err, "InvalidIdentityToken", http.StatusBadRequest, "")
		// Other actions stay signed-only.
		resp, err := http.Post(ts.URL, "application/x-www-form-urlencoded", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
		must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "<Code>MissingAuthenticationToken</Code>") {
			t.Fatalf("unsigned GetCallerIdentity: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("audit events of the token's bearer, the token hidden", func(t *testing.T) {
		must(t, ts.Audit.Flush(ctx))
		out, err := cloudtrail.NewFromConfig(ts.ConfigIn("us-east-1", kwtest.RootKeyID, kwtest.RootSecret, "")).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("AssumeRoleWithWebIdentity")}}})
		must(t, err)
		if len(out.Events) == 0 {
			t.Fatal("no AssumeRoleWithWebIdentity event")
		}
		for _, e := range out.Events {
			var rec struct {
				UserIdentity      struct{ Type string } `json:"userIdentity"`
				RequestParameters map[string]any        `json:"requestParameters"`
			}
			must(t, json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec))
			if rec.UserIdentity.Type != "WebIdentityUser" || rec.RequestParameters["webIdentityToken"] != "HIDDEN_DUE_TO_SECURITY_REASONS" {
				t.Fatalf("event %s", aws.ToString(e.CloudTrailEvent))
			}
		}
	})

	t.Run("a provider whose thumbprint does not match is not trusted", func(t *testing.T) {
		_, err := root.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: aws.String(ci.ProviderARN),
			ThumbprintList: []string{strings.Repeat("0", 40)}})
		must(t, err)
		_, err = assume(good)
		kwtest.WantAPIError(t, err, "IDPCommunicationError", http.StatusBadRequest, "")
	})
}

// TestWebIdentityProviderOnPrivateAddress: without --oidc-allow-private,
// a provider whose endpoints are at a loopback address (here named
// localhost: the check is on the address connected to, not on the name)
// is never contacted, and its tokens are refused with AWS's
// IDPCommunicationError.
func TestWebIdentityProviderOnPrivateAddress(t *testing.T) {
	t.Parallel()
	ts := kwtest.NewServer(t, kwtest.Options{})
	root := ts.RootIAM()
	ctx := context.Background()
	is := newTestIssuer(t)
	p, err := root.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String(is.URL),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{is.Thumbprint}})
	must(t, err)
	_, err = root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: kwtest.TrustDoc(
		`{"Effect":"Allow","Principal":{"Federated":"` + aws.ToString(p.OpenIDConnectProviderArn) + `"},"Action":"sts:AssumeRoleWithWebIdentity"}`)})
	must(t, err)
	anonymous := ts.AnonymousSTS()
	_, err = anonymous.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":role/ci"),
		RoleSessionName: aws.String("job"), WebIdentityToken: aws.String(is.Token(t, "repo:x", "sts.amazonaws.com", ts.Clock.Now().Add(time.Hour)))})
	kwtest.WantAPIError(t, err, "IDPCommunicationError", http.StatusBadRequest, "")
	if n := is.KeyFetches(); n != 0 {
		t.Fatalf("the loopback provider's keys were fetched %d times", n)
	}
}
