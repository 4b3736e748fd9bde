package console

import (
	"net/http"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/sts"
)

// The console's part of the audit trail: each sign-in attempt is an
// AwsConsoleSignIn event, and each form that changes something an
// AwsApiCall event of the operation it performs (its descriptor in
// iam.Operations(), the API's), written by the store with the change (or
// beside it when refused). Form values never
// go into an event: only the names in the page's path and a few form
// fields that name things.

// operation returns IAM's operation of that name, or Keyward's own
// (iam.KeywardOperations), or, named with its service's prefix
// ("organizations:CreatePolicy"), AWS Organizations' (some of whose names
// are IAM's too), or STS's ("sts:AssumeRole", Switch role), which a form performs: a form naming none is a
// programming error, found as the routes are made.
func operation(name string) *keyward.Operation {
	if orgName, ok := strings.CutPrefix(name, keyward.ServiceOrganizations+":"); ok {
		if op := organizations.Operations[orgName]; op != nil {
			return op
		}
		panic("console: no operation " + name)
	}
	if stsName, ok := strings.CutPrefix(name, keyward.ServiceSTS+":"); ok {
		if op := sts.Operations[stsName]; op != nil {
			return op
		}
		panic("console: no operation " + name)
	}
	op := iam.Operations()[name]
	if op == nil {
		op = iam.KeywardOperations[name]
	}
	if op == nil {
		op = lifecycle.Operations[name] // Keyward's own, beside IAM's
	}
	if op == nil {
		panic("console: no operation " + name)
	}
	return op
}

// form wraps the handler of a form that performs the operation of that
// name.
func (c *Console) form(name string, h func(http.ResponseWriter, *request)) func(http.ResponseWriter, *request) {
	op := operation(name)
	return func(w http.ResponseWriter, r *request) { c.perform(w, r, op, h) }
}

// forms wraps the handler of forms that perform, by the path's {action},
// the operations ops names; an action without one is no form (h answers
// it as not found).
func (c *Console) forms(ops map[string]string, h func(http.ResponseWriter, *request)) func(http.ResponseWriter, *request) {
	byAction := make(map[string]*keyward.Operation, len(ops))
	for action, name := range ops {
		byAction[action] = operation(name)
	}
	return func(w http.ResponseWriter, r *request) {
		if op := byAction[r.PathValue("action")]; op != nil {
			c.perform(w, r, op, h)
			return
		}
		h(w, r)
	}
}

// perform runs h, a form performing op: h checks the form through op (as
// the API checks a request) and calls the feature package; a change
// carries op's event to the store, to be written with it, and a refusal
// is recorded once answered.
func (c *Console) perform(w http.ResponseWriter, r *request, op *keyward.Operation, h func(http.ResponseWriter, *request)) {
	r.op = op
	var pe *keyward.PendingEvent
	if c.Audit != nil && op.Audited() {
		pe = c.consoleEvent(r.Request, r.p, op)
		r.Request = r.Request.WithContext(keyward.WithEvent(r.ctx(), pe))
	}
	h(w, r)
	c.auditForm(pe, r.failed)
}

// actionForms are the routes of the forms whose action takes a user, a
// group or a policy from a field (c.act's userActions, groupActions and
// roleActions).
var actionForms = map[string]bool{
	"POST /console/users/{name}/do/{action}": true,
	"POST /console/groups/{name}/{action}":   true,
	"POST /console/roles/{name}/{action}":    true,
}

// consoleEvent makes the event of a changing form.
func (c *Console) consoleEvent(r *http.Request, p keyward.Principal, op *keyward.Operation) *keyward.PendingEvent {
	if op.Service == keyward.ServiceOrganizations {
		// Its forms name every member in a field of its own (orgValues):
		// the event has the members the API's would, and nothing else.
		pe := &keyward.PendingEvent{Event: c.event(r, keyward.EventSourceOrganizations, op.Name)}
		params := map[string]any{}
		for member, v := range orgValues(r, op) {
			params[keyward.FieldName(member)] = keyward.Clip(v)
		}
		// A value the model calls sensitive (CreateAccount's email and
		// name) is hidden, as CloudTrail hides it.
		for _, prm := range op.Params {
			if _, ok := params[keyward.FieldName(prm.Member)]; ok && prm.Shape != nil && prm.Shape.Sensitive {
				params[keyward.FieldName(prm.Member)] = keyward.Hidden
			}
		}
		if tags := formTags(r); len(tags) > 0 && hasTags(op) {
			out := make([]map[string]string, len(tags))
			for i, t := range tags {
				out[i] = map[string]string{"key": keyward.Clip(t.Key), "value": keyward.Clip(t.Value)}
			}
			params["tags"] = out
		}
		pe.Event.UserIdentity, pe.Event.RequestParameters = keyward.IdentityOf(p, ""), params
		return pe
	}
	name := op.Name
	// The path's {name} is a user's, a group's or a role's; forms that
	// create one name it in their "name" field.
	nameField := "userName"
	switch {
	case strings.HasPrefix(r.Pattern, "POST /console/groups"):
		nameField = "groupName"
	case strings.HasPrefix(r.Pattern, "POST /console/roles"):
		nameField = "roleName"
	}
	params := map[string]any{}
	if v := r.PathValue("name"); v != "" {
		params[nameField] = keyward.Clip(v)
	} else if v := r.PostFormValue("name"); v != "" && !strings.HasPrefix(r.Pattern, "POST /console/policies") {
		params[nameField] = keyward.Clip(v)
	}
	if v := r.PathValue("id"); v != "" {
		idField := "accessKeyId"
		if strings.HasPrefix(r.Pattern, "POST /console/webhooks") {
			idField = "id"
		}
		params[idField] = keyward.Clip(v)
	}
	// Only the entities' action forms (c.act) take a user, a group or a
	// policy from a field, and never in place of what the path names: a
	// field the action ignores must not speak for it.
	if actionForms[r.Pattern] {
		for form, field := range map[string]string{"user": "userName", "group": "groupName", "policy": "policyArn"} {
			if _, named := params[field]; !named {
				if v := r.PostFormValue(form); v != "" {
					params[field] = keyward.Clip(v)
				}
			}
		}
	}
	if strings.HasPrefix(r.Pattern, "POST /console/provider/") {
		if v := r.PostFormValue("arn"); v != "" {
			params["openIDConnectProviderArn"] = keyward.Clip(v)
		}
		if r.PostFormValue("clientSecret") != "" {
			params["clientSecret"] = keyward.Hidden
		}
	}
	source := keyward.EventSourceIAM
	if op.Service == keyward.ServiceSTS {
		source = keyward.EventSourceSTS
	}
	pe := &keyward.PendingEvent{Event: c.event(r, source, name)}
	pe.Event.UserIdentity, pe.Event.RequestParameters = keyward.IdentityOf(p, ""), params
	return pe
}

// requested sets the request parameters of the pending event of r's form
// to what its action does, for a form whose path and fields do not say it
// (the status a key is given, the key's owner): what a webhook makes of
// the event (webhook.FromAudit) comes from them.
func requested(r *request, params map[string]any) {
	if pe, ok := keyward.EventFrom(r.ctx()); ok && !pe.Claimed() {
		pe.Event.RequestParameters = params
	}
}

// event is a console request's event, with what every one shows.
func (c *Console) event(r *http.Request, source, name string) keyward.Event {
	e := c.IAM.Account(r.Context()).NewEvent(source, name, c.Now())
	e.SourceIPAddress, e.UserAgent, e.RequestID, e.EventID = c.Clients.Addr(r), keyward.Clip(r.UserAgent()), c.token(), c.token()
	return e
}

// auditForm records a changing form's event once it is answered, with its
// copies for the other accounts it is shared with (PendingEvent.Shares): a
// switch to another account's role that STS issued but the console then
// refused (its session too large for the cookie) is the role's account's
// event too, refused as it is in the caller's.
func (c *Console) auditForm(pe *keyward.PendingEvent, failed error) {
	if c.Audit == nil || pe == nil {
		return
	}
	switch {
	case failed != nil:
		c.Audit.Answered(pe, keyward.ErrorCode(failed), keyward.ErrorMessage(failed))
	case pe.Claimed():
		c.Audit.Answered(pe, "", "")
	}
	// Otherwise nothing changed and nothing was refused (or the form
	// recorded its event itself, as Switch role's success does).
}

// auditSignIn records a sign-in attempt: AWS's ConsoleLogin event.
func (c *Console) auditSignIn(r *http.Request, root bool, userName, outcome string, mfa bool) {
	if c.Audit == nil {
		return
	}
	id := keyward.EventIdentity{Type: "IAMUser", AccountID: c.IAM.Account(r.Context()).ID, UserName: keyward.Clip(userName)}
	if root {
		id = keyward.EventIdentity{Type: "Root", AccountID: c.IAM.Account(r.Context()).ID, ARN: c.IAM.Account(r.Context()).RootARN()}
	}
	result := "Success"
	e := c.event(r, keyward.EventSourceSignIn, "ConsoleLogin")
	e.UserIdentity, e.EventType = id, keyward.EventTypeConsoleSignIn
	if outcome != "ok" && outcome != "mfa-required" {
		result = "Failure"
		e.ErrorMessage = "Failed authentication"
		if outcome == "throttled" {
			e.ErrorMessage = "Too many failed sign-in attempts"
		}
	}
	e.ResponseElements = map[string]any{"ConsoleLogin": result}
	if mfa {
		e.AdditionalEventData = map[string]any{"MFAUsed": "Yes"}
	}
	c.Audit.Add(&e)
}

// checkForm checks the string parameters a form gives, by member, against
// op's: a required one missing is null, one given must satisfy its shape.
// It returns the ValidationError naming every problem, in the order of the
// parameters, as the Query API's reader of the same descriptor does.
func checkForm(op *keyward.Operation, values map[string]string) error {
	var v keyward.Validation
	for _, p := range op.Params {
		value, ok := values[p.Member]
		switch {
		case p.Kind != keyward.ParamString:
		case ok:
			v.String(keyward.FieldName(p.Member), value, p.Shape)
		case p.Required:
			v.Null(keyward.FieldName(p.Member))
		}
	}
	return v.Err()
}

// hasTags reports whether op takes tags.
func hasTags(op *keyward.Operation) bool {
	for _, p := range op.Params {
		if p.Kind == keyward.ParamTags {
			return true
		}
	}
	return false
}
