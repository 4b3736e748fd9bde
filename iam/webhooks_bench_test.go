package iam_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/webhook"
)

// BenchmarkWebhookDeliveries measures deliveries per second through the
// server's path: Keyward's SQLite store as the outbox (group commit),
// the engine started as keyward serve starts it, receivers on loopback
// answering 204. The deliveries are written before the timer starts.
func BenchmarkWebhookDeliveries(b *testing.B) {
	for _, subs := range []int{1, 16} {
		b.Run(fmt.Sprintf("subscriptions=%d", subs), func(b *testing.B) {
			k := kwtest.NewWithOptions(b, kwtest.Options{WebhookAllowPrivate: true})
			var n atomic.Int64
			done := make(chan struct{})
			want := int64(b.N)
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.WriteHeader(http.StatusNoContent)
				if n.Add(1) == want {
					close(done)
				}
			}))
			b.Cleanup(rc.Close)
			ids := make([]string, subs)
			for i := range ids {
				params := subscribeParams(rc.URL+fmt.Sprintf("/hook%d", i), webhook.AccessKeyCreated)
				status, body := keywardCallB(b, k, "CreateWebhookSubscription", params)
				if status != http.StatusOK {
					b.Fatalf("%d %s", status, body)
				}
				subs, err := k.Store.ListWebhookSubscriptions(context.Background(), kwtest.AccountID)
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = subs[len(subs)-1].ID
			}
			ev, err := webhook.NewEvent(webhook.AccessKeyCreated, "bench", "keyward.test", time.Now(), "AKIAEXAMPLE",
				webhook.Data{AccountID: kwtest.AccountID, UserName: "bench", AccessKeyID: "AKIAEXAMPLE", Status: "Active"})
			if err != nil {
				b.Fatal(err)
			}
			body, _ := ev.Encode()
			for i := range b.N {
				if _, err := k.Store.EnqueueDelivery(context.Background(), ids[i%subs], fmt.Sprintf("evt-%d", i), ev.Type, body, time.Now()); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			start := time.Now()
			k.StartWebhooks()
			select {
			case <-done:
			case <-time.After(10 * time.Minute):
				b.Fatalf("%d of %d delivered", n.Load(), b.N)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
		})
	}
}

func keywardCallB(b *testing.B, k *kwtest.Keyward, action string, params url.Values) (int, string) {
	b.Helper()
	params.Set("Action", action)
	params.Set("Version", "2010-05-08")
	status, _, body := kwtest.RawDo(b, kwtest.SignedFor(b, k.URL, params.Encode(), "iam", "us-east-1", kwtest.RootKeyID, kwtest.RootSecret))
	return status, body
}

// BenchmarkSignedRequestsWithSubscriptions: what a signed request costs
// with no subscription, with subscriptions to other events, and with one
// that the request's change is delivered to (its delivery written in the
// change's transaction; the engine is not running, so only the request's
// own cost is measured). UpdateAccessKey is a change, ListAccessKeys a
// read, which looks at no subscription.
func BenchmarkSignedRequestsWithSubscriptions(b *testing.B) {
	for _, subs := range []string{"none", "other-events", "matching"} {
		b.Run("subscriptions="+subs, func(b *testing.B) {
			k := kwtest.NewWithOptions(b, kwtest.Options{WebhookAllowPrivate: true})
			var events []string
			switch subs {
			case "other-events":
				events = []string{webhook.RootKeyUsed, "audit.CreateRole", webhook.AccessKeyExpired}
			case "matching":
				events = []string{webhook.AccessKeyActivated, webhook.AccessKeyDeactivated}
			}
			for i := 0; len(events) > 0 && i < 5; i++ {
				if status, body := keywardCallB(b, k, "CreateWebhookSubscription", subscribeParams("http://127.0.0.1:9/none", events...)); status != http.StatusOK {
					b.Fatalf("%d %s", status, body)
				}
			}
			root := k.RootIAM()
			ctx := context.Background()
			_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bench")})
			if err != nil {
				b.Fatal(err)
			}
			key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bench")})
			if err != nil {
				b.Fatal(err)
			}
			b.Run("UpdateAccessKey", func(b *testing.B) {
				for i := range b.N {
					status := types.StatusTypeInactive
					if i%2 == 1 {
						status = types.StatusTypeActive
					}
					if _, err := root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("bench"), AccessKeyId: key.AccessKey.AccessKeyId, Status: status}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ListAccessKeys", func(b *testing.B) {
				for range b.N {
					if _, err := root.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("bench")}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
