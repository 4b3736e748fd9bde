package organizations_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/organizations"
)

// orgClient is aws-sdk-go-v2's Organizations client for k, signing with
// the key.
func orgClient(k *kwtest.Keyward, id, secret string) *awsorg.Client {
	return awsorg.NewFromConfig(k.Config(id, secret, ""))
}

// rootClient is the Organizations client of k's installation account's
// root user.
func rootClient(k *kwtest.Keyward) *awsorg.Client {
	return orgClient(k, kwtest.RootKeyID, kwtest.RootSecret)
}

// start is where the tests on a clock of their own begin.
var start = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// newClocked starts a server on a clock of its own, at start, which the
// test moves.
func newClocked(t *testing.T) (*kwtest.Keyward, *kwtest.Clock) {
	clock := kwtest.NewClock(start)
	return kwtest.NewWithClock(t, clock.Now), clock
}

// newOrganization makes k's installation account the management account
// of an organization, and returns its root user's client, the
// organization's ID and its root's.
func newOrganization(t *testing.T, k *kwtest.Keyward) (c *awsorg.Client, orgID, rootID string) {
	t.Helper()
	ctx := context.Background()
	c = rootClient(k)
	created, err := c.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{})
	must(t, err)
	roots, err := c.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	return c, *created.Organization.Id, *roots.Roots[0].Id
}

// otherAccount is the account otherOrganization makes.
const otherAccount = "555555555555"

// otherOrganization makes another account of k's installation,
// otherAccount, the management account of an organization of its own
// with a member, and returns that account's root user's client and the
// member's ID.
func otherOrganization(t *testing.T, k *kwtest.Keyward) (*awsorg.Client, string) {
	t.Helper()
	ctx := context.Background()
	must(t, k.Store.CreateAccount(ctx, keyward.Account{ID: otherAccount, Status: keyward.AccountActive}, nil))
	xKey, xSecret, err := k.IAM.CreateAccountRootKey(keyward.Internal(ctx), otherAccount)
	must(t, err)
	xc := orgClient(k, xKey.ID, xSecret)
	must2(t)(xc.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{}))
	xm, err := xc.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String("x@example.com"), AccountName: aws.String("tenant-x")})
	must(t, err)
	return xc, aws.ToString(xm.CreateAccountStatus.AccountId)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	kwtest.WantAPIError(t, err, code, 400, "")
}

var (
	orgIDPattern  = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	rootIDPattern = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	ouIDPattern   = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	// The model's PolicyId and the customer half of its PolicyArn.
	policyIDPattern = regexp.MustCompile(`^p-[0-9a-z]{10,32}$`)
)

const scp = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`

// TestOrganizationsWithTheSDK drives every operation through
// aws-sdk-go-v2's Organizations client, as the root user of the
// management account.
func TestOrganizationsWithTheSDK(t *testing.T) {
	k, clock := newClocked(t)
	c := rootClient(k)
	ctx := context.Background()

	_, err := c.DescribeOrganization(ctx, &awsorg.DescribeOrganizationInput{})
	var notInUse *types.AWSOrganizationsNotInUseException
	if !errors.As(err, &notInUse) {
		t.Fatalf("DescribeOrganization before any: %v", err)
	}
	_, err = c.ListRoots(ctx, &awsorg.ListRootsInput{})
	wantCode(t, err, "AWSOrganizationsNotInUseException")

	created, err := c.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSetAll})
	must(t, err)
	o := created.Organization
	if !orgIDPattern.MatchString(*o.Id) || *o.MasterAccountId != kwtest.AccountID || o.FeatureSet != types.OrganizationFeatureSetAll ||
		*o.Arn != "arn:aws:organizations::"+kwtest.AccountID+":organization/"+*o.Id ||
		*o.MasterAccountArn != "arn:aws:organizations::"+kwtest.AccountID+":account/"+*o.Id+"/"+kwtest.AccountID {
		t.Fatalf("organization %+v", o)
	}
	// Its event is in the store with it, written in the change's
	// transaction, before the recorder flushes anything.
	written, _, err := k.Store.LookupEvents(ctx, keyward.EventQuery{Source: keyward.EventSourceOrganizations, EventName: "CreateOrganization", Max: 10})
	must(t, err)
	if len(written) != 1 {
		t.Fatalf("CreateOrganization's event with the change: %d events", len(written))
	}
	_, err = c.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{})
	var already *types.AlreadyInOrganizationException
	if !errors.As(err, &already) {
		t.Fatalf("a second CreateOrganization: %v", err)
	}
	_, err = c.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSetConsolidatedBilling})
	wantCode(t, err, "AlreadyInOrganizationException")
	described, err := c.DescribeOrganization(ctx, &awsorg.DescribeOrganizationInput{})
	must(t, err)
	if *described.Organization.Id != *o.Id {
		t.Fatalf("described %+v", described.Organization)
	}

	roots, err := c.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	if len(roots.Roots) != 1 {
		t.Fatalf("roots %+v", roots.Roots)
	}
	root := roots.Roots[0]
	if !rootIDPattern.MatchString(*root.Id) || *root.Name != "Root" || len(root.PolicyTypes) != 0 ||
		*root.Arn != "arn:aws:organizations::"+kwtest.AccountID+":root/"+*o.Id+"/"+*root.Id {
		t.Fatalf("root %+v", root)
	}

	// The management account, named by the account's alias once it has one.
	_, err = k.RootIAM().CreateAccountAlias(ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String("tenant-one")})
	must(t, err)
	accounts, err := c.ListAccounts(ctx, &awsorg.ListAccountsInput{})
	must(t, err)
	if len(accounts.Accounts) != 1 || *accounts.Accounts[0].Id != kwtest.AccountID || *accounts.Accounts[0].Name != "tenant-one" ||
		accounts.Accounts[0].JoinedMethod != types.AccountJoinedMethodCreated || !accounts.Accounts[0].JoinedTimestamp.Equal(clock.Now()) ||
		accounts.Accounts[0].State != types.AccountStateActive {
		t.Fatalf("accounts %+v", accounts.Accounts)
	}
	account, err := c.DescribeAccount(ctx, &awsorg.DescribeAccountInput{AccountId: aws.String(kwtest.AccountID)})
	must(t, err)
	if *account.Account.Arn != *o.MasterAccountArn {
		t.Fatalf("account %+v", account.Account)
	}
	_, err = c.DescribeAccount(ctx, &awsorg.DescribeAccountInput{AccountId: aws.String("999999999999")})
	wantCode(t, err, "AccountNotFoundException")
	under, err := c.ListAccountsForParent(ctx, &awsorg.ListAccountsForParentInput{ParentId: root.Id})
	must(t, err)
	if len(under.Accounts) != 1 {
		t.Fatalf("accounts under the root %+v", under.Accounts)
	}

	// OUs.
	prod, err := c.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: root.Id, Name: aws.String("Prod"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("storage")}}})
	must(t, err)
	pu := prod.OrganizationalUnit
	if !ouIDPattern.MatchString(*pu.Id) || !strings.HasPrefix(*pu.Id, "ou-"+(*root.Id)[2:]+"-") ||
		*pu.Arn != "arn:aws:organizations::"+kwtest.AccountID+":ou/"+*o.Id+"/"+*pu.Id || *pu.Path != *o.Id+"/"+*root.Id+"/"+*pu.Id+"/" {
		t.Fatalf("OU %+v", pu)
	}
	_, err = c.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: root.Id, Name: aws.String("Prod")})
	var dupOU *types.DuplicateOrganizationalUnitException
	if !errors.As(err, &dupOU) {
		t.Fatalf("a second OU Prod: %v", err)
	}
	_, err = c.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: aws.String("ou-zzzz-zzzzzzzz"), Name: aws.String("x")})
	wantCode(t, err, "ParentNotFoundException")
	inner, err := c.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: pu.Id, Name: aws.String("Prod")})
	must(t, err)
	if *inner.OrganizationalUnit.Path != *pu.Path+*inner.OrganizationalUnit.Id+"/" {
		t.Fatalf("inner OU %+v", inner.OrganizationalUnit)
	}
	for _, name := range []string{"Dev", "Sandbox"} {
		_, err := c.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: root.Id, Name: aws.String(name)})
		must(t, err)
	}
	// Paged one at a time, through the SDK's paginator.
	var names []string
	pages := awsorg.NewListOrganizationalUnitsForParentPaginator(c, &awsorg.ListOrganizationalUnitsForParentInput{ParentId: root.Id, MaxResults: aws.Int32(1)})
	for n := 0; pages.HasMorePages(); n++ {
		page, err := pages.NextPage(ctx)
		must(t, err)
		if len(page.OrganizationalUnits) > 1 || n > 5 {
			t.Fatalf("page %d: %+v", n, page.OrganizationalUnits)
		}
		for _, u := range page.OrganizationalUnits {
			names = append(names, *u.Name)
		}
	}
	if len(names) != 3 {
		t.Fatalf("OUs under the root %v", names)
	}
	_, err = c.ListOrganizationalUnitsForParent(ctx, &awsorg.ListOrganizationalUnitsForParentInput{ParentId: root.Id, NextToken: aws.String("garbage")})
	var invalid *types.InvalidInputException
	if !errors.As(err, &invalid) || invalid.Reason != types.InvalidInputExceptionReasonInvalidPaginationToken {
		t.Fatalf("a forged NextToken: %v", err)
	}
	kids, err := c.ListChildren(ctx, &awsorg.ListChildrenInput{ParentId: pu.Id, ChildType: types.ChildTypeOrganizationalUnit})
	must(t, err)
	if len(kids.Children) != 1 || *kids.Children[0].Id != *inner.OrganizationalUnit.Id || kids.Children[0].Type != types.ChildTypeOrganizationalUnit {
		t.Fatalf("children %+v", kids.Children)
	}
	kids, err = c.ListChildren(ctx, &awsorg.ListChildrenInput{ParentId: root.Id, ChildType: types.ChildTypeAccount})
	must(t, err)
	if len(kids.Children) != 1 || *kids.Children[0].Id != kwtest.AccountID {
		t.Fatalf("accounts under the root %+v", kids.Children)
	}
	parents, err := c.ListParents(ctx, &awsorg.ListParentsInput{ChildId: inner.OrganizationalUnit.Id})
	must(t, err)
	if len(parents.Parents) != 1 || *parents.Parents[0].Id != *pu.Id || parents.Parents[0].Type != types.ParentTypeOrganizationalUnit {
		t.Fatalf("parents %+v", parents.Parents)
	}
	parents, err = c.ListParents(ctx, &awsorg.ListParentsInput{ChildId: aws.String(kwtest.AccountID)})
	must(t, err)
	if len(parents.Parents) != 1 || *parents.Parents[0].Id != *root.Id || parents.Parents[0].Type != types.ParentTypeRoot {
		t.Fatalf("the account's parents %+v", parents.Parents)
	}
	_, err = c.ListParents(ctx, &awsorg.ListParentsInput{ChildId: aws.String("ou-zzzz-zzzzzzzz")})
	wantCode(t, err, "ChildNotFoundException")
	renamed, err := c.UpdateOrganizationalUnit(ctx, &awsorg.UpdateOrganizationalUnitInput{OrganizationalUnitId: inner.OrganizationalUnit.Id, Name: aws.String("Inner")})
	must(t, err)
	if *renamed.OrganizationalUnit.Name != "Inner" {
		t.Fatalf("renamed %+v", renamed.OrganizationalUnit)
	}
	got, err := c.DescribeOrganizationalUnit(ctx, &awsorg.DescribeOrganizationalUnitInput{OrganizationalUnitId: inner.OrganizationalUnit.Id})
	must(t, err)
	if *got.OrganizationalUnit.Name != "Inner" {
		t.Fatalf("described %+v", got.OrganizationalUnit)
	}
	_, err = c.DeleteOrganizationalUnit(ctx, &awsorg.DeleteOrganizationalUnitInput{OrganizationalUnitId: pu.Id})
	wantCode(t, err, "OrganizationalUnitNotEmptyException")
	// The model's pattern, checked before anything else.
	_, err = c.DescribeOrganizationalUnit(ctx, &awsorg.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String("ou-BAD")})
	if !errors.As(err, &invalid) || invalid.Reason != types.InvalidInputExceptionReasonInvalidPattern {
		t.Fatalf("a malformed OU ID: %v", err)
	}

	// Service control policies.
	_, err = c.CreatePolicy(ctx, &awsorg.CreatePolicyInput{Name: aws.String("Bad"), Description: aws.String(""), Type: types.PolicyTypeServiceControlPolicy,
		Content: aws.String(`{"Statement":[{"Effect":"Maybe"}]}`)})
	var malformed *types.MalformedPolicyDocumentException
	if !errors.As(err, &malformed) {
		t.Fatalf("a malformed SCP: %v", err)
	}
	_, err = c.CreatePolicy(ctx, &awsorg.CreatePolicyInput{Name: aws.String("Tags"), Description: aws.String(""), Type: types.PolicyTypeTagPolicy, Content: aws.String("{}")})
	wantCode(t, err, "PolicyTypeNotAvailableForOrganizationException")
	_, err = c.CreatePolicy(ctx, &awsorg.CreatePolicyInput{Name: aws.String("Big"), Description: aws.String(""), Type: types.PolicyTypeServiceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::` + strings.Repeat("b", 5200) + `"}]}`)})
	var cv *types.ConstraintViolationException
	if !errors.As(err, &cv) || cv.Reason != types.ConstraintViolationExceptionReasonPolicyContentLimitExceeded {
		t.Fatalf("an SCP too long: %v", err)
	}
	pol, err := c.CreatePolicy(ctx, &awsorg.CreatePolicyInput{Name: aws.String("NoBucketDeletion"), Description: aws.String("keeps buckets"),
		Type: types.PolicyTypeServiceControlPolicy, Content: aws.String(scp)})
	must(t, err)
	ps := pol.Policy.PolicySummary
	if !policyIDPattern.MatchString(*ps.Id) || ps.AwsManaged || *pol.Policy.Content != scp ||
		*ps.Arn != "arn:aws:organizations::"+kwtest.AccountID+":policy/"+*o.Id+"/service_control_policy/"+*ps.Id {
		t.Fatalf("policy %+v", ps)
	}
	_, err = c.CreatePolicy(ctx, &awsorg.CreatePolicyInput{Name: aws.String("NoBucketDeletion"), Description: aws.String(""), Type: types.PolicyTypeServiceControlPolicy, Content: aws.String(scp)})
	wantCode(t, err, "DuplicatePolicyException")
	_, err = c.AttachPolicy(ctx, &awsorg.AttachPolicyInput{PolicyId: ps.Id, TargetId: pu.Id})
	wantCode(t, err, "PolicyTypeNotEnabledException")

	enabled, err := c.EnablePolicyType(ctx, &awsorg.EnablePolicyTypeInput{RootId: root.Id, PolicyType: types.PolicyTypeServiceControlPolicy})
	must(t, err)
	if len(enabled.Root.PolicyTypes) != 1 || enabled.Root.PolicyTypes[0].Type != types.PolicyTypeServiceControlPolicy || enabled.Root.PolicyTypes[0].Status != types.PolicyTypeStatusEnabled {
		t.Fatalf("root after enabling %+v", enabled.Root)
	}
	_, err = c.EnablePolicyType(ctx, &awsorg.EnablePolicyTypeInput{RootId: root.Id, PolicyType: types.PolicyTypeServiceControlPolicy})
	wantCode(t, err, "PolicyTypeAlreadyEnabledException")
	_, err = c.EnablePolicyType(ctx, &awsorg.EnablePolicyTypeInput{RootId: aws.String("r-zzzz"), PolicyType: types.PolicyTypeServiceControlPolicy})
	wantCode(t, err, "RootNotFoundException")
	// FullAWSAccess is on the root, and on every OU, new ones included.
	sandbox, err := c.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: root.Id, Name: aws.String("New")})
	must(t, err)
	for _, target := range []*string{root.Id, pu.Id, sandbox.OrganizationalUnit.Id, aws.String(kwtest.AccountID)} {
		attached, err := c.ListPoliciesForTarget(ctx, &awsorg.ListPoliciesForTargetInput{TargetId: target, Filter: types.PolicyTypeServiceControlPolicy})
		must(t, err)
		if len(attached.Policies) != 1 || *attached.Policies[0].Id != keyward.FullAWSAccessID || !attached.Policies[0].AwsManaged ||
			*attached.Policies[0].Arn != keyward.FullAWSAccessARN {
			t.Fatalf("policies of %s: %+v", *target, attached.Policies)
		}
	}
	must2(t)(c.AttachPolicy(ctx, &awsorg.AttachPolicyInput{PolicyId: ps.Id, TargetId: pu.Id}))
	_, err = c.AttachPolicy(ctx, &awsorg.AttachPolicyInput{PolicyId: ps.Id, TargetId: pu.Id})
	wantCode(t, err, "DuplicatePolicyAttachmentException")
	_, err = c.AttachPolicy(ctx, &awsorg.AttachPolicyInput{PolicyId: ps.Id, TargetId: aws.String("ou-zzzz-zzzzzzzz")})
	wantCode(t, err, "TargetNotFoundException")
	_, err = c.AttachPolicy(ctx, &awsorg.AttachPolicyInput{PolicyId: aws.String("p-zzzzzzzzzz"), TargetId: pu.Id})
	wantCode(t, err, "PolicyNotFoundException")
	targets, err := c.ListTargetsForPolicy(ctx, &awsorg.ListTargetsForPolicyInput{PolicyId: ps.Id})
	must(t, err)
	if len(targets.Targets) != 1 || *targets.Targets[0].TargetId != *pu.Id || *targets.Targets[0].Name != "Prod" || targets.Targets[0].Type != types.TargetTypeOrganizationalUnit {
		t.Fatalf("targets %+v", targets.Targets)
	}
	all, err := c.ListPolicies(ctx, &awsorg.ListPoliciesInput{Filter: types.PolicyTypeServiceControlPolicy})
	must(t, err)
	if len(all.Policies) != 2 {
		t.Fatalf("policies %+v", all.Policies)
	}
	_, err = c.DeletePolicy(ctx, &awsorg.DeletePolicyInput{PolicyId: ps.Id})
	wantCode(t, err, "PolicyInUseException")
	_, err = c.DeletePolicy(ctx, &awsorg.DeletePolicyInput{PolicyId: aws.String(keyward.FullAWSAccessID)})
	if !errors.As(err, &invalid) || invalid.Reason != types.InvalidInputExceptionReasonImmutablePolicy {
		t.Fatalf("deleting FullAWSAccess: %v", err)
	}
	updated, err := c.UpdatePolicy(ctx, &awsorg.UpdatePolicyInput{PolicyId: ps.Id, Description: aws.String("still keeps buckets")})
	must(t, err)
	if *updated.Policy.PolicySummary.Description != "still keeps buckets" || *updated.Policy.PolicySummary.Name != "NoBucketDeletion" {
		t.Fatalf("updated %+v", updated.Policy.PolicySummary)
	}
	_, err = c.UpdatePolicy(ctx, &awsorg.UpdatePolicyInput{PolicyId: ps.Id, Content: aws.String("{")})
	wantCode(t, err, "MalformedPolicyDocumentException")
	// FullAWSAccess is the root's last SCP.
	_, err = c.DetachPolicy(ctx, &awsorg.DetachPolicyInput{PolicyId: aws.String(keyward.FullAWSAccessID), TargetId: root.Id})
	if !errors.As(err, &cv) || cv.Reason != types.ConstraintViolationExceptionReasonMinPolicyTypeAttachmentLimitExceeded {
		t.Fatalf("detaching the root's last SCP: %v", err)
	}
	must2(t)(c.DetachPolicy(ctx, &awsorg.DetachPolicyInput{PolicyId: ps.Id, TargetId: pu.Id}))
	_, err = c.DetachPolicy(ctx, &awsorg.DetachPolicyInput{PolicyId: ps.Id, TargetId: pu.Id})
	wantCode(t, err, "PolicyNotAttachedException")
	must2(t)(c.DeletePolicy(ctx, &awsorg.DeletePolicyInput{PolicyId: ps.Id}))
	_, err = c.DescribePolicy(ctx, &awsorg.DescribePolicyInput{PolicyId: ps.Id})
	wantCode(t, err, "PolicyNotFoundException")
	full, err := c.DescribePolicy(ctx, &awsorg.DescribePolicyInput{PolicyId: aws.String(keyward.FullAWSAccessID)})
	must(t, err)
	if *full.Policy.Content != keyward.FullAWSAccessContent {
		t.Fatalf("FullAWSAccess %+v", full.Policy)
	}

	// Tags of an OU, the root, the account and a policy.
	for _, id := range []string{*pu.Id, *root.Id, kwtest.AccountID, keyward.FullAWSAccessID} {
		must2(t)(c.TagResource(ctx, &awsorg.TagResourceInput{ResourceId: aws.String(id), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}))
	}
	tags, err := c.ListTagsForResource(ctx, &awsorg.ListTagsForResourceInput{ResourceId: pu.Id})
	must(t, err)
	if len(tags.Tags) != 2 || *tags.Tags[0].Key != "team" || *tags.Tags[1].Key != "env" {
		t.Fatalf("tags %+v", tags.Tags)
	}
	must2(t)(c.UntagResource(ctx, &awsorg.UntagResourceInput{ResourceId: pu.Id, TagKeys: []string{"team", "absent"}}))
	tags, err = c.ListTagsForResource(ctx, &awsorg.ListTagsForResourceInput{ResourceId: pu.Id})
	must(t, err)
	if len(tags.Tags) != 1 || *tags.Tags[0].Key != "env" {
		t.Fatalf("tags after untagging %+v", tags.Tags)
	}
	_, err = c.TagResource(ctx, &awsorg.TagResourceInput{ResourceId: pu.Id, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("a"), Value: aws.String("2")}}})
	if !errors.As(err, &invalid) || invalid.Reason != types.InvalidInputExceptionReasonDuplicateTagKey {
		t.Fatalf("a tag key twice: %v", err)
	}
	_, err = c.ListTagsForResource(ctx, &awsorg.ListTagsForResourceInput{ResourceId: aws.String("ou-zzzz-zzzzzzzz")})
	wantCode(t, err, "TargetNotFoundException")

	// Disabling SCPs detaches them all.
	disabled, err := c.DisablePolicyType(ctx, &awsorg.DisablePolicyTypeInput{RootId: root.Id, PolicyType: types.PolicyTypeServiceControlPolicy})
	must(t, err)
	if len(disabled.Root.PolicyTypes) != 0 {
		t.Fatalf("root after disabling %+v", disabled.Root)
	}
	targets, err = c.ListTargetsForPolicy(ctx, &awsorg.ListTargetsForPolicyInput{PolicyId: aws.String(keyward.FullAWSAccessID)})
	must(t, err)
	if len(targets.Targets) != 0 {
		t.Fatalf("FullAWSAccess's targets after disabling %+v", targets.Targets)
	}

	// Every change is in the audit trail, from organizations.amazonaws.com.
	must(t, k.Audit.Flush(ctx))
	events, _, err := k.Store.LookupEvents(ctx, keyward.EventQuery{Source: keyward.EventSourceOrganizations, Max: 100})
	must(t, err)
	seen := map[string]bool{}
	for _, e := range events {
		seen[e.Name] = true
		var rec keyward.Event
		must(t, json.Unmarshal(e.Record, &rec))
		if rec.RecipientAccountID != kwtest.AccountID || rec.UserIdentity.Type != "Root" {
			t.Fatalf("event %s", e.Record)
		}
	}
	for _, name := range []string{"CreateOrganization", "CreateOrganizationalUnit", "UpdateOrganizationalUnit", "CreatePolicy", "AttachPolicy",
		"DetachPolicy", "DeletePolicy", "EnablePolicyType", "DisablePolicyType", "TagResource", "UntagResource"} {
		if !seen[name] {
			t.Errorf("no event of %s among %v", name, seen)
		}
	}

	// An organization with OUs and policies but no member account may go.
	for _, id := range []*string{inner.OrganizationalUnit.Id} {
		must2(t)(c.DeleteOrganizationalUnit(ctx, &awsorg.DeleteOrganizationalUnitInput{OrganizationalUnitId: id}))
	}
	must2(t)(c.DeleteOrganization(ctx, &awsorg.DeleteOrganizationInput{}))
	_, err = c.DescribeOrganization(ctx, &awsorg.DescribeOrganizationInput{})
	wantCode(t, err, "AWSOrganizationsNotInUseException")
}

// must2 checks the error of a call that also returns an output.
func must2(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		must(t, err)
	}
}

// TestOrganizationsAccessByPolicy: an IAM user of the management account
// acts on the organization as its policies allow, on the resources they
// name, and its refusals are audited.
func TestOrganizationsAccessByPolicy(t *testing.T) {
	k := kwtest.New(t)
	ctx := context.Background()
	root, orgID, rootID := newOrganization(t, k)

	id, secret := k.User(t, "reader", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["organizations:Describe*","organizations:List*"],"Resource":"*"},
		{"Effect":"Allow","Action":"organizations:CreateOrganizationalUnit","Resource":"arn:aws:organizations::`+kwtest.AccountID+`:root/`+orgID+`/`+rootID+`"}]}`)
	c := orgClient(k, id, secret)
	_, err := c.DescribeOrganization(ctx, &awsorg.DescribeOrganizationInput{})
	must(t, err)
	_, err = c.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: aws.String(rootID), Name: aws.String("Allowed")})
	must(t, err)
	ou, err := c.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: aws.String(rootID), Name: aws.String("Parent")})
	must(t, err)
	// The policy names the root: an OU is another resource.
	_, err = c.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: ou.OrganizationalUnit.Id, Name: aws.String("Child")})
	var denied *types.AccessDeniedException
	if !errors.As(err, &denied) || !strings.Contains(*denied.Message, "organizations:CreateOrganizationalUnit on resource: arn:aws:organizations::"+kwtest.AccountID+":ou/") {
		t.Fatalf("an OU under an OU: %v", err)
	}
	for name, call := range map[string]func() error{
		"DeleteOrganization": func() error { _, err := c.DeleteOrganization(ctx, &awsorg.DeleteOrganizationInput{}); return err },
		"EnablePolicyType": func() error {
			_, err := c.EnablePolicyType(ctx, &awsorg.EnablePolicyTypeInput{RootId: aws.String(rootID), PolicyType: types.PolicyTypeServiceControlPolicy})
			return err
		},
		"CreatePolicy": func() error {
			_, err := c.CreatePolicy(ctx, &awsorg.CreatePolicyInput{Name: aws.String("x"), Description: aws.String(""), Type: types.PolicyTypeServiceControlPolicy, Content: aws.String(scp)})
			return err
		},
		"TagResource": func() error {
			_, err := c.TagResource(ctx, &awsorg.TagResourceInput{ResourceId: aws.String(rootID), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		},
	} {
		if err := call(); err == nil || !strings.Contains(err.Error(), "AccessDeniedException") {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// An action AWS gives no resource type is allowed on "*" alone; one
	// it does, on its resource's ARN.
	orgARN := "arn:aws:organizations::" + kwtest.AccountID + ":organization/" + orgID
	rootARN := "arn:aws:organizations::" + kwtest.AccountID + ":root/" + orgID + "/" + rootID
	id2, secret2 := k.User(t, "narrow", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["organizations:DescribeOrganization","organizations:ListChildren"],"Resource":["`+orgARN+`","`+rootARN+`"]}]}`)
	narrow := orgClient(k, id2, secret2)
	_, err = narrow.DescribeOrganization(ctx, &awsorg.DescribeOrganizationInput{})
	kwtest.WantAPIError(t, err, "AccessDeniedException", 400, "")
	_, err = narrow.ListChildren(ctx, &awsorg.ListChildrenInput{ParentId: aws.String(rootID), ChildType: types.ChildTypeOrganizationalUnit})
	must(t, err)
	_, err = narrow.ListChildren(ctx, &awsorg.ListChildrenInput{ParentId: ou.OrganizationalUnit.Id, ChildType: types.ChildTypeOrganizationalUnit})
	kwtest.WantAPIError(t, err, "AccessDeniedException", 400, "")

	// Nothing changed.
	d, err := root.DescribeOrganization(ctx, &awsorg.DescribeOrganizationInput{})
	must(t, err)
	if *d.Organization.Id != orgID {
		t.Fatalf("organization %+v", d.Organization)
	}
	r, err := root.ListRoots(ctx, &awsorg.ListRootsInput{})
	must(t, err)
	if len(r.Roots[0].PolicyTypes) != 0 {
		t.Fatalf("root %+v", r.Roots[0])
	}
	must(t, k.Audit.Flush(ctx))
	events, _, err := k.Store.LookupEvents(ctx, keyward.EventQuery{Source: keyward.EventSourceOrganizations, EventName: "EnablePolicyType", Max: 10})
	must(t, err)
	if len(events) != 1 || !strings.Contains(string(events[0].Record), `"errorCode":"AccessDeniedException"`) || !strings.Contains(string(events[0].Record), `"userName":"reader"`) {
		t.Fatalf("the refusal's event: %d events", len(events))
	}
}

// TestOrganizationsConditionKeys: a Deny that names a resource's tag, a
// request's tag keys or a policy type applies to the Organizations API as
// it does to IAM's: an administrator of everything else cannot rename,
// untag or delete a protected OU, nor attach or detach SCPs.
func TestOrganizationsConditionKeys(t *testing.T) {
	k := kwtest.New(t)
	ctx := context.Background()
	root, _, rootID := newOrganization(t, k)
	_, err := root.EnablePolicyType(ctx, &awsorg.EnablePolicyTypeInput{RootId: aws.String(rootID), PolicyType: types.PolicyTypeServiceControlPolicy})
	must(t, err)
	prot, err := root.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: aws.String(rootID), Name: aws.String("prot"),
		Tags: []types.Tag{{Key: aws.String("protected"), Value: aws.String("true")}}})
	must(t, err)
	open, err := root.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: aws.String(rootID), Name: aws.String("open")})
	must(t, err)
	pol, err := root.CreatePolicy(ctx, &awsorg.CreatePolicyInput{Name: aws.String("p"), Description: aws.String(""), Type: types.PolicyTypeServiceControlPolicy, Content: aws.String(scp)})
	must(t, err)

	id, secret := k.User(t, "admin", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"organizations:*","Resource":"*"},
		{"Effect":"Deny","Action":"organizations:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/protected":"true"}}},
		{"Effect":"Deny","Action":["organizations:TagResource","organizations:UntagResource","organizations:CreateOrganizationalUnit"],"Resource":"*",
		 "Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["protected"]}}},
		{"Effect":"Deny","Action":["organizations:AttachPolicy","organizations:DetachPolicy"],"Resource":"*",
		 "Condition":{"StringEquals":{"organizations:PolicyType":"SERVICE_CONTROL_POLICY"}}}]}`)
	c := orgClient(k, id, secret)
	for name, call := range map[string]func() error{
		"UpdateOrganizationalUnit of a protected OU": func() error {
			_, err := c.UpdateOrganizationalUnit(ctx, &awsorg.UpdateOrganizationalUnitInput{OrganizationalUnitId: prot.OrganizationalUnit.Id, Name: aws.String("pwned")})
			return err
		},
		"DeleteOrganizationalUnit of a protected OU": func() error {
			_, err := c.DeleteOrganizationalUnit(ctx, &awsorg.DeleteOrganizationalUnitInput{OrganizationalUnitId: prot.OrganizationalUnit.Id})
			return err
		},
		"UntagResource of the protected key": func() error {
			_, err := c.UntagResource(ctx, &awsorg.UntagResourceInput{ResourceId: open.OrganizationalUnit.Id, TagKeys: []string{"protected"}})
			return err
		},
		"CreateOrganizationalUnit with the protected key": func() error {
			_, err := c.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: aws.String(rootID), Name: aws.String("sneaky"),
				Tags: []types.Tag{{Key: aws.String("protected"), Value: aws.String("false")}}})
			return err
		},
		"AttachPolicy of an SCP": func() error {
			_, err := c.AttachPolicy(ctx, &awsorg.AttachPolicyInput{PolicyId: pol.Policy.PolicySummary.Id, TargetId: open.OrganizationalUnit.Id})
			return err
		},
		"DetachPolicy of FullAWSAccess": func() error {
			_, err := c.DetachPolicy(ctx, &awsorg.DetachPolicyInput{PolicyId: aws.String(keyward.FullAWSAccessID), TargetId: aws.String(rootID)})
			return err
		},
	} {
		var denied *types.AccessDeniedException
		if err := call(); !errors.As(err, &denied) || !strings.Contains(*denied.Message, "with an explicit deny in an identity-based policy") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// What no condition names stays allowed.
	_, err = c.UpdateOrganizationalUnit(ctx, &awsorg.UpdateOrganizationalUnitInput{OrganizationalUnitId: open.OrganizationalUnit.Id, Name: aws.String("renamed")})
	must(t, err)
	d, err := root.DescribeOrganizationalUnit(ctx, &awsorg.DescribeOrganizationalUnitInput{OrganizationalUnitId: prot.OrganizationalUnit.Id})
	must(t, err)
	if *d.OrganizationalUnit.Name != "prot" {
		t.Fatalf("the protected OU is now %q", *d.OrganizationalUnit.Name)
	}
}

// TestOrganizationsMoveAccount moves the management account between the
// root and OUs with aws-sdk-go-v2's client: each of AWS's errors for a
// wrong account, source or destination, the OU that holds it not empty,
// the decision on the account's ARN, and the move's event.
func TestOrganizationsMoveAccount(t *testing.T) {
	k := kwtest.New(t)
	ctx := context.Background()
	root, orgID, rootID := newOrganization(t, k)
	prod, err := root.CreateOrganizationalUnit(ctx, &awsorg.CreateOrganizationalUnitInput{ParentId: aws.String(rootID), Name: aws.String("Prod")})
	must(t, err)
	prodID := *prod.OrganizationalUnit.Id
	gone := "ou-" + rootID[2:] + "-zzzzzzzz"
	move := func(c *awsorg.Client, account, source, destination string) error {
		_, err := c.MoveAccount(ctx, &awsorg.MoveAccountInput{AccountId: aws.String(account), SourceParentId: aws.String(source), DestinationParentId: aws.String(destination)})
		return err
	}
	for _, tt := range []struct {
		name, account, source, destination, code string
	}{
		{"no such account", "999999999999", rootID, prodID, "AccountNotFoundException"},
		{"not under the source", kwtest.AccountID, prodID, rootID, "SourceParentNotFoundException"},
		{"no such destination", kwtest.AccountID, rootID, gone, "DestinationParentNotFoundException"},
		{"there already", kwtest.AccountID, rootID, rootID, "DuplicateAccountException"},
		{"a malformed ID", kwtest.AccountID, "root", prodID, "InvalidInputException"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, move(root, tt.account, tt.source, tt.destination), tt.code) })
	}

	// A user allowed MoveAccount on another account's ARN is refused on
	// this one's.
	other := "arn:aws:organizations::" + kwtest.AccountID + ":account/" + orgID + "/111111111111"
	id, secret := k.User(t, "mover", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:MoveAccount","Resource":"`+other+`"}]}`)
	var denied *types.AccessDeniedException
	if err := move(orgClient(k, id, secret), kwtest.AccountID, rootID, prodID); !errors.As(err, &denied) ||
		!strings.Contains(*denied.Message, "organizations:MoveAccount on resource: arn:aws:organizations::"+kwtest.AccountID+":account/"+orgID+"/"+kwtest.AccountID) {
		t.Fatalf("a move the policy does not allow: %v", err)
	}

	must(t, move(root, kwtest.AccountID, rootID, prodID))
	parents, err := root.ListParents(ctx, &awsorg.ListParentsInput{ChildId: aws.String(kwtest.AccountID)})
	must(t, err)
	if len(parents.Parents) != 1 || *parents.Parents[0].Id != prodID || parents.Parents[0].Type != types.ParentTypeOrganizationalUnit {
		t.Fatalf("parents after the move %+v", parents.Parents)
	}
	_, err = root.DeleteOrganizationalUnit(ctx, &awsorg.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(prodID)})
	wantCode(t, err, "OrganizationalUnitNotEmptyException")
	must(t, move(root, kwtest.AccountID, prodID, rootID))
	_, err = root.DeleteOrganizationalUnit(ctx, &awsorg.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(prodID)})
	must(t, err)

	must(t, k.Audit.Flush(ctx))
	events, _, err := k.Store.LookupEvents(ctx, keyward.EventQuery{Source: keyward.EventSourceOrganizations, EventName: "MoveAccount", Max: 20})
	must(t, err)
	ok := 0
	for _, e := range events {
		if strings.Contains(string(e.Record), `"destinationParentId":"`+prodID+`"`) && !strings.Contains(string(e.Record), `"errorCode"`) {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d successful moves into the OU among %d MoveAccount events", ok, len(events))
	}
}

// TestOUDepthLimit: OUs nest five deep under the root at most, as on AWS
// (ConstraintViolationException, OU_DEPTH_LIMIT_EXCEEDED): with the root
// and the account, every level of SCPs an account's decisions take.
func TestOUDepthLimit(t *testing.T) {
	k := kwtest.New(t)
	root := kwtest.AsRoot(context.Background())
	_, err := k.Organizations.CreateOrganization(root, keyward.FeatureSetAll)
	must(t, err)
	roots, _, err := k.Organizations.ListRoots(root, organizations.Page{})
	must(t, err)
	parent := roots[0].ID
	for depth := 1; depth <= keyward.MaxOUDepth; depth++ {
		ou, err := k.Organizations.CreateOrganizationalUnit(root, parent, fmt.Sprint("level", depth), nil)
		must(t, err)
		parent = ou.ID
	}
	_, err = k.Organizations.CreateOrganizationalUnit(root, parent, "too-deep", nil)
	if keyward.ErrorCode(err) != organizations.EConstraintViolation || organizations.Reason(err) != "OU_DEPTH_LIMIT_EXCEEDED" {
		t.Fatalf("a sixth level: %v", err)
	}
}
