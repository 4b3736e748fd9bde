package webhook_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/webhook"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const testAccount = "123456789012"

// at is a fixed moment for events in tests.
var at = time.Date(2026, 7, 1, 9, 30, 0, 123000000, time.UTC)

func ptr[T any](v T) *T { return &v }

// sampleEvents are one event of each kind, with the data the server
// will fill in for it.
func sampleEvents(t testing.TB) map[string]webhook.Event {
	t.Helper()
	created := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	key := webhook.Data{AccountID: testAccount, UserName: "alice", AccessKeyID: "AKIAKEYWARDEXAMPLE01", Status: "Active",
		CreateDate: &created, Expiration: ptr(created.Add(120 * 24 * time.Hour))}
	mk := func(name, id, subject string, d webhook.Data) webhook.Event {
		ev, err := webhook.NewEvent(name, id, "keyward.example.com", at, subject, d)
		if err != nil {
			t.Fatalf("NewEvent(%s): %v", name, err)
		}
		return ev
	}
	deactivated := key
	deactivated.Status, deactivated.Reason, deactivated.Actor = "Inactive", "max-age", "arn:aws:iam::123456789012:keyward/lifecycle"
	unused := key
	unused.LastUsedDate, unused.Reason, unused.ReportOnly = ptr(created.Add(24*time.Hour)), "unused", true
	return map[string]webhook.Event{
		webhook.AccessKeyCreated:     mk(webhook.AccessKeyCreated, "evt-0001", key.AccessKeyID, withActor(key)),
		webhook.AccessKeyDeactivated: mk(webhook.AccessKeyDeactivated, "evt-0002", key.AccessKeyID, deactivated),
		webhook.AccessKeyUnused:      mk(webhook.AccessKeyUnused, "evt-0003", key.AccessKeyID, unused),
		webhook.RootKeyUsed: mk(webhook.RootKeyUsed, "evt-0004", "AKIAKEYWARDROOTKEY01", webhook.Data{AccountID: testAccount,
			UserName: webhook.RootUserName, AccessKeyID: "AKIAKEYWARDROOTKEY01", Region: "eu-west-1", Service: "s3",
			SourceIPAddress: "203.0.113.7"}),
		webhook.ConsoleSignInFailures: mk(webhook.ConsoleSignInFailures, "evt-0005", "bob", webhook.Data{AccountID: testAccount,
			UserName: "bob", Failures: 12, WindowStart: ptr(at.Add(-15 * time.Minute)), SourceIPAddress: "198.51.100.4"}),
		"audit.CreateUser": mk("audit.CreateUser", "evt-0006", "3f0c5a0e-0000-4000-8000-000000000006", webhook.Data{
			AccountID: testAccount, UserName: "admin", AccessKeyID: "AKIAKEYWARDADMIN001", EventName: "CreateUser",
			EventID: "3f0c5a0e-0000-4000-8000-000000000006", SourceIPAddress: "192.0.2.10",
			Record: json.RawMessage(`{"eventName":"CreateUser","requestParameters":{"userName":"carol"}}`)}),
	}
}

func withActor(d webhook.Data) webhook.Data {
	d.Reason, d.Actor = "request", "arn:aws:iam::123456789012:user/admin"
	return d
}

// TestEventGolden fixes the JSON of each kind of event, and checks that
// the CloudEvents SDK reads it as a valid CloudEvents 1.0 event with the
// same attributes and data.
func TestEventGolden(t *testing.T) {
	for name, ev := range sampleEvents(t) {
		t.Run(name, func(t *testing.T) {
			body, err := ev.Encode()
			if err != nil {
				t.Fatal(err)
			}
			var indented bytes.Buffer
			json.Indent(&indented, body, "", "  ")
			indented.WriteByte('\n')
			golden := filepath.Join("testdata", "event-"+name+".json")
			if *update {
				if err := os.WriteFile(golden, indented.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(indented.Bytes(), want) {
				t.Errorf("event differs from %s:\n%s", golden, indented.Bytes())
			}

			var sdk ce.Event
			if err := json.Unmarshal(body, &sdk); err != nil {
				t.Fatalf("the CloudEvents SDK cannot read the event: %v", err)
			}
			if err := sdk.Validate(); err != nil {
				t.Fatalf("the CloudEvents SDK finds the event invalid: %v", err)
			}
			if sdk.SpecVersion() != "1.0" || sdk.ID() != ev.ID || sdk.Type() != "io.keyward."+name ||
				sdk.Source() != "keyward://keyward.example.com/accounts/"+testAccount || sdk.Subject() != ev.Subject ||
				!sdk.Time().Equal(at) || sdk.DataContentType() != "application/json" {
				t.Errorf("SDK read %s", sdk)
			}
			var data webhook.Data
			if err := sdk.DataAs(&data); err != nil {
				t.Fatal(err)
			}
			if data.AccountID != testAccount || data.UserName != ev.Data.UserName || data.AccessKeyID != ev.Data.AccessKeyID {
				t.Errorf("data read back as %+v", data)
			}
		})
	}
}

func TestValidateEventName(t *testing.T) {
	valid := append(webhook.EventNames(), "audit.CreateUser", "audit.ConsoleLogin", "audit.AssumeRoleWithWebIdentity",
		"audit."+strings.Repeat("A", 128))
	for _, n := range valid {
		if err := webhook.ValidateEventName(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	invalid := []string{"", "access-key", "access-key.*", "Access-Key.Created", "access-key.created ", "audit.", "audit.*",
		"audit.Create-User", "audit.1Create", "audit." + strings.Repeat("A", 129), "io.keyward.access-key.created",
		"root-key.used\n"}
	for _, n := range invalid {
		err := webhook.ValidateEventName(n)
		if keyward.ErrorCode(err) != keyward.EInvalidInput {
			t.Errorf("%q: %v, want InvalidInput", n, err)
		}
	}
}

func TestValidateEventNames(t *testing.T) {
	tests := []struct {
		names []string
		code  string
	}{
		{[]string{webhook.AccessKeyCreated, "audit.DeleteUser"}, ""},
		{nil, keyward.EValidationError},
		{make([]string, webhook.MaxEventsPerSubscription+1), keyward.EValidationError},
		{[]string{webhook.AccessKeyCreated, webhook.AccessKeyCreated}, keyward.EInvalidInput},
		{[]string{webhook.AccessKeyCreated, "nope"}, keyward.EInvalidInput},
	}
	for _, tt := range tests {
		err := webhook.ValidateEventNames(tt.names)
		if (tt.code == "") != (err == nil) || (err != nil && keyward.ErrorCode(err) != tt.code) {
			t.Errorf("%q: %v, want %q", tt.names, err, tt.code)
		}
	}
}

func TestNewEventRefuses(t *testing.T) {
	d := webhook.Data{AccountID: testAccount}
	tests := []struct{ name, event, id, host string }{
		{"unknown event", "access-key.rotated", "evt", "keyward.example.com"},
		{"no ID", webhook.AccessKeyCreated, "", "keyward.example.com"},
		{"ID too long", webhook.AccessKeyCreated, strings.Repeat("x", 129), "keyward.example.com"},
		{"host with a path", webhook.AccessKeyCreated, "evt", "keyward.example.com/x"},
		{"no host", webhook.AccessKeyCreated, "evt", ""},
	}
	for _, tt := range tests {
		if _, err := webhook.NewEvent(tt.event, tt.id, tt.host, at, "", d); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := webhook.NewEvent(webhook.AccessKeyCreated, "evt", "keyward.example.com", at, "", webhook.Data{}); err == nil {
		t.Error("accepted an event without an account")
	}
	big := webhook.Data{AccountID: testAccount, Record: json.RawMessage(`"` + strings.Repeat("x", webhook.MaxEventSize) + `"`)}
	ev, err := webhook.NewEvent("audit.PutUserPolicy", "evt", "keyward.example.com", at, "", big)
	if err != nil {
		t.Fatal(err)
	}
	// A record too large is left out; the event names it by its ID.
	big.EventID = "rec-1"
	ev, err = webhook.NewEvent("audit.PutUserPolicy", "evt", "keyward.example.com", at, "", big)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ev.Encode()
	if err != nil || len(b) > webhook.MaxEventSize || strings.Contains(string(b), "xxxx") || !strings.Contains(string(b), `"eventId":"rec-1"`) {
		t.Errorf("an event with a record over MaxEventSize: %v, %.200s", err, b)
	}
	// Without a record to leave out, an event too large is refused.
	huge := webhook.Data{AccountID: testAccount, UserName: strings.Repeat("x", webhook.MaxEventSize)}
	ev, err = webhook.NewEvent(webhook.AccessKeyCreated, "evt", "keyward.example.com", at, "", huge)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ev.Encode(); err == nil {
		t.Error("encoded an event over MaxEventSize")
	}
}

// TestNewEventUTC: dates given in another zone come out in UTC, as the
// IAM API's JSON shows them.
func TestNewEventUTC(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	ev, err := webhook.NewEvent(webhook.AccessKeyExpiring, "evt", "keyward.example.com", at.In(paris), "AKIA",
		webhook.Data{AccountID: testAccount, Expiration: ptr(at.In(paris))})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := ev.Encode()
	if !bytes.Contains(body, []byte(`"time":"2026-07-01T09:30:00.123Z"`)) || !bytes.Contains(body, []byte(`"expiration":"2026-07-01T09:30:00.123Z"`)) {
		t.Fatalf("not in UTC: %s", body)
	}
	if ev.Name() != webhook.AccessKeyExpiring {
		t.Fatalf("Name = %s", ev.Name())
	}
}
