package console_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestAttackSwitchAgainInTheIdentitysTrail: a switch made while switched
// is the signed-in identity's AssumeRole (the console does not chain
// roles), so its event is in that identity's account's trail, and the
// role's account gets CloudTrail's copy, which shows the caller as another
// account's principal (AWSAccount), never its ARN. The switched role's
// account, which the console acts in meanwhile, must not receive the
// identity's own event: it held the user's ARN, and a second switch
// within that account left the user's account without any record of it.
func TestAttackSwitchAgainInTheIdentitysTrail(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	switchFixture(t, ts, aliceSwitches)
	ctxB := secondAccount(t, ts.Keyward)
	for _, name := range []string{"viewer", "other"} {
		_, err := ts.IAM.CreateRole(ctxB, keyward.Role{Name: name, Path: "/", TrustPolicy: trustAlice, MaxSessionDuration: 3600})
		must(t, err)
	}
	web := newWebClient(t, ts)
	signInAlice(t, web)
	for _, role := range []string{"viewer", "other"} {
		if resp, body := web.switchTo(accountB, role, "", ""); resp.StatusCode != http.StatusSeeOther || web.session().Switched == nil {
			t.Fatalf("switch to B's %s: %d\n%.2000s", role, resp.StatusCode, body)
		}
	}
	ctx := context.Background()
	must(t, ts.Audit.Flush(ctx))
	for _, v := range []struct{ account, identity string }{{kwtest.AccountID, `"type":"IAMUser"`}, {accountB, `"type":"AWSAccount"`}} {
		evs, _, err := ts.Store.InAccount(v.account).LookupEvents(ctx, keyward.EventQuery{EventName: "AssumeRole", Max: 10})
		must(t, err)
		if len(evs) != 2 {
			recs := make([]string, len(evs))
			for i, e := range evs {
				recs[i] = string(e.Record)
			}
			t.Fatalf("%s's trail holds %d AssumeRole events after two switches, want 2: %q", v.account, len(evs), recs)
		}
		for _, e := range evs {
			rec := string(e.Record)
			if !strings.Contains(rec, v.identity) || !strings.Contains(rec, `"recipientAccountId":"`+v.account+`"`) {
				t.Fatalf("an AssumeRole event in %s's trail: %s", v.account, rec)
			}
			if v.account == accountB && strings.Contains(rec, ":user/alice") {
				t.Fatalf("B's trail shows the caller's ARN: %s", rec)
			}
		}
	}
}

// TestAttackOversizedSwitchInBothTrails: a switch to another account's
// role that STS issues but the console refuses, because the two sessions
// (the federated one's transitive session tags carried into the role's)
// no longer fit the cookie, is an AssumeRole of both accounts, refused in
// both: the caller's was recorded and the role's account's copy was
// lost, though STS issued a session of its role.
func TestAttackOversizedSwitchInBothTrails(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	ctx := context.Background()
	ctxB := secondAccount(t, ts.Keyward)
	const tagging = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"*"}]}`
	root := ts.RootIAM()
	id, secret := kwtest.CreateUserKey(t, root, "carol")
	_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("p"), PolicyDocument: aws.String(tagging)})
	must(t, err)
	trust := func(account string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	}
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("sso"), AssumeRolePolicyDocument: aws.String(trust(kwtest.AccountID)), MaxSessionDuration: aws.Int32(43200)})
	must(t, err)
	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("sso"), PolicyName: aws.String("p"), PolicyDocument: aws.String(tagging)})
	must(t, err)
	_, err = ts.IAM.CreateRole(ctxB, keyward.Role{Name: "viewer", Path: "/", TrustPolicy: trust(kwtest.AccountID), MaxSessionDuration: 3600})
	must(t, err)
	// Transitive tags of random values (which no encoding shrinks): the
	// federated session fits a cookie, the two sessions do not.
	var tags []ststypes.Tag
	var keys []string
	for i := range 12 {
		b := make([]byte, 48)
		rand.Read(b)
		key := fmt.Sprintf("team-%02d", i)
		tags, keys = append(tags, ststypes.Tag{Key: aws.String(key), Value: aws.String(hex.EncodeToString(b))}), append(keys, key)
	}
	role, err := ts.STSIn(id, secret, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":role/sso"),
		RoleSessionName: aws.String("carol"), Tags: tags, TransitiveTagKeys: keys})
	must(t, err)
	web := federatedClient(t, ts, role.Credentials)
	resp, body := web.switchTo(accountB, "viewer", "viewer", "")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "too large for a console session") || web.session().Switched != nil {
		t.Fatalf("the switch: %d\n%.2000s", resp.StatusCode, body)
	}
	must(t, ts.Audit.Flush(ctx))
	var shared []string
	for _, account := range []string{kwtest.AccountID, accountB} {
		evs, _, err := ts.Store.InAccount(account).LookupEvents(ctx, keyward.EventQuery{EventName: "AssumeRole", Max: 10})
		must(t, err)
		var switches []keyward.Event
		for _, e := range evs {
			var r keyward.Event
			must(t, json.Unmarshal(e.Record, &r))
			if r.RequestParameters["roleArn"] == "arn:aws:iam::"+accountB+":role/viewer" {
				switches = append(switches, r)
			}
		}
		if len(switches) != 1 || switches[0].ErrorCode != keyward.EValidationError || switches[0].SharedEventID == "" {
			t.Fatalf("%s's trail holds %d events of the switch, want 1 refused and shared: %+v", account, len(switches), switches)
		}
		shared = append(shared, switches[0].SharedEventID)
	}
	if shared[0] != shared[1] {
		t.Fatalf("the two events are not linked: %q", shared)
	}
}
