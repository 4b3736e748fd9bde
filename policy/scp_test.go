package policy_test

import (
	"reflect"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/policy"
)

// scpDoc is a policy of one statement on every resource.
func scpDoc(effect, action string) string {
	return doc(`{"Effect":"` + effect + `","Action":"` + action + `","Resource":"*"}`)
}

// TestServiceControlPolicies fixes how service control policies limit a
// member account's principals, as "Service control policies" and "Policy
// evaluation logic" (the IAM User Guide's reference_policies_evaluation-logic,
// "Determining whether a request is allowed or denied within an account";
// AWS Organizations' orgs_manage_policies_scps_evaluation) describe them:
// SCPs grant nothing; at every level from the root through each OU to the
// account, some attached SCP must allow the action (allow lists), an
// explicit Deny in any SCP denies it (deny lists), and the identity's own
// policies must still allow it.
func TestServiceControlPolicies(t *testing.T) {
	const action, resource = "s3:GetObject", "arn:aws:s3:::b/k"
	full := scpDoc("Allow", "*")
	scp := func(level int, document string) keyward.PolicySource {
		return keyward.PolicySource{ID: "scp", Type: keyward.PolicySourceSCP, Level: level, Document: document}
	}
	identity := keyward.PolicySource{ID: "id", Type: "user", Document: scpDoc("Allow", "s3:*")}
	tests := []struct {
		name    string
		sources []keyward.PolicySource
		want    keyward.Decision
	}{
		{"FullAWSAccess at every level leaves the identity's policies to decide",
			[]keyward.PolicySource{scp(0, full), scp(1, full), scp(2, full), identity},
			keyward.Decision{Effect: keyward.DecisionAllowed}},
		{"SCPs grant nothing by themselves",
			[]keyward.PolicySource{scp(0, full), scp(1, full)},
			keyward.Decision{Effect: keyward.DecisionImplicitDeny}},
		{"an allow list at the account that leaves the action out",
			[]keyward.PolicySource{scp(0, full), scp(1, scpDoc("Allow", "ec2:*")), identity},
			keyward.Decision{Effect: keyward.DecisionImplicitDeny, BySCP: true, LimitedBy: keyward.PolicySourceSCP}},
		{"an allow list at the root limits every level below it",
			[]keyward.PolicySource{scp(0, scpDoc("Allow", "ec2:*")), scp(1, full), scp(2, full), identity},
			keyward.Decision{Effect: keyward.DecisionImplicitDeny, BySCP: true, LimitedBy: keyward.PolicySourceSCP}},
		{"two SCPs of one level: either allowing is enough",
			[]keyward.PolicySource{scp(0, full), scp(1, scpDoc("Allow", "ec2:*")), scp(1, scpDoc("Allow", "s3:Get*")), identity},
			keyward.Decision{Effect: keyward.DecisionAllowed}},
		{"an allow at one level does not stand in for another level",
			[]keyward.PolicySource{scp(0, scpDoc("Allow", "s3:*")), scp(1, scpDoc("Allow", "ec2:*")), identity},
			keyward.Decision{Effect: keyward.DecisionImplicitDeny, BySCP: true, LimitedBy: keyward.PolicySourceSCP}},
		{"a level without an SCP allows nothing",
			[]keyward.PolicySource{scp(0, full), scp(1, ""), identity},
			keyward.Decision{Effect: keyward.DecisionImplicitDeny, BySCP: true, LimitedBy: keyward.PolicySourceSCP}},
		{"a deny list denies beside FullAWSAccess",
			[]keyward.PolicySource{scp(0, full), scp(1, full), scp(1, scpDoc("Deny", "s3:GetObject")), identity},
			keyward.Decision{Effect: keyward.DecisionExplicitDeny, DeniedBySCP: true}},
		{"the SCP's deny is named before the identity's",
			[]keyward.PolicySource{identity, {ID: "deny", Type: "user", Document: scpDoc("Deny", "s3:*")}, scp(0, full), scp(1, scpDoc("Deny", "s3:*"))},
			keyward.Decision{Effect: keyward.DecisionExplicitDeny, DeniedBySCP: true}},
		{"the identity's own deny, under SCPs that allow",
			[]keyward.PolicySource{identity, {ID: "deny", Type: "user", Document: scpDoc("Deny", "s3:*")}, scp(0, full)},
			keyward.Decision{Effect: keyward.DecisionExplicitDeny}},
		{"the SCP is named before the permissions boundary",
			[]keyward.PolicySource{identity, {ID: "b", Type: keyward.PolicySourceBoundary, Document: scpDoc("Allow", "ec2:*")}, scp(0, scpDoc("Allow", "ec2:*"))},
			keyward.Decision{Effect: keyward.DecisionImplicitDeny, BySCP: true, LimitedBy: keyward.PolicySourceSCP}},
		{"SCPs allow, the permissions boundary does not",
			[]keyward.PolicySource{identity, {ID: "b", Type: keyward.PolicySourceBoundary, Document: scpDoc("Allow", "ec2:*")}, scp(0, full)},
			keyward.Decision{Effect: keyward.DecisionImplicitDeny, ByBoundary: true, LimitedBy: keyward.PolicySourceBoundary}},
		{"without the identity's allow, the SCP is still the reason",
			[]keyward.PolicySource{scp(0, scpDoc("Allow", "ec2:*"))},
			keyward.Decision{Effect: keyward.DecisionImplicitDeny, BySCP: true, LimitedBy: keyward.PolicySourceSCP}},
		{"a session's policies and SCPs both allow",
			[]keyward.PolicySource{identity, {ID: "s", Type: keyward.PolicySourceSession, Document: scpDoc("Allow", "s3:GetObject")}, scp(0, full), scp(6, full)},
			keyward.Decision{Effect: keyward.DecisionAllowed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := policy.CompilePolicies(keyward.Principal{}, tt.sources)
			if err != nil {
				t.Fatal(err)
			}
			rc := &keyward.RequestContext{Simulation: true}
			got := ps.Evaluate(action, resource, rc, false)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			// With detail, the same decision.
			detailed := ps.Evaluate(action, resource, rc, true)
			if detailed.Effect != got.Effect || detailed.DeniedBySCP != got.DeniedBySCP || detailed.BySCP != got.BySCP {
				t.Fatalf("with detail %+v, without %+v", detailed, got)
			}
		})
	}
}

// TestSCPLevelsBounded: an SCP outside the levels an organization has is
// refused when compiled, never silently ignored.
func TestSCPLevelsBounded(t *testing.T) {
	for _, level := range []int{-1, keyward.MaxSCPLevels} {
		_, err := policy.CompilePolicies(keyward.Principal{}, []keyward.PolicySource{{Type: keyward.PolicySourceSCP, Level: level, Document: scpDoc("Allow", "*")}})
		if err == nil {
			t.Errorf("an SCP at level %d was compiled", level)
		}
	}
}
