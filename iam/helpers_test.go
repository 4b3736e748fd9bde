package iam_test

import (
	"context"
	"testing"
	"time"

	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// testBench is a Keyward on a clock the test moves, with SDK clients.
type testBench struct {
	*kwtest.Keyward
	clock *kwtest.Clock
}

func newTestBench(t *testing.T) *testBench {
	t.Helper()
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	return &testBench{Keyward: kwtest.NewWithClock(t, clock.Now), clock: clock}
}

func (b *testBench) iam(id, secret string) *awsiam.Client { return b.IAMClient(id, secret) }

// root is the context of a request of the account's root user.
func (b *testBench) root() context.Context {
	return keyward.WithCaller(context.Background(), &keyward.RequestContext{
		Principal: keyward.Principal{AccountID: kwtest.AccountID, Root: true}, CurrentTime: b.clock.Now()})
}

func userARN(name string) string { return "arn:aws:iam::" + kwtest.AccountID + ":user/" + name }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
