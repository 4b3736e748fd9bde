package console

import (
	"net/http"
	"strings"

	"github.com/keyward/keyward"
)

// The console's part of the audit trail: each sign-in attempt is an
// AwsConsoleSignIn event, and each form that changes something an
// AwsApiCall event named after the API operation it performs, written by
// the store with the change (or beside it when refused). Form values never
// go into an event: only the names in the page's path and a few form
// fields that name things.

// consoleEvents name the API operation of each changing form, by route
// (and the {action} of routes that take one).
var consoleEvents = map[string]string{
	"POST /console/users":                             "CreateUser",
	"POST /console/users/{name}/delete":               "DeleteUser",
	"POST /console/users/{name}/keys/new":             "CreateAccessKey",
	"POST /console/users/{name}/keys/{id}/deactivate": "UpdateAccessKey",
	"POST /console/users/{name}/keys/{id}/activate":   "UpdateAccessKey",
	"POST /console/users/{name}/keys/{id}/delete":     "DeleteAccessKey",
	"POST /console/users/{name}/sessions/end":         "UpdateLoginProfile",
	"POST /console/users/{name}/mfa/new":              "CreateVirtualMFADevice",
	"POST /console/users/{name}/mfa/enable":           "EnableMFADevice",
	"POST /console/users/{name}/mfa/remove":           "DeactivateMFADevice",
	"POST /console/users/{name}/do/join":              "AddUserToGroup",
	"POST /console/users/{name}/do/leave":             "RemoveUserFromGroup",
	"POST /console/users/{name}/do/attach":            "AttachUserPolicy",
	"POST /console/users/{name}/do/detach":            "DetachUserPolicy",
	"POST /console/groups":                            "CreateGroup",
	"POST /console/groups/{name}/add-user":            "AddUserToGroup",
	"POST /console/groups/{name}/remove-user":         "RemoveUserFromGroup",
	"POST /console/groups/{name}/attach":              "AttachGroupPolicy",
	"POST /console/groups/{name}/detach":              "DetachGroupPolicy",
	"POST /console/groups/{name}/delete":              "DeleteGroup",
	"POST /console/roles":                             "CreateRole",
	"POST /console/roles/{name}/attach":               "AttachRolePolicy",
	"POST /console/roles/{name}/detach":               "DetachRolePolicy",
	"POST /console/roles/{name}/revoke-sessions":      "PutRolePolicy",
	"POST /console/roles/{name}/delete":               "DeleteRole",
	"POST /console/password":                          "ChangePassword",
	"POST /console/policies":                          "CreatePolicy",
}

// eventName is the API operation a changing form performs ("" for one
// that changes nothing, such as signing out).
func eventName(r *http.Request) string {
	pattern := r.Pattern
	if a := r.PathValue("action"); a != "" {
		pattern = strings.Replace(pattern, "{action}", a, 1)
	}
	if name, ok := consoleEvents[pattern]; ok {
		return name
	}
	if strings.HasPrefix(pattern, "POST /console/policy/") {
		return "Policy" + r.PathValue("action") // versions, tags, deletion of a managed policy
	}
	return ""
}

// consoleEvent makes the event of a changing form.
func (c *Console) consoleEvent(r *http.Request, p keyward.Principal, name string) *keyward.PendingEvent {
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
		params["accessKeyId"] = keyward.Clip(v)
	}
	for form, field := range map[string]string{"user": "userName", "group": "groupName", "policy": "policyArn"} {
		if v := r.PostFormValue(form); v != "" {
			params[field] = keyward.Clip(v)
		}
	}
	pe := &keyward.PendingEvent{Event: c.event(r, keyward.EventSourceIAM, name)}
	pe.Event.UserIdentity, pe.Event.RequestParameters = keyward.IdentityOf(p, ""), params
	return pe
}

// event is a console request's event, with what every one shows.
func (c *Console) event(r *http.Request, source, name string) keyward.Event {
	e := c.IAM.Account(r.Context()).NewEvent(source, name, c.Now())
	e.SourceIPAddress, e.UserAgent, e.RequestID, e.EventID = c.Clients.Addr(r), keyward.Clip(r.UserAgent()), c.token(), c.token()
	return e
}

// auditForm records a changing form's event once it is answered.
func (c *Console) auditForm(pe *keyward.PendingEvent, failed error) {
	if c.Audit == nil || pe == nil {
		return
	}
	if failed == nil && pe.Claimed() {
		c.Audit.Committed(&pe.Event)
		return
	}
	if failed != nil {
		pe.Event.ErrorCode, pe.Event.ErrorMessage = keyward.ErrorCode(failed), keyward.Clip(keyward.ErrorMessage(failed))
	} else if !pe.Claimed() {
		return // nothing changed, nothing refused
	}
	c.Audit.Add(&pe.Event)
}

// auditSignIn records a sign-in attempt: AWS's ConsoleLogin event.
func (c *Console) auditSignIn(r *http.Request, root bool, userName, outcome string) {
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
	c.Audit.Add(&e)
}
