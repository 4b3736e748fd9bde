package query_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestUnsignedEventParametersBounded: an unsigned caller (here a refused
// AssumeRoleWithWebIdentity) chooses the parameters its event records, and
// chooses the trail (the role's account's); a body of thousands of
// parameters, each clipped, once made an event of about a megabyte. The
// parameters an event records are bounded in all, whatever the body.
func TestUnsignedEventParametersBounded(t *testing.T) {
	ts := newAPIServer(t)
	form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"},
		"RoleArn": {"arn:aws:iam::" + kwtest.AccountID + ":role/nobody"}, "RoleSessionName": {"s"}, "WebIdentityToken": {"x"}}
	long := strings.Repeat("a", 300)
	for i := 1; i <= 3000; i++ {
		form.Set(fmt.Sprintf("PolicyArns.member.%d.arn", i), long)
	}
	resp, err := http.Post(ts.URL, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Fatalf("the request was answered %d", resp.StatusCode)
	}
	ctx := context.Background()
	must(t, ts.Audit.Flush(ctx))
	evs, _, err := ts.Store.LookupEvents(ctx, keyward.EventQuery{EventName: "AssumeRoleWithWebIdentity", Max: 10})
	must(t, err)
	if len(evs) != 1 {
		t.Fatalf("%d events of the refusal, want 1", len(evs))
	}
	if n := len(evs[0].Record); n > 80<<10 {
		t.Fatalf("the refusal's event is %d bytes: its parameters are not bounded", n)
	}
}
