package main

import (
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

// newTestIssuer starts an OpenID Connect issuer over TLS that a provider
// trusts by its CA's thumbprint.
var newTestIssuer = kwtest.NewIssuer

// TestAWSCLIWebIdentity: Debian's AWS CLI assumes a role with a web
// identity token file (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE), as a CI
// job does; the rules of AssumeRoleWithWebIdentity are sts's tests.
func TestAWSCLIWebIdentity(t *testing.T) {
	t.Parallel() // the CLI starts slowly
	ts := startServerWith(t, "", func(m *Main) {
		cheapPasswords(m)
		m.Config.OIDCAllowPrivate = true // the test's issuer is on loopback
	})
	ci := newTestIssuer(t).NewCIRole(t, ts.rootIAM(), ts.Clock.Now())
	t.Run("AWS CLI", func(t *testing.T) {
		env := append(cliHome(t, ts, "[default]\nregion = us-east-1\n", ""),
			"AWS_ROLE_ARN="+ci.RoleARN, "AWS_WEB_IDENTITY_TOKEN_FILE="+ci.TokenFile, "AWS_ROLE_SESSION_NAME=cli-run")
		if got := callerARN(t, env, ""); got != "arn:aws:sts::"+accountID+":assumed-role/ci/cli-run" {
			t.Fatalf("the CLI's web identity session is %s", got)
		}
	})
}
