package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestSharedCopiesShowTheSessionNotTheCaller: the copy of a cross-account
// AssumeRole's event that the role's account receives shows the caller as
// an AWSAccount (its principal ID and account, not its ARN or key), keeps
// the parameters that describe the session there, and leaves out those
// that name the caller's own account: its MFA device, its managed
// policies, an inline session policy.
func TestSharedCopiesShowTheSessionNotTheCaller(t *testing.T) {
	const other = "210987654321"
	st := openStore(t)
	var stream bytes.Buffer
	r := &audit.Recorder{Store: st, Stream: &stream}
	e := newEvent(keyward.EventSourceSTS, "AssumeRole", time.Now())
	e.EventID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
	e.SharedEventID = "1b4e28ba-2fa1-41d2-883f-0016d3cca429"
	e.UserIdentity = keyward.EventIdentity{Type: "IAMUser", PrincipalID: "AIDAEXAMPLE", AccountID: kwtest.AccountID,
		ARN: "arn:aws:iam::" + kwtest.AccountID + ":user/alice", AccessKeyID: "AKIAEXAMPLE", UserName: "alice"}
	e.RequestParameters = map[string]any{
		"roleArn":         "arn:aws:iam::" + other + ":role/r",
		"roleSessionName": "s",
		"serialNumber":    "arn:aws:iam::" + kwtest.AccountID + ":mfa/alice",
		"tokenCode":       "123456",
		"policy":          `{"Version":"2012-10-17"}`,
		"policyArns.1":    "arn:aws:iam::" + other + ":policy/theirs",
		"policyArns.2":    "arn:aws:iam::" + kwtest.AccountID + ":policy/ours",
		"policyArns.3":    "arn:aws:iam::aws:policy/ReadOnlyAccess",
	}
	pe := &keyward.PendingEvent{Event: e, Shares: []keyward.EventShare{{Account: other, EventID: "1b4e28ba-2fa1-41d2-883f-0016d3cca428"}}}
	r.Answered(pe, "", "")
	kwtest.Must(t, r.Flush(context.Background()))

	var copied *keyward.Event
	for line := range strings.Lines(stream.String()) {
		var got keyward.Event
		kwtest.Must(t, json.Unmarshal([]byte(line), &got))
		if got.RecipientAccountID == other {
			copied = &got
		}
	}
	if copied == nil {
		t.Fatalf("no copy for %s in %s", other, stream.String())
	}
	if copied.EventID != pe.Shares[0].EventID || copied.SharedEventID != e.SharedEventID {
		t.Errorf("copy's IDs %q, %q; want its own and the shared one", copied.EventID, copied.SharedEventID)
	}
	want := keyward.EventIdentity{Type: "AWSAccount", PrincipalID: "AIDAEXAMPLE", AccountID: kwtest.AccountID}
	if copied.UserIdentity != want {
		t.Errorf("copy shows the caller as %+v, want %+v", copied.UserIdentity, want)
	}
	var kept []string
	for k := range copied.RequestParameters {
		kept = append(kept, k)
	}
	if len(kept) != 4 || copied.RequestParameters["roleArn"] == nil || copied.RequestParameters["roleSessionName"] == nil ||
		copied.RequestParameters["policyArns.1"] == nil || copied.RequestParameters["policyArns.3"] == nil {
		t.Errorf("copy keeps %v; want roleArn, roleSessionName and the role account's and AWS's policy ARNs", kept)
	}
	if len(e.RequestParameters) != 8 {
		t.Errorf("the caller's own event lost parameters: %v", e.RequestParameters)
	}
}
