package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
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
	root := ts.rootIAM()
	ctx := context.Background()
	is := newTestIssuer(t)
	host := strings.TrimPrefix(is.URL, "https://")
	p, err := root.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(is.URL),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{is.Thumbprint}})
	must(t, err)
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: trustDoc(
		`{"Effect":"Allow","Principal":{"Federated":"` + aws.ToString(p.OpenIDConnectProviderArn) + `"},"Action":"sts:AssumeRoleWithWebIdentity",
"Condition":{"StringEquals":{"` + host + `:aud":"sts.amazonaws.com"},"StringLike":{"` + host + `:sub":"repo:keyward/*"}}}`)})
	must(t, err)
	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ci"), PolicyName: aws.String("list"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)})
	must(t, err)
	roleARN := "arn:aws:iam::" + accountID + ":role/ci"
	good := is.Token(t, "repo:keyward/keyward:ref:main", "sts.amazonaws.com", ts.Clock.Now().Add(time.Hour))
	tokenFile := filepath.Join(t.TempDir(), "token")
	must(t, os.WriteFile(tokenFile, []byte(good), 0o600))

	t.Run("AWS CLI", func(t *testing.T) {
		env := append(cliHome(t, ts, "[default]\nregion = us-east-1\n", ""),
			"AWS_ROLE_ARN="+roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE="+tokenFile, "AWS_ROLE_SESSION_NAME=cli-run")
		if got := callerARN(t, env, ""); got != "arn:aws:sts::"+accountID+":assumed-role/ci/cli-run" {
			t.Fatalf("the CLI's web identity session is %s", got)
		}
	})
}
