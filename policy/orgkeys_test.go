package policy_test

import (
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/policy"
)

// The organization of the tests' principal and resources.
const (
	orgID   = "o-a1b2c3d4e5"
	orgPath = "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"
)

// TestOrganizationKeys fixes the organization's global condition keys as
// the IAM User Guide's "AWS global condition context keys" defines them:
// aws:PrincipalAccount is the principal's account, always present;
// aws:PrincipalOrgID and aws:PrincipalOrgPaths the organization of the
// principal's account and the account's path in it ("o-…/r-…/ou-…/"),
// present only when the account is in one; aws:ResourceAccount the
// account that owns the resource (the account its ARN names: none for an
// S3 bucket's or "*"); aws:ResourceOrgID and aws:ResourceOrgPaths those
// of the resource's account, present only when it is in one. Outside a
// simulation a request cannot claim any of them (Extra), since only
// Keyward knows them; a simulation has the entries it was given.
func TestOrganizationKeys(t *testing.T) {
	member := &keyward.RequestContext{Principal: alice, PrincipalOrgID: orgID, PrincipalOrgPath: orgPath, ResourceOrgID: orgID, ResourceOrgPath: orgPath}
	standalone := &keyward.RequestContext{Principal: alice}
	claims := map[string][]string{"aws:principalorgid": {"o-attacker00"}, "aws:principalorgpaths": {"o-attacker00/r-x/"},
		"aws:resourceaccount": {"999999999999"}, "aws:resourceorgid": {"o-attacker00"}, "aws:resourceorgpaths": {"o-attacker00/r-x/"},
		"aws:principalaccount": {"999999999999"}}
	claiming := &keyward.RequestContext{Principal: alice, Extra: claims}
	simulated := &keyward.RequestContext{Principal: alice, Extra: claims, Simulation: true}
	const user = "arn:aws:iam::123456789012:user/bob"
	tests := []struct {
		name     string
		rc       *keyward.RequestContext
		key      string
		resource string
		want     string // "" for absent
	}{
		{"the principal's account", standalone, "aws:PrincipalAccount", user, account},
		{"a member's organization", member, "aws:PrincipalOrgID", user, orgID},
		{"a member's path", member, "aws:PrincipalOrgPaths", user, orgPath},
		{"no organization, no aws:PrincipalOrgID", standalone, "aws:PrincipalOrgID", user, ""},
		{"no organization, no aws:PrincipalOrgPaths", standalone, "aws:PrincipalOrgPaths", user, ""},
		{"the resource's account, from its ARN", standalone, "aws:ResourceAccount", user, account},
		{"another account's resource", standalone, "aws:ResourceAccount", "arn:aws:iam::210987654321:role/r", "210987654321"},
		{"an Organizations resource is the management account's", standalone, "aws:ResourceAccount", "arn:aws:organizations::210987654321:ou/o-a1b2c3d4e5/ou-ab12-11111111", "210987654321"},
		{"an ARN without an account", standalone, "aws:ResourceAccount", "arn:aws:s3:::bucket/key", ""},
		{"no ARN at all", standalone, "aws:ResourceAccount", "*", ""},
		{"the resource's organization", member, "aws:ResourceOrgID", user, orgID},
		{"the resource's path", member, "aws:ResourceOrgPaths", user, orgPath},
		{"a resource in no organization", standalone, "aws:ResourceOrgID", user, ""},
		{"a request claims an organization", claiming, "aws:PrincipalOrgID", user, ""},
		{"a request claims a path", claiming, "aws:PrincipalOrgPaths", user, ""},
		{"a request claims the resource's account", claiming, "aws:ResourceAccount", user, account},
		{"a request claims the resource's organization", claiming, "aws:ResourceOrgID", user, ""},
		{"a request claims the resource's path", claiming, "aws:ResourceOrgPaths", user, ""},
		{"a request claims the principal's account", claiming, "aws:PrincipalAccount", user, account},
		{"a simulation's entry", simulated, "aws:PrincipalOrgID", user, "o-attacker00"},
		{"a simulation's resource account", simulated, "aws:ResourceAccount", user, "999999999999"},
		{"a simulation without the entry", &keyward.RequestContext{Principal: alice, Simulation: true}, "aws:ResourceAccount", user, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cond := `{"StringLike":{"` + tt.key + `":"*"}}`
			if tt.want != "" {
				cond = `{"StringEquals":{"` + tt.key + `":"` + tt.want + `"}}`
			}
			ps, err := policy.CompilePolicies(tt.rc.Principal, []keyward.PolicySource{{ID: "p", Type: "user",
				Document: doc(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":` + cond + `}`)}})
			if err != nil {
				t.Fatal(err)
			}
			allowed := ps.Evaluate("iam:GetUser", tt.resource, tt.rc, false).Effect == keyward.DecisionAllowed
			if allowed != (tt.want != "") {
				t.Fatalf("%s = %q: allowed %v", tt.key, tt.want, allowed)
			}
		})
	}
}

// TestOrganizationKeysNotBound: the organization's keys are read on each
// decision, never bound when the policies are compiled: an account moved
// to another OU, or into an organization, is decided at its new place by
// the same compiled policies.
func TestOrganizationKeysNotBound(t *testing.T) {
	ps, err := policy.CompilePolicies(alice, []keyward.PolicySource{{ID: "p", Type: "user", Document: doc(
		`{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"StringLike":{"aws:PrincipalOrgPaths":"o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"}}}`,
		`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"arn:aws:iam::${aws:PrincipalAccount}:user/${aws:PrincipalOrgID}"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path, org         string
		wantPath, wantOrg bool
	}{
		{orgPath, orgID, true, true},
		{"o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/", orgID, false, true},
		{"", "", false, false},
		{orgPath, orgID, true, true},
	} {
		rc := &keyward.RequestContext{Principal: alice, PrincipalOrgPath: tt.path, PrincipalOrgID: tt.org}
		if got := ps.Evaluate("iam:GetUser", "arn:aws:iam::123456789012:user/x", rc, false).Effect == keyward.DecisionAllowed; got != tt.wantPath {
			t.Errorf("path %q: allowed %v", tt.path, got)
		}
		if got := ps.Evaluate("iam:ListUsers", "arn:aws:iam::123456789012:user/"+orgID, rc, false).Effect == keyward.DecisionAllowed; got != tt.wantOrg {
			t.Errorf("variable of organization %q: allowed %v", tt.org, got)
		}
	}
}
