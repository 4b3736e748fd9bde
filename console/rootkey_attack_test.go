package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestCreateRootKeyFormAttacks: the console's Create root access key
// decides nothing itself: posted by a management account's user whose
// policies allow everything of IAM and Organizations but not
// keyward:CreateAccountRootKey, or by the member account's own root user
// signed in to its console, it makes no key and shows no secret, and the
// refusal is the management account's (or the member's) event; a form
// that does not repeat the account's ID makes none either.
func TestCreateRootKeyFormAttacks(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	bg := context.Background()
	api := awsorg.NewFromConfig(ts.Config(kwtest.RootKeyID, kwtest.RootSecret, ""))
	_, err := api.CreateOrganization(bg, &awsorg.CreateOrganizationInput{})
	must(t, err)
	made, err := api.CreateAccount(bg, &awsorg.CreateAccountInput{Email: aws.String("tenant@example.com"), AccountName: aws.String("Tenant")})
	must(t, err)
	member := aws.ToString(made.CreateAccountStatus.AccountId)
	memberKey, memberSecret, err := ts.IAM.CreateAccountRootKey(keyward.Internal(bg), member)
	must(t, err)

	root := ts.RootIAM()
	_, err = root.CreateUser(bg, &iam.CreateUserInput{UserName: aws.String("ops")})
	must(t, err)
	_, err = root.CreateLoginProfile(bg, &iam.CreateLoginProfileInput{UserName: aws.String("ops"), Password: aws.String("Ops-Passw0rd-1")})
	must(t, err)
	_, err = root.PutUserPolicy(bg, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:*","sts:*"],"Resource":"*"}]}`)})
	must(t, err)
	ops := newWebClient(t, ts)
	if resp := ops.signIn(url.Values{"kind": {"user"}, "account": {kwtest.AccountID}, "username": {"ops"}, "password": {"Ops-Passw0rd-1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("ops signs in: %d", resp.StatusCode)
	}
	tenant := newWebClient(t, ts)
	if resp := tenant.signIn(url.Values{"kind": {"root"}, "accesskey": {memberKey.ID}, "secret": {memberSecret}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the member's root user signs in: %d", resp.StatusCode)
	}
	mgmt := newWebClient(t, ts)
	if resp := mgmt.signIn(rootForm(kwtest.RootSecret)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the management root user signs in: %d", resp.StatusCode)
	}

	rootKeys := func() int {
		t.Helper()
		keys, _, err := ts.Store.InAccount(member).ListAccessKeys(bg, "", "", 10)
		must(t, err)
		return len(keys)
	}
	for _, tt := range []struct {
		name    string
		c       *webClient
		confirm string
		status  int
	}{
		{"a management user without keyward:CreateAccountRootKey", ops, member, http.StatusForbidden},
		{"the member's own root user", tenant, member, http.StatusForbidden},
		{"the management root user, the ID not typed", mgmt, "", http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := rootKeys()
			resp, page := tt.c.post("/console/organizations/root-key", url.Values{"csrf": {tt.c.token()}, "accountId": {member}, "confirm": {tt.confirm}})
			if resp.StatusCode != tt.status || strings.Contains(page, `id="secret"`) {
				t.Fatalf("answered %d, want %d:\n%s", resp.StatusCode, tt.status, page)
			}
			if after := rootKeys(); after != before {
				t.Fatalf("the member's root user has %d keys, had %d", after, before)
			}
		})
	}
	must(t, ts.Audit.Flush(bg))
	refused, _, err := ts.Store.LookupEvents(bg, keyward.EventQuery{EventName: "CreateAccountRootKey", Max: 10})
	must(t, err)
	var byOps int
	for _, e := range refused {
		if rec := string(e.Record); strings.Contains(rec, `"userName":"ops"`) && strings.Contains(rec, `"errorCode":"AccessDenied"`) &&
			strings.Contains(rec, `"accountId":"`+member+`"`) {
			byOps++
		}
	}
	if byOps != 1 {
		t.Fatalf("%d events of the management account, %d of ops's refusal", len(refused), byOps)
	}
}
