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

// TestAccessJobsAreBounded: each GenerateServiceLastAccessedDetails stores
// a report with a row for every user and service it covers, and a caller
// allowed iam:Generate* (AWS's IAMReadOnlyAccess) asks as often as it
// likes: the store keeps the most recent report.MaxAccessJobs, however
// fast they come, and drops the older ones.
func TestAccessJobsAreBounded(t *testing.T) {
	k := kwtest.New(t)
	// A bound of its own, so that the test writes tens of reports, not
	// thousands; the service passes it to the store as keyward serve passes
	// report.MaxAccessJobs.
	const kept = 20
	k.Reports.AccessJobsKept = kept
	ctx := kwtest.AsRoot(context.Background())
	if _, err := k.IAM.CreateUser(ctx, "subject", "/", nil); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:iam::" + kwtest.AccountID + ":user/subject"
	var ids []string
	for range kept + 5 {
		id, err := k.Reports.GenerateServiceLastAccessedDetails(ctx, arn, "SERVICE_LEVEL")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	n := 0
	for _, id := range ids {
		if _, err := k.Reports.ServiceLastAccessedDetails(ctx, id); err == nil {
			n++
		} else if keyward.ErrorCode(err) != keyward.ENoSuchEntity {
			t.Fatal(err)
		}
	}
	if n != kept {
		t.Fatalf("%d reports kept of %d, want %d", n, len(ids), kept)
	}
	if _, err := k.Reports.ServiceLastAccessedDetails(ctx, ids[len(ids)-1]); err != nil {
		t.Fatalf("the latest report: %v", err)
	}
}
