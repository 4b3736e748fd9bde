package sts_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestClosedAccountStopsEverything: once the management account closes a
// member account, nothing of that account works, from the next request
// on and though every credential was used (and so cached) just before:
// its root user's and IAM user's keys, on IAM, STS and Organizations;
// the sessions issued before the closure (GetSessionToken,
// GetFederationToken, a session of its role assumed by one of its users,
// and one assumed by the management account's user across accounts; a
// session of the management account's role that its user assumed); and
// assuming one of its roles is refused as a role that does not exist is.
// The other member account is untouched.
func TestClosedAccountStopsEverything(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	rootKey, rootSecret, err := w.ts.IAM.CreateAccountRootKey(keyward.Internal(ctx), w.b)
	must(t, err)
	bRoot := w.ts.IAMClient(rootKey.ID, rootSecret)
	_, err = bRoot.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("tenant-admin")})
	must(t, err)
	_, err = bRoot.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("tenant-admin"), PolicyName: aws.String("all"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	must(t, err)
	key, err := bRoot.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("tenant-admin")})
	must(t, err)
	userID, userSecret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	userSTS := w.ts.STSClient(userID, userSecret)

	gst, err := userSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	must(t, err)
	fed, err := userSTS.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("web-user"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	must(t, err)
	own, err := userSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN(w.b, accessRole)), RoleSessionName: aws.String("own-session")})
	// The access role trusts the management account only: a role of B's
	// own that trusts B.
	if err != nil {
		_, err = bRoot.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ops"),
			AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.b + `:root"},"Action":"sts:AssumeRole"}`)})
		must(t, err)
		own, err = userSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN(w.b, "ops")), RoleSessionName: aws.String("own-session")})
		must(t, err)
	}
	cross, _, _ := w.assume(t, w.assumer, roleARN(w.b, accessRole), "cross-session")
	// A role of the management account that trusts B, which B's user
	// assumes before the closure: a session of the management account,
	// come through B.
	_, err = w.ts.RootIAM().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("trusts-b"),
		AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.b + `:root"},"Action":"sts:AssumeRole"}`)})
	must(t, err)
	outbound, err := userSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN(kwtest.AccountID, "trusts-b")), RoleSessionName: aws.String("outbound")})
	must(t, err)
	cIAM, _ := w.admin(t, w.c)

	type caller struct {
		name string
		call func() error
	}
	iamCall := func(c *iam.Client) func() error {
		return func() error { _, err := c.ListUsers(ctx, &iam.ListUsersInput{}); return err }
	}
	stsCall := func(c *sts.Client) func() error {
		return func() error { _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); return err }
	}
	session := func(c *ststypes.Credentials) (func() error, func() error) {
		i, s := w.ts.SessionClients(c)
		return iamCall(i), stsCall(s)
	}
	gstIAM, gstSTS := session(gst.Credentials)
	fedIAM, fedSTS := session(fed.Credentials)
	ownIAM, ownSTS := session(own.Credentials)
	_, outboundSTS := session(outbound.Credentials)
	callers := []caller{
		{"the root user's key on IAM", iamCall(bRoot)},
		{"the root user's key on STS", stsCall(w.ts.STSClient(rootKey.ID, rootSecret))},
		{"an IAM user's key on IAM", iamCall(w.ts.IAMClient(userID, userSecret))},
		{"an IAM user's key on STS", stsCall(userSTS)},
		{"an IAM user's key on Organizations", func() error {
			_, err := awsorg.NewFromConfig(w.ts.Config(userID, userSecret, "")).DescribeOrganization(ctx, &awsorg.DescribeOrganizationInput{})
			return err
		}},
		{"a GetSessionToken session on IAM", gstIAM}, {"a GetSessionToken session on STS", gstSTS},
		{"a federated user's session on IAM", fedIAM}, {"a federated user's session on STS", fedSTS},
		{"a session of its role on IAM", ownIAM}, {"a session of its role on STS", ownSTS},
		{"the management account's session of its role", iamCall(cross)},
		{"its user's session of another account's role", outboundSTS},
	}
	// Every credential works, and is cached, before the closure.
	for _, c := range callers {
		if err := c.call(); err != nil && !strings.Contains(err.Error(), "AccessDenied") {
			t.Fatalf("%s before the closure: %v", c.name, err)
		}
	}
	// Refusals of assuming B's role before, to compare with after.
	refusal := func(arn string) string {
		_, err := w.assumer.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
		msg := err.Error()
		return strings.ReplaceAll(msg[strings.Index(msg, "api error"):], arn, "ROLE")
	}
	missing := refusal(roleARN(w.b, "absent"))

	_, err = w.org.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String(w.b)})
	must(t, err)

	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil {
				t.Fatal("the closed account's credential still works")
			}
			if !strings.Contains(err.Error(), "InvalidClientTokenId") && !strings.Contains(err.Error(), "UnrecognizedClientException") {
				t.Fatalf("refused with %v, want InvalidClientTokenId", err)
			}
		})
	}
	if got := refusal(roleARN(w.b, accessRole)); got != missing {
		t.Errorf("assuming the closed account's role:\n%s\nand a role that is not there:\n%s", got, missing)
	}
	// A session opened now from the closed account's key is refused before
	// it is issued.
	if _, err := userSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{}); err == nil {
		t.Error("GetSessionToken with the closed account's key")
	}
	// The other member account goes on.
	if _, err := cIAM.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("the other member account after the closure: %v", err)
	}
	if _, _, out := w.assume(t, w.assumer, roleARN(w.c, accessRole), "after"); out == nil {
		t.Fatal("the other member account's role after the closure")
	}
}

// TestClosedAccountIdentityProvidersAreNone: once an account is closed,
// AssumeRoleWithWebIdentity naming one of its roles, with a token its
// own OpenID Connect provider would have taken, is answered exactly as
// for an account the installation does not have: no provider. Before the
// fix, the closed account's provider was still read and its token
// verified (its issuer's keys fetched for it), and the refusal
// (AccessDenied) told the closed account from a missing one
// (InvalidIdentityToken).
func TestClosedAccountIdentityProvidersAreNone(t *testing.T) {
	t.Parallel()
	w, _, ci, anon := newCIWorld(t)
	ctx := context.Background()
	assume := func(account string) error {
		_, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN(account, "ci")),
			RoleSessionName: aws.String("job-run"), WebIdentityToken: aws.String(ci.Token)})
		return err
	}
	must(t, assume(w.b))
	_, err := w.org.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String(w.b)})
	must(t, err)
	answer := func(account string) string {
		err := assume(account)
		if err == nil {
			t.Fatalf("a session of %s's role after the closure", account)
		}
		msg := err.Error()
		if i := strings.Index(msg, "api error"); i >= 0 {
			msg = msg[i:]
		}
		if i := strings.Index(msg, "RequestID: "); i >= 0 {
			if j := strings.Index(msg[i:], ","); j >= 0 {
				msg = msg[:i] + msg[i+j:]
			}
		}
		return strings.ReplaceAll(msg, account, "ACCOUNT")
	}
	if closed, missing := answer(w.b), answer("999999999999"); closed != missing {
		t.Errorf("the closed account's role:\n%s\nan account that is not there:\n%s", closed, missing)
	}
}
