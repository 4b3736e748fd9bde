// Attacks on SigV4 verification (package sigv4), which every boundary that
// takes Keyward's keys shares: the Query API, the proxy endpoint, the
// verifier protocol and package guard.
//
// The client may claim anything in its request before its signature is
// checked, and a key ID is no secret (it is in logs, URLs and error
// messages): a client without the secret can name a real, active key and
// have its request verified. What verification builds for such a request
// must be bounded by the request's own size, whatever the signature's
// parameters say.
//
// A new way to make verification work for a request adds its attacks here.
package sigv4_test

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/sigv4"
)

// TestAttackSignedHeadersAmplify: a client that knows only a key ID names
// one large header thousands of times in SignedHeaders, within a server's
// 64 KiB of headers. The canonical request would repeat the header's value
// for each name: hundreds of megabytes built and hashed for one request.
// SignedHeaders must be lower-case names, sorted and each named once, as
// every SDK writes them, or the request is refused before anything is
// built; a list that is not so is refused the same way.
func TestAttackSignedHeadersAmplify(t *testing.T) {
	v := &sigv4.Verifier{Now: func() time.Time { return testNow }}
	keys := ring()
	request := func(signedHeaders string, extra map[string]string) *http.Request {
		r, _ := signed(t, "GET", "/?Action=ListUsers&Version=2010-05-08", "", testNow, nil)
		for k, v := range extra {
			r.Header.Set(k, v)
		}
		auth := r.Header.Get("Authorization")
		i, j := strings.Index(auth, "SignedHeaders="), strings.Index(auth, ", Signature=")
		r.Header.Set("Authorization", auth[:i]+"SignedHeaders="+signedHeaders+auth[j:])
		return r
	}
	big := strings.Repeat("a", 32<<10)
	names := "host;x-amz-date" + strings.Repeat(";x-big", 5000)
	r := request(names, map[string]string{"X-Big": big})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err := v.Authenticate(context.Background(), r, nil, keys)
	runtime.ReadMemStats(&after)
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 4<<20 {
		t.Errorf("one request of 64 KiB made verification allocate %d MiB", allocated>>20)
	}
	var e *keyward.Error
	if !errors.As(err, &e) || e.Code != keyward.EIncompleteSignature {
		t.Errorf("one header named 5,000 times: got %v", err)
	}

	for _, list := range []string{"x-amz-date;host", "host;host;x-amz-date", "Host;x-amz-date", "host;X-Amz-Date", "host;;x-amz-date", "host;x-amz-date;"} {
		_, _, err := v.Authenticate(context.Background(), request(list, nil), nil, keys)
		if !errors.As(err, &e) || e.Code != keyward.EIncompleteSignature {
			t.Errorf("SignedHeaders=%s: got %v", list, err)
		}
	}
	if _, _, err := v.Authenticate(context.Background(), request("host;x-amz-date", nil), nil, keys); err != nil {
		t.Fatalf("the request as signed: %v", err)
	}
}
