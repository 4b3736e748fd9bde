package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

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
