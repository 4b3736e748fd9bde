package query_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// cloudTrailRecord is the part of a CloudTrail record the tests read.
type cloudTrailRecord struct {
	EventName, EventSource, ErrorCode, RequestID, EventID, SourceIPAddress string
	UserIdentity                                                           struct{ Type, ARN, AccessKeyID, UserName string } `json:"userIdentity"`
	RequestParameters                                                      map[string]any                                    `json:"requestParameters"`
	ResponseElements                                                       map[string]map[string]any                         `json:"responseElements"`
}

// TestAuditTrail: every change becomes a CloudTrail event written with the
// change (found at once, before any flush), refusals and failed
// authentications become events too; the SDK's CloudTrail client reads
// them with LookupEvents (by user, by name, paged), the caller needs
// cloudtrail:LookupEvents; the JSON-lines stream has them; no event, in
// the store or the stream, holds a secret. `keyward events` is cli's
// TestEventsCommand.
func TestAuditTrail(t *testing.T) {
	ts := newAPIServer(t)
	// The JSON-lines stream keyward serve's --audit-log writes.
	stream := ts.AuditStream
	root := ts.RootIAM()
	ctx := context.Background()
	ctCfg := ts.ConfigIn("us-east-1", rootKeyID, rootSecret, "")
	trail := cloudtrail.NewFromConfig(ctCfg)
	lookup := func(t *testing.T, key cttypes.LookupAttributeKey, value string) []cloudTrailRecord {
		t.Helper()
		var out []cloudTrailRecord
		for p := cloudtrail.NewLookupEventsPaginator(trail, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(2),
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: key, AttributeValue: aws.String(value)}}}); p.HasMorePages(); {
			page, err := p.NextPage(ctx)
			must(t, err)
			for _, e := range page.Events {
				var r cloudTrailRecord
				must(t, json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &r))
				if r.EventName != aws.ToString(e.EventName) || r.EventID != aws.ToString(e.EventId) {
					t.Fatalf("event %+v against its record %+v", e, r)
				}
				out = append(out, r)
			}
		}
		return out
	}

	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	must(t, err)
	// Written with the change: there before any flush of the recorder.
	if got := lookup(t, cttypes.LookupAttributeKeyEventName, "CreateUser"); len(got) != 1 || got[0].UserIdentity.Type != "Root" ||
		got[0].RequestParameters["userName"] != "alice" || got[0].EventSource != "iam.amazonaws.com" {
		t.Fatalf("CreateUser events %+v", got)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	must(t, err)
	id, secret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	const password = "Audit-Passw0rd-Secret!"
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String(password)})
	must(t, err)
	// Alice, without permissions, is refused; a wrong secret fails to authenticate.
	_, err = ts.IAMClient(id, secret).DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = ts.IAMClient(id, secret).ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = ts.IAMClient(id, "wrong"+secret[5:]).ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch", http.StatusForbidden, "")
	_, err = root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(id), Status: "Inactive"})
	must(t, err)
	must(t, ts.Audit.Flush(ctx))

	t.Run("by user", func(t *testing.T) {
		got := lookup(t, cttypes.LookupAttributeKeyUsername, "alice")
		names := map[string]cloudTrailRecord{}
		for _, r := range got {
			names[r.EventName+"/"+r.ErrorCode] = r
		}
		for _, want := range []string{"CreateUser/", "CreateAccessKey/", "CreateLoginProfile/", "DeleteUser/AccessDenied", "ListUsers/AccessDenied", "UpdateAccessKey/"} {
			if _, ok := names[want]; !ok {
				t.Fatalf("no %s event among %v", want, names)
			}
		}
		// What was created shows, as CloudTrail shows it, without the secret.
		if r := names["CreateAccessKey/"]; r.ResponseElements["accessKey"]["accessKeyId"] != id || r.ResponseElements["accessKey"]["status"] != "Active" ||
			r.ResponseElements["accessKey"]["secretAccessKey"] != nil {
			t.Fatalf("CreateAccessKey's response elements %v", r.ResponseElements)
		}
		if r := names["CreateUser/"]; r.ResponseElements["user"]["arn"] != "arn:aws:iam::"+accountID+":user/alice" {
			t.Fatalf("CreateUser's response elements %v", r.ResponseElements)
		}
		if r := names["UpdateAccessKey/"]; r.ResponseElements != nil {
			t.Fatalf("UpdateAccessKey's response elements %v", r.ResponseElements)
		}
		if r := names["CreateLoginProfile/"]; r.RequestParameters["password"] != "HIDDEN_DUE_TO_SECURITY_REASONS" {
			t.Fatalf("the password in an event: %v", r.RequestParameters)
		}
		if r := names["DeleteUser/AccessDenied"]; r.UserIdentity.ARN != "arn:aws:iam::"+accountID+":user/alice" || r.UserIdentity.AccessKeyID != id {
			t.Fatalf("the refused call's identity %+v", r.UserIdentity)
		}
	})
	t.Run("failed authentication", func(t *testing.T) {
		got := lookup(t, cttypes.LookupAttributeKeyAccessKeyId, id)
		found := false
		for _, r := range got {
			found = found || r.ErrorCode == "SignatureDoesNotMatch" && r.UserIdentity.Type == "Unknown"
		}
		if !found {
			t.Fatalf("no failed authentication among %+v", got)
		}
	})
	t.Run("LookupEvents needs permission", func(t *testing.T) {
		must(t, ts.Audit.Flush(ctx))
		_, err := root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(id), Status: "Active"})
		must(t, err)
		_, err = cloudtrail.NewFromConfig(ts.ConfigIn("us-east-1", id, secret, "")).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
		wantAPIError(t, err, "AccessDeniedException", http.StatusForbidden, "")
	})

	t.Run("no secret anywhere", func(t *testing.T) {
		must(t, ts.Audit.Flush(ctx))
		streamed := stream.String()
		lines := strings.Split(strings.TrimSpace(streamed), "\n")
		if len(lines) < 8 {
			t.Fatalf("%d streamed events", len(lines))
		}
		for _, l := range lines {
			var r cloudTrailRecord
			must(t, json.Unmarshal([]byte(l), &r))
		}
		all := lookup(t, cttypes.LookupAttributeKeyEventSource, "iam.amazonaws.com")
		b, _ := json.Marshal(all)
		for _, where := range []string{streamed, string(b)} {
			for _, s := range []string{secret, password, rootSecret} {
				if strings.Contains(where, s) {
					t.Fatal("a secret in the audit trail")
				}
			}
		}
	})
}
