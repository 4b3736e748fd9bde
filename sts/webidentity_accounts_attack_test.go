package sts_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/internal/sdkhttp"
)

// TestWebIdentityRoleNamesNotRevealed: an unsigned caller names any
// account's role, and a token of a provider that account registered is
// anyone's for the asking (any repository's CI job gets one from a public
// issuer). A role that does not admit the token must be refused as a role
// that is not there, whatever the duration asked: a duration past the
// role's maximum answered ValidationError for a role that exists before
// its trust policy was consulted, telling the account's role names to
// anyone.
func TestWebIdentityRoleNamesNotRevealed(t *testing.T) {
	t.Parallel()
	w := newOrgWorldWith(t, kwtest.Options{OIDCAllowPrivate: true})
	ctx := context.Background()
	bIAM, _ := w.admin(t, w.b)
	is := newTestIssuer(t)
	is.NewCIRole(t, bIAM, w.ts.Clock.Now())
	// The token of a repository the role's trust policy does not name.
	token := is.Token(t, "repo:mallory/probe:ref:main", "sts.amazonaws.com", w.ts.Clock.Now().Add(time.Hour))
	anon := sts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(w.ts.URL), Credentials: aws.AnonymousCredentials{},
		Retryer: func() aws.Retryer { return aws.NopRetryer{} }, HTTPClient: sdkhttp.Wrap(nil)})
	for _, role := range []string{"ci", "no-such-role"} {
		for _, d := range []int32{0, 43200} {
			in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN(w.b, role)), RoleSessionName: aws.String("probe"),
				WebIdentityToken: aws.String(token)}
			if d != 0 {
				in.DurationSeconds = aws.Int32(d)
			}
			_, err := anon.AssumeRoleWithWebIdentity(ctx, in)
			wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		}
	}
}
