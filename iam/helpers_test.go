package iam_test

import (
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

func userARN(name string) string { return "arn:aws:iam::" + kwtest.AccountID + ":user/" + name }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
