package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
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

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}
