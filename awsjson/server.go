// Package awsjson serves AWS's JSON 1.1 protocol on the API's endpoint:
// POST requests of Content-Type application/x-amz-json-1.1 whose
// X-Amz-Target names the operation, signed with Signature Version 4,
// answered in JSON, errors as {"__type": code, "Message": …} with AWS's
// HTTP statuses. It serves AWS Organizations (X-Amz-Target
// AWSOrganizationsV20161128.<Operation>, signed for service
// organizations) and hands every other request to the Query API (Next),
// which CloudTrail's JSON operation and the Query protocol go to.
//
// It translates and decides nothing: the request is authenticated by the
// Query API's own code (Authenticator, query.Server.AuthenticateFor), its
// members are checked against the operation's descriptor
// (organizations.Operations, the model's shapes) before the feature
// package runs, and the feature package decides access.
package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/clientip"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/verify/wire"
)

// MaxBody bounds a request body, as the Query API bounds its own; the
// largest input (an SCP, 5,120 characters) is far smaller.
const MaxBody = 1 << 20

// ContentType is the media type of the protocol's requests and answers.
const ContentType = "application/x-amz-json-1.1"

// Authenticator authenticates a request as the Query API does
// (query.Server.AuthenticateFor): the signature over body, for service
// alone, its failures logged within the Query API's budget. It returns
// the context carrying the caller.
type Authenticator interface {
	AuthenticateFor(r *http.Request, body []byte, service, reqID string) (context.Context, *sigv4.Key, sigv4.Auth, error)
}

// Server is the http.Handler of the JSON protocol in front of the Query
// API.
type Server struct {
	Organizations *organizations.Service
	Auth          Authenticator
	// Next serves every request that names no operation of a service
	// here: the Query API.
	Next   http.Handler
	Logger *slog.Logger
	// Clients tells the client's address, believing proxy headers only
	// from trusted proxies.
	Clients *clientip.Resolver
	// Audit, when set, receives the audit events of requests; a change's
	// event is written with it by the store.
	Audit *audit.Recorder
	// Now and Rand are the clock and the randomness of request and event
	// IDs.
	Now  func() time.Time
	Rand io.Reader
	// Observe, when set, is told of every request answered after its
	// authentication: its operation as organizations:<Operation> (or
	// "unknown"; IAM has operations of the same names), its outcome ("OK"
	// or the error code) and latency, as the Query API tells its own.
	Observe func(action, outcome string, latency time.Duration)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), organizations.TargetPrefix)
	if !ok {
		s.Next.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	reqID := wire.RequestID(s.Rand)
	var ev eventOf
	out, caller, err := s.serve(r, name, reqID, &ev)
	h := w.Header()
	h["Content-Type"] = contentType
	h["X-Amzn-Requestid"] = []string{reqID}
	code, status := "OK", http.StatusOK
	var body []byte
	if err == nil {
		if body, err = json.Marshal(out); err != nil {
			err = errorWith(keyward.EServiceFailure, "", err) // unreachable: the outputs always encode
		}
	}
	if err != nil {
		var message, reason string
		code, message, reason, status = describe(err)
		if code == organizations.EService {
			s.Logger.Error("request failed", "request_id", reqID, "action", name, "err", err)
		}
		body, _ = json.Marshal(errorBody{Type: code, Message: message, Reason: reason})
		defer s.audit(r, &ev, reqID, name, code, message)
	} else {
		defer s.audit(r, &ev, reqID, name, "", "")
	}
	w.WriteHeader(status)
	w.Write(body)
	if caller == "" && err != nil {
		return // logged and counted by the authenticator, within its budget
	}
	if s.Observe != nil {
		label := knownOperation(name)
		if label != "unknown" {
			label = keyward.ServiceOrganizations + ":" + label
		}
		s.Observe(label, code, time.Since(start))
	}
	s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("request_id", reqID), slog.String("action", knownOperation(name)), slog.String("caller", caller),
		slog.String("outcome", code), slog.Int("status", status), slog.Duration("latency", time.Since(start)))
}

var contentType = []string{ContentType}

// knownOperation is name if it is an operation served, else "unknown":
// what a caller sends never becomes a label by itself.
func knownOperation(name string) string {
	if organizations.Operations[name] != nil {
		return name
	}
	return "unknown"
}

type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"Message"`
	Reason  string `json:"Reason,omitempty"`
}

// serve authenticates r and performs the operation name. It returns the
// output and the caller's ARN ("" until authenticated).
func (s *Server) serve(r *http.Request, name, reqID string, ev *eventOf) (out any, caller string, err error) {
	if r.Method != http.MethodPost {
		return nil, "", errorWith(eUnknownOperation, "Only POST is supported.", nil)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, "", errorWith(eSerialization, "The request body could not be read.", nil)
	}
	if len(body) > MaxBody {
		return nil, "", errorWith(eSerialization, "The request body is larger than 1048576 bytes.", nil)
	}
	ctx, key, auth, err := s.Auth.AuthenticateFor(r, body, keyward.ServiceOrganizations, reqID)
	ev.keyID, ev.keyAccount = auth.AccessKeyID, auth.KeyAccount
	if err != nil {
		return nil, "", err
	}
	caller = key.ARN
	ev.principal, ev.keyID, ev.region, ev.authenticated = key.Principal, key.ID, auth.Region, true
	op := organizations.Operations[name]
	if op == nil {
		return nil, caller, errorWith(eUnknownOperation, "", nil)
	}
	ev.op = op
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != ContentType {
		return nil, caller, errorWith(eSerialization, "The request's Content-Type must be "+ContentType+".", nil)
	}
	in, err := decode(body, op)
	if err != nil {
		return nil, caller, err
	}
	ev.in = in
	if s.Audit != nil && op.Audited() {
		ev.pending = &keyward.PendingEvent{Event: s.event(r, reqID, ev, name)}
		ctx = keyward.WithEvent(ctx, ev.pending)
	}
	call := calls[name]
	if call == nil {
		return nil, caller, errorWith(eUnknownOperation, "", nil) // a descriptor without a call: refused, not served half
	}
	out, err = call(ctx, s.Organizations, in)
	return out, caller, err
}

// input is a request's members as the descriptor reads them.
type input struct {
	strs  map[string]string
	ints  map[string]int
	lists map[string][]string
	tags  []keyward.Tag
}

func (in *input) str(member string) string { return in.strs[member] }

// opt returns a string member, nil when absent.
func (in *input) opt(member string) *string {
	if v, ok := in.strs[member]; ok {
		return &v
	}
	return nil
}

func (in *input) page() organizations.Page {
	return organizations.Page{Token: in.strs["NextToken"], Max: in.ints["MaxResults"]}
}

// decode reads a request body's members of op, checking each against its
// shape: the first that fails is InvalidInputException with AWS's reason.
// Members the operation does not take are ignored, as AWS ignores them.
func decode(body []byte, op *keyward.Operation) (*input, error) {
	in := &input{strs: map[string]string{}, ints: map[string]int{}, lists: map[string][]string{}}
	var raw map[string]json.RawMessage
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, errorWith(eSerialization, "The request body is not a JSON object.", nil)
	}
	for _, p := range op.Params {
		v, ok := raw[p.Member]
		if !ok || string(v) == "null" {
			if p.Required {
				return nil, organizations.InvalidInput("INPUT_REQUIRED", "You must specify a value for "+p.Member+".")
			}
			continue
		}
		malformed := errorWith(eSerialization, "The value of "+p.Member+" is not of its type.", nil)
		switch p.Kind {
		case keyward.ParamString:
			var s string
			if json.Unmarshal(v, &s) != nil {
				return nil, malformed
			}
			if err := checkShape(p.Member, s, p.Shape); err != nil {
				return nil, err
			}
			in.strs[p.Member] = s
		case keyward.ParamInt:
			var n int
			if json.Unmarshal(v, &n) != nil {
				return nil, malformed
			}
			if n < p.Min {
				return nil, organizations.InvalidInput("MIN_VALUE_EXCEEDED", "You provided a value for "+p.Member+" below its minimum.")
			}
			if n > p.Max {
				return nil, organizations.InvalidInput("MAX_VALUE_EXCEEDED", "You provided a value for "+p.Member+" above its maximum.")
			}
			in.ints[p.Member] = n
		case keyward.ParamList:
			var l []string
			if json.Unmarshal(v, &l) != nil {
				return nil, malformed
			}
			for _, s := range l {
				if err := checkShape(p.Member, s, p.Shape); err != nil {
					return nil, err
				}
			}
			in.lists[p.Member] = l
		case keyward.ParamTags:
			var tags []struct{ Key, Value *string }
			if json.Unmarshal(v, &tags) != nil {
				return nil, malformed
			}
			for _, t := range tags {
				if t.Key == nil || t.Value == nil {
					return nil, organizations.InvalidInput("INPUT_REQUIRED", "You must specify a Key and a Value for every tag.")
				}
				if err := checkShape("Tags.Key", *t.Key, organizations.TagKeyShape); err != nil {
					return nil, err
				}
				if err := checkShape("Tags.Value", *t.Value, organizations.TagValueShape); err != nil {
					return nil, err
				}
				in.tags = append(in.tags, keyward.Tag{Key: *t.Key, Value: *t.Value})
			}
		default:
			return nil, errorWith(keyward.EServiceFailure, "", nil) // no Organizations operation takes another kind
		}
	}
	return in, nil
}

// checkShape is InvalidInputException with the reason of the first
// constraint of shape value fails.
func checkShape(member, value string, shape *keyward.StringShape) error {
	reason := failedConstraint(shape, value)
	if reason == "" {
		return nil
	}
	if reason == "INVALID_ENUM" && shape == organizations.PolicyTypeShape {
		reason = "INVALID_ENUM_POLICY_TYPE"
	}
	msg := map[string]string{
		"MIN_LENGTH_EXCEEDED":      "You provided a string parameter that is shorter than allowed",
		"MAX_LENGTH_EXCEEDED":      "You provided a string parameter that is longer than allowed",
		"INVALID_ENUM":             "You specified an invalid value",
		"INVALID_ENUM_POLICY_TYPE": "You specified an invalid policy type string",
		"INVALID_PATTERN":          "You provided a value that doesn't match the required pattern",
	}[reason]
	return organizations.InvalidInput(reason, msg+" for "+member+".")
}

// failedConstraint checks value against the shape, returning AWS's name
// for the first constraint it fails ("" when none): the reasons of
// Organizations' InvalidInputException (MIN_LENGTH_EXCEEDED,
// MAX_LENGTH_EXCEEDED, INVALID_PATTERN, INVALID_ENUM).
func failedConstraint(s *keyward.StringShape, value string) string {
	var v keyward.Validation
	v.String("v", value, s)
	if v.Err() == nil {
		return ""
	}
	n := len([]rune(value))
	switch {
	case s.Min > 0 && n < s.Min:
		return "MIN_LENGTH_EXCEEDED"
	case s.Max > 0 && n > s.Max:
		return "MAX_LENGTH_EXCEEDED"
	case len(s.Enum) > 0:
		return "INVALID_ENUM"
	}
	return "INVALID_PATTERN"
}
