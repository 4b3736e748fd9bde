package console

import (
	"errors"
	"net/http"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/lifecycle"
)

// The key lifecycle policy (a Keyward extension): the account's policy,
// a form to change it, and a preview of what it does today.

// keyPolicyOperations are the operations of the policy page's forms.
var keyPolicyOperations = map[string]string{"put": "PutAccessKeyPolicy", "delete": "DeleteAccessKeyPolicy"}

// previewListed bounds the keys the preview lists per rule; it counts
// them all.
const previewListed = 200

type keyPolicyPage struct {
	layout
	// Policy is the account's; Has is false when it has none.
	Policy keyward.AccessKeyPolicy
	Has    bool
	// Form is what the form shows: the policy's values, or a draft's.
	Form lifecycle.PolicyInput
	// Draft is true when the preview is of the form's values, not saved.
	Draft bool
	// Deactivated and Deleted are the preview: what the policy does to
	// the keys by this time tomorrow, by rule.
	Deactivated, Deleted []lifecycle.RuleResult
	// WouldDeactivate and WouldDelete count the keys of enforced rules.
	WouldDeactivate, WouldDelete int
	Until                        time.Time
}

// inputOf is the form's values of a policy.
func inputOf(p keyward.AccessKeyPolicy) lifecycle.PolicyInput {
	dur := func(d time.Duration) string {
		if d == 0 {
			return ""
		}
		return lifecycle.FormatKeyDuration(d)
	}
	in := lifecycle.PolicyInput{MaxAge: dur(p.MaxAge.After), Warn: dur(p.Warn), Unused: dur(p.Unused.After), DeleteInactive: dur(p.DeleteInactive.After)}
	for _, r := range []keyward.KeyRule{p.MaxAge, p.Unused, p.DeleteInactive} {
		if r.On() {
			in.ReportOnly = in.ReportOnly || r.ReportOnly
			if r.PathPrefix != "" || r.TagKey != "" {
				in.PathPrefix, in.TagKey, in.TagValue = r.PathPrefix, r.TagKey, r.TagValue
			}
		}
	}
	return in
}

// formInput reads the policy form (a POST's body, or a preview's query).
func formInput(get func(string) string) lifecycle.PolicyInput {
	return lifecycle.PolicyInput{MaxAge: get("max-age"), Warn: get("warn"), Unused: get("unused"), DeleteInactive: get("delete-inactive"),
		ReportOnly: get("report-only") == "on", PathPrefix: get("path-prefix"), TagKey: get("tag-key"), TagValue: get("tag-value")}
}

// members are the form's values given, by the operation's members, for
// its check.
func members(in lifecycle.PolicyInput) map[string]string {
	m := map[string]string{}
	for member, v := range map[string]string{"MaxAge": in.MaxAge, "Warn": in.Warn, "Unused": in.Unused, "DeleteInactive": in.DeleteInactive,
		"PathPrefix": in.PathPrefix, "TagKey": in.TagKey, "TagValue": in.TagValue} {
		if v != "" {
			m[member] = v
		}
	}
	return m
}

func (c *Console) keyPolicyPage(w http.ResponseWriter, r *request) {
	var draft func(string) string
	if q := r.URL.Query(); q.Has("preview") {
		draft = q.Get
	}
	c.renderKeyPolicy(w, r, http.StatusOK, "", draft)
}

// keyPolicyPreview shows the page with the preview of the draft the form
// posts. The form holds the session's CSRF token, for its Save: were the
// preview a GET of the same form, the token would be written into the
// address, and so into the browser's history and proxies' logs.
func (c *Console) keyPolicyPreview(w http.ResponseWriter, r *request) {
	c.renderKeyPolicy(w, r, http.StatusOK, "", r.PostFormValue)
}

// renderKeyPolicy shows the page: the account's policy, and the preview
// of it or, when draft is not nil, of the draft it reads.
func (c *Console) renderKeyPolicy(w http.ResponseWriter, r *request, status int, problem string, draft func(string) string) {
	if c.Lifecycle == nil {
		http.NotFound(w, r.Request)
		return
	}
	p := keyPolicyPage{layout: c.layoutFor(r, "Key lifecycle policy")}
	policy, err := c.Lifecycle.AccessKeyPolicy(r.ctx())
	switch {
	case err == nil:
		p.Policy, p.Has, p.Form = policy, true, inputOf(policy)
	case errors.Is(err, &keyward.Error{Code: keyward.ENoSuchEntity}):
	default:
		c.fail(w, r, err)
		return
	}
	preview := &p.Policy
	if r.Method == http.MethodPost {
		p.Form = formInput(r.PostFormValue)
	}
	if draft != nil {
		p.Form, p.Draft = formInput(draft), true
		draft, err := p.Form.Policy()
		if err == nil {
			err = checkForm(operation("PutAccessKeyPolicy"), members(p.Form))
		}
		if err != nil {
			problem, status = keyward.ErrorMessage(err), http.StatusBadRequest
		} else {
			preview = &draft
		}
	}
	p.Error = problem
	p.Until = c.Now().UTC().Add(24 * time.Hour)
	sw, err := c.Lifecycle.Preview(r.ctx(), preview, p.Until, previewListed)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for _, rule := range sw.Rules {
		if rule.Due == 0 {
			continue
		}
		if rule.Deletes() {
			p.Deleted = append(p.Deleted, rule)
			if rule.Enforced {
				p.WouldDelete += rule.Due
			}
			continue
		}
		p.Deactivated = append(p.Deactivated, rule)
		if rule.Enforced {
			p.WouldDeactivate += rule.Due
		}
	}
	c.render(w, status, "keypolicy", p)
}

// keyPolicyAction saves or deletes the policy.
func (c *Console) keyPolicyAction(w http.ResponseWriter, r *request) {
	if c.Lifecycle == nil {
		http.NotFound(w, r.Request)
		return
	}
	var err error
	notice := ""
	switch r.PathValue("action") {
	case "put":
		in := formInput(r.PostFormValue)
		if err = checkForm(r.op, members(in)); err == nil {
			_, err = c.Lifecycle.PutAccessKeyPolicy(r.ctx(), in)
		}
		notice = "key-policy-saved"
	case "delete":
		err, notice = c.Lifecycle.DeleteAccessKeyPolicy(r.ctx()), "key-policy-deleted"
	default:
		http.NotFound(w, r.Request)
		return
	}
	if err != nil {
		r.failed = err
		c.renderKeyPolicy(w, r, http.StatusBadRequest, keyward.ErrorMessage(err), nil)
		return
	}
	redirect(w, r, "/console/keys/policy", notice)
}
