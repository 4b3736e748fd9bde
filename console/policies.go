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

const starterPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [],
      "Resource": []
    }
  ]
}`

func (c *Console) newPolicyPage(w http.ResponseWriter, r *request) {
	c.render(w, http.StatusOK, "policyeditor", policyEditor{layout: c.layoutFor(r, "Create policy"), Document: starterPolicy})
}

// createPolicy creates a policy, or a new default version of one when the
// form names its ARN.
func (c *Console) createPolicy(w http.ResponseWriter, r *request) {
	op := operation("CreatePolicy")
	if r.PostFormValue("arn") != "" {
		op = operation("CreatePolicyVersion")
	}
	c.perform(w, r, op, c.savePolicy)
}

func (c *Console) savePolicy(w http.ResponseWriter, r *request) {
	p := policyEditor{layout: c.layoutFor(r, "Create policy"), ARN: r.PostFormValue("arn"), Name: r.PostFormValue("name"),
		Description: r.PostFormValue("description"), Document: r.PostFormValue("document")}
	err := checkForm(r.op, map[string]string{"PolicyName": p.Name, "Description": p.Description, "PolicyArn": p.ARN, "PolicyDocument": p.Document})
	if err == nil {
		p.Where = syntaxPosition(p.Document)
	}
	if err == nil && p.ARN == "" {
		_, err = c.IAM.CreatePolicy(r.ctx(), p.Name, "/", p.Description, p.Document, nil)
	} else if err == nil {
		_, err = c.IAM.CreatePolicyVersion(r.ctx(), p.ARN, p.Document, true)
	}
	if err != nil {
		if denied(err) {
			c.fail(w, r, err)
			return
		}
		// The refusal is the form's event, as the API's would be.
		r.failed, p.Problem = err, keyward.ErrorMessage(err)
		c.render(w, http.StatusBadRequest, "policyeditor", p)
		return
	}
	arn := p.ARN
	if arn == "" {
		arn = c.IAM.Account(r.Context()).PolicyARN("/", p.Name)
	}
	redirect(w, r, "/console/policy?arn="+url.QueryEscape(arn), "policy-saved")
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
