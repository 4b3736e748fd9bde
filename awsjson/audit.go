package awsjson

import (
	"net/http"
	"strconv"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/query"
	"github.com/keyward/keyward/verify/wire"
)

// The audit trail, as the Query API keeps it: a change's event is made
// before the feature package runs and travels in the context to the store,
// which writes it in the change's transaction; refusals and failed
// authentications are written by the recorder once answered.

// eventOf is what a request's event is made from, as serve learns it.
type eventOf struct {
	principal     keyward.Principal
	keyID, region string
	// keyAccount is the account of the key a request that failed to
	// authenticate named (sigv4.Auth.KeyAccount), "" for none.
	keyAccount    string
	authenticated bool
	op            *keyward.Operation
	in            *input
	pending       *keyward.PendingEvent
}

// event makes a request's event as it is received.
func (s *Server) event(r *http.Request, reqID string, ev *eventOf, name string) keyward.Event {
	// The caller's account's trail, once authenticated (r's context
	// names no caller); a request that failed to authenticate is in the
	// trail of the account its key ID was found in, and one naming no
	// key of any account in the first account's.
	acct := s.Organizations.Authz.Account(r.Context())
	switch {
	case ev.authenticated && ev.principal.AccountID != "":
		acct = keyward.Account{ID: ev.principal.AccountID}
	case !ev.authenticated && ev.keyAccount != "":
		acct = keyward.Account{ID: ev.keyAccount}
	}
	e := acct.NewEvent(keyward.EventSourceOrganizations, knownOperation(name), s.Now())
	if ev.region != "" {
		e.AWSRegion = ev.region
	}
	if ev.authenticated {
		e.UserIdentity = keyward.IdentityOf(ev.principal, ev.keyID)
	} else {
		e.UserIdentity = keyward.EventIdentity{Type: "Unknown", AccessKeyID: query.PresentedKeyID(ev.keyID)}
	}
	e.SourceIPAddress, e.UserAgent = s.Clients.Addr(r), keyward.Clip(r.UserAgent())
	e.RequestID, e.EventID, e.ReadOnly = reqID, wire.RequestID(s.Rand), ev.op != nil && ev.op.ReadOnly
	if ev.in != nil {
		e.RequestParameters = requestParameters(ev.in, ev.op)
	}
	return e
}

// requestParameters are a request's members as CloudTrail shows them:
// lower camel case names, values clipped, only the operation's own
// members (nothing a caller adds becomes a key), and a value the model
// calls sensitive (CreateAccount's email and name) hidden, as CloudTrail
// hides it. They are bounded in all as the Query API's are
// (audit.MaxParams): a list's or the tags' number is the caller's,
// up to the body's megabyte; what is past the bound is left out.
func requestParameters(in *input, op *keyward.Operation) map[string]any {
	out := map[string]any{}
	var budget audit.ParamBudget
	for _, p := range op.Params {
		name := keyward.FieldName(p.Member)
		switch p.Kind {
		case keyward.ParamString:
			if v, ok := in.strs[p.Member]; ok {
				if p.Shape != nil && p.Shape.Sensitive {
					v = keyward.Hidden
				}
				if v = keyward.Clip(v); !budget.Take(name, v) {
					return out
				}
				out[name] = v
			}
		case keyward.ParamInt:
			if v, ok := in.ints[p.Member]; ok {
				if !budget.Take(name, strconv.Itoa(v)) {
					return out
				}
				out[name] = v
			}
		case keyward.ParamList:
			if l, ok := in.lists[p.Member]; ok {
				vs := []string{}
				full := !budget.Take(name)
				for _, v := range l {
					if v = keyward.Clip(v); full || !budget.Take(v) {
						full = true
						break
					}
					vs = append(vs, v)
				}
				out[name] = vs
				if full {
					return out
				}
			}
		case keyward.ParamTags:
			if in.tags != nil {
				tags := []map[string]string{}
				full := !budget.Take(name)
				for _, t := range in.tags {
					k, v := keyward.Clip(t.Key), keyward.Clip(t.Value)
					if full || !budget.Take(k, v) {
						full = true
						break
					}
					tags = append(tags, map[string]string{"key": k, "value": v})
				}
				out[name] = tags
				if full {
					return out
				}
			}
		}
	}
	return out
}

// audit records a request's event once it is answered: a change's event
// the store wrote is streamed; any other goes to the recorder. A read that
// was refused is an event too; an unauthenticated request is one of an
// unknown identity.
func (s *Server) audit(r *http.Request, ev *eventOf, reqID, name, code, message string) {
	if s.Audit == nil {
		return
	}
	if ev.pending != nil {
		s.Audit.Answered(ev.pending, code, message)
		return
	}
	if code == "" || (ev.authenticated && code != organizations.EAccessDenied) {
		return // a read that succeeded, or failed for another reason than access
	}
	if !ev.authenticated {
		message = query.RedactKeyIDs(message)
	}
	e := s.event(r, reqID, ev, name)
	e.ErrorCode, e.ErrorMessage = code, keyward.Clip(message)
	s.Audit.Add(&e)
}
