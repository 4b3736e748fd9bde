package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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
// cloudtrail:LookupEvents; `keyward events` prints them; the JSON-lines
// stream has them; no event, in the store or the stream, holds a secret.
func TestAuditTrail(t *testing.T) {
	stream := filepath.Join(t.TempDir(), "audit.jsonl")
	ts := startServerWith(t, "", func(m *Main) {
		cheapPasswords(m)
		m.Config.AuditLog = stream
	})
	root := ts.rootIAM()
	ctx := context.Background()
	ctCfg := awsConfig(ts.URL, rootKeyID, rootSecret, "us-east-1")
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
	_, err = ts.iam(id, secret).DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = ts.iam(id, secret).ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = ts.iam(id, "wrong"+secret[5:]).ListUsers(ctx, &iam.ListUsersInput{})
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
		_, err = cloudtrail.NewFromConfig(awsConfig(ts.URL, id, secret, "us-east-1")).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
		wantAPIError(t, err, "AccessDeniedException", http.StatusForbidden, "")
	})
	t.Run("keyward events", func(t *testing.T) {
		code, out, errOut := runCLI(t, ts, time.Now(), "events", "--user", "alice", "--since", "1h", "--output", "json")
		if code != 0 || !strings.Contains(out, `"eventName": "CreateAccessKey"`) {
			t.Fatalf("keyward events: %d %s\n%s", code, errOut, out)
		}
		code, out, _ = runCLI(t, ts, time.Now(), "events", "--name", "DeleteUser", "--output", "table")
		if code != 0 || !strings.Contains(out, "DeleteUser") || !strings.Contains(out, "AccessDenied") {
			t.Fatalf("keyward events --output table: %d\n%s", code, out)
		}
		// The issue's own example: a user, a time and an event name at once.
		code, out, errOut = runCLI(t, ts, time.Now(), "events", "--user", "alice", "--since", "24h", "--name", "UpdateAccessKey")
		var got struct{ Events []cloudTrailRecord }
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got.Events) != 2 {
			t.Fatalf("keyward events --user --since --name: %d %s\n%s", code, errOut, out)
		}
		for _, e := range got.Events {
			if e.EventName != "UpdateAccessKey" {
				t.Fatalf("an event of another name: %+v", e)
			}
		}
	})
	t.Run("aws cloudtrail lookup-events", func(t *testing.T) {
		res := ts.aws(t, rootKeyID, rootSecret, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateAccessKey")
		var out struct {
			Events []struct{ EventName, Username, CloudTrailEvent string }
		}
		if res.code != 0 || json.Unmarshal([]byte(res.stdout), &out) != nil || len(out.Events) != 1 || out.Events[0].Username != "alice" {
			t.Fatalf("aws cloudtrail lookup-events: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	})
	t.Run("no secret anywhere", func(t *testing.T) {
		must(t, ts.Audit.Flush(ctx))
		streamed, err := os.ReadFile(stream)
		must(t, err)
		lines := strings.Split(strings.TrimSpace(string(streamed)), "\n")
		if len(lines) < 8 {
			t.Fatalf("%d streamed events", len(lines))
		}
		for _, l := range lines {
			var r cloudTrailRecord
			must(t, json.Unmarshal([]byte(l), &r))
		}
		all := lookup(t, cttypes.LookupAttributeKeyEventSource, "iam.amazonaws.com")
		b, _ := json.Marshal(all)
		for _, where := range []string{string(streamed), string(b)} {
			for _, s := range []string{secret, password, rootSecret} {
				if strings.Contains(where, s) {
					t.Fatal("a secret in the audit trail")
				}
			}
		}
	})
}

// TestConsoleAuditTrail: the console's sign-ins (AWS's ConsoleLogin, a
// failure too) and its changing forms (named after the API operation they
// perform, written with the change) are events; the Event history page and
// the user's Events tab show them.
func TestConsoleAuditTrail(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", cheapPasswords)
	web := newWebClient(t, ts)
	if resp := web.signIn(rootForm("wrong-" + rootSecret)); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong secret: %d", resp.StatusCode)
	}
	if resp := web.signIn(rootForm(rootSecret)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	if resp, body := web.post("/console/users", url.Values{"name": {"carol"}, "csrf": {web.token()}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create user: %d %s", resp.StatusCode, body)
	}
	must(t, ts.Audit.Flush(context.Background()))

	resp, body := web.get("/console/events")
	if resp.StatusCode != 200 {
		t.Fatalf("event history: %d", resp.StatusCode)
	}
	for _, want := range []string{`data-event="ConsoleLogin"`, `data-event="CreateUser"`, `&#34;ConsoleLogin&#34;:&#34;Failure&#34;`, `&#34;ConsoleLogin&#34;:&#34;Success&#34;`} {
		if !strings.Contains(body, want) {
			t.Fatalf("the event history lacks %s:\n%s", want, body)
		}
	}
	resp, body = web.get("/console/users/carol?tab=events")
	if resp.StatusCode != 200 || !strings.Contains(body, `data-event="CreateUser"`) || !strings.Contains(body, `&#34;userName&#34;:&#34;carol&#34;`) {
		t.Fatalf("carol's events tab: %d\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, rootSecret) {
		t.Fatal("a secret in the console's events")
	}
}

// auditDir holds the audit streams of every test server of the run.
var auditDir string

// secretLike are what a secret looks like in this run: a secret access
// key, a session or sign-in token, a private key.
var secretLike = regexp.MustCompile(`(^|[^A-Za-z0-9/+])[A-Za-z0-9/+]{40}([^A-Za-z0-9/+=]|$)|KWS1[A-Za-z0-9_-]{40,}|KWF1[A-Za-z0-9_-]{40,}|PRIVATE KEY`)

// publicMaterial are parameters whose values are public and long enough
// to look like anything: certificates and public keys.
var publicMaterial = map[string]bool{"certificateBody": true, "certificateChain": true, "sSHPublicKeyBody": true, "publicKeyMaterial": true,
	"policyDocument": true, "assumeRolePolicyDocument": true}

// secretsInEvents reads every event streamed during the run and reports
// one that holds a secret: a value shaped like one (40-character keys that
// are not hexadecimal thumbprints, tokens, private keys), or a secret
// parameter not hidden.
func secretsInEvents(dir string, atLeast int) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return err
	}
	hexOnly := regexp.MustCompile(`^[^0-9A-Za-z]?[0-9a-fA-F]{40}[^0-9A-Za-z]?$`)
	var walk func(key string, v any) string
	walk = func(key string, v any) string {
		switch v := v.(type) {
		case string:
			if publicMaterial[key] {
				return ""
			}
			for _, m := range secretLike.FindAllString(v, -1) {
				if !hexOnly.MatchString(m) {
					return key + ": " + v
				}
			}
		case map[string]any:
			for k, x := range v {
				if found := walk(k, x); found != "" {
					return found
				}
			}
		case []any:
			for _, x := range v {
				if found := walk(key, x); found != "" {
					return found
				}
			}
		}
		return ""
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if line == "" {
				continue
			}
			n++
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				return fmt.Errorf("%s: an event that is not JSON: %v", f, err)
			}
			if found := walk("", rec); found != "" {
				return fmt.Errorf("%s: an event holds what looks like a secret (%.200s) in %.300s", f, found, line)
			}
			params, _ := rec["requestParameters"].(map[string]any)
			for _, k := range []string{"password", "newPassword", "oldPassword", "privateKey", "webIdentityToken", "tokenCode",
				"authenticationCode1", "authenticationCode2"} {
				if v, ok := params[k]; ok && v != "HIDDEN_DUE_TO_SECURITY_REASONS" {
					return fmt.Errorf("%s: %s not hidden: %.200s", f, k, line)
				}
			}
		}
	}
	if n < atLeast {
		return fmt.Errorf("only %d events in the whole run: the servers did not stream them", n)
	}
	return nil
}

// TestSecretsInEventsFinds: the whole run's check finds a secret key, a
// session token and a password not hidden, and passes hidden ones and
// thumbprints.
func TestSecretsInEventsFinds(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		event string
		bad   bool
	}{
		"secret key":      {`{"responseElements":{"secret":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}`, true},
		"session token":   {`{"requestParameters":{"x":"KWS1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIj"}}`, true},
		"password":        {`{"requestParameters":{"password":"hunter2"}}`, true},
		"hidden password": {`{"requestParameters":{"password":"HIDDEN_DUE_TO_SECURITY_REASONS"}}`, false},
		"thumbprint":      {`{"requestParameters":{"thumbprintList.member.1":"990f4193972f2becf12ddeda5237f9c952f20d9e"}}`, false},
		"access key ID":   {`{"userIdentity":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE"}}`, false},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			must(t, os.WriteFile(filepath.Join(dir, "a.jsonl"), []byte(tc.event+"\n"), 0o600))
			if err := secretsInEvents(dir, 1); (err != nil) != tc.bad {
				t.Fatalf("got %v, want a finding: %v", err, tc.bad)
			}
		})
	}
}
