package webhook

import (
	"encoding/json"
	"time"

	"github.com/keyward/keyward"
)

// Occurrence is one event an audit record makes: its name, its subject
// and its data. The store turns each into a CloudEvent (NewEvent) for the
// subscriptions that chose its name, in the transaction that writes the
// record.
type Occurrence struct {
	Name    string
	Subject string
	Data    Data
}

// AccessKeyExpiringEvent is the audit event name of a key entering the
// warning window before it expires.
const AccessKeyExpiringEvent = "AccessKeyExpiring"

// FromAudit returns the events an audit record makes, record being e's
// CloudTrail JSON (e.Record()): audit.<EventName> always, and for a
// change to an access key that succeeded, access-key.created, activated,
// deactivated, deleted, expiring, expired or unused as it says. The
// mapping:
//
//	CreateAccessKey                       access-key.created
//	UpdateAccessKey, status Active        access-key.activated
//	UpdateAccessKey, status Inactive      access-key.deactivated
//	  and reason "expired" or "max-age"   access-key.expired besides
//	  and reason "unused"                 access-key.unused besides
//	DeleteAccessKey                       access-key.deleted
//	AccessKeyExpiring                     access-key.expiring
//
// The reason is requestParameters.reason, which the key lifecycle policy's
// transitions carry (their userIdentity is of type AWSService); a
// request's data.reason is "request".
func FromAudit(e *keyward.Event, record []byte) []Occurrence {
	if e.RecipientAccountID == "" || !auditName.MatchString(e.EventName) {
		return nil
	}
	audit := Data{AccountID: e.RecipientAccountID, UserName: e.UserIdentity.UserName, AccessKeyID: e.UserIdentity.AccessKeyID,
		SourceIPAddress: e.SourceIPAddress, EventName: e.EventName, EventID: e.EventID, Actor: e.UserIdentity.ARN}
	if json.Valid(record) {
		audit.Record = json.RawMessage(record)
	}
	out := []Occurrence{{Name: AuditPrefix + e.EventName, Subject: e.EventID, Data: audit}}
	if e.ErrorCode != "" {
		return out
	}
	key := keyData(e)
	if key.AccessKeyID == "" {
		return out
	}
	add := func(name string) { out = append(out, Occurrence{Name: name, Subject: key.AccessKeyID, Data: key}) }
	switch e.EventName {
	case "CreateAccessKey":
		if key.Status == "" {
			key.Status = keyward.StatusActive
		}
		add(AccessKeyCreated)
	case "UpdateAccessKey":
		switch key.Status {
		case keyward.StatusActive:
			add(AccessKeyActivated)
		case keyward.StatusInactive:
			add(AccessKeyDeactivated)
		}
		switch key.Reason {
		case "expired", "max-age", "expiration":
			add(AccessKeyExpired)
		case "unused":
			add(AccessKeyUnused)
		}
	case "DeleteAccessKey":
		key.Status = ""
		add(AccessKeyDeleted)
	case AccessKeyExpiringEvent:
		add(AccessKeyExpiring)
	}
	return out
}

// keyData is the data of an access key's event: the key and its owner
// from the request's parameters, else from the created key in the
// response, else the caller acting on its own key.
func keyData(e *keyward.Event) Data {
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	req := e.RequestParameters
	resp, _ := e.ResponseElements["accessKey"].(map[string]any)
	d := Data{AccountID: e.RecipientAccountID, Actor: e.UserIdentity.ARN, Reason: "request"}
	d.AccessKeyID = firstOf(str(req, "accessKeyId"), str(resp, "accessKeyId"))
	d.UserName = firstOf(str(req, "userName"), str(resp, "userName"))
	if d.UserName == "" {
		switch e.UserIdentity.Type {
		case "Root":
			d.UserName = RootUserName
		case "IAMUser":
			d.UserName = e.UserIdentity.UserName
		}
	}
	d.Status = firstOf(str(req, "status"), str(resp, "status"))
	if t, err := time.Parse(time.RFC3339, str(resp, "createDate")); err == nil {
		d.CreateDate = &t
	}
	for k, dst := range map[string]**time.Time{"expiration": &d.Expiration, "lastUsedDate": &d.LastUsedDate, "createDate": &d.CreateDate} {
		if t, err := time.Parse(time.RFC3339, str(req, k)); err == nil {
			*dst = &t
		}
	}
	if r := str(req, "reason"); r != "" && e.UserIdentity.Type == "AWSService" {
		d.Reason = r
	}
	if e.UserIdentity.Type == "AWSService" {
		if b, ok := req["reportOnly"].(bool); ok {
			d.ReportOnly = b
		} else {
			d.ReportOnly = str(req, "reportOnly") == "true"
		}
	}
	return d
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
