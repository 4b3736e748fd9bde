package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
)

func init() { suite(organizationTests()...) }

// organizationTests are the cases of AWS Organizations' store.
func organizationTests() []namedTest {
	return []namedTest{
		{"Organization", orgTest(testOrganization)},
		{"OrganizationUnits", orgTest(testOrganizationUnits)},
		{"OrganizationPolicies", orgTest(testOrganizationPolicies)},
		{"OrganizationTags", orgTest(testOrganizationTags)},
		{"OrganizationServiceAccess", orgTest(testOrganizationServiceAccess)},
		{"OrganizationRemoveAccount", orgTest(testOrganizationRemoveAccount)},
		{"OrganizationMoveAccount", orgTest(testOrganizationMoveAccount)},
		{"OrganizationCloseAccount", orgTest(testOrganizationCloseAccount)},
		{"OrganizationConcurrentClose", orgTest(testOrganizationConcurrentClose)},
		{"OrganizationConcurrentCreate", orgTest(testOrganizationConcurrentCreate)},
		{"OrganizationConcurrentOUs", orgTest(testOrganizationConcurrentOUs)},
		{"OrganizationConcurrentDeletePolicy", orgTest(testOrganizationConcurrentDeletePolicy)},
	}
}

const orgAccount = "123456789012"

// newOrg makes an organization of orgAccount with FullAWSAccess.
func newOrg(t *testing.T, s organizations.Store, id string) keyward.Organization {
	t.Helper()
	o := keyward.Organization{ID: id, MasterAccountID: orgAccount, FeatureSet: keyward.FeatureSetAll, RootID: "r-" + id[2:6],
		RootName: keyward.RootName, CreatedAt: t0}
	must(t, s.CreateOrganization(context.Background(), o, masterOf(o), fullAccess()))
	return o
}

func masterOf(o keyward.Organization) keyward.OrgAccount {
	return keyward.OrgAccount{ID: o.MasterAccountID, OrganizationID: o.ID, ParentID: o.RootID, JoinedMethod: keyward.JoinedCreated, JoinedAt: t0}
}

func fullAccess() []keyward.OrgPolicy {
	return []keyward.OrgPolicy{{ID: keyward.FullAWSAccessID, Name: keyward.FullAWSAccessName, Description: "Allows access to every operation",
		Type: keyward.ServiceControlPolicyType, Content: keyward.FullAWSAccessContent, AWSManaged: true}}
}

func testOrganization(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	_, err := s.OrganizationOf(ctx, orgAccount)
	wantErr(t, err, keyward.ErrNotInOrganization)
	o := newOrg(t, s, "o-abcdefghij")
	got, err := s.OrganizationOf(ctx, orgAccount)
	must(t, err)
	if got.ID != o.ID || got.RootID != o.RootID || got.MasterAccountID != orgAccount || len(got.PolicyTypes) != 0 || !got.CreatedAt.Equal(t0) {
		t.Fatalf("organization %+v", got)
	}
	o2 := o
	o2.ID = "o-bbbbbbbbbb"
	wantErr(t, s.CreateOrganization(ctx, o2, masterOf(o2), fullAccess()), keyward.ErrAlreadyInOrganization)

	a, err := s.OrgAccount(ctx, o.ID, orgAccount)
	must(t, err)
	if a.ParentID != o.RootID || a.JoinedMethod != keyward.JoinedCreated {
		t.Fatalf("management account %+v", a)
	}
	_, err = s.OrgAccount(ctx, o.ID, "999999999999")
	wantErr(t, err, keyward.ErrNoSuchOrgAccount)
	as, more, err := s.OrgAccounts(ctx, o.ID, o.RootID, "", 20)
	must(t, err)
	if len(as) != 1 || more || as[0].ID != orgAccount {
		t.Fatalf("accounts under the root %+v %v", as, more)
	}
	_, _, err = s.OrgAccounts(ctx, o.ID, "r-zzzz", "", 20)
	wantErr(t, err, keyward.ErrNoSuchParent)
	// Another organization's root is no parent in this one.
	_, _, err = s.OrgAccounts(ctx, "o-bbbbbbbbbb", o.RootID, "", 20)
	wantErr(t, err, keyward.ErrNoSuchParent)

	// SCPs: enabling attaches FullAWSAccess to the root and the accounts.
	o, err = s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
	must(t, err)
	if !o.Enabled(keyward.ServiceControlPolicyType) {
		t.Fatalf("types %v", o.PolicyTypes)
	}
	_, err = s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
	wantErr(t, err, keyward.ErrPolicyTypeEnabled)
	targets, _, err := s.TargetsForPolicy(ctx, o.ID, keyward.FullAWSAccessID, "", 20)
	must(t, err)
	if fmt.Sprint(targets) != fmt.Sprintf("[{%s ACCOUNT} {%s ROOT}]", orgAccount, o.RootID) {
		t.Fatalf("FullAWSAccess's targets %v", targets)
	}
	o, err = s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, false)
	must(t, err)
	targets, _, err = s.TargetsForPolicy(ctx, o.ID, keyward.FullAWSAccessID, "", 20)
	must(t, err)
	if len(targets) != 0 || o.Enabled(keyward.ServiceControlPolicyType) {
		t.Fatalf("disabled: targets %v, types %v", targets, o.PolicyTypes)
	}
	_, err = s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, false)
	wantErr(t, err, keyward.ErrPolicyTypeNotEnabled)

	must(t, s.CreateOU(ctx, o.ID, keyward.OrganizationalUnit{ID: "ou-" + o.RootID[2:] + "-aaaaaaaa", ParentID: o.RootID, Name: "a", Path: o.RootPath() + "ou-x/", CreatedAt: t0}))
	must(t, s.DeleteOrganization(ctx, o.ID, time.Time{}))
	_, err = s.OrganizationOf(ctx, orgAccount)
	wantErr(t, err, keyward.ErrNotInOrganization)
	wantErr(t, s.DeleteOrganization(ctx, o.ID, time.Time{}), keyward.ErrNotInOrganization)
	// The account may make another.
	newOrg(t, s, "o-cccccccccc")
}

func ou(o keyward.Organization, parent, suffix, name string) keyward.OrganizationalUnit {
	id := "ou-" + o.RootID[2:] + "-" + suffix
	return keyward.OrganizationalUnit{ID: id, ParentID: parent, Name: name, Path: o.RootPath() + id + "/", CreatedAt: t0}
}

func testOrganizationUnits(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	a := ou(o, o.RootID, "aaaaaaaa", "Prod")
	must(t, s.CreateOU(ctx, o.ID, a))
	wantErr(t, s.CreateOU(ctx, o.ID, ou(o, o.RootID, "bbbbbbbb", "Prod")), keyward.ErrOUExists)
	must(t, s.CreateOU(ctx, o.ID, ou(o, o.RootID, "cccccccc", "prod"))) // names are compared exactly
	b := ou(o, a.ID, "dddddddd", "Prod")                                // the same name under another parent
	must(t, s.CreateOU(ctx, o.ID, b))
	wantErr(t, s.CreateOU(ctx, o.ID, ou(o, "ou-zzzz-zzzzzzzz", "eeeeeeee", "x")), keyward.ErrNoSuchParent)
	wantErr(t, s.CreateOU(ctx, "o-zzzzzzzzzz", ou(o, o.RootID, "ffffffff", "x")), keyward.ErrNotInOrganization)

	got, err := s.OU(ctx, o.ID, b.ID)
	must(t, err)
	if got.ParentID != a.ID || got.Name != "Prod" || got.Path != b.Path {
		t.Fatalf("OU %+v", got)
	}
	_, err = s.OU(ctx, "o-zzzzzzzzzz", b.ID)
	wantErr(t, err, keyward.ErrNoSuchOU)

	page1, more, err := s.OUs(ctx, o.ID, o.RootID, "", 1)
	must(t, err)
	if len(page1) != 1 || !more || page1[0].ID != a.ID {
		t.Fatalf("first page %+v %v", page1, more)
	}
	page2, more, err := s.OUs(ctx, o.ID, o.RootID, page1[0].ID, 1)
	must(t, err)
	if len(page2) != 1 || more || page2[0].Name != "prod" {
		t.Fatalf("second page %+v %v", page2, more)
	}

	_, err = s.RenameOU(ctx, o.ID, page2[0].ID, "Prod")
	wantErr(t, err, keyward.ErrOUExists)
	renamed, err := s.RenameOU(ctx, o.ID, page2[0].ID, "Dev")
	must(t, err)
	if renamed.Name != "Dev" || renamed.ID != page2[0].ID {
		t.Fatalf("renamed %+v", renamed)
	}
	_, err = s.RenameOU(ctx, o.ID, "ou-zzzz-zzzzzzzz", "x")
	wantErr(t, err, keyward.ErrNoSuchOU)

	wantErr(t, s.DeleteOU(ctx, o.ID, a.ID), keyward.ErrOUNotEmpty)
	must(t, s.DeleteOU(ctx, o.ID, b.ID))
	must(t, s.DeleteOU(ctx, o.ID, a.ID))
	wantErr(t, s.DeleteOU(ctx, o.ID, a.ID), keyward.ErrNoSuchOU)

	// An OU made while SCPs are enabled gets FullAWSAccess.
	_, err = s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
	must(t, err)
	c := ou(o, o.RootID, "gggggggg", "Sandbox")
	must(t, s.CreateOU(ctx, o.ID, c))
	ps, _, err := s.PoliciesForTarget(ctx, o.ID, c.ID, keyward.ServiceControlPolicyType, "", 20)
	must(t, err)
	if len(ps) != 1 || ps[0].ID != keyward.FullAWSAccessID || !ps[0].AWSManaged {
		t.Fatalf("new OU's policies %+v", ps)
	}
	// Deleting it takes its attachments with it.
	must(t, s.DeleteOU(ctx, o.ID, c.ID))
	targets, _, err := s.TargetsForPolicy(ctx, o.ID, keyward.FullAWSAccessID, "", 20)
	must(t, err)
	for _, tg := range targets {
		if tg.ID == c.ID {
			t.Fatalf("a deleted OU is still a target: %v", targets)
		}
	}
}

func testOrganizationPolicies(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	p := keyward.OrgPolicy{ID: "p-aaaaaaaaaa", Name: "DenyS3", Description: "no s3", Type: keyward.ServiceControlPolicyType,
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`}
	must(t, s.CreateOrgPolicy(ctx, o.ID, p))
	dup := p
	dup.ID = "p-bbbbbbbbbb"
	wantErr(t, s.CreateOrgPolicy(ctx, o.ID, dup), keyward.ErrOrgPolicyExists)
	got, err := s.OrgPolicy(ctx, o.ID, p.ID)
	must(t, err)
	if got.Name != p.Name || got.Content != p.Content || got.AWSManaged {
		t.Fatalf("policy %+v", got)
	}
	list, more, err := s.OrgPolicies(ctx, o.ID, keyward.ServiceControlPolicyType, "", 20)
	must(t, err)
	if len(list) != 2 || more || list[0].ID != keyward.FullAWSAccessID || list[1].ID != p.ID {
		t.Fatalf("policies %+v", list)
	}
	list, _, err = s.OrgPolicies(ctx, o.ID, "TAG_POLICY", "", 20)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("tag policies %+v", list)
	}

	// Attaching needs the type enabled.
	wantErr(t, s.AttachOrgPolicy(ctx, o.ID, p.ID, o.RootID), keyward.ErrPolicyTypeNotEnabled)
	_, err = s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
	must(t, err)
	must(t, s.AttachOrgPolicy(ctx, o.ID, p.ID, o.RootID))
	wantErr(t, s.AttachOrgPolicy(ctx, o.ID, p.ID, o.RootID), keyward.ErrPolicyAttached)
	wantErr(t, s.AttachOrgPolicy(ctx, o.ID, p.ID, "ou-zzzz-zzzzzzzz"), keyward.ErrNoSuchTarget)
	wantErr(t, s.AttachOrgPolicy(ctx, o.ID, p.ID, "999999999999"), keyward.ErrNoSuchTarget)
	wantErr(t, s.AttachOrgPolicy(ctx, o.ID, "p-zzzzzzzzzz", o.RootID), keyward.ErrNoSuchOrgPolicy)
	must(t, s.AttachOrgPolicy(ctx, o.ID, p.ID, orgAccount))

	ps, _, err := s.PoliciesForTarget(ctx, o.ID, o.RootID, keyward.ServiceControlPolicyType, "", 20)
	must(t, err)
	if len(ps) != 2 {
		t.Fatalf("root's policies %+v", ps)
	}
	_, _, err = s.PoliciesForTarget(ctx, o.ID, "r-zzzz", keyward.ServiceControlPolicyType, "", 20)
	wantErr(t, err, keyward.ErrNoSuchTarget)
	targets, _, err := s.TargetsForPolicy(ctx, o.ID, p.ID, "", 20)
	must(t, err)
	if fmt.Sprint(targets) != fmt.Sprintf("[{%s ACCOUNT} {%s ROOT}]", orgAccount, o.RootID) {
		t.Fatalf("targets %v", targets)
	}
	_, _, err = s.TargetsForPolicy(ctx, o.ID, "p-zzzzzzzzzz", "", 20)
	wantErr(t, err, keyward.ErrNoSuchOrgPolicy)

	wantErr(t, s.DeleteOrgPolicy(ctx, o.ID, p.ID), keyward.ErrOrgPolicyInUse)
	must(t, s.DetachOrgPolicy(ctx, o.ID, p.ID, o.RootID))
	wantErr(t, s.DetachOrgPolicy(ctx, o.ID, p.ID, o.RootID), keyward.ErrPolicyNotAttached)
	must(t, s.DetachOrgPolicy(ctx, o.ID, keyward.FullAWSAccessID, orgAccount))
	// The account's last SCP stays.
	wantErr(t, s.DetachOrgPolicy(ctx, o.ID, p.ID, orgAccount), keyward.ErrLastPolicyAttachment)
	must(t, s.AttachOrgPolicy(ctx, o.ID, keyward.FullAWSAccessID, orgAccount))
	must(t, s.DetachOrgPolicy(ctx, o.ID, p.ID, orgAccount))

	updated, err := s.UpdateOrgPolicy(ctx, o.ID, p.ID, func(q *keyward.OrgPolicy) error { q.Name, q.Description = "DenyS3Too", ""; return nil })
	must(t, err)
	if updated.Name != "DenyS3Too" || updated.Content != p.Content {
		t.Fatalf("updated %+v", updated)
	}
	_, err = s.UpdateOrgPolicy(ctx, o.ID, p.ID, func(q *keyward.OrgPolicy) error { q.Name = keyward.FullAWSAccessName; return nil })
	wantErr(t, err, keyward.ErrOrgPolicyExists)
	refused := errors.New("refused")
	_, err = s.UpdateOrgPolicy(ctx, o.ID, p.ID, func(*keyward.OrgPolicy) error { return refused })
	wantErr(t, err, refused)
	_, err = s.UpdateOrgPolicy(ctx, o.ID, "p-zzzzzzzzzz", func(*keyward.OrgPolicy) error { return nil })
	wantErr(t, err, keyward.ErrNoSuchOrgPolicy)

	must(t, s.DeleteOrgPolicy(ctx, o.ID, p.ID))
	wantErr(t, s.DeleteOrgPolicy(ctx, o.ID, p.ID), keyward.ErrNoSuchOrgPolicy)
	_, err = s.OrgPolicy(ctx, o.ID, p.ID)
	wantErr(t, err, keyward.ErrNoSuchOrgPolicy)
}

func testOrganizationTags(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	a := ou(o, o.RootID, "aaaaaaaa", "Prod")
	a.Tags = []keyward.Tag{{Key: "team", Value: "x"}}
	must(t, s.CreateOU(ctx, o.ID, a))
	for _, id := range []string{o.RootID, a.ID, orgAccount, keyward.FullAWSAccessID} {
		must(t, s.UpdateOrgResourceTags(ctx, o.ID, id, func(tags []keyward.Tag) ([]keyward.Tag, error) {
			return append(tags, keyward.Tag{Key: "k", Value: id}), nil
		}))
		tags, err := s.OrgResourceTags(ctx, o.ID, id)
		must(t, err)
		if tags[len(tags)-1] != (keyward.Tag{Key: "k", Value: id}) {
			t.Fatalf("%s: tags %v", id, tags)
		}
	}
	tags, err := s.OrgResourceTags(ctx, o.ID, a.ID)
	must(t, err)
	if len(tags) != 2 || tags[0].Key != "team" {
		t.Fatalf("OU's tags %v", tags)
	}
	for _, id := range []string{"r-zzzz", "ou-zzzz-zzzzzzzz", "999999999999", "p-zzzzzzzzzz", "x"} {
		_, err := s.OrgResourceTags(ctx, o.ID, id)
		wantErr(t, err, keyward.ErrNoSuchTarget)
		wantErr(t, s.UpdateOrgResourceTags(ctx, o.ID, id, func(t []keyward.Tag) ([]keyward.Tag, error) { return t, nil }), keyward.ErrNoSuchTarget)
	}
	// Another organization sees none of them.
	_, err = s.OrgResourceTags(ctx, "o-zzzzzzzzzz", a.ID)
	wantErr(t, err, keyward.ErrNoSuchTarget)
}

// testOrganizationServiceAccess: trusted services are listed by name with
// the time each was first trusted; trusting one again or ending a trust
// that is not changes nothing; they go with their organization.
func testOrganizationServiceAccess(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	wantErr(t, s.SetOrgServiceAccess(ctx, "o-zzzzzzzzzz", "sso.amazonaws.com", true, t0), keyward.ErrNotInOrganization)
	o := newOrg(t, s, "o-abcdefghij")
	t1 := t0.Add(time.Hour)
	must(t, s.SetOrgServiceAccess(ctx, o.ID, "sso.amazonaws.com", true, t0))
	must(t, s.SetOrgServiceAccess(ctx, o.ID, "cloudtrail.amazonaws.com", true, t1))
	must(t, s.SetOrgServiceAccess(ctx, o.ID, "sso.amazonaws.com", true, t1))
	must(t, s.SetOrgServiceAccess(ctx, o.ID, "config.amazonaws.com", false, t1))
	got, more, err := s.OrgServiceAccess(ctx, o.ID, "", 1)
	must(t, err)
	if len(got) != 1 || !more || got[0].ServicePrincipal != "cloudtrail.amazonaws.com" || !got[0].EnabledAt.Equal(t1) {
		t.Fatalf("first page %+v, more %v", got, more)
	}
	got, more, err = s.OrgServiceAccess(ctx, o.ID, got[0].ServicePrincipal, 10)
	must(t, err)
	if len(got) != 1 || more || got[0].ServicePrincipal != "sso.amazonaws.com" || !got[0].EnabledAt.Equal(t0) {
		t.Fatalf("second page %+v, more %v", got, more)
	}
	must(t, s.SetOrgServiceAccess(ctx, o.ID, "sso.amazonaws.com", false, t1))
	if got, _, err = s.OrgServiceAccess(ctx, o.ID, "", 10); err != nil || len(got) != 1 {
		t.Fatalf("after disabling sso: %+v, %v", got, err)
	}
	if got, _, err = s.OrgServiceAccess(ctx, "o-zzzzzzzzzz", "", 10); err != nil || len(got) != 0 {
		t.Fatalf("another organization's: %+v, %v", got, err)
	}
	must(t, s.DeleteOrganization(ctx, o.ID, time.Time{}))
	o = newOrg(t, s, "o-bcdefghijk")
	if got, _, err = s.OrgServiceAccess(ctx, o.ID, "", 10); err != nil || len(got) != 0 {
		t.Fatalf("a new organization's: %+v, %v", got, err)
	}
}

// testOrganizationRemoveAccount: a member account leaves with its
// attachments and tags; the management account does not; an account
// outside the organization is not found.
func testOrganizationRemoveAccount(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	_, err := s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
	must(t, err)
	must(t, s.AddOrgAccount(ctx, o.ID, member(o.RootID)))
	must(t, s.UpdateOrgResourceTags(ctx, o.ID, memberAccount, func([]keyward.Tag) ([]keyward.Tag, error) {
		return []keyward.Tag{{Key: "k", Value: "v"}}, nil
	}))
	wantErr(t, s.RemoveOrgAccount(ctx, o.ID, orgAccount), keyward.ErrMasterAccount)
	must(t, s.RemoveOrgAccount(ctx, o.ID, memberAccount))
	wantErr(t, s.RemoveOrgAccount(ctx, o.ID, memberAccount), keyward.ErrNoSuchOrgAccount)
	_, err = s.OrgAccount(ctx, o.ID, memberAccount)
	wantErr(t, err, keyward.ErrNoSuchOrgAccount)
	targets, _, err := s.TargetsForPolicy(ctx, o.ID, keyward.FullAWSAccessID, "", 100)
	must(t, err)
	for _, tg := range targets {
		if tg.ID == memberAccount {
			t.Fatal("FullAWSAccess still attached to the removed account")
		}
	}
	// It may join again, without what it had.
	must(t, s.AddOrgAccount(ctx, o.ID, member(o.RootID)))
	tags, err := s.OrgResourceTags(ctx, o.ID, memberAccount)
	must(t, err)
	if len(tags) != 0 {
		t.Fatalf("tags of a removed account came back: %v", tags)
	}
}

// testOrganizationConcurrentCreate: of many organizations of one account
// made at once, exactly one is made.
func testOrganizationConcurrentCreate(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	onlyOneWins(t, keyward.ErrAlreadyInOrganization, func(i int) error {
		o := keyward.Organization{ID: fmt.Sprintf("o-concurren%02d", i), MasterAccountID: orgAccount, FeatureSet: keyward.FeatureSetAll,
			RootID: fmt.Sprintf("r-cc%02d", i), RootName: keyward.RootName, CreatedAt: t0}
		return s.CreateOrganization(ctx, o, masterOf(o), fullAccess())
	})
}

// onlyOneWins runs eight writes at once and checks that exactly one
// succeeds and the others fail with lost.
func onlyOneWins(t *testing.T, lost error, write func(i int) error) {
	t.Helper()
	const n = 8
	errs := make([]error, n)
	concurrently(n, func(i int) { errs[i] = write(i) })
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, lost):
			t.Fatalf("unexpected error %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d writes won, want 1", won, n)
	}
}

// testOrganizationConcurrentOUs: of many OUs of one name under one parent
// made at once, exactly one is made.
func testOrganizationConcurrentOUs(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	onlyOneWins(t, keyward.ErrOUExists, func(i int) error {
		return s.CreateOU(ctx, o.ID, ou(o, o.RootID, fmt.Sprintf("concur%02d", i), "Same"))
	})
}

// testOrganizationConcurrentDeletePolicy: a policy deleted while it is
// attached is either deleted before (the attachment fails) or refused (the
// attachment holds); never deleted with an attachment left.
func testOrganizationConcurrentDeletePolicy(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	_, err := s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
	must(t, err)
	for i := 0; i < 5; i++ {
		p := keyward.OrgPolicy{ID: fmt.Sprintf("p-race%06d", i), Name: fmt.Sprintf("race%d", i), Type: keyward.ServiceControlPolicyType, Content: "{}"}
		must(t, s.CreateOrgPolicy(ctx, o.ID, p))
		var wg sync.WaitGroup
		var attachErr, deleteErr error
		wg.Add(2)
		go func() { defer wg.Done(); attachErr = s.AttachOrgPolicy(ctx, o.ID, p.ID, o.RootID) }()
		go func() { defer wg.Done(); deleteErr = s.DeleteOrgPolicy(ctx, o.ID, p.ID) }()
		wg.Wait()
		switch {
		case attachErr == nil && errors.Is(deleteErr, keyward.ErrOrgPolicyInUse):
			must(t, s.DetachOrgPolicy(ctx, o.ID, p.ID, o.RootID))
			must(t, s.DeleteOrgPolicy(ctx, o.ID, p.ID))
		case errors.Is(attachErr, keyward.ErrNoSuchOrgPolicy) && deleteErr == nil:
		default:
			t.Fatalf("attach: %v, delete: %v", attachErr, deleteErr)
		}
		ps, _, err := s.PoliciesForTarget(ctx, o.ID, o.RootID, keyward.ServiceControlPolicyType, "", 20)
		must(t, err)
		if len(ps) != 1 {
			t.Fatalf("root's policies %+v", ps)
		}
	}
}

// testOrganizationMoveAccount: an account moves from its parent to
// another, and an OU with an account under it is not empty.
func testOrganizationMoveAccount(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	a := ou(o, o.RootID, "aaaaaaaa", "Prod")
	must(t, s.CreateOU(ctx, o.ID, a))
	b := ou(o, a.ID, "bbbbbbbb", "Web")
	must(t, s.CreateOU(ctx, o.ID, b))
	tests := []struct {
		name, account, source, destination string
		want                               error
	}{
		{"no such account", "999999999999", o.RootID, a.ID, keyward.ErrNoSuchOrgAccount},
		{"not under the source", orgAccount, a.ID, b.ID, keyward.ErrNoSuchSourceParent},
		{"no such source", orgAccount, "ou-zzzz-zzzzzzzz", b.ID, keyward.ErrNoSuchSourceParent},
		{"no such destination", orgAccount, o.RootID, "ou-zzzz-zzzzzzzz", keyward.ErrNoSuchParent},
		{"another organization's root", orgAccount, o.RootID, "r-zzzz", keyward.ErrNoSuchParent},
		{"already there", orgAccount, o.RootID, o.RootID, keyward.ErrAccountInParent},
		{"into a nested OU", orgAccount, o.RootID, b.ID, nil},
		{"back to the root", orgAccount, b.ID, o.RootID, nil},
		{"into an OU", orgAccount, o.RootID, a.ID, nil},
	}
	for _, tt := range tests {
		wantErr(t, s.MoveOrgAccount(ctx, o.ID, tt.account, tt.source, tt.destination), tt.want)
	}
	got, err := s.OrgAccount(ctx, o.ID, orgAccount)
	must(t, err)
	if got.ParentID != a.ID {
		t.Fatalf("the account is under %s, want %s", got.ParentID, a.ID)
	}
	as, _, err := s.OrgAccounts(ctx, o.ID, a.ID, "", 20)
	must(t, err)
	if len(as) != 1 || as[0].ID != orgAccount {
		t.Fatalf("accounts under the OU: %+v", as)
	}
	must(t, s.DeleteOU(ctx, o.ID, b.ID))
	wantErr(t, s.DeleteOU(ctx, o.ID, a.ID), keyward.ErrOUNotEmpty)
	wantErr(t, s.MoveOrgAccount(ctx, "o-zzzzzzzzzz", orgAccount, a.ID, o.RootID), keyward.ErrNotInOrganization)
}

// closable makes the installation's accounts of the IDs and adds them to
// o under its root, as CreateAccount does.
func closable(t *testing.T, s organizations.Store, o keyward.Organization, ids ...string) {
	t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		must(t, s.CreateAccount(ctx, keyward.Account{ID: id, Status: keyward.AccountActive, CreatedAt: t0}, nil))
		must(t, s.AddOrgAccount(ctx, o.ID, keyward.OrgAccount{ID: id, ParentID: o.RootID, JoinedMethod: keyward.JoinedCreated, JoinedAt: t0}))
	}
}

// testOrganizationCloseAccount: a member account closes for good, once;
// the management account, an account of another organization and one of
// none do not; the quota counts the closures since its window began
// among the member accounts; a closed account does not leave.
func testOrganizationCloseAccount(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	closable(t, s, o, "222222222201", "222222222202", "222222222203")
	must(t, s.CreateAccount(ctx, keyward.Account{ID: "333333333301", CreatedAt: t0}, nil))
	other := keyward.Organization{ID: "o-otherorgxx", MasterAccountID: "333333333301", FeatureSet: keyward.FeatureSetAll, RootID: "r-oth1",
		RootName: keyward.RootName, CreatedAt: t0}
	must(t, s.CreateOrganization(ctx, other, masterOf(other), nil))
	closable(t, s, other, "333333333302")

	t1 := t0.Add(time.Hour)
	var members []int
	quota := func(n int) int { members = append(members, n); return 2 }
	wantErr(t, s.CloseOrgAccount(ctx, o.ID, orgAccount, t1, t0, quota), keyward.ErrMasterAccount)
	wantErr(t, s.CloseOrgAccount(ctx, o.ID, "333333333302", t1, t0, quota), keyward.ErrNoSuchOrgAccount)
	wantErr(t, s.CloseOrgAccount(ctx, o.ID, "444444444444", t1, t0, quota), keyward.ErrNoSuchOrgAccount)
	wantErr(t, s.CloseOrgAccount(ctx, "o-zzzzzzzzzz", "222222222201", t1, t0, quota), keyward.ErrNotInOrganization)
	if a, err := s.AccountByID(ctx, "333333333302"); err != nil || a.Closed() {
		t.Fatalf("another organization's account after the refusals: %+v, %v", a, err)
	}

	must(t, s.CloseOrgAccount(ctx, o.ID, "222222222201", t1, t0, quota))
	a, err := s.AccountByID(ctx, "222222222201")
	if err != nil || a.Status != keyward.AccountPendingClosure || !a.ClosedAt.Equal(t1) || !a.Closed() {
		t.Fatalf("the closed account: %+v, %v", a, err)
	}
	if len(members) != 1 || members[0] != 3 {
		t.Fatalf("the quota was asked for %v members, want [3]", members)
	}
	wantErr(t, s.CloseOrgAccount(ctx, o.ID, "222222222201", t1.Add(time.Minute), t0, quota), keyward.ErrAccountClosed)
	if a, _ := s.AccountByID(ctx, "222222222201"); !a.ClosedAt.Equal(t1) {
		t.Fatalf("closing again moved ClosedAt to %v", a.ClosedAt)
	}
	wantErr(t, s.RemoveOrgAccount(ctx, o.ID, "222222222201"), keyward.ErrAccountClosed)
	// Another organization's closed account is none of this one's, as an
	// open one is: its closure is not told.
	wantErr(t, s.RemoveOrgAccount(ctx, other.ID, "222222222201"), keyward.ErrNoSuchOrgAccount)
	if _, err := s.OrgAccount(ctx, o.ID, "222222222201"); err != nil {
		t.Fatalf("the closed account left its organization: %v", err)
	}

	// Two closures since the window began use the quota of 2 up; one
	// before the window does not count.
	must(t, s.CloseOrgAccount(ctx, o.ID, "222222222202", t1, t0, quota))
	wantErr(t, s.CloseOrgAccount(ctx, o.ID, "222222222203", t1, t0, quota), keyward.ErrCloseAccountQuota)
	if a, _ := s.AccountByID(ctx, "222222222203"); a.Closed() {
		t.Fatal("an account closed past the quota")
	}
	must(t, s.CloseOrgAccount(ctx, o.ID, "222222222203", t1.Add(time.Hour), t1.Add(time.Second), quota))

	// The organization is deleted once every member is gone, and the
	// accounts stay closed.
	wantErr(t, s.DeleteOrganization(ctx, o.ID, t1), keyward.ErrOrganizationNotEmpty)
	must(t, s.DeleteOrganization(ctx, o.ID, t1.Add(time.Hour)))
	if a, err := s.AccountByID(ctx, "222222222203"); err != nil || !a.Closed() {
		t.Fatalf("a closed account after its organization was deleted: %+v, %v", a, err)
	}
}

// testOrganizationConcurrentClose: of eight closures of one account at
// once, one closes it; of closures of different accounts at once, no
// more than the quota pass.
func testOrganizationConcurrentClose(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	ids := make([]string, 8)
	for i := range ids {
		ids[i] = fmt.Sprintf("2222222222%02d", i)
	}
	closable(t, s, o, ids...)
	one := func(int) int { return 1 }
	onlyOneWins(t, keyward.ErrAccountClosed, func(int) error { return s.CloseOrgAccount(ctx, o.ID, ids[0], t0, t0, func(int) int { return 100 }) })
	onlyOneWins(t, keyward.ErrCloseAccountQuota, func(i int) error {
		if i == 0 {
			return keyward.ErrCloseAccountQuota // ids[0] is closed already
		}
		return s.CloseOrgAccount(ctx, o.ID, ids[i], t0.Add(time.Minute), t0.Add(time.Second), one)
	})
}
