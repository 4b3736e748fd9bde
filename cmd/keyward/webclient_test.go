package main

import (
	"net/url"
	"testing"

	"github.com/keyward/keyward/console/consoletest"
)

// newWebClient is a browser without JavaScript in front of the console
// that ts serves.
func newWebClient(t testing.TB, ts *testServer) *consoletest.Client {
	return consoletest.NewClient(t, ts.URL)
}

var csrfOf = consoletest.CSRF

func rootForm(secret string) url.Values {
	return url.Values{"kind": {"root"}, "accesskey": {rootKeyID}, "secret": {secret}}
}
