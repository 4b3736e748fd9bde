package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
)

func init() {
	suite(
		namedTest{"OrganizationStanding", orgTest(testOrganizationStanding)},
		namedTest{"OrganizationMembers", orgTest(testOrganizationMembers)},
		namedTest{"OrganizationConcurrentAddAccount", orgTest(testOrganizationConcurrentAddAccount)},
	)
}

// memberAccount is an account of the suite's organizations other than
// the management account.
const memberAccount = "222222222222"

// member adds memberAccount under parent.
func member(parent string) keyward.OrgAccount {
	return keyward.OrgAccount{ID: memberAccount, ParentID: parent, JoinedMethod: keyward.JoinedCreated, JoinedAt: t0}
}

// scpIDs are the IDs of the SCPs of each level of a standing.
func scpIDs(st keyward.OrgStanding) string {
	if st.SCPs == nil {
		return "none"
	}
	out := ""
	for _, level := range st.SCPs {
		out += "["
		for i, p := range level {
			if i > 0 {
				out += " "
			}
			out += p.ID
		}
		out += "]"
	}
	return out
}

// testOrganizationStanding: what decisions read of an account's place:
// its organization, its path in aws:PrincipalOrgPaths' form, and the SCPs
// of each level from the root through each OU to the account, only while
// SCPs are enabled on the root.
func testOrganizationStanding(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	_, err := s.OrgStanding(ctx, memberAccount)
	wantErr(t, err, keyward.ErrNotInOrganization)
	o := newOrg(t, s, "o-abcdefghij")
	must(t, s.AddOrgAccount(ctx, o.ID, member(o.RootID)))

	st, err := s.OrgStanding(ctx, memberAccount)
	must(t, err)
	if st.Organization.ID != o.ID || st.Organization.MasterAccountID != orgAccount || st.ParentID != o.RootID ||
		st.Path != "o-abcdefghij/"+o.RootID+"/" || st.SCPs != nil {
		t.Fatalf("SCPs disabled: %+v", st)
	}

	// Two OUs deep; SCPs enabled attach FullAWSAccess at every level.
	prod := ou(o, o.RootID, "aaaaaaaa", "Prod")
	must(t, s.CreateOU(ctx, o.ID, prod))
	web := keyward.OrganizationalUnit{ID: "ou-" + o.RootID[2:] + "-bbbbbbbb", ParentID: prod.ID, Name: "Web", Path: prod.Path + "ou-" + o.RootID[2:] + "-bbbbbbbb/", CreatedAt: t0}
	must(t, s.CreateOU(ctx, o.ID, web))
	must(t, s.MoveOrgAccount(ctx, o.ID, memberAccount, o.RootID, web.ID))
	_, err = s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
	must(t, err)
	st, err = s.OrgStanding(ctx, memberAccount)
	must(t, err)
	wantPath := fmt.Sprintf("o-abcdefghij/%s/%s/%s/", o.RootID, prod.ID, web.ID)
	if st.Path != wantPath || st.ParentID != web.ID || scpIDs(st) != "[p-FullAWSAccess][p-FullAWSAccess][p-FullAWSAccess][p-FullAWSAccess]" {
		t.Fatalf("two OUs deep: path %q, SCPs %s", st.Path, scpIDs(st))
	}
	if c := st.SCPs[0][0]; c.Content != keyward.FullAWSAccessContent || !c.AWSManaged || c.Type != keyward.ServiceControlPolicyType {
		t.Fatalf("FullAWSAccess read as %+v", c)
	}

	// An SCP on the middle OU is at its level, with its content; one on
	// another OU or account is at none.
	deny := keyward.OrgPolicy{ID: "p-aaaaaaaaaa", Name: "DenyS3", Type: keyward.ServiceControlPolicyType,
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`}
	must(t, s.CreateOrgPolicy(ctx, o.ID, deny))
	must(t, s.AttachOrgPolicy(ctx, o.ID, deny.ID, prod.ID))
	must(t, s.AttachOrgPolicy(ctx, o.ID, deny.ID, orgAccount))
	other := ou(o, o.RootID, "cccccccc", "Other")
	must(t, s.CreateOU(ctx, o.ID, other))
	must(t, s.AttachOrgPolicy(ctx, o.ID, deny.ID, other.ID))
	must(t, s.DetachOrgPolicy(ctx, o.ID, keyward.FullAWSAccessID, other.ID))
	st, err = s.OrgStanding(ctx, memberAccount)
	must(t, err)
	if scpIDs(st) != "[p-FullAWSAccess][p-FullAWSAccess p-aaaaaaaaaa][p-FullAWSAccess][p-FullAWSAccess]" || st.SCPs[1][1].Content != deny.Content {
		t.Fatalf("an SCP on the middle OU: %s", scpIDs(st))
	}
	// Updated content is read.
	_, err = s.UpdateOrgPolicy(ctx, o.ID, deny.ID, func(p *keyward.OrgPolicy) error { p.Content = keyward.FullAWSAccessContent; return nil })
	must(t, err)
	st, err = s.OrgStanding(ctx, memberAccount)
	must(t, err)
	if st.SCPs[1][1].Content != keyward.FullAWSAccessContent {
		t.Fatalf("updated content not read: %s", st.SCPs[1][1].Content)
	}

	// Moved to the other OU: its path and levels.
	must(t, s.MoveOrgAccount(ctx, o.ID, memberAccount, web.ID, other.ID))
	st, err = s.OrgStanding(ctx, memberAccount)
	must(t, err)
	if st.Path != fmt.Sprintf("o-abcdefghij/%s/%s/", o.RootID, other.ID) || scpIDs(st) != "[p-FullAWSAccess][p-aaaaaaaaaa][p-FullAWSAccess]" {
		t.Fatalf("moved: path %q, SCPs %s", st.Path, scpIDs(st))
	}

	// The management account has a standing too (authz decides that SCPs
	// never limit it).
	st, err = s.OrgStanding(ctx, orgAccount)
	must(t, err)
	if st.Path != "o-abcdefghij/"+o.RootID+"/" || scpIDs(st) != "[p-FullAWSAccess][p-FullAWSAccess p-aaaaaaaaaa]" {
		t.Fatalf("management account: path %q, SCPs %s", st.Path, scpIDs(st))
	}

	// Disabled: no SCPs, the path stays.
	_, err = s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, false)
	must(t, err)
	st, err = s.OrgStanding(ctx, memberAccount)
	must(t, err)
	if st.SCPs != nil || st.Organization.Enabled(keyward.ServiceControlPolicyType) || st.ParentID != other.ID {
		t.Fatalf("disabled: %+v", st)
	}
}

// testOrganizationMembers: an account joins one organization at most,
// under a parent of that organization, with FullAWSAccess while SCPs are
// enabled; it moves only from the parent it is under.
func testOrganizationMembers(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	o := newOrg(t, s, "o-abcdefghij")
	wantErr(t, s.AddOrgAccount(ctx, "o-zzzzzzzzzz", member("r-zzzz")), keyward.ErrNotInOrganization)
	wantErr(t, s.AddOrgAccount(ctx, o.ID, member("ou-zzzz-zzzzzzzz")), keyward.ErrNoSuchParent)
	wantErr(t, s.AddOrgAccount(ctx, o.ID, keyward.OrgAccount{ID: orgAccount, ParentID: o.RootID, JoinedMethod: keyward.JoinedInvited, JoinedAt: t0}),
		keyward.ErrAlreadyInOrganization)
	_, err := s.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
	must(t, err)
	must(t, s.AddOrgAccount(ctx, o.ID, member(o.RootID)))
	a, err := s.OrgAccount(ctx, o.ID, memberAccount)
	must(t, err)
	if a.ParentID != o.RootID || a.JoinedMethod != keyward.JoinedCreated || !a.JoinedAt.Equal(t0) {
		t.Fatalf("member %+v", a)
	}
	ps, _, err := s.PoliciesForTarget(ctx, o.ID, memberAccount, keyward.ServiceControlPolicyType, "", 20)
	must(t, err)
	if len(ps) != 1 || ps[0].ID != keyward.FullAWSAccessID {
		t.Fatalf("a new member's SCPs %+v", ps)
	}
	// Not in another organization too.
	o2 := keyward.Organization{ID: "o-bbbbbbbbbb", MasterAccountID: "333333333333", FeatureSet: keyward.FeatureSetAll, RootID: "r-bbbb", RootName: keyward.RootName, CreatedAt: t0}
	must(t, s.CreateOrganization(ctx, o2, masterOf(o2), fullAccess()))
	wantErr(t, s.AddOrgAccount(ctx, o2.ID, member(o2.RootID)), keyward.ErrAlreadyInOrganization)
	// Nor under another organization's OU.
	foreign := ou(o2, o2.RootID, "aaaaaaaa", "Foreign")
	must(t, s.CreateOU(ctx, o2.ID, foreign))
	wantErr(t, s.MoveOrgAccount(ctx, o.ID, memberAccount, o.RootID, foreign.ID), keyward.ErrNoSuchParent)
	wantErr(t, s.MoveOrgAccount(ctx, o.ID, "444444444444", o.RootID, o.RootID), keyward.ErrNoSuchOrgAccount)
	wantErr(t, s.MoveOrgAccount(ctx, o2.ID, memberAccount, o2.RootID, o2.RootID), keyward.ErrNoSuchOrgAccount)
	dest := ou(o, o.RootID, "cccccccc", "Dest")
	must(t, s.CreateOU(ctx, o.ID, dest))
	wantErr(t, s.MoveOrgAccount(ctx, o.ID, memberAccount, dest.ID, o.RootID), keyward.ErrNoSuchSourceParent)
	must(t, s.MoveOrgAccount(ctx, o.ID, memberAccount, o.RootID, dest.ID))
	wantErr(t, s.DeleteOU(ctx, o.ID, dest.ID), keyward.ErrOUNotEmpty)
	// A member keeps the organization from being deleted.
	wantErr(t, s.DeleteOrganization(ctx, o.ID, time.Time{}), keyward.ErrOrganizationNotEmpty)
}

// testOrganizationConcurrentAddAccount: an account asked into two
// organizations at once joins one.
func testOrganizationConcurrentAddAccount(t *testing.T, s organizations.Store) {
	ctx := context.Background()
	var orgs []keyward.Organization
	for i := range 8 {
		o := keyward.Organization{ID: fmt.Sprintf("o-%010d", i), MasterAccountID: fmt.Sprintf("3333333333%02d", i), FeatureSet: keyward.FeatureSetAll,
			RootID: fmt.Sprintf("r-%04d", i), RootName: keyward.RootName, CreatedAt: t0}
		must(t, s.CreateOrganization(ctx, o, masterOf(o), fullAccess()))
		orgs = append(orgs, o)
	}
	onlyOneWins(t, keyward.ErrAlreadyInOrganization, func(i int) error { return s.AddOrgAccount(ctx, orgs[i].ID, member(orgs[i].RootID)) })
}
