package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestConsoleFederation: a role's session signs in to the console through
// the federation endpoint, as with AWS's (getSigninToken, then login): the
// console then acts as the assumed role, within its policies. A user's
// GetSessionToken credentials, a wrong secret, an altered or expired
// sign-in token are refused, and Destination stays within the console.
func TestConsoleFederation(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	id, secret := kwtest.CreateUserKey(t, root, "alice")
	alice := ts.STSIn(id, secret, "us-east-1")
	_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("viewer"), AssumeRolePolicyDocument: kwtest.TrustDoc(
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + kwtest.AccountID + `:user/alice"},"Action":"sts:AssumeRole"}`)})
	must(t, err)
	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("viewer"), PolicyName: aws.String("roles"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","iam:GetRole","iam:ListAttachedRolePolicies","iam:ListRolePolicies","iam:ListPolicies"],"Resource":"*"}]}`)})
	must(t, err)
	role, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":role/viewer"), RoleSessionName: aws.String("web")})
	must(t, err)
	user, err := alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	must(t, err)

	signinToken := func(c *ststypes.Credentials, secret string) (int, string) {
		t.Helper()
		sess, _ := json.Marshal(map[string]string{"sessionId": aws.ToString(c.AccessKeyId), "sessionKey": secret, "sessionToken": aws.ToString(c.SessionToken)})
		resp, err := http.Get(ts.URL + "/console/federation?Action=getSigninToken&SessionDuration=3600&Session=" + url.QueryEscape(string(sess)))
		must(t, err)
		defer resp.Body.Close()
		var out struct{ SigninToken string }
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out.SigninToken
	}
	if status, _ := signinToken(user.Credentials, aws.ToString(user.Credentials.SecretAccessKey)); status != http.StatusForbidden {
		t.Fatalf("a user's GetSessionToken credentials: %d", status)
	}
	if status, _ := signinToken(role.Credentials, "wrong"+aws.ToString(role.Credentials.SecretAccessKey)[5:]); status != http.StatusForbidden {
		t.Fatalf("a wrong secret: %d", status)
	}
	status, tok := signinToken(role.Credentials, aws.ToString(role.Credentials.SecretAccessKey))
	if status != 200 || tok == "" {
		t.Fatalf("getSigninToken: %d %q", status, tok)
	}

	web := newWebClient(t, ts)
	resp, _ := web.get("/console/federation?Action=login&SigninToken=" + url.QueryEscape(tok[:len(tok)-3]+"AAA"))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an altered sign-in token: %d", resp.StatusCode)
	}
	resp, _ = web.get("/console/federation?Action=login&Issuer=example.com&Destination=" + url.QueryEscape("https://evil.example/") + "&SigninToken=" + url.QueryEscape(tok))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/roles" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := web.get("/console/roles")
	if resp.StatusCode != 200 || !strings.Contains(body, "arn:aws:sts::"+kwtest.AccountID+":assumed-role/viewer/web") || !strings.Contains(body, "viewer") {
		t.Fatalf("the roles page as the role: %d\n%s", resp.StatusCode, body)
	}
	resp, body = web.get("/console/users")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "assumed-role/viewer/web is not authorized to perform: iam:ListUsers") {
		t.Fatalf("the users page as the role: %d\n%s", resp.StatusCode, body)
	}
	// The sign-in token lasts 15 minutes.
	ts.Clock.Add(16 * time.Minute)
	resp, _ = newWebClient(t, ts).get("/console/federation?Action=login&SigninToken=" + url.QueryEscape(tok))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an expired sign-in token: %d", resp.StatusCode)
	}
}
