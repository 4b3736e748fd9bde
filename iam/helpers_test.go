package iam_test

import (
	"github.com/keyward/keyward/internal/kwtest"
)

// must is kwtest's, under the name the tests here call.
var must = kwtest.Must

func userARN(name string) string { return "arn:aws:iam::" + kwtest.AccountID + ":user/" + name }
