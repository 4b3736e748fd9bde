package query_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/keyward/keyward/internal/kwtest"
)

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestProtocolErrors(t *testing.T) {
	ts := newAPIServer(t)
	const form = "application/x-www-form-urlencoded; charset=utf-8"
	listUsers := "Action=ListUsers&Version=2010-05-08"
	now := time.Now()
	garble := func(r *http.Request) *http.Request {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=", "SignedHeadrs=", 1))
		return r
	}
	// signed makes, when a case runs, a request of body signed for IAM
	// with the key given at the time given; byRoot, one of the root
	// user's form, signed now.
	signed := func(body, contentType, keyID, secret string, at time.Time) func() *http.Request {
		return func() *http.Request {
			return kwtest.SignedRequest(t, ts.URL, "POST", body, contentType, "iam", keyID, secret, at)
		}
	}
	byRoot := func(body string) func() *http.Request { return signed(body, form, rootKeyID, rootSecret, now) }
	tests := []struct {
		name    string
		req     func() *http.Request
		status  int
		code    string
		message string
		fault   string
	}{
		{"no signature", func() *http.Request {
			r, _ := http.NewRequest("POST", ts.URL+"/", strings.NewReader(listUsers))
			r.Header.Set("Content-Type", form)
			return r
		}, 403, "MissingAuthenticationToken", "Request is missing Authentication Token", "Sender"},
		{"wrong secret", signed(listUsers, form, rootKeyID, "wrong"+rootSecret[5:], now), 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", "Sender"},
		{"unknown key", signed(listUsers, form, "AKIAUNKNOWNKEY000000", rootSecret, now), 403, "InvalidClientTokenId", "The security token included in the request is invalid.", "Sender"},
		{"garbled signature", func() *http.Request { return garble(byRoot(listUsers)()) }, 403, "IncompleteSignature", "", "Sender"},
		{"signed 16 minutes ago", signed(listUsers, form, rootKeyID, rootSecret, now.Add(-16*time.Minute)), 403, "SignatureDoesNotMatch", "", "Sender"},
		{"unknown action", byRoot("Action=ListRockets&Version=2010-05-08"), 400, "InvalidAction", "Could not find operation ListRockets for version 2010-05-08", "Sender"},
		{"STS action on IAM", byRoot("Action=GetCallerIdentity&Version=2010-05-08"), 400, "InvalidAction", "Could not find operation GetCallerIdentity for version 2010-05-08", "Sender"},
		{"wrong version", byRoot("Action=ListUsers&Version=2011-06-15"), 400, "InvalidAction", "Could not find operation ListUsers for version 2011-06-15", "Sender"},
		{"no action", byRoot("Version=2010-05-08"), 400, "MissingAction", "Missing Action", "Sender"},
		{"body not a form", signed(`{"Action":"ListUsers"}`, "application/json", rootKeyID, rootSecret, now), 400, "MalformedQueryString", "", "Sender"},
		{"missing required member", byRoot("Action=DeleteUser&Version=2010-05-08"), 400, "ValidationError", "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null", "Sender"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := rawDo(t, tt.req())
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if !strings.HasPrefix(body, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>`) {
				t.Fatalf("body %s", body)
			}
			var e errorResponse
			if err := xml.Unmarshal([]byte(body), &e); err != nil {
				t.Fatal(err)
			}
			if e.Error.Code != tt.code || e.Error.Type != tt.fault || (tt.message != "" && e.Error.Message != tt.message) || e.Error.Message == "" {
				t.Fatalf("error %+v, want %s %q", e.Error, tt.code, tt.message)
			}
			if !uuidPattern.MatchString(e.RequestID) || h.Get("X-Amzn-Requestid") != e.RequestID || h.Get("Content-Type") != "text/xml" {
				t.Fatalf("request ID %q, header %q, content type %q", e.RequestID, h.Get("X-Amzn-Requestid"), h.Get("Content-Type"))
			}
		})
	}
}

func TestGetAndPresigned(t *testing.T) {
	ts := newAPIServer(t)
	status, h, body := rawDo(t, kwtest.SignedRequest(t, ts.URL, "GET", "Action=ListUsers&Version=2010-05-08&MaxItems=5", "", "iam", rootKeyID, rootSecret, time.Now()))
	want := `<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><Users></Users><IsTruncated>false</IsTruncated></ListUsersResult><ResponseMetadata><RequestId>` +
		h.Get("X-Amzn-Requestid") + `</RequestId></ResponseMetadata></ListUsersResponse>`
	if status != 200 || body != want {
		t.Fatalf("GET: %d %s", status, body)
	}

	r, _ := http.NewRequest("GET", ts.URL+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", nil)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret},
		r, hex.EncodeToString(sha256.New().Sum(nil)), "sts", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := http.NewRequest("GET", u, nil)
	status, _, body = rawDo(t, pr)
	if status != 200 || !strings.Contains(body, "<Arn>arn:aws:iam::123456789012:root</Arn>") ||
		!strings.HasPrefix(body, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`) {
		t.Fatalf("presigned: %d %s", status, body)
	}
	// The same URL with a parameter changed is refused.
	pr, _ = http.NewRequest("GET", strings.Replace(u, "X-Amz-Expires=60", "X-Amz-Expires=600", 1), nil)
	if status, _, _ := rawDo(t, pr); status != 403 {
		t.Fatalf("tampered presigned URL: %d", status)
	}
}

// TestServiceFailure breaks the store under a running server: the client
// gets AWS's ServiceFailure, 500, with nothing of the cause, which is
// logged instead.
func TestServiceFailure(t *testing.T) {
	ts := newAPIServer(t)
	// Authenticate once so the root key is cached, then take the database away.
	c := ts.RootIAM()
	_, err := c.ListUsers(context.Background(), nil)
	must(t, err)
	must(t, ts.Store.Close())
	_, err = c.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "ServiceFailure", 500, "An internal error occurred while processing the request.")
	_, err = c.ListUsers(context.Background(), nil)
	wantAPIError(t, err, "ServiceFailure", 500, "An internal error occurred while processing the request.")
	if log := ts.Log.String(); !strings.Contains(log, "request failed") || !strings.Contains(log, "closed") {
		t.Fatalf("the cause is not logged:\n%s", log)
	}
}
