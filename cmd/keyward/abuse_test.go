package main

// Tests of what an attacker or a hostile client controls: what reaches the
// credential report, how much of a request comes back in an error.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// signedFor signs a Query API request for any service and region, as an
// attacker holding a valid key may.
func (ts *testServer) signedFor(t testing.TB, form, service, region, id, secret string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader(form))
	must(t, err)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	must(t, v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret},
		r, hex.EncodeToString(sum[:]), service, region, time.Now()))
	return r
}
