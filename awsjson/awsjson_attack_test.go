package awsjson_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/awsjson"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/organizations"
)

// request is an AWS JSON request of operation to k, signed for service
// with the key unless id is empty.
func request(t *testing.T, k *kwtest.Keyward, operation, body, service, id, secret string) *http.Request {
	t.Helper()
	return requestAs(t, k, awsjson.ContentType, operation, body, service, id, secret)
}

// requestAs is request with the media type contentType.
func requestAs(t *testing.T, k *kwtest.Keyward, contentType, operation, body, service, id, secret string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, k.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("X-Amz-Target", organizations.TargetPrefix+operation)
	if id != "" {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret},
			r, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// answer sends r and returns the status and the JSON error's __type (""
// for a success) and the body.
func answer(t *testing.T, r *http.Request) (int, string, string) {
	t.Helper()
	status, h, body := kwtest.RawDo(t, r)
	if ct := h.Get("Content-Type"); ct != awsjson.ContentType {
		t.Fatalf("Content-Type %q: %s", ct, body)
	}
	var e struct {
		Type string `json:"__type"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	return status, e.Type, body
}

func want(t *testing.T, r *http.Request, status int, code string) string {
	t.Helper()
	got, typ, body := answer(t, r)
	if got != status || typ != code {
		t.Fatalf("got %d %s (%s), want %d %s", got, typ, body, status, code)
	}
	return body
}

// notInUse checks that the account is still in no organization: nothing
// an attack sent made one.
func notInUse(t *testing.T, k *kwtest.Keyward) {
	t.Helper()
	want(t, request(t, k, "DescribeOrganization", "{}", "organizations", kwtest.RootKeyID, kwtest.RootSecret), 400, "AWSOrganizationsNotInUseException")
}

// TestAttackUnauthenticated: without a valid signature for
// organizations, nothing is served, whatever the request asks.
func TestAttackUnauthenticated(t *testing.T) {
	k := kwtest.New(t)
	create := `{"FeatureSet":"ALL"}`
	want(t, request(t, k, "CreateOrganization", create, "", "", ""), 400, "MissingAuthenticationTokenException")
	// Signed for Keyward's IAM, STS or CloudTrail, or for a guarded
	// service whose keys the verifier hands out: never Organizations'.
	for _, service := range []string{"iam", "sts", "cloudtrail", "keyward", "s3", "execute-api"} {
		body := want(t, request(t, k, "CreateOrganization", create, service, kwtest.RootKeyID, kwtest.RootSecret), 400, "InvalidSignatureException")
		if !strings.Contains(body, "Credential should be scoped to correct service: 'organizations'.") {
			t.Fatalf("%s: %s", service, body)
		}
	}
	want(t, request(t, k, "CreateOrganization", create, "organizations", kwtest.RootKeyID, strings.Repeat("x", 40)), 400, "InvalidSignatureException")
	want(t, request(t, k, "CreateOrganization", create, "organizations", "AKIAUNKNOWNKEY000000", kwtest.RootSecret), 400, "UnrecognizedClientException")
	// The body is part of what is signed.
	r := request(t, k, "CreateOrganization", create, "organizations", kwtest.RootKeyID, kwtest.RootSecret)
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(`{"FeatureSet":"CONSOLIDATED_BILLING"}`)), int64(len(`{"FeatureSet":"CONSOLIDATED_BILLING"}`))
	want(t, r, 400, "InvalidSignatureException")
	notInUse(t, k)

	// Refusals before authentication are audited, as the Query API's are,
	// under an unknown identity.
	must(t, k.Audit.Flush(context.Background()))
	events, _, err := k.Store.LookupEvents(context.Background(), keyward.EventQuery{Source: keyward.EventSourceOrganizations, EventName: "CreateOrganization", Max: 50})
	must(t, err)
	if len(events) == 0 || !strings.Contains(string(events[0].Record), `"type":"Unknown"`) {
		t.Fatalf("refused requests' events: %d", len(events))
	}
	for _, e := range events {
		if strings.Contains(string(e.Record), kwtest.RootSecret) {
			t.Fatalf("a secret in an event: %s", e.Record)
		}
	}
}

// TestAttackBodies: an oversized body is refused before it is
// authenticated or parsed; a malformed one, a wrong type or media type
// is refused before the feature package runs.
func TestAttackBodies(t *testing.T) {
	k := kwtest.New(t)
	huge := `{"FeatureSet":"` + strings.Repeat("A", awsjson.MaxBody) + `"}`
	// Unsigned and oversized: the size is refused first, before any
	// signature work is done for it.
	want(t, request(t, k, "CreateOrganization", huge, "", "", ""), 400, "SerializationException")
	want(t, request(t, k, "CreateOrganization", huge, "organizations", kwtest.RootKeyID, kwtest.RootSecret), 400, "SerializationException")
	for _, body := range []string{`{`, `[]`, `"ALL"`, `null`, `{"FeatureSet":1}`, `{"FeatureSet":["ALL"]}`, "\x00"} {
		want(t, request(t, k, "CreateOrganization", body, "organizations", kwtest.RootKeyID, kwtest.RootSecret), 400, "SerializationException")
	}
	// An enum outside the model's.
	body := want(t, request(t, k, "CreateOrganization", `{"FeatureSet":"EVERYTHING"}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret), 400, "InvalidInputException")
	if !strings.Contains(body, `"Reason":"INVALID_ENUM"`) {
		t.Fatalf("an enum outside the model's: %s", body)
	}
	for _, ct := range []string{"application/x-www-form-urlencoded", "application/json", ""} {
		want(t, requestAs(t, k, ct, "CreateOrganization", `{}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret), 400, "SerializationException")
	}
	notInUse(t, k)

	// A value echoed in a message is clipped; a huge one is refused by
	// its length, not repeated.
	must2(t, request(t, k, "CreateOrganization", `{}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret))
	long := `{"ParentId":"r-abcd","Name":"` + strings.Repeat("n", 200000) + `"}`
	body = want(t, request(t, k, "CreateOrganizationalUnit", long, "organizations", kwtest.RootKeyID, kwtest.RootSecret), 400, "InvalidInputException")
	if len(body) > 1000 || !strings.Contains(body, "MAX_LENGTH_EXCEEDED") {
		t.Fatalf("a name too long: %s", body[:min(len(body), 1000)])
	}
}

func must2(t *testing.T, r *http.Request) {
	t.Helper()
	if status, typ, body := answer(t, r); status != 200 || typ != "" {
		t.Fatalf("%d %s", status, body)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestAttackTargets: only Organizations' operations Keyward serves are
// served; a target naming anything else, an IAM action included, is
// refused, and never reaches the Query API.
func TestAttackTargets(t *testing.T) {
	k := kwtest.New(t)
	for _, op := range []string{"InviteAccountToOrganization", "CreateUser", "", "../CreateOrganization", "CreateOrganization.", "createorganization"} {
		want(t, request(t, k, op, `{}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret), 400, "UnknownOperationException")
	}
	// GET is not the protocol.
	r := request(t, k, "CreateOrganization", ``, "organizations", kwtest.RootKeyID, kwtest.RootSecret)
	r.Method = http.MethodGet
	want(t, r, 400, "UnknownOperationException")
	notInUse(t, k)
	// Without the target, the Query API answers as before.
	q := kwtest.SignedRequest(t, k.URL, "POST", "Action=ListUsers&Version=2010-05-08", "application/x-www-form-urlencoded", "iam", kwtest.RootKeyID, kwtest.RootSecret, time.Now())
	resp, err := http.DefaultClient.Do(q)
	must(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte("<ListUsersResponse")) {
		t.Fatalf("the Query API: %d %s", resp.StatusCode, b)
	}
}

// newOrganization makes the root user's organization in k and returns its
// root's ID.
func newOrganization(t *testing.T, k *kwtest.Keyward) string {
	t.Helper()
	must2(t, request(t, k, "CreateOrganization", `{}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret))
	_, _, rootsBody := answer(t, request(t, k, "ListRoots", `{}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret))
	var roots struct{ Roots []struct{ Id string } }
	must(t, json.Unmarshal([]byte(rootsBody), &roots))
	return roots.Roots[0].Id
}

// TestAttackUnauthorisedUser: an IAM user without permission gets
// AccessDeniedException from every operation, on well-formed input, and
// changes nothing; a user allowed everything but Organizations' actions
// too.
func TestAttackUnauthorisedUser(t *testing.T) {
	k := kwtest.New(t)
	rootID := newOrganization(t, k)
	values := map[string]any{"ParentId": rootID, "Name": "x", "OrganizationalUnitId": "ou-" + rootID[2:] + "-abcdefgh", "PolicyId": keyward.FullAWSAccessID,
		"TargetId": rootID, "RootId": rootID, "PolicyType": keyward.ServiceControlPolicyType, "Filter": keyward.ServiceControlPolicyType,
		"ResourceId": rootID, "ChildId": kwtest.AccountID, "ChildType": "ACCOUNT", "AccountId": kwtest.AccountID, "Description": "",
		"SourceParentId": rootID, "DestinationParentId": "ou-" + rootID[2:] + "-abcdefgh",
		"Content": keyward.FullAWSAccessContent, "Type": keyward.ServiceControlPolicyType, "FeatureSet": "ALL",
		"Tags": []map[string]string{{"Key": "k", "Value": "v"}}, "TagKeys": []string{"k"}, "ServicePrincipal": "sso.amazonaws.com",
		"Email": "tenant@example.com", "AccountName": "tenant", "CreateAccountRequestId": "car-abcdefgh"}
	for _, policy := range []string{"", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"organizations:*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:*","Resource":"*"},{"Effect":"Deny","Action":"organizations:*","Resource":"*"}]}`} {
		name := "user" + string(rune('a'+len(policy)%26))
		id, secret := k.User(t, name, policy)
		for op, desc := range organizations.Operations {
			in := map[string]any{}
			for _, p := range desc.Params {
				if p.Required {
					in[p.Member] = values[p.Member]
				}
			}
			b, _ := json.Marshal(in)
			want(t, request(t, k, op, string(b), "organizations", id, secret), 400, "AccessDeniedException")
		}
	}
	// Nothing changed: the root has no policy type, no OU, its tags none.
	_, _, body := answer(t, request(t, k, "ListRoots", `{}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret))
	if !strings.Contains(body, `"PolicyTypes":[]`) {
		t.Fatalf("roots %s", body)
	}
	_, _, body = answer(t, request(t, k, "ListOrganizationalUnitsForParent", `{"ParentId":"`+rootID+`"}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret))
	if body != `{"OrganizationalUnits":[]}` {
		t.Fatalf("OUs %s", body)
	}
	_, _, body = answer(t, request(t, k, "ListTagsForResource", `{"ResourceId":"`+rootID+`"}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret))
	if body != `{"Tags":[]}` {
		t.Fatalf("tags %s", body)
	}
	_, _, body = answer(t, request(t, k, "ListAWSServiceAccessForOrganization", `{}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret))
	if body != `{"EnabledServicePrincipals":[]}` {
		t.Fatalf("trusted services %s", body)
	}
	must2(t, request(t, k, "DescribeOrganization", `{}`, "organizations", kwtest.RootKeyID, kwtest.RootSecret))
}

// TestAttackEventParametersBounded: a caller chooses how many tags or
// list members its request carries, up to the body's megabyte, each
// clipped but not their number; a refused TagResource of thousands of
// tags once made an event of most of a megabyte. The parameters an event
// records are bounded in all, as the Query API's are.
func TestAttackEventParametersBounded(t *testing.T) {
	k := kwtest.New(t)
	rootID := newOrganization(t, k)
	id, secret := k.User(t, "mallory", "")
	tags := make([]map[string]string, 2200)
	for i := range tags {
		tags[i] = map[string]string{"Key": strings.Repeat("k", 120) + strconv.Itoa(i), "Value": strings.Repeat("v", 256)}
	}
	b, _ := json.Marshal(map[string]any{"ResourceId": rootID, "Tags": tags})
	if len(b) > awsjson.MaxBody {
		t.Fatalf("the body is %d bytes, past the limit", len(b))
	}
	want(t, request(t, k, "TagResource", string(b), "organizations", id, secret), 400, "AccessDeniedException")
	ctx := context.Background()
	must(t, k.Audit.Flush(ctx))
	events, _, err := k.Store.LookupEvents(ctx, keyward.EventQuery{Source: keyward.EventSourceOrganizations, EventName: "TagResource", Max: 10})
	must(t, err)
	if len(events) != 1 {
		t.Fatalf("%d events of the refusal, want 1", len(events))
	}
	if n := len(events[0].Record); n > 80<<10 {
		t.Fatalf("the refusal's event is %d bytes: its parameters are not bounded", n)
	}
}
