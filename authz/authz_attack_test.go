// Attacks on the decision itself: what a principal is, as policies see
// it. Every key that describes the caller is Keyward's to set, from what
// it stores of the caller; the caller's request says nothing of it.
package authz_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestPrincipalTagsAreTheIdentitys: aws:PrincipalTag is the tags of the
// IAM user or role behind the request, its session's tags overriding them
// (IAM User Guide, "Pass session tags in AWS STS": a principal's tags are
// its session tags, incoming transitive tags and its IAM tags). A Deny
// conditioned on them, the usual way to quarantine an identity, must hold
// for the user's own key and for sessions of a tagged role, in identity
// policies and trust policies alike, and stop holding once the tag is
// gone.
func TestPrincipalTagsAreTheIdentitys(t *testing.T) {
	k := kwtest.New(t)
	root := kwtest.AsRoot(context.Background())
	const quarantine = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/quarantined":"true"}}}]}`
	acct := "arn:aws:iam::" + kwtest.AccountID + ":"

	// A user's own key.
	id, secret := k.User(t, "suspect", quarantine)
	if err := k.IAM.TagResource(root, keyward.TaggedUser, "suspect", []keyward.Tag{keyward.Tag{Key: "quarantined", Value: "true"}}); err != nil {
		t.Fatal(err)
	}
	suspect := k.IAMClient(id, secret)
	_, err := suspect.ListUsers(t.Context(), &awsiam.ListUsersInput{})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	// The simulator says what the request met.
	sim, err := k.IAMClient(kwtest.RootKeyID, kwtest.RootSecret).SimulatePrincipalPolicy(t.Context(), &awsiam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(acct + "user/suspect"), ActionNames: []string{"iam:ListUsers"}})
	if err != nil {
		t.Fatal(err)
	}
	if d := sim.EvaluationResults[0].EvalDecision; d != "explicitDeny" {
		t.Fatalf("SimulatePrincipalPolicy says %s of the quarantined user", d)
	}
	if err := k.IAM.UntagResource(root, keyward.TaggedUser, "suspect", []string{"quarantined"}); err != nil {
		t.Fatal(err)
	}
	if _, err := suspect.ListUsers(t.Context(), &awsiam.ListUsersInput{}); err != nil {
		t.Fatalf("the tag removed, still refused: %v", err)
	}

	// A tagged role's session.
	cid, csecret := k.User(t, "caller", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	if _, err := k.IAM.CreateRole(root, keyward.Role{Name: "worker", Tags: []keyward.Tag{{Key: "quarantined", Value: "true"}},
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + acct + `user/caller"},"Action":"sts:AssumeRole"}]}`}); err != nil {
		t.Fatal(err)
	}
	if err := k.IAM.PutInlinePolicy(root, keyward.Entity{Kind: keyward.EntityRole, Name: "worker"}, "p", quarantine); err != nil {
		t.Fatal(err)
	}
	out, err := k.STSClient(cid, csecret).AssumeRole(t.Context(), &awssts.AssumeRoleInput{RoleArn: aws.String(acct + "role/worker"), RoleSessionName: aws.String("w1")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	session := awsiam.NewFromConfig(k.Config(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	_, err = session.ListUsers(t.Context(), &awsiam.ListUsersInput{})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")

	// A trust policy refusing callers by their tags.
	if err := k.IAM.TagResource(root, keyward.TaggedUser, "caller", []keyward.Tag{keyward.Tag{Key: "kind", Value: "contractor"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.IAM.CreateRole(root, keyward.Role{Name: "staff-only",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + kwtest.AccountID + `"},"Action":"sts:AssumeRole"},
			{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalTag/kind":"contractor"}}}]}`}); err != nil {
		t.Fatal(err)
	}
	_, err = k.STSClient(cid, csecret).AssumeRole(t.Context(), &awssts.AssumeRoleInput{RoleArn: aws.String(acct + "role/staff-only"), RoleSessionName: aws.String("s1")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
}

// TestRenamedUsersSessionLeavesTagsAlone: a session issued before its user
// was renamed still carries the old name, under which no user's tags are
// found; what it loads must not stand for the user's own keys, which
// would then pass the Deny the user's tags bring.
func TestRenamedUsersSessionLeavesTagsAlone(t *testing.T) {
	k := kwtest.New(t)
	root := kwtest.AsRoot(context.Background())
	id, secret := k.User(t, "before", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/quarantined":"true"}}}]}`)
	out, err := k.STSClient(id, secret).GetSessionToken(t.Context(), &awssts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.IAM.TagResource(root, keyward.TaggedUser, "before", []keyward.Tag{keyward.Tag{Key: "quarantined", Value: "true"}}); err != nil {
		t.Fatal(err)
	}
	if err := k.IAM.UpdateUser(root, "before", keyward.UserUpdate{NewName: aws.String("after")}); err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	old := awsiam.NewFromConfig(k.Config(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	old.ListUsers(t.Context(), &awsiam.ListUsersInput{}) // whatever it answers, it loads the user's policies first
	_, err = k.IAMClient(id, secret).ListUsers(t.Context(), &awsiam.ListUsersInput{})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
}
