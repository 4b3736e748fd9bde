package verify_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/verify/wire"
)

// memberOf makes k's account a member of an organization another account
// manages, with SCPs enabled and deny attached to the account, and tells
// k's caches, as another replica's store would.
func memberOf(t *testing.T, k *kwtest.Keyward, deny string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	o := keyward.Organization{ID: "o-mgmt000000", MasterAccountID: "999999999999", FeatureSet: keyward.FeatureSetAll, RootID: "r-mgmt", RootName: keyward.RootName, CreatedAt: now}
	steps := []func() error{
		func() error {
			return k.Store.CreateOrganization(ctx, o, keyward.OrgAccount{ID: o.MasterAccountID, OrganizationID: o.ID, ParentID: o.RootID, JoinedMethod: keyward.JoinedCreated, JoinedAt: now},
				[]keyward.OrgPolicy{{ID: keyward.FullAWSAccessID, Name: keyward.FullAWSAccessName, Type: keyward.ServiceControlPolicyType, Content: keyward.FullAWSAccessContent, AWSManaged: true}})
		},
		func() error {
			_, err := k.Store.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
			return err
		},
		func() error {
			return k.Store.AddOrgAccount(ctx, o.ID, keyward.OrgAccount{ID: kwtest.AccountID, ParentID: o.RootID, JoinedMethod: keyward.JoinedInvited, JoinedAt: now})
		},
		func() error {
			return k.Store.CreateOrgPolicy(ctx, o.ID, keyward.OrgPolicy{ID: "p-deny000000", Name: "deny", Type: keyward.ServiceControlPolicyType,
				Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"` + deny + `","Resource":"*"}]}`})
		},
		func() error { return k.Store.AttachOrgPolicy(ctx, o.ID, "p-deny000000", kwtest.AccountID) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	k.IAM.Changes(keyward.Change{Kind: keyward.ChangedOrganizations})
}

// TestSCPsForGuardedServices: what a guarded service asks of a member
// account's principal, through the verifier protocol (what guard and
// versitygw ask) and through /_keyward/authorize, is decided under the
// account's SCPs: a Deny in one refuses what the principal's own policy
// allows, and says so.
func TestSCPsForGuardedServices(t *testing.T) {
	k := kwtest.New(t)
	gw := user(t, k, "gw", verifyPolicy)
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","execute-api:Invoke"],"Resource":"*"}]}`)
	evaluate := `{"accessKeyId":"` + alice.id + `","actions":["s3:GetObject","s3:DeleteBucket"],"resources":["arn:aws:s3:::b"]}`
	if status, _, out := call(t, k, gw, wire.EvaluatePath, evaluate, false); status != 200 || out["decisions"].([]any)[0].([]any)[1] != "allow" {
		t.Fatalf("standalone: %d %v", status, out)
	}
	url := proxy(t, k)
	invoke := func() *http.Response {
		return authorizeGet(t, url, aws.Credentials{AccessKeyID: alice.id, SecretAccessKey: alice.secret})
	}
	if resp := invoke(); resp.StatusCode != 200 {
		t.Fatalf("standalone invoke: %d %v", resp.StatusCode, resp.Header)
	}

	// The same Keyward, its account now a member.
	memberOf(t, k, "s3:DeleteBucket")
	status, _, out := call(t, k, gw, wire.EvaluatePath, evaluate, false)
	if status != 200 || out["decisions"].([]any)[0].([]any)[0] != "allow" || out["decisions"].([]any)[0].([]any)[1] != "deny" {
		t.Fatalf("a member under a deny of s3:DeleteBucket: %d %v", status, out)
	}
	if _, err := k.Store.UpdateOrgPolicy(context.Background(), "o-mgmt000000", "p-deny000000", func(p *keyward.OrgPolicy) error {
		p.Content = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}]}`
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	k.IAM.Changes(keyward.Change{Kind: keyward.ChangedOrganizations})
	resp := invoke()
	if resp.StatusCode != 403 || !strings.Contains(resp.Header.Get(wire.HeaderErrorMessage), "with an explicit deny in a service control policy") {
		t.Fatalf("invoke under a deny: %d %v", resp.StatusCode, resp.Header)
	}
}
