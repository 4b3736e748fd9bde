package keyward

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"
)

// The audit trail: every change and every refusal becomes an event in
// CloudTrail's record format. A change's event is written by the store in
// the transaction that makes the change (an acknowledged change always has
// its event); events of requests that change nothing (refusals, failed
// authentications, sign-ins, STS credentials) are written in batches
// beside. Events never hold a secret: parameters that carry one are
// replaced by CloudTrail's HIDDEN_DUE_TO_SECURITY_REASONS.

// Hidden stands for a secret in an event, as CloudTrail writes it.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// Event is one audit record, as CloudTrail's JSON names its fields.
type Event struct {
	EventVersion      string         `json:"eventVersion"`
	UserIdentity      EventIdentity  `json:"userIdentity"`
	EventTime         time.Time      `json:"eventTime"`
	EventSource       string         `json:"eventSource"`
	EventName         string         `json:"eventName"`
	AWSRegion         string         `json:"awsRegion"`
	SourceIPAddress   string         `json:"sourceIPAddress"`
	UserAgent         string         `json:"userAgent"`
	ErrorCode         string         `json:"errorCode,omitempty"`
	ErrorMessage      string         `json:"errorMessage,omitempty"`
	RequestParameters map[string]any `json:"requestParameters"`
	ResponseElements  map[string]any `json:"responseElements"`
	// AdditionalEventData is what a console sign-in event adds (the
	// identity a SwitchRole switched from).
	AdditionalEventData map[string]any `json:"additionalEventData,omitempty"`
	RequestID           string         `json:"requestID"`
	EventID             string         `json:"eventID"`
	// SharedEventID links the events of one action that CloudTrail
	// delivers to several accounts (a role of another account assumed):
	// each has its own eventID and recipientAccountId, and this in common.
	SharedEventID      string `json:"sharedEventID,omitempty"`
	ReadOnly           bool   `json:"readOnly"`
	EventType          string `json:"eventType"`
	ManagementEvent    bool   `json:"managementEvent"`
	RecipientAccountID string `json:"recipientAccountId"`
	EventCategory      string `json:"eventCategory"`
}

// EventIdentity is an event's userIdentity.
type EventIdentity struct {
	// Type is Root, IAMUser, AssumedRole, FederatedUser, Unknown before
	// authentication, or WebIdentityUser and SAMLUser for the bearers of
	// the unsigned federation requests.
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
	// InvokedBy names the Keyward service that acted on its own, as
	// CloudTrail names an AWS service ("keyward.key-lifecycle").
	InvokedBy string `json:"invokedBy,omitempty"`
}

// OperatorService names the operator's maintenance commands in the audit
// events of what they change (keyward reset-root-mfa), as CloudTrail
// names an AWS service.
const OperatorService = "keyward.operator"

// Event types and sources.
const (
	EventTypeAPICall       = "AwsApiCall"
	EventTypeConsoleSignIn = "AwsConsoleSignIn"
	EventSourceIAM         = "iam.amazonaws.com"
	EventSourceSTS         = "sts.amazonaws.com"
	EventSourceSignIn      = "signin.amazonaws.com"
)

// NewEvent is an API call's event in the account, with the fields
// CloudTrail fixes for a management event; the transport fills the rest.
func (a Account) NewEvent(source, name string, at time.Time) Event {
	return Event{EventVersion: "1.08", EventTime: at.UTC(), EventSource: source, EventName: name, AWSRegion: "us-east-1",
		EventType: EventTypeAPICall, ManagementEvent: true, EventCategory: "Management", RecipientAccountID: a.ID,
		RequestParameters: map[string]any{}}
}

// IdentityOf describes a principal as an event's userIdentity.
func IdentityOf(p Principal, accessKeyID string) EventIdentity {
	id := EventIdentity{PrincipalID: p.ID(), ARN: p.ARN(), AccountID: p.AccountID, AccessKeyID: accessKeyID}
	switch {
	case p.AccountID == "":
		return EventIdentity{Type: "Unknown", AccessKeyID: accessKeyID}
	case p.Root:
		id.Type = "Root"
	case p.RoleID != "":
		id.Type = "AssumedRole"
	case p.FederatedName != "":
		id.Type = "FederatedUser"
	default:
		id.Type, id.UserName = "IAMUser", p.UserName
	}
	return id
}

// Record is the event's CloudTrail JSON.
func (e *Event) Record() ([]byte, error) {
	c := *e
	c.EventTime = c.EventTime.UTC().Truncate(time.Second)
	return json.Marshal(c)
}

// UserName is the name an event is found by (keyward events --user): the
// IAM user who acted, else the user the request named.
func (e *Event) UserName() string {
	if e.UserIdentity.UserName != "" {
		return e.UserIdentity.UserName
	}
	if n, ok := e.RequestParameters["userName"].(string); ok {
		return n
	}
	return ""
}

// PendingEvent is a request's event on its way to the store: the store
// that commits the request's change writes it in the same transaction
// (Claim), and the transport writes it otherwise once the request is
// answered.
type PendingEvent struct {
	Event Event
	// Shares are the further accounts whose trails receive a copy of
	// the event, as CloudTrail delivers an action on another account's
	// resource (a role of another account assumed) to both accounts.
	Shares []EventShare
	// Route, when set, names the account whose trail receives the event
	// (ok false: the recipient it has), decided by the audit recorder's
	// writer in the background (audit.Recorder.Answered, Flush), never
	// while the request is answered, so that the answer's time does not
	// show what Route looks up (whether the account an unsigned caller
	// named is here).
	Route   func(ctx context.Context) (account string, ok bool)
	claimed atomic.Bool
}

// EventShare is a further account's copy of a request's event: its
// account and the copy's own event ID.
type EventShare struct{ Account, EventID string }

// Claim marks the event as being written by the caller, once: true for
// the first caller only.
func (p *PendingEvent) Claim() bool { return p.claimed.CompareAndSwap(false, true) }

// Unclaim gives the event back when the transaction that wrote it did not
// commit.
func (p *PendingEvent) Unclaim() { p.claimed.Store(false) }

// Claimed reports whether a committed transaction holds the event.
func (p *PendingEvent) Claimed() bool { return p.claimed.Load() }

type eventKey struct{}

// WithEvent returns ctx carrying the pending event of its request.
func WithEvent(ctx context.Context, p *PendingEvent) context.Context {
	return context.WithValue(ctx, eventKey{}, p)
}

// Recorder is a store that writes a request's audit event with the
// request's change (Store.Recording).
type Recorder interface {
	Recording(pe *PendingEvent) Store
}

// Changing returns the store the change of ctx's request is written
// through: st's view that writes the request's pending event with the
// change, or st itself when the request has none (background work).
// Writes that are not the request's change (a wrong MFA code's count, a
// single-use record) go through st itself.
func Changing(ctx context.Context, st Recorder) Store {
	if pe, ok := EventFrom(ctx); ok {
		return st.Recording(pe)
	}
	return st.Recording(nil)
}

// EventFrom returns the pending event ctx carries, if any.
func EventFrom(ctx context.Context) (*PendingEvent, bool) {
	p, ok := ctx.Value(eventKey{}).(*PendingEvent)
	return p, ok && p != nil
}

// EventQuery selects events, newest first.
type EventQuery struct {
	UserName, EventName, EventID, AccessKeyID, Source string
	Since, Until                                      time.Time
	// After continues a listing after the event with this ID's position.
	After string
	Max   int
}

// StoredEvent is an event as the store keeps it: its record, and the
// fields it is found by.
type StoredEvent struct {
	ID, Name, UserName, AccessKeyID, Source string
	Time                                    time.Time
	ReadOnly                                bool
	Record                                  []byte
	// AccountID is the account whose trail holds the event (its
	// recipientAccountId); empty, the store's that writes it.
	AccountID string
}

// ErrNoSuchEvent is the store's error for a marker that names no event.
var ErrNoSuchEvent = errors.New("keyward: no such event")

// AuditStore keeps the audit trail.
type AuditStore interface {
	// AppendEvents writes events that no change carried.
	AppendEvents(ctx context.Context, events []StoredEvent) error
	// LookupEvents pages events, newest first; more reports whether others
	// follow.
	LookupEvents(ctx context.Context, q EventQuery) (events []StoredEvent, more bool, err error)
	// PruneEvents deletes the events older than before and returns how many.
	PruneEvents(ctx context.Context, before time.Time) (int, error)
}

// Stored turns an event into its stored form.
func (e *Event) Stored() (StoredEvent, error) {
	rec, err := e.Record()
	if err != nil {
		return StoredEvent{}, err
	}
	return StoredEvent{ID: e.EventID, Name: e.EventName, UserName: e.UserName(), AccessKeyID: e.UserIdentity.AccessKeyID,
		Source: e.EventSource, Time: e.EventTime, ReadOnly: e.ReadOnly, Record: rec, AccountID: e.RecipientAccountID}, nil
}
