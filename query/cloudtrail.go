package query

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/verify/wire"
)

// CloudTrail's LookupEvents, over its JSON protocol (AWS JSON 1.1,
// X-Amz-Target CloudTrail_20131101.LookupEvents, signed for service
// cloudtrail), so that the tools that read CloudTrail's event history
// read Keyward's audit trail.

// CloudTrailTargetPrefix begins the X-Amz-Target of CloudTrail's actions
// (after the service's full name, which botocore sends first).
const (
	CloudTrailTargetPrefix = "CloudTrail_20131101."
	cloudTrailServiceName  = "com.amazonaws.cloudtrail.v20131101."
)

// cloudTrailTarget returns a request's CloudTrail action target, without
// the service's full name; "" for another request.
func cloudTrailTarget(r *http.Request) string {
	t := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), cloudTrailServiceName)
	if strings.HasPrefix(t, CloudTrailTargetPrefix) {
		return t
	}
	return ""
}

type lookupEventsInput struct {
	LookupAttributes []struct {
		AttributeKey, AttributeValue string
	}
	StartTime, EndTime *float64
	MaxResults         *int
	NextToken          *string
}

type lookupEvent struct {
	EventID         string   `json:"EventId"`
	EventName       string   `json:"EventName"`
	ReadOnly        string   `json:"ReadOnly"`
	AccessKeyID     string   `json:"AccessKeyId,omitempty"`
	EventTime       float64  `json:"EventTime"`
	EventSource     string   `json:"EventSource"`
	Username        string   `json:"Username,omitempty"`
	Resources       []string `json:"Resources"`
	CloudTrailEvent string   `json:"CloudTrailEvent"`
}

// serveCloudTrail authenticates and answers a CloudTrail JSON request.
func (s *Server) serveCloudTrail(w http.ResponseWriter, r *http.Request) {
	reqID := s.requestID()
	out, err := s.cloudTrail(r)
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amzn-Requestid", reqID)
	if err != nil {
		code, message, status, _ := wire.Describe(err)
		if code == keyward.EServiceFailure {
			s.Logger.Error("request failed", "request_id", reqID, "action", "LookupEvents", "err", err)
		}
		if code == keyward.EAccessDenied {
			code = "AccessDeniedException"
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": message})
		return
	}
	json.NewEncoder(w).Encode(out)
}

func (s *Server) cloudTrail(r *http.Request) (any, error) {
	if r.Method != http.MethodPost {
		return nil, keyward.Errorf(keyward.EInvalidAction, "Only POST is supported.")
	}
	xw := bufPool.Get().(*xmlWriter)
	defer bufPool.Put(xw)
	body, err := readBody(r, xw)
	if err != nil || len(body) > maxBody {
		return nil, keyward.Errorf(keyward.EMalformedQueryString, "The request body could not be read.")
	}
	key, auth, err := s.authenticate(r, body)
	if err != nil {
		if s.AuthFailed != nil {
			s.AuthFailed(keyward.ErrorCode(err))
		}
		return nil, err
	}
	if auth.Service != keyward.ServiceCloudTrail {
		return nil, keyward.Errorf(keyward.EInvalidAction, "Could not find operation for service %s", keyward.Clip(auth.Service))
	}
	if cloudTrailTarget(r) != CloudTrailTargetPrefix+"LookupEvents" {
		return nil, keyward.Errorf(keyward.EInvalidAction, "Keyward's CloudTrail serves LookupEvents only.")
	}
	var in lookupEventsInput
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, keyward.Errorf(keyward.EValidationError, "The request body is not valid JSON.")
	}
	q := keyward.EventQuery{Max: 50}
	if len(in.LookupAttributes) > 1 {
		return nil, keyward.Errorf(keyward.EInvalidParameterValue, "You cannot specify more than one lookup attribute.")
	}
	for _, a := range in.LookupAttributes {
		v := a.AttributeValue
		switch a.AttributeKey {
		case "Username":
			q.UserName = v
		case "EventName":
			q.EventName = v
		case "EventId":
			q.EventID = v
		case "AccessKeyId":
			q.AccessKeyID = v
		case "EventSource":
			q.Source = v
		default:
			return nil, keyward.Errorf(keyward.EInvalidParameterValue, "Lookup attribute %s is not supported.", keyward.Clip(a.AttributeKey))
		}
	}
	seconds := func(f *float64) time.Time {
		sec, frac := math.Modf(*f)
		return time.Unix(int64(sec), int64(frac*1e9))
	}
	if in.StartTime != nil {
		q.Since = seconds(in.StartTime)
	}
	if in.EndTime != nil {
		q.Until = seconds(in.EndTime)
	}
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, keyward.Errorf(keyward.EInvalidParameterValue, "MaxResults must be between 1 and 50.")
		}
		q.Max = *in.MaxResults
	}
	if in.NextToken != nil && *in.NextToken != "" {
		b, err := base64.RawURLEncoding.Strict().DecodeString(*in.NextToken)
		if err != nil || !strings.HasPrefix(string(b), "e:") {
			return nil, keyward.Errorf(keyward.EInvalidParameterValue, "Invalid NextToken.")
		}
		q.After = string(b[2:])
	}
	events, more, err := s.Reports.LookupEvents(s.callerContext(r, key, auth.Region), q)
	if errors.Is(err, keyward.ErrNoSuchEvent) {
		return nil, keyward.Errorf(keyward.EInvalidParameterValue, "Invalid NextToken.")
	} else if err != nil {
		return nil, err
	}
	out := struct {
		Events    []lookupEvent
		NextToken string `json:",omitempty"`
	}{Events: []lookupEvent{}}
	for _, e := range events {
		out.Events = append(out.Events, lookupEvent{EventID: e.ID, EventName: e.Name, ReadOnly: strconv.FormatBool(e.ReadOnly),
			AccessKeyID: e.AccessKeyID, EventTime: float64(e.Time.UnixNano()) / 1e9, EventSource: e.Source, Username: e.UserName,
			Resources: []string{}, CloudTrailEvent: string(e.Record)})
	}
	if more && len(events) > 0 {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte("e:" + events[len(events)-1].ID))
	}
	return out, nil
}
