package main

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

// signedRequest builds a Query API request signed by aws-sdk-go-v2's signer.
func (ts *testServer) signedRequest(t testing.TB, method, form, contentType, service, id, secret string, at time.Time) *http.Request {
	t.Helper()
	var r *http.Request
	var err error
	if method == http.MethodGet {
		r, err = http.NewRequest(method, ts.URL+"/?"+form, nil)
		form = ""
	} else {
		r, err = http.NewRequest(method, ts.URL+"/", strings.NewReader(form))
		r.Header.Set("Content-Type", contentType)
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret},
		r, hex.EncodeToString(sum[:]), service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return r
}

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
