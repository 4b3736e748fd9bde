package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/keyward/keyward"
)

// Policies: the list (filtered by type), creating a policy in a JSON
// editor whose errors are shown where they are, a policy's document,
// versions and the entities it is attached to, new versions, and
// deleting.

type policiesPage struct {
	layout
	Scope    string
	Policies []keyward.ManagedPolicy
}

func (c *Console) policiesPage(w http.ResponseWriter, r *request) {
	scope := r.URL.Query().Get("scope")
	if scope != "AWS" && scope != "Local" {
		scope = "All"
	}
	pols, _, err := c.IAM.ListPolicies(r.ctx(), scope, false, "/", "", 1000)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, "policies", policiesPage{layout: c.layoutFor(r, "Policies"), Scope: scope, Policies: pols})
}

// policyEditor is the JSON editor of an IAM policy (policyeditor) and of
// an SCP (orgpolicyeditor).
type policyEditor struct {
	layout
	// ARN is set when the editor makes a new version of an IAM policy,
	// ID when it changes an SCP.
	ARN, ID, Name, Description, Document string
	// Problem says what is wrong with the document and Where where: a
	// line and column for JSON syntax.
	Problem, Where string
}

// starterDocument is a new policy's document as AWS's console starts
// one: a single statement of the effect, with no action and no resource
// yet, named sid where that console names it.
func starterDocument(effect, sid string) string {
	type statement struct {
		Sid              string `json:",omitempty"`
		Effect           string
		Action, Resource []string
	}
	doc, _ := json.MarshalIndent(struct {
		Version   string
		Statement []statement
	}{"2012-10-17", []statement{{Sid: sid, Effect: effect, Action: []string{}, Resource: []string{}}}}, "", "  ")
	return string(doc)
}

// editorOperation is the operation an editor's form performs: create,
// or update when the form names the policy it edits in field.
func editorOperation(r *request, field, create, update string) *keyward.Operation {
	if r.PostFormValue(field) != "" {
		return operation(update)
	}
	return operation(create)
}

// saveEditor saves the document of the editor p with save once the form's
// values pass checkForm, and sends the browser to the page save returns
// with the notice saved. A refusal other than a denial is shown beside the
// document, on the editor page, and is the form's event, as the API's
// refusal would be; a denial is the console's refusal page.
func (c *Console) saveEditor(w http.ResponseWriter, r *request, page string, p policyEditor, values map[string]string,
	saved string, save func() (string, error)) {
	err := checkForm(r.op, values)
	if err == nil {
		p.Where = syntaxPosition(p.Document)
	}
	var to string
	if err == nil {
		to, err = save()
	}
	if err != nil {
		if denied(err) {
			c.fail(w, r, err)
			return
		}
		r.failed, p.Problem = err, keyward.ErrorMessage(err)
		c.render(w, http.StatusBadRequest, page, p)
		return
	}
	redirect(w, r, to, saved)
}

func (c *Console) newPolicyPage(w http.ResponseWriter, r *request) {
	c.render(w, http.StatusOK, "policyeditor", policyEditor{layout: c.layoutFor(r, "Create policy"), Document: starterDocument("Allow", "")})
}

// createPolicy creates a policy, or a new default version of one when the
// form names its ARN.
func (c *Console) createPolicy(w http.ResponseWriter, r *request) {
	c.perform(w, r, editorOperation(r, "arn", "CreatePolicy", "CreatePolicyVersion"), func(w http.ResponseWriter, r *request) {
		p := policyEditor{layout: c.layoutFor(r, "Create policy"), ARN: r.PostFormValue("arn"), Name: r.PostFormValue("name"),
			Description: r.PostFormValue("description"), Document: r.PostFormValue("document")}
		values := map[string]string{"PolicyName": p.Name, "Description": p.Description, "PolicyArn": p.ARN, "PolicyDocument": p.Document}
		c.saveEditor(w, r, "policyeditor", p, values, "policy-saved", func() (string, error) {
			arn := p.ARN
			if arn != "" {
				_, err := c.IAM.CreatePolicyVersion(r.ctx(), arn, p.Document, true)
				return "/console/policy?arn=" + url.QueryEscape(arn), err
			}
			_, err := c.IAM.CreatePolicy(r.ctx(), p.Name, "/", p.Description, p.Document, nil)
			arn = c.IAM.Account(r.Context()).PolicyARN("/", p.Name)
			return "/console/policy?arn=" + url.QueryEscape(arn), err
		})
	})
}

// syntaxPosition is where a document stops being JSON, as "line L,
// column C", or "" when it is JSON.
func syntaxPosition(doc string) string {
	var se *json.SyntaxError
	if err := json.Unmarshal([]byte(doc), new(any)); !errors.As(err, &se) {
		return ""
	}
	before := []byte(doc)[:se.Offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

type policyPage struct {
	layout
	Policy   keyward.ManagedPolicy
	Document string
	Versions []keyward.PolicyVersion
	Entities []keyward.PolicyEntity
	Editing  bool
}

func (c *Console) policyPage(w http.ResponseWriter, r *request) {
	arn := r.URL.Query().Get("arn")
	pol, err := c.IAM.Policy(r.ctx(), arn)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := policyPage{layout: c.layoutFor(r, pol.Name), Policy: pol}
	if v, err := c.IAM.PolicyVersion(r.ctx(), arn, pol.DefaultVersion); err == nil {
		p.Document = indentJSON(v.Document)
	}
	p.Versions, _ = c.IAM.ListPolicyVersions(r.ctx(), arn)
	p.Entities, _, _ = c.IAM.ListEntitiesForPolicy(r.ctx(), arn, "", "/", "", "", 1000)
	if r.URL.Query().Get("edit") == "1" && !pol.AWSManaged {
		c.render(w, http.StatusOK, "policyeditor", policyEditor{layout: c.layoutFor(r, "Edit "+pol.Name), ARN: arn, Name: pol.Name, Document: p.Document})
		return
	}
	c.render(w, http.StatusOK, "policy", p)
}

func indentJSON(doc string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(doc), "", "  ") != nil {
		return doc
	}
	return b.String()
}

// policyAction sets the default version, deletes a version, or deletes
// the policy.
// policyOperations are the operations of a managed policy's forms.
var policyOperations = map[string]string{"default": "SetDefaultPolicyVersion", "delete-version": "DeletePolicyVersion", "delete": "DeletePolicy"}

func (c *Console) policyAction(w http.ResponseWriter, r *request) {
	arn := r.PostFormValue("arn")
	var err error
	switch r.PathValue("action") {
	case "default":
		err = c.IAM.SetDefaultPolicyVersion(r.ctx(), arn, r.PostFormValue("version"))
	case "delete-version":
		err = c.IAM.DeletePolicyVersion(r.ctx(), arn, r.PostFormValue("version"))
	case "delete":
		pol, perr := c.IAM.Policy(r.ctx(), arn)
		switch {
		case perr != nil:
			err = perr
		case r.PostFormValue("confirm") != pol.Name:
			err = keyward.Errorf(keyward.EValidationError, "To confirm, type the policy name %s.", pol.Name)
		default:
			if err = c.IAM.DeletePolicy(r.ctx(), arn); err == nil {
				redirect(w, r, "/console/policies?scope=Local", "policy-deleted")
				return
			}
		}
	default:
		http.NotFound(w, r.Request)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/console/policy?arn="+url.QueryEscape(arn), "policy-saved")
}
