package webhook

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// Event names a subscription can choose. The CloudEvent's type is
// TypePrefix followed by the name.
const (
	// AccessKeyCreated: an access key was created (CreateAccessKey, the
	// console, keyward keys create).
	AccessKeyCreated = "access-key.created"
	// AccessKeyActivated: a key's status became Active.
	AccessKeyActivated = "access-key.activated"
	// AccessKeyDeactivated: a key's status became Inactive, by a request or
	// by the key lifecycle policy (data.reason says which).
	AccessKeyDeactivated = "access-key.deactivated"
	// AccessKeyDeleted: a key was deleted, by a request or by the policy's
	// rule for inactive keys.
	AccessKeyDeleted = "access-key.deleted"
	// AccessKeyExpiring: a key entered the policy's warning window before
	// its maximum age or its own expiry date (data.expiration says when).
	AccessKeyExpiring = "access-key.expiring"
	// AccessKeyExpired: a key reached its maximum age or expiry date.
	// When the rule is enforced an access-key.deactivated follows.
	AccessKeyExpired = "access-key.expired"
	// AccessKeyUnused: a key has not been used for the policy's number of
	// days (data.lastUsedDate says when it last was, if ever).
	AccessKeyUnused = "access-key.unused"
	// RootKeyUsed: a request was signed with one of the root user's keys.
	RootKeyUsed = "root-key.used"
	// ConsoleSignInFailures: a console user's failed sign-ins passed the
	// threshold (data.failures within the window ending at the event's
	// time).
	ConsoleSignInFailures = "console.sign-in-failures"

	// AuditPrefix followed by an audit event's name (CloudTrail's
	// eventName, such as CreateUser or ConsoleLogin) subscribes to every
	// audit record of that name: audit.CreateUser.
	AuditPrefix = "audit."

	// TypePrefix is the CloudEvent type's prefix: io.keyward.access-key.created.
	TypePrefix = "io.keyward."
)

// RootUserName is data.userName for events about the root user, as the
// credential report names it.
const RootUserName = "<root_account>"

// eventNames are the names besides audit ones, in the order a console
// lists them.
var eventNames = []string{
	AccessKeyCreated, AccessKeyActivated, AccessKeyDeactivated, AccessKeyDeleted,
	AccessKeyExpiring, AccessKeyExpired, AccessKeyUnused, RootKeyUsed, ConsoleSignInFailures,
}

// EventNames returns the event names other than audit.<EventName>.
func EventNames() []string { return append([]string(nil), eventNames...) }

// auditName is what CloudTrail's event names look like (CreateAccessKey,
// ConsoleLogin, AssumeRoleWithWebIdentity).
var auditName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,127}$`)

// MaxEventsPerSubscription bounds the names one subscription lists.
const MaxEventsPerSubscription = 100

// ValidateEventName reports whether name is an event a subscription can
// choose: one of EventNames, or audit. followed by an audit event name.
// The error is the InvalidInput an API caller gets.
func ValidateEventName(name string) error {
	for _, n := range eventNames {
		if name == n {
			return nil
		}
	}
	if rest, ok := strings.CutPrefix(name, AuditPrefix); ok && auditName.MatchString(rest) {
		return nil
	}
	return keyward.Errorf(keyward.EInvalidInput,
		"Event name %s is not valid. Valid names are %s, and audit.<EventName> for an audit event's name.",
		keyward.Clip(name), strings.Join(eventNames, ", "))
}

// ValidateEventNames checks a subscription's list of events: at least one,
// at most MaxEventsPerSubscription, each valid, none twice.
func ValidateEventNames(names []string) error {
	if len(names) == 0 {
		return keyward.Errorf(keyward.EValidationError,
			"1 validation error detected: Value at 'events' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(names) > MaxEventsPerSubscription {
		return keyward.Errorf(keyward.EValidationError,
			"1 validation error detected: Value at 'events' failed to satisfy constraint: Member must have length less than or equal to %d", MaxEventsPerSubscription)
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if err := ValidateEventName(n); err != nil {
			return err
		}
		if seen[n] {
			return keyward.Errorf(keyward.EInvalidInput, "Event name %s is listed more than once.", n)
		}
		seen[n] = true
	}
	return nil
}

// Data is the CloudEvent's data: one schema for every event type, each
// field present where it applies (empty fields are left out of the JSON).
// Dates are RFC 3339 in UTC, as the IAM API's JSON shows them.
type Data struct {
	// AccountID is the account the event happened in; always present.
	AccountID string `json:"accountId"`
	// UserName is the IAM user the key or sign-in belongs to, RootUserName
	// for the root user. Present for access-key.*, root-key.used and
	// console.sign-in-failures; for audit.* the user who made the request,
	// if it was one.
	UserName string `json:"userName,omitempty"`
	// AccessKeyID is the key the event is about (access-key.*,
	// root-key.used), or the key that signed the request (audit.*).
	AccessKeyID string `json:"accessKeyId,omitempty"`
	// Status is the key's status after the event: Active or Inactive
	// (access-key.* except deleted).
	Status string `json:"status,omitempty"`
	// CreateDate is when the key was created (access-key.*).
	CreateDate *time.Time `json:"createDate,omitempty"`
	// Expiration is when the key expires or expired: its own expiry date or
	// the moment it reaches the policy's maximum age, whichever is first
	// (access-key.* when the key has one).
	Expiration *time.Time `json:"expiration,omitempty"`
	// LastUsedDate is the key's last use, when it has one (access-key.unused,
	// access-key.expiring, access-key.expired).
	LastUsedDate *time.Time `json:"lastUsedDate,omitempty"`
	// Reason says what caused a transition: "request" (an API call, the
	// console or the CLI; Actor names who), "expiration" (the key's own
	// expiry date), "max-age", "unused" or "delete-inactive" (a rule of the
	// key lifecycle policy). ReportOnly is true when the rule only reports,
	// so the key was left as it was.
	Reason     string `json:"reason,omitempty"`
	ReportOnly bool   `json:"reportOnly,omitempty"`
	// Actor is the ARN of the principal that made the change: the caller
	// for a request, Keyward's own principal for a policy transition.
	Actor string `json:"actor,omitempty"`
	// Region and Service say where a key was used (root-key.used).
	Region  string `json:"region,omitempty"`
	Service string `json:"service,omitempty"`
	// SourceIPAddress is the address the request or sign-in came from
	// (root-key.used, console.sign-in-failures, audit.*).
	SourceIPAddress string `json:"sourceIPAddress,omitempty"`
	// Failures counts failed sign-ins in the window that ends at the event's
	// time and began at WindowStart (console.sign-in-failures).
	Failures    int        `json:"failures,omitempty"`
	WindowStart *time.Time `json:"windowStart,omitempty"`
	// EventName, EventID and Record are an audit event's name, ID and whole
	// CloudTrail record (audit.*); a record that would make the event
	// larger than MaxEventSize is left out. Records hold no secrets: the
	// audit trail writes none.
	EventName string          `json:"eventName,omitempty"`
	EventID   string          `json:"eventId,omitempty"`
	Record    json.RawMessage `json:"record,omitempty"`
}

// Event is one CloudEvents 1.0 event in the JSON event format, as
// delivered in structured mode: the attributes and the data in one JSON
// object.
type Event struct {
	SpecVersion string `json:"specversion"`
	// ID identifies the event within its Source: the outbox's ID for it,
	// the same on every retry and for every subscription that receives it,
	// so that a receiver can drop duplicates by (source, id).
	ID string `json:"id"`
	// Source is Source(host, accountID).
	Source string `json:"source"`
	// Type is TypePrefix followed by the event's name.
	Type string `json:"type"`
	// Subject is what the event is about within the account: the access key
	// ID for access-key.* and root-key.used, the user name for
	// console.sign-in-failures, the audit event's ID for audit.*.
	Subject         string    `json:"subject,omitempty"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            Data      `json:"data"`
}

// Content types: of the data, and of a request carrying an event in
// structured mode.
const (
	DataContentType = "application/json"
	ContentType     = "application/cloudevents+json"
)

// MaxEventSize bounds an encoded event. Audit records are the largest
// data; a policy document in one stays far below.
const MaxEventSize = 256 << 10

// Source is an event's source: keyward://<host>/accounts/<account ID>.
// host is the deployment's name, the host of its public API endpoint,
// the same on every replica, so that a receiver subscribed to several
// Keyward deployments (whose account IDs may coincide) tells them apart,
// and (source, id) identifies one event wherever it was delivered from.
func Source(host, accountID string) string {
	return "keyward://" + host + "/accounts/" + accountID
}

// hostName is what Source accepts as host: a DNS name or address, with an
// optional port.
var hostName = regexp.MustCompile(`^[A-Za-z0-9.\-\[\]:]{1,253}$`)

// NewEvent returns the event named name (see EventNames and AuditPrefix)
// with the given ID, happening at the given time, in the account
// data.AccountID of the deployment host.
func NewEvent(name, id, host string, at time.Time, subject string, data Data) (Event, error) {
	if err := ValidateEventName(name); err != nil {
		return Event{}, err
	}
	if id == "" || len(id) > 128 {
		return Event{}, fmt.Errorf("webhook: event ID %q must have 1 to 128 characters", id)
	}
	if !hostName.MatchString(host) {
		return Event{}, fmt.Errorf("webhook: source host %q is not a host name", host)
	}
	if data.AccountID == "" {
		return Event{}, fmt.Errorf("webhook: event %s has no account ID", name)
	}
	for _, t := range []**time.Time{&data.CreateDate, &data.Expiration, &data.LastUsedDate, &data.WindowStart} {
		if *t != nil {
			u := (*t).UTC()
			*t = &u
		}
	}
	return Event{SpecVersion: "1.0", ID: id, Source: Source(host, data.AccountID), Type: TypePrefix + name,
		Subject: subject, Time: at.UTC(), DataContentType: DataContentType, Data: data}, nil
}

// Name returns the event's name: its type without TypePrefix.
func (e Event) Name() string { return strings.TrimPrefix(e.Type, TypePrefix) }

// Encode returns the event as the body of a delivery. The outbox stores
// this body when the change is made, so every retry sends, and signs, the
// same bytes. An audit record that would make the event larger than
// MaxEventSize is left out (data.eventId still names it): a refused
// request's parameters can make a record of a megabyte, and an event that
// cannot be encoded would fail the change, or the audit recorder's batch,
// that writes it.
func (e Event) Encode() ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxEventSize && e.Data.Record != nil {
		e.Data.Record = nil
		if b, err = json.Marshal(e); err != nil {
			return nil, err
		}
	}
	if len(b) > MaxEventSize {
		return nil, fmt.Errorf("webhook: event %s is %d bytes, more than %d", e.ID, len(b), MaxEventSize)
	}
	return b, nil
}
