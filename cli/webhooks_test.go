package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/webhook"
)

// TestWebhooksCommands: keyward webhooks create reads the secret from its
// file and prints the subscription with its Id; list shows it (without
// the URL's token); keyward events --parked and webhooks deliveries list
// a parked delivery with its last error; delete removes it; an unknown ID
// is Keyward's NoSuchWebhookSubscription.
func TestWebhooksCommands(t *testing.T) {
	ts := newAPIServerWith(t, kwtest.Options{WebhookAllowPrivate: true})
	now := time.Now()
	secretFile := filepath.Join(t.TempDir(), "secret")
	must(t, os.WriteFile(secretFile, []byte("cli-webhook-secret-0123\n"), 0o600))
	code, out, errOut := runCLI(t, ts, now, "webhooks", "create", "--url", "https://hooks.example.com/k?token=cli-token",
		"--secret-file", secretFile, "--event", "access-key.created", "--event", "access-key.deleted")
	if code != 0 {
		t.Fatalf("create: %d %s %s", code, out, errOut)
	}
	var sub struct {
		ID     string `json:"Id"`
		URL    string `json:"Url"`
		Events []string
	}
	must(t, json.Unmarshal([]byte(out), &sub))
	if !strings.HasPrefix(sub.ID, "whs-") || len(sub.Events) != 2 || strings.Contains(out, "cli-token") {
		t.Fatalf("create printed %s", out)
	}
	stored, err := ts.Store.WebhookSubscription(context.Background(), kwtest.AccountID, sub.ID)
	must(t, err)
	if opened, err := ts.IAM.Sealer.Open(sub.ID, stored.Secrets[0]); err != nil || opened != "cli-webhook-secret-0123" {
		t.Fatalf("the stored secret opens to %q, %v", opened, err)
	}

	code, out, _ = runCLI(t, ts, now, "webhooks", "list")
	if code != 0 || !strings.Contains(out, sub.ID) || strings.Contains(out, "cli-token") {
		t.Fatalf("list: %d %s", code, out)
	}

	// A delivery given up, as the engine parks one.
	_, err = ts.Store.EnqueueDelivery(context.Background(), sub.ID, "evt-1", "io.keyward.access-key.created", []byte("{}"), now)
	must(t, err)
	ds, err := ts.Store.Claim(context.Background(), webhook.ClaimQuery{Now: now, Limit: 1, Lease: time.Minute, PerSubscription: 1})
	must(t, err)
	must(t, ts.Store.Failed(context.Background(), ds[0].ID, 1, now, "HTTP 503: busy"))
	ds, err = ts.Store.Claim(context.Background(), webhook.ClaimQuery{Now: now, Limit: 1, Lease: time.Minute, PerSubscription: 1})
	must(t, err)
	must(t, ts.Store.Park(context.Background(), ds[0].ID, 2, now, "Not delivered after 2 attempts; last error: HTTP 503: busy"))
	for _, args := range [][]string{{"events", "--parked"}, {"webhooks", "deliveries"}} {
		code, out, errOut = runCLI(t, ts, now, args...)
		if code != 0 || !strings.Contains(out, `"LastError": "HTTP 503: busy"`) || !strings.Contains(out, `"Attempts": 2`) {
			t.Fatalf("%v: %d %s %s", args, code, out, errOut)
		}
	}

	if code, out, errOut = runCLI(t, ts, now, "webhooks", "delete", "--id", sub.ID); code != 0 {
		t.Fatalf("delete: %d %s %s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, ts, now, "webhooks", "delete", "--id", sub.ID)
	if code != 254 || !strings.Contains(errOut, "An error occurred (NoSuchWebhookSubscription) when calling the DeleteWebhookSubscription operation") {
		t.Fatalf("delete again: %d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, ts, now, "webhooks", "create", "--url", "https://hooks.example.com/")
	if code == 0 || !strings.Contains(errOut, "--secret-file") {
		t.Fatalf("create without a secret: %d %s", code, errOut)
	}
}
