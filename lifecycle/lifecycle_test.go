package lifecycle_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/lifecycle"
)

// must is kwtest's, under the name the tests here call.
var must = kwtest.Must

const day = 24 * time.Hour

// events returns the lifecycle's events, oldest first, as CloudTrail
// records.
func events(t *testing.T, k *kwtest.Server) []keyward.Event {
	t.Helper()
	must(t, k.Audit.Flush(context.Background()))
	stored, _, err := k.Store.LookupEvents(context.Background(), keyward.EventQuery{Max: 1000})
	must(t, err)
	var out []keyward.Event
	for i := len(stored) - 1; i >= 0; i-- {
		var e keyward.Event
		must(t, json.Unmarshal(stored[i].Record, &e))
		if e.UserIdentity.InvokedBy == lifecycle.ServiceName {
			out = append(out, e)
		}
	}
	return out
}

// sweep runs the lifecycle once at the clock's time.
func sweep(t *testing.T, k *kwtest.Server) lifecycle.Sweep {
	t.Helper()
	sw, err := k.Lifecycle.Run(context.Background())
	must(t, err)
	return sw
}

func status(t *testing.T, k *kwtest.Server, id string) string {
	t.Helper()
	key, err := k.Store.AccessKey(context.Background(), id)
	if err != nil {
		return "deleted"
	}
	return key.Status
}

// TestExpiredKeyRefusedThenDeactivated: a key that expires in an hour
// signs until then; from that moment it is refused (InvalidClientTokenId,
// through the AWS SDK) and listed Inactive before any sweep, and the next
// sweep deactivates it once, with an event that says why.
func TestExpiredKeyRefusedThenDeactivated(t *testing.T) {
	k := kwtest.NewServer(t, kwtest.Options{})
	ctx := k.RootContext()
	_, err := k.IAM.CreateUser(ctx, "alice", "/", nil)
	must(t, err)
	key, secret, err := k.IAM.CreateExpiringAccessKey(ctx, "alice", "", time.Hour)
	must(t, err)
	if want := k.Clock.Now().Add(time.Hour); !key.ExpiresAt.Equal(want) {
		t.Fatalf("expires at %v, want %v", key.ExpiresAt, want)
	}
	alice := k.STSIn(key.ID, secret, "us-east-1")
	_, err = alice.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	must(t, err)
	if sw := sweep(t, k); sw.Rules[0].Changed != 0 {
		t.Fatalf("a key not yet expired was changed: %+v", sw)
	}

	k.Clock.Add(time.Hour)
	_, err = alice.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	kwtest.WantAPIError(t, err, "InvalidClientTokenId", 403, "")
	listed, err := k.RootIAM().ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String("alice")})
	must(t, err)
	if got := listed.AccessKeyMetadata[0].Status; got != "Inactive" {
		t.Fatalf("expired key listed %s", got)
	}
	if status(t, k, key.ID) != keyward.StatusActive {
		t.Fatal("changed before the sweep")
	}

	k.Clock.Add(30 * time.Second)
	sweep(t, k)
	sweep(t, k) // a second pass finds nothing more to do
	if got := status(t, k, key.ID); got != keyward.StatusInactive {
		t.Fatalf("after the sweep: %s", got)
	}
	evs := events(t, k)
	if len(evs) != 1 {
		t.Fatalf("events: %+v", evs)
	}
	e := evs[0]
	id := e.UserIdentity
	if e.EventName != "UpdateAccessKey" || e.EventSource != "iam.amazonaws.com" || id.Type != "AWSService" || id.AccountID != kwtest.AccountID ||
		e.RequestParameters["accessKeyId"] != key.ID || e.RequestParameters["userName"] != "alice" ||
		e.RequestParameters["status"] != "Inactive" || e.RequestParameters["reason"] != "expired" {
		t.Fatalf("event: %+v", e)
	}
	// Reactivated, the key is still past its date: refused all the same.
	must(t, k.IAM.UpdateAccessKey(ctx, "alice", key.ID, keyward.StatusActive))
	_, err = alice.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	kwtest.WantAPIError(t, err, "InvalidClientTokenId", 403, "")
}

// TestAYearOfPolicy runs a year of the policy in daily sweeps on the
// injected clock: a key used every day lives to its maximum age (warned
// once, 14 days before), a key never used dies of disuse, each inactive
// key is deleted 30 days later, and an exempt user and the root user keep
// their keys. Every transition is one event.
func TestAYearOfPolicy(t *testing.T) {
	k := kwtest.NewServer(t, kwtest.Options{})
	ctx := k.RootContext()
	start := k.Clock.Now()
	for _, u := range []string{"alice", "bob", "carol"} {
		_, err := k.IAM.CreateUser(ctx, u, "/", nil)
		must(t, err)
	}
	must(t, k.IAM.TagResource(ctx, keyward.TaggedUser, "carol", []keyward.Tag{{Key: "keyward:lifecycle", Value: "exempt"}}))
	keyOf := map[string]string{}
	for _, u := range []string{"alice", "bob", "carol"} {
		key, _, err := k.IAM.CreateAccessKey(ctx, u)
		must(t, err)
		keyOf[u] = key.ID
	}
	_, err := k.Lifecycle.PutAccessKeyPolicy(ctx, lifecycle.PolicyInput{MaxAge: "90d", Warn: "14d", Unused: "45d", DeleteInactive: "30d"})
	must(t, err)

	when := map[string]int{} // event name/reason/user → day
	for d := 1; d <= 365; d++ {
		k.Clock.Add(day)
		now := k.Clock.Now()
		for _, u := range []string{"alice", "carol"} {
			must(t, k.Store.RecordAccessKeyUses(context.Background(), []keyward.AccessKeyUse{{AccessKeyID: keyOf[u], LastUse: keyward.LastUse{Time: now, Service: "sts", Region: "us-east-1"}}}))
		}
		before := len(events(t, k))
		sweep(t, k)
		for _, e := range events(t, k)[before:] {
			tag := e.EventName + "/" + str(e.RequestParameters["reason"]) + "/" + str(e.RequestParameters["userName"])
			if _, seen := when[tag]; seen {
				t.Fatalf("day %d: %s twice", d, tag)
			}
			when[tag] = d
			if e.EventName == "AccessKeyExpiring" && e.RequestParameters["expiresAt"] != start.Add(90*day).UTC().Format(time.RFC3339) {
				t.Fatalf("warning: %+v", e.RequestParameters)
			}
		}
	}
	want := map[string]int{
		"UpdateAccessKey/unused/bob":     45,
		"DeleteAccessKey/inactive/bob":   75,
		"AccessKeyExpiring//alice":       76,
		"UpdateAccessKey/max-age/alice":  90,
		"DeleteAccessKey/inactive/alice": 120,
	}
	if len(when) != len(want) {
		t.Fatalf("transitions: %v, want %v", when, want)
	}
	for tag, d := range want {
		if when[tag] != d {
			t.Fatalf("%s on day %d, want %d (all: %v)", tag, when[tag], d, when)
		}
	}
	if status(t, k, keyOf["carol"]) != keyward.StatusActive || status(t, k, kwtest.RootKeyID) != keyward.StatusActive {
		t.Fatal("an exempt user's or the root user's key was changed")
	}
}

func str(v any) string { s, _ := v.(string); return s }

// TestReportOnlyAndScope: a rule only reported changes nothing but shows
// in the preview and the counts; a scoped rule covers only its users.
func TestReportOnlyAndScope(t *testing.T) {
	k := kwtest.NewServer(t, kwtest.Options{})
	ctx := k.RootContext()
	_, err := k.IAM.CreateUser(ctx, "svc", "/service/", nil)
	must(t, err)
	_, err = k.IAM.CreateUser(ctx, "person", "/people/", nil)
	must(t, err)
	svc, _, err := k.IAM.CreateAccessKey(ctx, "svc")
	must(t, err)
	person, _, err := k.IAM.CreateAccessKey(ctx, "person")
	must(t, err)
	k.Clock.Add(100 * day)

	_, err = k.Lifecycle.PutAccessKeyPolicy(ctx, lifecycle.PolicyInput{MaxAge: "90d", ReportOnly: true})
	must(t, err)
	sw := sweep(t, k)
	if status(t, k, svc.ID) != keyward.StatusActive || status(t, k, person.ID) != keyward.StatusActive || len(events(t, k)) != 0 {
		t.Fatal("a rule only reported changed a key")
	}
	if r := sw.Rules[1]; r.Rule != keyward.RuleMaxAge || r.Enforced || r.Due != 2 {
		t.Fatalf("report: %+v", sw.Rules)
	}
	if st := k.Lifecycle.Stats(); st.PastPolicy[keyward.RuleMaxAge] != 2 || st.ByAge["90-180d"] != 3 {
		t.Fatalf("stats: %+v", st)
	}
	preview, err := k.Lifecycle.Preview(ctx, nil, k.Clock.Now(), 10)
	must(t, err)
	if len(preview.Rules[1].Keys) != 2 {
		t.Fatalf("preview: %+v", preview)
	}

	_, err = k.Lifecycle.PutAccessKeyPolicy(ctx, lifecycle.PolicyInput{MaxAge: "90d", PathPrefix: "/service/"})
	must(t, err)
	sweep(t, k)
	if status(t, k, svc.ID) != keyward.StatusInactive || status(t, k, person.ID) != keyward.StatusActive {
		t.Fatal("the scope was not applied")
	}
}

// TestPolicyAPI puts, reads and deletes the policy through the Query API
// as a client signs it, and checks the errors: NoSuchEntity without one,
// ValidationError for a bad duration (changing nothing).
func TestPolicyAPI(t *testing.T) {
	k := kwtest.NewServer(t, kwtest.Options{})
	call := func(form string) (int, string) {
		code, _, body := kwtest.RawDo(t, kwtest.SignedFor(t, k.URL, form+"&Version=2010-05-08", "iam", "us-east-1", kwtest.RootKeyID, kwtest.RootSecret))
		return code, body
	}
	code, body := call("Action=GetAccessKeyPolicy")
	if code != 404 || !strings.Contains(body, "<Code>NoSuchEntity</Code>") {
		t.Fatalf("get without a policy: %d %s", code, body)
	}
	form := url.Values{"Action": {"PutAccessKeyPolicy"}, "MaxAge": {"90d"}, "Warn": {"14d"}, "Unused": {"45d"}, "DeleteInactive": {"30d"},
		"ReportOnlyRules.member.1": {"unused"}}
	code, body = call(form.Encode())
	if code != 200 || !strings.Contains(body, "<Name>unused</Name><After>45d</After><ReportOnly>true</ReportOnly>") {
		t.Fatalf("put: %d %s", code, body)
	}
	code, body = call("Action=GetAccessKeyPolicy")
	if code != 200 || !strings.Contains(body, "<Warn>14d</Warn>") || !strings.Contains(body, "<Name>max-age</Name><After>90d</After><ReportOnly>false</ReportOnly>") {
		t.Fatalf("get: %d %s", code, body)
	}
	for _, bad := range []string{"MaxAge=30s", "MaxAge=ninety", "MaxAge=90d&Warn=91d", "Warn=-1d", "ReportOnlyRules.member.1=everything&MaxAge=9d", "MaxAge=999999d"} {
		code, body = call("Action=PutAccessKeyPolicy&" + bad)
		if code != 400 || !strings.Contains(body, "<Code>ValidationError</Code>") {
			t.Fatalf("put %s: %d %s", bad, code, body)
		}
	}
	p, err := k.Store.AccessKeyPolicy(context.Background())
	must(t, err)
	if p.MaxAge.After != 90*day || !p.Unused.ReportOnly {
		t.Fatalf("a refused put changed the policy: %+v", p)
	}
	if code, body = call("Action=DeleteAccessKeyPolicy"); code != 200 {
		t.Fatalf("delete: %d %s", code, body)
	}
	if code, _ = call("Action=DeleteAccessKeyPolicy"); code != 404 {
		t.Fatalf("delete again: %d", code)
	}
	// The API's extension of CreateAccessKey.
	code, body = call("Action=CreateAccessKey&ExpiresIn=30d")
	if code != 200 || !strings.Contains(body, "<Expiration>"+k.Clock.Now().Add(30*day).UTC().Format("2006-01-02T15:04:05Z")+"</Expiration>") {
		t.Fatalf("create with ExpiresIn: %d %s", code, body)
	}
	for _, bad := range []string{"59s", "0d", "1y", "30"} {
		if code, body = call("Action=CreateAccessKey&UserName=nobody&ExpiresIn=" + bad); code != 400 || !strings.Contains(body, "ValidationError") {
			t.Fatalf("ExpiresIn=%s: %d %s", bad, code, body)
		}
	}
}

// TestSweepStopsWithClose: the sweep runs on its ticks under Start's
// lifetime, and Close returns only once it has stopped.
func TestSweepStopsWithClose(t *testing.T) {
	k := kwtest.NewServer(t, kwtest.Options{})
	ticks := make(chan time.Time)
	swept := make(chan lifecycle.Sweep, 1)
	k.Lifecycle.Ticks = ticks
	k.Lifecycle.Swept = func(sw lifecycle.Sweep) { swept <- sw }
	k.Lifecycle.Start(context.Background())
	ticks <- time.Now()
	if sw := <-swept; !sw.At.Equal(k.Clock.Now().UTC()) {
		t.Fatalf("swept at %v", sw.At)
	}
	must(t, k.Lifecycle.Close())
	select {
	case ticks <- time.Now():
		t.Fatal("a tick was taken after Close")
	default:
	}
}

// dueQueries records the sweep's reads of due keys.
type dueQueries struct {
	lifecycle.Store
	mu      sync.Mutex
	queries []keyward.DueKeys
}

func (d *dueQueries) DueAccessKeys(ctx context.Context, q keyward.DueKeys) ([]keyward.AccessKey, bool, error) {
	d.mu.Lock()
	d.queries = append(d.queries, q)
	d.mu.Unlock()
	return d.Store.DueAccessKeys(ctx, q)
}

// incremental reports whether every read since the last call was of the
// keys that crossed a boundary, not all past it.
func (d *dueQueries) incremental() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer func() { d.queries = nil }()
	for _, q := range d.queries {
		if q.Since.IsZero() {
			return false
		}
	}
	return len(d.queries) > 0
}

// TestIncrementalSweep: sweeps 30 s apart read only the keys that became
// due since the last (a key expiring between two is deactivated by the
// next); a full pass every 5 minutes finds a key made due otherwise: an
// expired key activated again.
func TestIncrementalSweep(t *testing.T) {
	k := kwtest.NewServer(t, kwtest.Options{})
	reads := &dueQueries{Store: k.Lifecycle.Store}
	k.Lifecycle.Store = reads
	ctx := k.RootContext()
	_, err := k.IAM.CreateUser(ctx, "bo", "/", nil)
	must(t, err)
	key, _, err := k.IAM.CreateExpiringAccessKey(ctx, "bo", "", 10*time.Minute+7*time.Second)
	must(t, err)
	_, err = k.Lifecycle.PutAccessKeyPolicy(ctx, lifecycle.PolicyInput{MaxAge: "90d", Unused: "45d", DeleteInactive: "30d", Warn: "1d"})
	must(t, err)
	sweep(t, k)
	if reads.incremental() {
		t.Fatal("the first pass was incremental")
	}
	for i := 0; i < 30 && status(t, k, key.ID) == keyward.StatusActive; i++ {
		k.Clock.Add(Interval)
		sweep(t, k)
		if k.Clock.Now().Sub(key.CreatedAt) < 5*time.Minute && !reads.incremental() {
			t.Fatalf("pass %d was full", i)
		}
	}
	if late := k.Clock.Now().Sub(key.ExpiresAt); status(t, k, key.ID) != keyward.StatusInactive || late > Interval || late < 0 {
		t.Fatalf("deactivated %v after expiry: %s", late, status(t, k, key.ID))
	}
	must(t, k.IAM.UpdateAccessKey(ctx, "bo", key.ID, keyward.StatusActive))
	start := k.Clock.Now()
	for status(t, k, key.ID) == keyward.StatusActive {
		if k.Clock.Now().Sub(start) > 5*time.Minute+Interval {
			t.Fatal("an expired key activated again was not deactivated by a full pass")
		}
		k.Clock.Add(Interval)
		sweep(t, k)
	}
	names := map[string]int{}
	for _, e := range events(t, k) {
		names[e.EventName]++
	}
	if names["UpdateAccessKey"] != 2 || names["AccessKeyExpiring"] != 1 || len(names) != 2 {
		t.Fatalf("events %v, want 2 deactivations and one warning", names)
	}
}

// Interval is the sweep's.
const Interval = lifecycle.Interval
