package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// orgSCP is a service control policy's content.
const orgSCP = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`

// orgFixture is an organization made through the API as the root user:
// an OU Prod under the root, SCPs enabled, and the SCP DenyDelete attached
// to Prod; and a member account, made by CreateAccount.
type orgFixture struct {
	root                  *awsorg.Client
	orgID, rootID, prodID string
	policyID, memberID    string
	requestID             string
}

func newOrgFixture(t *testing.T, ts *apiServer) orgFixture {
	t.Helper()
	ctx := context.Background()
	f := orgFixture{root: ts.RootOrganizations()}
	o, err := f.root.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{})
	must(t, err)
	f.orgID = *o.Organization.Id
	roots, err := f.root.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	f.rootID = *roots.Roots[0].Id
	ou, err := f.root.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: aws.String(f.rootID), Name: aws.String("Prod")})
	must(t, err)
	f.prodID = *ou.OrganizationalUnit.Id
	_, err = f.root.EnablePolicyType(ctx, &awsorg.EnablePolicyTypeInput{RootId: aws.String(f.rootID), PolicyType: orgtypes.PolicyTypeServiceControlPolicy})
	must(t, err)
	p, err := f.root.CreatePolicy(ctx, &awsorg.CreatePolicyInput{Name: aws.String("DenyDelete"), Description: aws.String(""),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(orgSCP)})
	must(t, err)
	f.policyID = *p.Policy.PolicySummary.Id
	_, err = f.root.AttachPolicy(ctx, &awsorg.AttachPolicyInput{PolicyId: aws.String(f.policyID), TargetId: aws.String(f.prodID)})
	must(t, err)
	a, err := f.root.CreateAccount(ctx, &awsorg.CreateAccountInput{AccountName: aws.String("Member"), Email: aws.String("member@example.com")})
	must(t, err)
	if a.CreateAccountStatus.State != orgtypes.CreateAccountStateSucceeded {
		t.Fatalf("the member account: %+v", a.CreateAccountStatus)
	}
	f.memberID, f.requestID = *a.CreateAccountStatus.AccountId, *a.CreateAccountStatus.Id
	return f
}

// forms are the organization's forms, each with well-formed fields that
// would change something, by the operation it performs.
func (f orgFixture) forms() []struct {
	op, path string
	form     url.Values
} {
	return []struct {
		op, path string
		form     url.Values
	}{
		{"CreateOrganization", "/console/organizations", url.Values{"featureSet": {"ALL"}}},
		{"CreateOrganizationalUnit", "/console/organizations/do/create-ou", url.Values{"parentId": {f.rootID}, "name": {"Forged"}}},
		{"UpdateOrganizationalUnit", "/console/organizations/do/rename-ou", url.Values{"organizationalUnitId": {f.prodID}, "name": {"Renamed"}}},
		{"DeleteOrganizationalUnit", "/console/organizations/do/delete-ou", url.Values{"organizationalUnitId": {f.prodID}}},
		{"MoveAccount", "/console/organizations/do/move", url.Values{"accountId": {kwtest.AccountID}, "sourceParentId": {f.rootID}, "destinationParentId": {f.prodID}}},
		{"DisablePolicyType", "/console/organizations/do/disable-scp", url.Values{"rootId": {f.rootID}, "policyType": {"SERVICE_CONTROL_POLICY"}}},
		{"EnablePolicyType", "/console/organizations/do/enable-scp", url.Values{"rootId": {f.rootID}, "policyType": {"SERVICE_CONTROL_POLICY"}}},
		{"AttachPolicy", "/console/organizations/do/attach", url.Values{"policyId": {f.policyID}, "targetId": {f.rootID}}},
		{"DetachPolicy", "/console/organizations/do/detach", url.Values{"policyId": {f.policyID}, "targetId": {f.prodID}}},
		{"DeletePolicy", "/console/organizations/do/delete-policy", url.Values{"policyId": {f.policyID}, "confirm": {"DenyDelete"}}},
		{"CreatePolicy", "/console/organizations/policies", url.Values{"name": {"Forged"}, "description": {""}, "type": {"SERVICE_CONTROL_POLICY"}, "document": {orgSCP}}},
		{"UpdatePolicy", "/console/organizations/policies", url.Values{"policyId": {f.policyID}, "name": {"DenyDelete"}, "description": {"changed"}, "document": {keyward.FullAWSAccessContent}}},
		{"CreateAccount", "/console/organizations/do/add-account", url.Values{"accountName": {"Forged"}, "email": {"forged@example.com"},
			"roleName": {"OrganizationAccountAccessRole"}, "tagKey": {"team"}, "tagValue": {"web"}}},
		{"RemoveAccountFromOrganization", "/console/organizations/do/remove", url.Values{"accountId": {f.memberID}, "confirm": {f.memberID}}},
	}
}

// unchanged fails unless the organization is the fixture's as made: no
// form that was refused changed anything.
func (f orgFixture) unchanged(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	ous, err := f.root.ListOrganizationalUnitsForParent(ctx, &awsorg.ListOrganizationalUnitsForParentInput{ParentId: aws.String(f.rootID)})
	must(t, err)
	parents, err := f.root.ListParents(ctx, &awsorg.ListParentsInput{ChildId: aws.String(kwtest.AccountID)})
	must(t, err)
	roots, err := f.root.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	p, err := f.root.DescribePolicy(ctx, &awsorg.DescribePolicyInput{PolicyId: aws.String(f.policyID)})
	must(t, err)
	targets, err := f.root.ListTargetsForPolicy(ctx, &awsorg.ListTargetsForPolicyInput{PolicyId: aws.String(f.policyID)})
	must(t, err)
	pols, err := f.root.ListPolicies(ctx, &awsorg.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	must(t, err)
	accounts, err := f.root.ListAccounts(ctx, &awsorg.ListAccountsInput{})
	must(t, err)
	if len(accounts.Accounts) != 2 {
		t.Fatalf("refused forms changed the organization's accounts: %d, want the management account and the member", len(accounts.Accounts))
	}
	if len(ous.OrganizationalUnits) != 1 || *ous.OrganizationalUnits[0].Name != "Prod" || *parents.Parents[0].Id != f.rootID ||
		len(roots.Roots[0].PolicyTypes) != 1 || *p.Policy.Content != orgSCP || *p.Policy.PolicySummary.Description != "" ||
		len(targets.Targets) != 1 || *targets.Targets[0].TargetId != f.prodID || len(pols.Policies) != 2 {
		t.Fatalf("refused forms changed the organization: OUs %d, the account under %s, root %+v, policy %q %q, targets %d, policies %d",
			len(ous.OrganizationalUnits), *parents.Parents[0].Id, roots.Roots[0].PolicyTypes, *p.Policy.Content, *p.Policy.PolicySummary.Description,
			len(targets.Targets), len(pols.Policies))
	}
}

// TestOrganizationsConsoleAuthorized: the Organizations pages and forms
// are package organizations' calls as the signed-in user, who, allowed
// nothing of organizations:*, is refused every page and every form with
// AWS's AccessDeniedException naming the action, and changes nothing;
// allowed to read, still every change.
func TestOrganizationsConsoleAuthorized(t *testing.T) {
	ts := newAPIServer(t)
	f := newOrgFixture(t, ts)
	ctx := context.Background()
	root := ts.RootIAM()
	// Everything of IAM's, nothing of Organizations'.
	consoleUser(t, ts.Keyward, kwtest.AsRoot(ctx), "nobody", "Nobody-Passw0rd", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	c := signedIn(t, ts, userForm("nobody", "Nobody-Passw0rd"))
	// The navigation offers the pages; the pages refuse.
	if _, page := c.Get("/console/users"); !strings.Contains(page, `id="nav-organizations"`) {
		t.Fatal("no AWS Organizations in the navigation")
	}
	denied := func(t *testing.T, resp *http.Response, body, action string) {
		t.Helper()
		msg := "User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: organizations:" + action + " on resource: "
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, msg) || !strings.Contains(body, "Access denied") {
			t.Fatalf("%d, want AccessDenied for organizations:%s\n%.3000s", resp.StatusCode, action, body)
		}
	}
	pages := []struct{ path, action string }{
		{"/console/organizations", "DescribeOrganization"},
		{"/console/organizations/target?id=" + f.rootID, "DescribeOrganization"},
		{"/console/organizations/target?id=" + f.prodID, "DescribeOrganization"},
		{"/console/organizations/policies", "ListRoots"},
		{"/console/organizations/request", "ListCreateAccountStatus"},
		{"/console/organizations/request?id=" + f.requestID, "DescribeCreateAccountStatus"},
		{"/console/organizations/policy?id=" + f.policyID, "DescribePolicy"},
		{"/console/organizations/policy?id=" + f.policyID + "&edit=1", "DescribePolicy"},
	}
	for _, tt := range pages {
		t.Run("GET "+tt.path, func(t *testing.T) {
			resp, body := c.Get(tt.path)
			denied(t, resp, body, tt.action)
		})
	}
	for _, tt := range f.forms() {
		t.Run(tt.op, func(t *testing.T) {
			tt.form.Set("csrf", c.token())
			resp, body := c.Post(tt.path, tt.form)
			action := tt.op
			if tt.op == "DeletePolicy" {
				action = "DescribePolicy" // the form reads the name it confirms first
			}
			denied(t, resp, body, action)
		})
	}
	f.unchanged(t)

	// Allowed to read the organization, the pages show it; the forms
	// are refused still.
	_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("nobody"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:Describe*","organizations:List*"],"Resource":"*"}]}`)})
	must(t, err)
	for _, tt := range pages {
		if resp, body := c.Get(tt.path); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s with organizations:Describe* and List*: %d\n%.2000s", tt.path, resp.StatusCode, body)
		}
	}
	for _, tt := range f.forms() {
		tt.form.Set("csrf", c.token())
		resp, body := c.Post(tt.path, tt.form)
		denied(t, resp, body, tt.op)
	}
	f.unchanged(t)
}

// TestOrganizationsConsoleCSRF: every Organizations form without the
// session's CSRF token, or with another, is refused before it is read,
// and changes nothing.
func TestOrganizationsConsoleCSRF(t *testing.T) {
	ts := newAPIServer(t)
	f := newOrgFixture(t, ts)
	c := newWebClient(t, ts)
	c.SignIn(rootForm(kwtest.RootSecret))
	for _, tt := range f.forms() {
		for _, tok := range []string{"", "0123456789abcdef0123456789abcdef"} {
			form := url.Values{}
			for k, v := range tt.form {
				form[k] = v
			}
			if tok != "" {
				form.Set("csrf", tok)
			}
			if resp, _ := c.Post(tt.path, form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s with token %q: %d", tt.op, tok, resp.StatusCode)
			}
		}
	}
	f.unchanged(t)
}

// TestOrganizationsConsoleForms performs the forms as the root user: each
// records its operation's event, with Organizations' event source and the
// members the API's event would have; AWS's errors are shown as AWS
// words them; the editor shows where a document stops being JSON.
func TestOrganizationsConsoleForms(t *testing.T) {
	ts := newAPIServer(t)
	c := newWebClient(t, ts)
	c.SignIn(rootForm(kwtest.RootSecret))
	_, page := c.Get("/console/organizations")
	if !strings.Contains(page, `id="create-organization"`) {
		t.Fatalf("no offer to create an organization:\n%.2000s", page)
	}
	post := func(path string, form url.Values, status int) (*http.Response, string) {
		t.Helper()
		form.Set("csrf", c.token())
		resp, body := c.Post(path, form)
		if resp.StatusCode != status {
			t.Fatalf("%s %v: %d, want %d\n%.3000s", path, form, resp.StatusCode, status, body)
		}
		return resp, body
	}
	post("/console/organizations", url.Values{"featureSet": {"ALL"}}, http.StatusSeeOther)
	_, page = c.Get("/console/organizations")
	if !strings.Contains(page, "management account") || !strings.Contains(page, `data-account="`+kwtest.AccountID+`"`) {
		t.Fatalf("the tree has no management account:\n%.3000s", page)
	}
	ctx := context.Background()
	api := ts.RootOrganizations()
	roots, err := api.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	rootID := *roots.Roots[0].Id

	// A name the model refuses is refused with its constraint.
	_, body := post("/console/organizations/do/create-ou", url.Values{"parentId": {rootID}, "name": {""}}, http.StatusBadRequest)
	if !strings.Contains(body, "name") {
		t.Fatalf("an empty OU name:\n%.2000s", body)
	}
	resp, _ := post("/console/organizations/do/create-ou", url.Values{"parentId": {rootID}, "name": {"Prod"}}, http.StatusSeeOther)
	ouID := strings.TrimPrefix(strings.Split(resp.Header.Get("Location"), "&")[0], "/console/organizations/target?id=")
	post("/console/organizations/do/move", url.Values{"accountId": {kwtest.AccountID}, "sourceParentId": {rootID}, "destinationParentId": {ouID}}, http.StatusSeeOther)
	_, body = post("/console/organizations/do/delete-ou", url.Values{"organizationalUnitId": {ouID}}, http.StatusBadRequest)
	if !strings.Contains(body, "OrganizationalUnitNotEmptyException") || !strings.Contains(body, "The specified OU is not empty.") {
		t.Fatalf("deleting an OU with the account in it:\n%.2000s", body)
	}
	// The editor keeps the document and says where it stops being JSON.
	_, body = post("/console/organizations/policies", url.Values{"type": {"SERVICE_CONTROL_POLICY"}, "name": {"Deny"}, "description": {""},
		"document": {"{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [}"}}, http.StatusBadRequest)
	if !strings.Contains(body, `id="policy-problem-where">line 3, column 18</strong>`) {
		t.Fatalf("a document that is not JSON:\n%.3000s", body[strings.Index(body, "<main"):])
	}
	_, body = post("/console/organizations/policies", url.Values{"type": {"SERVICE_CONTROL_POLICY"}, "name": {"Deny"}, "description": {""},
		"document": {`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket"}]}`}}, http.StatusBadRequest)
	if !strings.Contains(body, `id="policy-problem"`) || strings.Contains(body, "policy-problem-where") {
		t.Fatalf("a document IAM's policy language refuses:\n%.3000s", body)
	}
	post("/console/organizations/policies", url.Values{"type": {"SERVICE_CONTROL_POLICY"}, "name": {"Deny"}, "description": {"d"},
		"document": {orgSCP}}, http.StatusSeeOther)
	// FullAWSAccess is AWS managed: no editing it.
	if _, page := c.Get("/console/organizations/policy?id=" + keyward.FullAWSAccessID); strings.Contains(page, `id="edit-scp"`) || strings.Contains(page, `id="delete-scp"`) {
		t.Fatalf("FullAWSAccess offered for editing:\n%.2000s", page)
	}
	_, body = post("/console/organizations/policies", url.Values{"policyId": {keyward.FullAWSAccessID}, "name": {"x"}, "description": {""}, "document": {orgSCP}}, http.StatusBadRequest)
	if !strings.Contains(body, "You specified a policy that is managed by AWS and can&#39;t be modified.") {
		t.Fatalf("editing FullAWSAccess:\n%.2000s", body)
	}

	// Add an AWS account: the request's status names the new account,
	// linked to its page; the same email again fails with AWS's reason.
	resp, _ = post("/console/organizations/do/add-account", url.Values{"accountName": {"Dev"}, "email": {"dev@example.com"},
		"roleName": {"OrganizationAccountAccessRole"}, "tagKey": {"team", ""}, "tagValue": {"web", ""}}, http.StatusSeeOther)
	_, body = c.Get(resp.Header.Get("Location"))
	accounts, err := api.ListAccounts(ctx, &awsorg.ListAccountsInput{})
	must(t, err)
	var devID string
	for _, a := range accounts.Accounts {
		if *a.Name == "Dev" {
			devID = *a.Id
		}
	}
	if devID == "" || !strings.Contains(body, `id="request-state">Succeeded`) ||
		!strings.Contains(body, `<a id="request-account" href="/console/organizations/target?id=`+devID+`">`) {
		t.Fatalf("the new account %q; its request:\n%.3000s", devID, body)
	}
	tags, err := api.ListTagsForResource(ctx, &awsorg.ListTagsForResourceInput{ResourceId: aws.String(devID)})
	must(t, err)
	if len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" || *tags.Tags[0].Value != "web" {
		t.Fatalf("the new account's tags %+v", tags.Tags)
	}
	if _, page := c.Get("/console/organizations"); !strings.Contains(page, `data-account="`+devID+`"`) {
		t.Fatalf("the new account is not in the tree:\n%.3000s", page)
	}
	ts.Clock.Add(time.Minute) // so that the requests' list has an order
	resp, _ = post("/console/organizations/do/add-account", url.Values{"accountName": {"Dev2"}, "email": {"dev@example.com"},
		"roleName": {"OrganizationAccountAccessRole"}}, http.StatusSeeOther)
	_, body = c.Get(resp.Header.Get("Location"))
	if !strings.Contains(body, `id="request-state">Failed`) || !strings.Contains(body, `<code id="request-reason">EMAIL_ALREADY_EXISTS</code>`) ||
		!strings.Contains(body, "another AWS account with that email address already exists") || strings.Contains(body, "request-account") {
		t.Fatalf("the same email again:\n%.3000s", body)
	}
	// The requests' list has both, the newest first.
	_, body = c.Get("/console/organizations/request")
	if i, j := strings.Index(body, ">Dev2</a>"), strings.Index(body, ">Dev</a>"); i < 0 || j < 0 || i > j ||
		!strings.Contains(body, "Failed: EMAIL_ALREADY_EXISTS") {
		t.Fatalf("the requests:\n%.3000s", body)
	}
	// An email the model refuses is refused with its constraint, and not echoed.
	_, body = post("/console/organizations/do/add-account", url.Values{"accountName": {"Dev3"}, "email": {"not-an-email"}}, http.StatusBadRequest)
	if !strings.Contains(body, "email") || strings.Contains(body, "not-an-email") {
		t.Fatalf("a malformed email:\n%.2000s", body)
	}

	// Remove from organization: offered for a member account, not for the
	// management account; the account ID must be typed.
	if _, page := c.Get("/console/organizations/target?id=" + kwtest.AccountID); strings.Contains(page, `id="remove-account"`) {
		t.Fatal("the management account is offered Remove from organization")
	}
	if _, page := c.Get("/console/organizations/target?id=" + devID); !strings.Contains(page, `id="remove-account"`) {
		t.Fatalf("a member account is not offered Remove from organization:\n%.3000s", page)
	}
	_, body = post("/console/organizations/do/remove", url.Values{"accountId": {devID}, "confirm": {"nope"}}, http.StatusBadRequest)
	if !strings.Contains(body, "To confirm, type the account ID "+devID) {
		t.Fatalf("removing unconfirmed:\n%.2000s", body)
	}
	_, body = post("/console/organizations/do/remove", url.Values{"accountId": {kwtest.AccountID}, "confirm": {kwtest.AccountID}}, http.StatusBadRequest)
	if !strings.Contains(body, "MasterCannotLeaveOrganizationException") {
		t.Fatalf("removing the management account:\n%.2000s", body)
	}
	post("/console/organizations/do/remove", url.Values{"accountId": {devID}, "confirm": {devID}}, http.StatusSeeOther)
	if _, err := api.DescribeAccount(ctx, &awsorg.DescribeAccountInput{AccountId: aws.String(devID)}); err == nil {
		t.Fatal("the removed account is still in the organization")
	}

	must(t, ts.Audit.Flush(ctx))
	events, _, err := ts.Store.LookupEvents(ctx, keyward.EventQuery{Source: keyward.EventSourceOrganizations, Max: 50})
	must(t, err)
	got := map[string]map[string]any{}
	for _, e := range events {
		var r struct {
			Source     string         `json:"eventSource"`
			ErrorCode  string         `json:"errorCode"`
			Parameters map[string]any `json:"requestParameters"`
		}
		must(t, json.Unmarshal(e.Record, &r))
		for _, secret := range []string{"dev@example.com", "not-an-email", `"Dev2"`} {
			if strings.Contains(string(e.Record), secret) {
				t.Errorf("%s records %s: %s", e.Name, secret, e.Record)
			}
		}
		if r.Source != keyward.EventSourceOrganizations {
			t.Fatalf("%s: source %s", e.Name, r.Source)
		}
		got[e.Name+" "+r.ErrorCode] = r.Parameters
	}
	for name, want := range map[string]map[string]any{
		"CreateOrganization ":       {"featureSet": "ALL"},
		"CreateOrganizationalUnit ": {"parentId": rootID, "name": "Prod"},
		"MoveAccount ":              {"accountId": kwtest.AccountID, "sourceParentId": rootID, "destinationParentId": ouID},
		"DeleteOrganizationalUnit OrganizationalUnitNotEmptyException": {"organizationalUnitId": ouID},
		"CreatePolicy ":                      {"name": "Deny", "description": "d", "type": "SERVICE_CONTROL_POLICY", "content": orgSCP},
		"UpdatePolicy InvalidInputException": {"policyId": keyward.FullAWSAccessID, "name": "x", "description": "", "content": orgSCP},
		// CloudTrail hides CreateAccount's email and name.
		"CreateAccount ":                 {"email": keyward.Hidden, "accountName": keyward.Hidden, "roleName": "OrganizationAccountAccessRole"},
		"RemoveAccountFromOrganization ": {"accountId": devID},
	} {
		params, ok := got[name]
		if !ok {
			t.Errorf("no event %q among %v", name, keys(got))
			continue
		}
		for k, v := range want {
			if params[k] != v {
				t.Errorf("%s: %s = %v, want %v", name, k, params[k], v)
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
