package iam_test

import (
	"context"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// root is the context of a request of the account's root user.
func (ts *apiServer) root() context.Context {
	return keyward.WithCaller(context.Background(), &keyward.RequestContext{
		Principal: keyward.Principal{AccountID: kwtest.AccountID, Root: true}, CurrentTime: ts.Clock.Now()})
}

func userARN(name string) string { return "arn:aws:iam::" + kwtest.AccountID + ":user/" + name }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
