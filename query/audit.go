package query

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/verify/wire"
)

// The audit trail of the API: each change's event is made before the
// Service runs and travels in the context to the store, which writes it in
// the change's transaction; refusals, failed authentications and STS
// credentials are written by the recorder once answered.

// eventOf is what a request's event is made from, as serve learns it.
type eventOf struct {
	principal keyward.Principal
	keyID     string
	// keyAccount is the account of the key a request that failed to
	// authenticate named (sigv4.Auth.KeyAccount), "" for none.
	keyAccount string
	region     string
	api        *api
	params     url.Values
	act        *action
	pending    *keyward.PendingEvent
}

// operation returns the operation of a served action by its name, nil for
// one Keyward does not serve.
func operation(action string) *keyward.Operation {
	if a, ok := iamAPI().actions[action]; ok {
		return a.op
	}
	if a, ok := stsAPI.actions[action]; ok {
		return a.op
	}
	return nil
}

// identity is the userIdentity of an event: the signer, or for an unsigned
// request (federation) the bearer of its token or response, as AWS types
// them: WebIdentityUser, or SAMLUser for AssumeRoleWithSAML.
func (ev *eventOf) identity() keyward.EventIdentity {
	if ev.principal.AccountID == "" && ev.api == &stsAPI && ev.act != nil {
		if ev.params.Get("Action") == "AssumeRoleWithSAML" {
			return keyward.EventIdentity{Type: "SAMLUser"}
		}
		return keyward.EventIdentity{Type: "WebIdentityUser"}
	}
	return keyward.IdentityOf(ev.principal, ev.keyID)
}

// event makes a request's event as it is received.
func (s *Server) event(r *http.Request, reqID string, ev *eventOf, action string) keyward.Event {
	source := keyward.EventSourceIAM
	if ev.api == &stsAPI {
		source = keyward.EventSourceSTS
	}
	// The event is in the trail of the caller's account, once the
	// request is authenticated: r's context names no caller, and would
	// put every account's events in the first account's trail. A request
	// that failed to authenticate is in the trail of the account its key
	// ID was found in, whose key was tried; one naming no key of any
	// account is in the first account's.
	acct := s.IAM.Account(r.Context())
	switch {
	case ev.principal.AccountID != "":
		acct = keyward.Account{ID: ev.principal.AccountID}
	case ev.keyAccount != "":
		acct = keyward.Account{ID: ev.keyAccount}
	}
	e := acct.NewEvent(source, knownAction(action), s.Now())
	if ev.region != "" {
		e.AWSRegion = ev.region
	}
	e.UserIdentity, e.SourceIPAddress, e.UserAgent = ev.identity(), s.Clients.Addr(r), keyward.Clip(r.UserAgent())
	op := operation(action)
	e.RequestID, e.EventID, e.ReadOnly = reqID, wire.RequestID(s.Rand), op != nil && op.ReadOnly
	if ev.act != nil {
		e.RequestParameters = requestParameters(ev.params, ev.act)
	}
	return e
}

// secretParams are parameters that carry a secret, whatever their shape.
var secretParams = map[string]bool{"Password": true, "OldPassword": true, "NewPassword": true, "PrivateKey": true,
	"WebIdentityToken": true, "TokenCode": true, "AuthenticationCode1": true, "AuthenticationCode2": true,
	"SecretAccessKey": true, "SessionToken": true, "SAMLAssertion": true, "ClientSecret": true}

// requestParameters are a request's parameters as CloudTrail shows them:
// lower camel case names, secrets hidden, values clipped. Only the
// action's own parameters are kept: nothing a caller adds becomes a key.
func requestParameters(values url.Values, act *action) map[string]any {
	out := map[string]any{}
	var budget audit.ParamBudget
	for _, p := range act.op.Params {
		secret := secretParams[p.Member] || p.Shape != nil && p.Shape.Sensitive
		var keys []string
		for k := range values {
			if k == p.Member || strings.HasPrefix(k, p.Member+".") {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := keyward.Clip(values[k][0])
			if secret {
				v = keyward.Hidden
			}
			// An event's parameters are bounded in all, not only each
			// one: an unsigned caller chooses them, and the trail they
			// go to (the role's account's).
			if !budget.Take(k, v) {
				return out
			}
			out[keyward.FieldName(k)] = v
		}
	}
	return out
}

// audit records a request's event once it is answered: a change's event
// the store wrote is streamed; any other goes to the recorder. A read that
// was refused is an event too; an unauthenticated request is one of an
// unknown identity.
func (s *Server) audit(r *http.Request, ev *eventOf, reqID, action, keyID, code, message string) {
	if s.Audit == nil {
		return
	}
	if ev.pending != nil {
		// The account an unsigned caller's event is in (web identity,
		// SAML), issued or refused, is STS's to say, which sets it.
		s.Audit.Answered(ev.pending, code, message)
		return
	}
	if code == "" || (ev.api != nil && code != keyward.EAccessDenied) {
		return // a read that succeeded, or failed for another reason than access
	}
	if ev.api == nil {
		// Not authenticated: the key it named, if shaped like one (a
		// client that swapped its key ID and secret names its secret).
		ev.keyID = PresentedKeyID(keyID)
		message = RedactKeyIDs(message)
	}
	e := s.event(r, reqID, ev, action)
	e.ErrorCode, e.ErrorMessage = code, keyward.Clip(message)
	s.Audit.Add(&e)
}
