package console

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
)

// AWS Organizations, as the management account's console shows it: the
// organization's tree (the root, its OUs, nested, and its accounts) with
// creating, renaming and deleting OUs, moving accounts and adding an AWS
// account (CreateAccount, whose request's status has a page of its own);
// a root's, an OU's or an account's page with its service control
// policies, a member account's removal from the organization and its
// closure; the
// policies page, where SCPs are enabled or disabled on the root and
// listed; and a policy's page with its targets and the JSON editor IAM's
// policies are written in. Every page and form calls package
// organizations as the signed-in principal, which decides.

// orgFields names the form field of a member where it is not the
// member's lower-camel-case name: the JSON editor's document is the
// policy's content.
var orgFields = map[string]string{"Content": "document"}

// orgValues are the form's values of op's string members, by member: what
// the form checks (op.Check) and its event records. A member the form
// does not send is absent.
func orgValues(r *http.Request, op *keyward.Operation) map[string]string {
	out := map[string]string{}
	for _, p := range op.Params {
		if p.Kind != keyward.ParamString {
			continue
		}
		field, ok := orgFields[p.Member]
		if !ok {
			field = keyward.FieldName(p.Member)
		}
		if _, sent := r.PostForm[field]; sent {
			out[p.Member] = r.PostFormValue(field)
		}
	}
	return out
}

// orgAccount is an account of the tree, with what its row shows besides
// the model's Account.
type orgAccount struct {
	organizations.Account
	ParentID   string
	Management bool
}

// orgNode is the root or an OU in the tree, with what is directly under
// it.
type orgNode struct {
	ID, Name, ARN, Type string
	OUs                 []*orgNode
	Accounts            []orgAccount
}

// orgParent is a root or an OU as a choice of a form (a parent, a
// destination, a target), its name indented by its depth.
type orgParent struct {
	ID, Label string
}

// orgTree is the organization's tree, and its parents in tree order.
type orgTree struct {
	Org     organizations.Organization
	Root    organizations.Root
	Tree    *orgNode
	Parents []orgParent
	// Accounts are every account, in tree order.
	Accounts []orgAccount
}

// all reads every page of a listing.
func all[T any](list func(organizations.Page) ([]T, string, error)) ([]T, error) {
	var out []T
	page := organizations.Page{}
	for {
		items, next, err := list(page)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		page.Token = next
	}
}

// tree reads the organization's tree through the listings the API
// offers, each decided as the caller's.
func (c *Console) tree(ctx context.Context) (orgTree, error) {
	var t orgTree
	var err error
	if t.Org, err = c.Organizations.DescribeOrganization(ctx); err != nil {
		return t, err
	}
	roots, _, err := c.Organizations.ListRoots(ctx, organizations.Page{})
	if err != nil {
		return t, err
	}
	if len(roots) == 0 {
		return t, keyward.Errorf(organizations.ERootNotFound, "The organization has no root.")
	}
	t.Root = roots[0]
	t.Tree = &orgNode{ID: t.Root.ID, Name: t.Root.Name, ARN: t.Root.ARN, Type: keyward.TargetRoot}
	var walk func(n *orgNode, depth int) error
	walk = func(n *orgNode, depth int) error {
		t.Parents = append(t.Parents, orgParent{ID: n.ID, Label: strings.Repeat("\u00a0\u00a0", depth) + n.Name})
		ous, err := all(func(p organizations.Page) ([]organizations.OrganizationalUnit, string, error) {
			return c.Organizations.ListOrganizationalUnitsForParent(ctx, n.ID, p)
		})
		if err != nil {
			return err
		}
		accounts, err := all(func(p organizations.Page) ([]organizations.Account, string, error) {
			return c.Organizations.ListAccountsForParent(ctx, n.ID, p)
		})
		if err != nil {
			return err
		}
		for _, a := range accounts {
			v := orgAccount{Account: a, ParentID: n.ID, Management: a.ID == t.Org.MasterAccountID}
			n.Accounts = append(n.Accounts, v)
			t.Accounts = append(t.Accounts, v)
		}
		for _, u := range ous {
			child := &orgNode{ID: u.ID, Name: u.Name, ARN: u.ARN, Type: keyward.TargetOU}
			n.OUs = append(n.OUs, child)
			if err := walk(child, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return t, walk(t.Tree, 0)
}

// scpEnabled reports whether SCPs are enabled on the root.
func scpEnabled(r organizations.Root) bool {
	for _, p := range r.PolicyTypes {
		if p.Type == keyward.ServiceControlPolicyType && p.Status == "ENABLED" {
			return true
		}
	}
	return false
}

type organizationsPage struct {
	layout
	orgTree
	// None: the account is in no organization; the page offers one.
	None bool
}

// organizationsPage is the organization's tree, or the offer to create
// one when the account is in none.
func (c *Console) organizationsPage(w http.ResponseWriter, r *request) {
	t, err := c.tree(r.ctx())
	if keyward.ErrorCode(err) == organizations.ENotInUse {
		c.render(w, http.StatusOK, "organizations", organizationsPage{layout: c.layoutFor(r, "AWS Organizations"), None: true})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, "organizations", organizationsPage{layout: c.layoutFor(r, "AWS accounts"), orgTree: t})
}

func (c *Console) createOrganization(w http.ResponseWriter, r *request) {
	if err := checkForm(r.op, orgValues(r.Request, r.op)); err != nil {
		c.fail(w, r, err)
		return
	}
	if _, err := c.Organizations.CreateOrganization(r.ctx(), r.PostFormValue("featureSet")); err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/console/organizations", "org-created")
}

type orgTargetPage struct {
	layout
	orgTree
	ID, Name, ARN, Type, Email, Status, ParentID, ParentName, Path string
	Management                                                     bool
	// Children are an OU's or the root's node in the tree.
	Children *orgNode
	// Attached are its SCPs, and Attachable those it could be given.
	SCPEnabled bool
	Attached   []organizations.PolicySummary
	Attachable []organizations.PolicySummary
}

// findNode finds the root or an OU in the tree.
func findNode(n *orgNode, id string) *orgNode {
	if n.ID == id {
		return n
	}
	for _, c := range n.OUs {
		if f := findNode(c, id); f != nil {
			return f
		}
	}
	return nil
}

// orgTargetPage is the page of the root, an OU or an account: what it
// is, what is under it, what it can be done to it, and its SCPs.
func (c *Console) orgTargetPage(w http.ResponseWriter, r *request) {
	id := r.URL.Query().Get("id")
	ctx := r.ctx()
	t, err := c.tree(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := orgTargetPage{orgTree: t, ID: id, Type: keyward.TargetType(id), SCPEnabled: scpEnabled(t.Root)}
	switch p.Type {
	case keyward.TargetRoot:
		if id != t.Root.ID {
			c.fail(w, r, keyward.Errorf(organizations.ERootNotFound, "We can't find a root with the RootId that you specified."))
			return
		}
		p.Name, p.ARN = t.Root.Name, t.Root.ARN
	case keyward.TargetOU:
		u, err := c.Organizations.DescribeOrganizationalUnit(ctx, id)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		p.Name, p.ARN, p.Path = u.Name, u.ARN, u.Path
	case keyward.TargetAccount:
		a, err := c.Organizations.DescribeAccount(ctx, id)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		p.Name, p.ARN, p.Email, p.Status, p.Management = a.Name, a.ARN, a.Email, a.Status, a.ID == t.Org.MasterAccountID
	default:
		c.fail(w, r, keyward.Errorf(organizations.ETargetNotFound, "We can't find a root, OU, account, or policy with the TargetId that you specified."))
		return
	}
	if p.Type != keyward.TargetRoot {
		parents, _, err := c.Organizations.ListParents(ctx, id, organizations.Page{})
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if len(parents) > 0 {
			p.ParentID = parents[0].ID
			if n := findNode(t.Tree, p.ParentID); n != nil {
				p.ParentName = n.Name
			}
		}
	}
	p.Children = findNode(t.Tree, id)
	if p.SCPEnabled {
		if p.Attached, err = all(func(pg organizations.Page) ([]organizations.PolicySummary, string, error) {
			return c.Organizations.ListPoliciesForTarget(ctx, id, keyward.ServiceControlPolicyType, pg)
		}); err != nil {
			c.fail(w, r, err)
			return
		}
		scps, err := c.scps(ctx)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		p.Attachable = except(scps, p.Attached, func(s organizations.PolicySummary) string { return s.ID })
	}
	p.layout = c.layoutFor(r, p.Name)
	c.render(w, http.StatusOK, "orgtarget", p)
}

// scps lists the organization's service control policies.
func (c *Console) scps(ctx context.Context) ([]organizations.PolicySummary, error) {
	return all(func(pg organizations.Page) ([]organizations.PolicySummary, string, error) {
		return c.Organizations.ListPolicies(ctx, keyward.ServiceControlPolicyType, pg)
	})
}

type orgPoliciesPage struct {
	layout
	Root       organizations.Root
	SCPEnabled bool
	Policies   []organizations.PolicySummary
}

// orgPoliciesPage is Service control policies: their status on the root
// and the organization's SCPs, FullAWSAccess among them.
func (c *Console) orgPoliciesPage(w http.ResponseWriter, r *request) {
	roots, _, err := c.Organizations.ListRoots(r.ctx(), organizations.Page{})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if len(roots) == 0 {
		c.fail(w, r, keyward.Errorf(organizations.ERootNotFound, "The organization has no root."))
		return
	}
	pols, err := c.scps(r.ctx())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, "orgpolicies", orgPoliciesPage{layout: c.layoutFor(r, "Service control policies"), Root: roots[0],
		SCPEnabled: scpEnabled(roots[0]), Policies: pols})
}

type orgPolicyPage struct {
	layout
	Policy     organizations.Policy
	Document   string
	SCPEnabled bool
	Targets    []organizations.PolicyTargetSummary
	// Choices are the root, the OUs and the accounts it is not attached to.
	Choices []orgParent
}

// orgPolicyPage is an SCP: its content, its targets with detaching, and
// attaching it to another; or, with edit=1, the editor.
func (c *Console) orgPolicyPage(w http.ResponseWriter, r *request) {
	id := r.URL.Query().Get("id")
	ctx := r.ctx()
	pol, err := c.Organizations.DescribePolicy(ctx, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	s := pol.PolicySummary
	if r.URL.Query().Get("edit") == "1" && !s.AWSManaged {
		c.render(w, http.StatusOK, "orgpolicyeditor", policyEditor{layout: c.layoutFor(r, "Edit "+s.Name), ID: s.ID, Name: s.Name,
			Description: s.Description, Document: indentJSON(pol.Content)})
		return
	}
	p := orgPolicyPage{layout: c.layoutFor(r, s.Name), Policy: pol, Document: indentJSON(pol.Content)}
	if p.Targets, err = all(func(pg organizations.Page) ([]organizations.PolicyTargetSummary, string, error) {
		return c.Organizations.ListTargetsForPolicy(ctx, id, pg)
	}); err != nil {
		c.fail(w, r, err)
		return
	}
	t, err := c.tree(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p.SCPEnabled = scpEnabled(t.Root)
	attached := map[string]bool{}
	for _, tg := range p.Targets {
		attached[tg.TargetID] = true
	}
	for _, parent := range t.Parents {
		if !attached[parent.ID] {
			p.Choices = append(p.Choices, parent)
		}
	}
	for _, a := range t.Accounts {
		if !attached[a.ID] {
			p.Choices = append(p.Choices, orgParent{ID: a.ID, Label: a.Name + " (" + a.ID + ")"})
		}
	}
	c.render(w, http.StatusOK, "orgpolicy", p)
}

func (c *Console) newOrgPolicyPage(w http.ResponseWriter, r *request) {
	c.render(w, http.StatusOK, "orgpolicyeditor", policyEditor{layout: c.layoutFor(r, "Create new service control policy"),
		Document: starterDocument("Deny", "Statement1")})
}

// saveOrgPolicy creates an SCP, or changes the one the form names.
func (c *Console) saveOrgPolicy(w http.ResponseWriter, r *request) {
	c.perform(w, r, editorOperation(r, "policyId", "organizations:CreatePolicy", "organizations:UpdatePolicy"), func(w http.ResponseWriter, r *request) {
		p := policyEditor{layout: c.layoutFor(r, "Create new service control policy"), ID: r.PostFormValue("policyId"), Name: r.PostFormValue("name"),
			Description: r.PostFormValue("description"), Document: r.PostFormValue("document")}
		if p.ID != "" {
			p.Title = "Edit " + p.Name
		}
		c.saveEditor(w, r, "orgpolicyeditor", p, orgValues(r.Request, r.op), "scp-saved", func() (string, error) {
			id := p.ID
			var err error
			if id == "" {
				var pol organizations.Policy
				pol, err = c.Organizations.CreatePolicy(r.ctx(), organizations.PolicyInput{Name: p.Name, Description: p.Description,
					Type: r.PostFormValue("type"), Content: p.Document})
				id = pol.PolicySummary.ID
			} else {
				_, err = c.Organizations.UpdatePolicy(r.ctx(), id, &p.Name, &p.Description, &p.Document)
			}
			return "/console/organizations/policy?id=" + url.QueryEscape(id), err
		})
	})
}

// orgOperations are the operations of the organization's forms, by the
// path's action.
var orgOperations = map[string]string{
	"create-ou":     "organizations:CreateOrganizationalUnit",
	"rename-ou":     "organizations:UpdateOrganizationalUnit",
	"delete-ou":     "organizations:DeleteOrganizationalUnit",
	"move":          "organizations:MoveAccount",
	"enable-scp":    "organizations:EnablePolicyType",
	"disable-scp":   "organizations:DisablePolicyType",
	"attach":        "organizations:AttachPolicy",
	"detach":        "organizations:DetachPolicy",
	"delete-policy": "organizations:DeletePolicy",
	"add-account":   "organizations:CreateAccount",
	"remove":        "organizations:RemoveAccountFromOrganization",
	"close":         "organizations:CloseAccount",
}

// targetPage is the page of the root, an OU or an account.
func targetPage(id string) string { return "/console/organizations/target?id=" + url.QueryEscape(id) }

// orgAction performs one of the organization's forms, its fields checked
// with the operation's constraints, and returns to the page it belongs
// to.
func (c *Console) orgAction(w http.ResponseWriter, r *request) {
	if r.op == nil {
		http.NotFound(w, r.Request)
		return
	}
	v := orgValues(r.Request, r.op)
	if err := checkForm(r.op, v); err != nil {
		c.fail(w, r, err)
		return
	}
	ctx, o := r.ctx(), c.Organizations
	var path, notice string
	var err error
	switch r.PathValue("action") {
	case "create-ou":
		var u organizations.OrganizationalUnit
		u, err = o.CreateOrganizationalUnit(ctx, v["ParentId"], v["Name"], nil)
		path, notice = targetPage(u.ID), "ou-created"
	case "rename-ou":
		_, err = o.UpdateOrganizationalUnit(ctx, v["OrganizationalUnitId"], v["Name"])
		path, notice = targetPage(v["OrganizationalUnitId"]), "ou-renamed"
	case "delete-ou":
		err = o.DeleteOrganizationalUnit(ctx, v["OrganizationalUnitId"])
		path, notice = "/console/organizations", "ou-deleted"
	case "move":
		err = o.MoveAccount(ctx, v["AccountId"], v["SourceParentId"], v["DestinationParentId"])
		path, notice = targetPage(v["AccountId"]), "account-moved"
	case "enable-scp":
		_, err = o.EnablePolicyType(ctx, v["RootId"], v["PolicyType"])
		path, notice = "/console/organizations/policies", "scp-enabled"
	case "disable-scp":
		_, err = o.DisablePolicyType(ctx, v["RootId"], v["PolicyType"])
		path, notice = "/console/organizations/policies", "scp-disabled"
	case "attach", "detach":
		if r.PathValue("action") == "attach" {
			err, notice = o.AttachPolicy(ctx, v["PolicyId"], v["TargetId"]), "scp-attached"
		} else {
			err, notice = o.DetachPolicy(ctx, v["PolicyId"], v["TargetId"]), "scp-detached"
		}
		// Back to the page the form is on: the policy's or the target's.
		path = "/console/organizations/policy?id=" + url.QueryEscape(v["PolicyId"])
		if r.PostFormValue("back") == "target" {
			path = targetPage(v["TargetId"])
		}
	case "delete-policy":
		var pol organizations.Policy
		if pol, err = o.DescribePolicy(ctx, v["PolicyId"]); err == nil {
			if r.PostFormValue("confirm") != pol.PolicySummary.Name {
				err = keyward.Errorf(keyward.EValidationError, "To confirm, type the policy name %s.", pol.PolicySummary.Name)
			} else {
				err = o.DeletePolicy(ctx, v["PolicyId"])
			}
		}
		path, notice = "/console/organizations/policies", "scp-deleted"
	case "add-account":
		var st organizations.CreateAccountStatus
		in := organizations.AccountInput{Email: v["Email"], Name: v["AccountName"], RoleName: v["RoleName"], Tags: formTags(r.Request)}
		if in.RoleName == "" {
			in.RoleName = organizations.AccessRoleName
		}
		st, err = o.CreateAccount(ctx, in)
		path = "/console/organizations/request?id=" + url.QueryEscape(st.ID)
	case "remove":
		if r.PostFormValue("confirm") != v["AccountId"] {
			err = keyward.Errorf(keyward.EValidationError, "To confirm, type the account ID %s.", v["AccountId"])
		} else {
			err = o.RemoveAccountFromOrganization(ctx, v["AccountId"])
		}
		path, notice = "/console/organizations", "account-removed"
	case "close":
		// As AWS's console: the account's ID typed to confirm; the page
		// of the account then shows its status.
		if r.PostFormValue("confirm") != v["AccountId"] {
			err = keyward.Errorf(keyward.EValidationError, "To confirm, type the account ID %s.", v["AccountId"])
		} else {
			err = o.CloseAccount(ctx, v["AccountId"])
		}
		path, notice = targetPage(v["AccountId"]), "account-closed"
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, path, notice)
}

// formTags are the tags of the add-account form: its tagKey and tagValue
// fields, paired in order; a row left empty is no tag.
func formTags(r *http.Request) []keyward.Tag {
	keys, values := r.PostForm["tagKey"], r.PostForm["tagValue"]
	var out []keyward.Tag
	for i, k := range keys {
		v := ""
		if i < len(values) {
			v = values[i]
		}
		if k == "" && v == "" {
			continue
		}
		out = append(out, keyward.Tag{Key: k, Value: v})
	}
	return out
}

// createFailures are what AWS's model says of a CreateAccount request's
// FailureReason, by reason, so that the console explains the code it
// shows; another reason is shown as it is.
var createFailures = map[string]string{
	"EMAIL_ALREADY_EXISTS":            "The account could not be created because another AWS account with that email address already exists.",
	"ACCOUNT_LIMIT_EXCEEDED":          "The account couldn't be created because you reached the limit on the number of accounts in your organization.",
	"INVALID_EMAIL":                   "The account could not be created because the email address you provided is not valid.",
	"INVALID_ADDRESS":                 "The account could not be created because the address you provided is not valid.",
	"CONCURRENT_ACCOUNT_MODIFICATION": "You already submitted a request with the same information.",
	"INTERNAL_FAILURE":                "The account could not be created because of an internal failure. Try again later. If the problem persists, contact AWS Support.",
}

type orgRequestPage struct {
	layout
	Status organizations.CreateAccountStatus
	// Failure is AWS's words for Status.FailureReason.
	Failure string
	// Requests, without an ID, are every request, newest first.
	List     bool
	Requests []orgRequestRow
}

type orgRequestRow struct {
	organizations.CreateAccountStatus
	Requested time.Time
}

// orgRequestPage is a CreateAccount request's status: the new account,
// with a link to it in the tree, or why it failed. Keyward makes an
// account at once, so the status shown is final. Without an ID it lists
// the organization's requests (ListCreateAccountStatus), newest first.
func (c *Console) orgRequestPage(w http.ResponseWriter, r *request) {
	id := r.URL.Query().Get("id")
	if id == "" {
		sts, err := all(func(pg organizations.Page) ([]organizations.CreateAccountStatus, string, error) {
			return c.Organizations.ListCreateAccountStatus(r.ctx(), nil, pg)
		})
		if err != nil {
			c.fail(w, r, err)
			return
		}
		p := orgRequestPage{layout: c.layoutFor(r, "Account creation requests"), List: true}
		for _, st := range sts {
			p.Requests = append(p.Requests, orgRequestRow{CreateAccountStatus: st, Requested: time.Time(st.RequestedTimestamp)})
		}
		sort.SliceStable(p.Requests, func(i, j int) bool { return p.Requests[i].Requested.After(p.Requests[j].Requested) })
		c.render(w, http.StatusOK, "orgrequest", p)
		return
	}
	st, err := c.Organizations.DescribeCreateAccountStatus(r.ctx(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := orgRequestPage{layout: c.layoutFor(r, "Account creation request"), Status: st, Failure: st.FailureReason}
	if words, ok := createFailures[st.FailureReason]; ok {
		p.Failure = words
	}
	c.render(w, http.StatusOK, "orgrequest", p)
}

// createRootKey is a member account's "Create root access key", on its
// page: the account's ID typed to confirm, as closing it takes; then the
// key and its secret, shown once with the .csv file, as a new access key
// is. Package iam decides who may, and records it in both accounts; the
// management account's event is the form's, which names the account and
// the key (never the secret) and, as credentials handed out change
// nothing of the management account, is written here once answered.
func (c *Console) createRootKey(w http.ResponseWriter, r *request) {
	v := orgValues(r.Request, r.op)
	// The event names the account the form names, and nothing else (a
	// "name" field, which the generic event would take for a user's),
	// refused by validation or not.
	requested(r, map[string]any{"accountId": keyward.Clip(v["AccountId"])})
	if err := checkForm(r.op, v); err != nil {
		c.fail(w, r, err)
		return
	}
	id := v["AccountId"]
	if r.PostFormValue("confirm") != id {
		c.fail(w, r, keyward.Errorf(keyward.EValidationError, "To confirm, type the account ID %s.", id))
		return
	}
	k, secret, err := c.IAM.CreateAccountRootKey(r.ctx(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if pe, ok := keyward.EventFrom(r.ctx()); ok && c.Audit != nil && !pe.Claimed() {
		c.Audit.Add(&pe.Event)
	}
	acct := &orgAccount{Account: organizations.Account{ID: id, Name: id}}
	if a, err := c.Organizations.DescribeAccount(r.ctx(), id); err == nil {
		acct.Name = a.Name
	}
	p := newKeyPage{layout: c.layoutFor(r, "Create root access key"), Account: acct, Done: targetPage(id)}
	p.retrieved(k, secret, id+"_rootkey.csv")
	c.render(w, http.StatusOK, "newkey", p)
}

// organizationRoutes are AWS Organizations' pages and forms.
func (c *Console) organizationRoutes(pages sessionRoutes) {
	pages["GET /console/organizations"] = c.organizationsPage
	pages["POST /console/organizations"] = c.form("organizations:CreateOrganization", c.createOrganization)
	pages["GET /console/organizations/target"] = c.orgTargetPage
	pages["POST /console/organizations/do/{action}"] = c.forms(orgOperations, c.orgAction)
	pages["POST /console/organizations/root-key"] = c.form("CreateAccountRootKey", c.createRootKey)
	pages["GET /console/organizations/request"] = c.orgRequestPage
	pages["GET /console/organizations/policies"] = c.orgPoliciesPage
	pages["GET /console/organizations/policies/new"] = c.newOrgPolicyPage
	pages["POST /console/organizations/policies"] = c.saveOrgPolicy
	pages["GET /console/organizations/policy"] = c.orgPolicyPage
}
