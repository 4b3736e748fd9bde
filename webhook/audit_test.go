package webhook_test

import (
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/webhook"
)

// TestFromAudit: the events an audit record makes, by name and status,
// with the key lifecycle policy's reasons, and none but audit.* for a
// refusal.
func TestFromAudit(t *testing.T) {
	at := time.Date(2026, 7, 1, 9, 30, 0, 0, time.UTC)
	lifecycle := keyward.EventIdentity{Type: "AWSService"}
	admin := keyward.EventIdentity{Type: "IAMUser", UserName: "admin", ARN: "arn:aws:iam::123456789012:user/admin", AccountID: "123456789012"}
	tests := []struct {
		name     string
		event    string
		identity keyward.EventIdentity
		params   map[string]any
		errCode  string
		want     []string
		reason   string
	}{
		{"created", "CreateAccessKey", admin, map[string]any{"userName": "bob"}, "", []string{"audit.CreateAccessKey", "access-key.created"}, "request"},
		{"activated", "UpdateAccessKey", admin, map[string]any{"userName": "bob", "accessKeyId": "AKIA1", "status": "Active"}, "",
			[]string{"audit.UpdateAccessKey", "access-key.activated"}, "request"},
		{"deactivated", "UpdateAccessKey", admin, map[string]any{"userName": "bob", "accessKeyId": "AKIA1", "status": "Inactive"}, "",
			[]string{"audit.UpdateAccessKey", "access-key.deactivated"}, "request"},
		{"a request's reason is not a policy's", "UpdateAccessKey", admin, map[string]any{"userName": "bob", "accessKeyId": "AKIA1", "status": "Inactive", "reason": "expired"}, "",
			[]string{"audit.UpdateAccessKey", "access-key.deactivated"}, "request"},
		{"expired", "UpdateAccessKey", lifecycle, map[string]any{"userName": "bob", "accessKeyId": "AKIA1", "status": "Inactive", "reason": "expired"}, "",
			[]string{"audit.UpdateAccessKey", "access-key.deactivated", "access-key.expired"}, "expired"},
		{"max age", "UpdateAccessKey", lifecycle, map[string]any{"userName": "bob", "accessKeyId": "AKIA1", "status": "Inactive", "reason": "max-age"}, "",
			[]string{"audit.UpdateAccessKey", "access-key.deactivated", "access-key.expired"}, "max-age"},
		{"unused", "UpdateAccessKey", lifecycle, map[string]any{"userName": "bob", "accessKeyId": "AKIA1", "status": "Inactive", "reason": "unused"}, "",
			[]string{"audit.UpdateAccessKey", "access-key.deactivated", "access-key.unused"}, "unused"},
		{"deleted", "DeleteAccessKey", lifecycle, map[string]any{"userName": "bob", "accessKeyId": "AKIA1", "reason": "delete-inactive"}, "",
			[]string{"audit.DeleteAccessKey", "access-key.deleted"}, "delete-inactive"},
		{"expiring", "AccessKeyExpiring", lifecycle, map[string]any{"userName": "bob", "accessKeyId": "AKIA1", "expiration": "2026-07-08T09:30:00Z"}, "",
			[]string{"audit.AccessKeyExpiring", "access-key.expiring"}, ""},
		{"refused", "DeleteAccessKey", admin, map[string]any{"userName": "bob", "accessKeyId": "AKIA1"}, "AccessDenied",
			[]string{"audit.DeleteAccessKey"}, ""},
		{"another event", "CreateUser", admin, map[string]any{"userName": "bob"}, "", []string{"audit.CreateUser"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := keyward.Account{ID: "123456789012"}.NewEvent(keyward.EventSourceIAM, tt.event, at)
			e.EventID, e.UserIdentity, e.RequestParameters, e.ErrorCode = "evt-1", tt.identity, tt.params, tt.errCode
			if tt.event == "CreateAccessKey" {
				e.ResponseElements = map[string]any{"accessKey": map[string]any{"accessKeyId": "AKIA1", "userName": "bob", "status": "Active",
					"createDate": "2026-07-01T09:30:00Z"}}
			}
			rec, err := e.Record()
			if err != nil {
				t.Fatal(err)
			}
			occ := webhook.FromAudit(&e, rec)
			var names []string
			for _, o := range occ {
				names = append(names, o.Name)
				if _, err := webhook.NewEvent(o.Name, "id", "keyward.test", at, o.Subject, o.Data); err != nil {
					t.Errorf("%s: %v", o.Name, err)
				}
				if o.Data.AccountID != "123456789012" {
					t.Errorf("%s without the account: %+v", o.Name, o.Data)
				}
			}
			if !slices.Equal(names, tt.want) {
				t.Fatalf("names %v, want %v", names, tt.want)
			}
			if len(occ) > 1 {
				d := occ[1].Data
				if d.AccessKeyID != "AKIA1" || d.UserName != "bob" || occ[1].Subject != "AKIA1" || (tt.reason != "" && d.Reason != tt.reason) {
					t.Fatalf("data %+v", d)
				}
				if tt.name == "expiring" && (d.Expiration == nil || !d.Expiration.Equal(at.Add(7*24*time.Hour))) {
					t.Fatalf("expiration %v", d.Expiration)
				}
			}
			if a := occ[0].Data; a.EventName != tt.event || a.EventID != "evt-1" || len(a.Record) == 0 {
				t.Fatalf("audit data %+v", a)
			}
		})
	}
}
