// Attacks on the reports' answers about others, through the Query API, by
// an IAM user allowed to ask about part of the account: the ARN it names
// is its claim; Keyward answers about the entity stored under exactly
// that ARN, path included, or about nothing.
package report_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestPoliciesGrantingServiceAccessNamesTheWholeARN: a caller allowed
// iam:ListPoliciesGrantingServiceAccess on the groups under /sandbox/
// names the ARN a group of another path would have there, by its name; the
// answer must not be that other group's policies (their names, and which
// services they grant).
func TestPoliciesGrantingServiceAccessNamesTheWholeARN(t *testing.T) {
	k := kwtest.New(t)
	ctx := kwtest.AsRoot(context.Background())
	acct := "arn:aws:iam::" + kwtest.AccountID + ":"
	if _, err := k.IAM.CreateGroup(ctx, "admins", "/secret/"); err != nil {
		t.Fatal(err)
	}
	if err := k.IAM.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityGroup, Name: "admins"}, "break-glass",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	id, secret := k.User(t, "curious", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":"iam:ListPoliciesGrantingServiceAccess","Resource":"`+acct+`group/sandbox/*"}]}`)
	out, err := k.IAMClient(id, secret).ListPoliciesGrantingServiceAccess(t.Context(), &awsiam.ListPoliciesGrantingServiceAccessInput{
		Arn: aws.String(acct + "group/sandbox/admins"), ServiceNamespaces: []string{"iam"}})
	if err == nil {
		t.Fatalf("another path's group answered for: %+v", out.PoliciesGrantingServiceAccess)
	}
	kwtest.WantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")

	// Named by its own ARN, the caller is refused, as it should be.
	_, err = k.IAMClient(id, secret).ListPoliciesGrantingServiceAccess(t.Context(), &awsiam.ListPoliciesGrantingServiceAccessInput{
		Arn: aws.String(acct + "group/secret/admins"), ServiceNamespaces: []string{"iam"}})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
}
