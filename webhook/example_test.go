package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/keyward/keyward/webhook"
)

// A receiver reads the body as it came, checks the signature against its
// secret and its own clock, and only then reads the event; it answers 2xx
// once it has taken the event, and drops an id it has seen before.
func ExampleVerify() {
	secret := []byte("the subscription's secret")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, webhook.MaxEventSize))
		if err != nil {
			http.Error(w, "unreadable", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})

	body := `{"specversion":"1.0","id":"evt-1","type":"io.keyward.access-key.created"}`
	for _, s := range []string{
		webhook.Sign(time.Now(), []byte(body), secret),
		webhook.Sign(time.Now().Add(-time.Hour), []byte(body), secret), // replayed an hour later
		webhook.Sign(time.Now(), []byte(body), []byte("someone else's secret")),
	} {
		r := httptest.NewRequest(http.MethodPost, "/keyward", strings.NewReader(body))
		r.Header.Set(webhook.SignatureHeader, s)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// 204
	// 401
	// 401
}
