package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/policy"
)

func TestParseTrustPolicyRefuses(t *testing.T) {
	tests := []struct{ name, doc, message string }{
		{"identity policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Principal":"*"}]}`, "Has prohibited field Resource"},
		{"no principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, "Missing required field Principal"},
		{"not an STS action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Principal":"*"}]}`, "AssumeRole policy may only specify STS AssumeRole actions."},
		{"bad account", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"12345"}}]}`, `Invalid principal in policy: "AWS":"12345"`},
		{"unknown type", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Person":"me"}}]}`, `Invalid principal in policy: "Person"`},
		{"not a service", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"example.com"}}]}`, `Invalid principal in policy: "Service":"example.com"`},
		// AWS allows NotPrincipal in no role's trust policy, with either
		// effect; with Allow it would let in everyone it does not name.
		{"not principal allowing", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/someone"}}]}`, "Has prohibited field NotPrincipal"},
		{"not principal denying", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"},{"Effect":"Deny","Action":"sts:AssumeRole","NotPrincipal":{"AWS":"123456789012"}}]}`, "Has prohibited field NotPrincipal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.ParseTrustPolicy(tt.doc)
			var e *keyward.Error
			if !errors.As(err, &e) || e.Code != keyward.EMalformedPolicyDocument || e.Message != tt.message {
				t.Fatalf("got %v, want MalformedPolicyDocument %q", err, tt.message)
			}
		})
	}
	// And an identity policy still refuses a principal.
	if _, err := policy.ParsePolicy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}]}`); err == nil {
		t.Fatal("an identity policy with a principal was accepted")
	}
}

func TestTrustPolicyEvaluate(t *testing.T) {
	alice := policy.TrustCaller{ARN: "arn:aws:iam::123456789012:user/alice", AccountID: "123456789012", UserID: "AIDAALICE"}
	// A user made under a deleted alice's name, or renamed to it: her ARN,
	// another identity.
	newAlice := policy.TrustCaller{ARN: "arn:aws:iam::123456789012:user/alice", AccountID: "123456789012", UserID: "AIDANEWALICE"}
	other := policy.TrustCaller{ARN: "arn:aws:iam::210987654321:user/eve", AccountID: "210987654321", UserID: "AIDAEVE"}
	session := policy.TrustCaller{ARN: "arn:aws:sts::123456789012:assumed-role/ci/run-1", AccountID: "123456789012", RoleARN: "arn:aws:iam::123456789012:role/ci", RoleID: "AROACI"}
	newSession := policy.TrustCaller{ARN: "arn:aws:sts::123456789012:assumed-role/ci/run-1", AccountID: "123456789012", RoleARN: "arn:aws:iam::123456789012:role/ci", RoleID: "AROANEWCI"}
	// The IDs the ARNs were bound to when the policies were saved; bob's
	// is not among them.
	bound := map[string]string{"arn:aws:iam::123456789012:user/alice": "AIDAALICE", "arn:aws:iam::123456789012:role/ci": "AROACI",
		"arn:aws:iam::210987654321:user/eve": "AIDAEVE"}
	oidc := policy.TrustCaller{Federated: "arn:aws:iam::123456789012:oidc-provider/token.example.com"}
	// alice moved to another path (or renamed): her identity, another ARN;
	// bob and the role ops, whose ARNs no policy bound.
	movedAlice := policy.TrustCaller{ARN: "arn:aws:iam::123456789012:user/x/alice", AccountID: "123456789012", UserID: "AIDAALICE"}
	bob := policy.TrustCaller{ARN: "arn:aws:iam::123456789012:user/bob", AccountID: "123456789012", UserID: "AIDABOB"}
	opsSession := policy.TrustCaller{ARN: "arn:aws:sts::123456789012:assumed-role/ops/s", AccountID: "123456789012", RoleARN: "arn:aws:iam::123456789012:role/ops", RoleID: "AROAOPS"}
	doc := func(effect, principal, extra string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"` + effect + `","Action":"sts:AssumeRole","Principal":` + principal + extra + `}]}`
	}
	rc := &keyward.RequestContext{Extra: map[string][]string{"sts:externalid": {"s3cret"}}}
	tests := []struct {
		name, doc string
		caller    policy.TrustCaller
		want      string
	}{
		{"account by ID", doc("Allow", `{"AWS":"123456789012"}`, ""), alice, keyward.DecisionAllowed},
		{"account by root ARN", doc("Allow", `{"AWS":"arn:aws:iam::123456789012:root"}`, ""), alice, keyward.DecisionAllowed},
		{"another account", doc("Allow", `{"AWS":"123456789012"}`, ""), other, keyward.DecisionImplicitDeny},
		{"the user by ARN", doc("Allow", `{"AWS":["arn:aws:iam::123456789012:user/bob","arn:aws:iam::123456789012:user/alice"]}`, ""), alice, keyward.DecisionAllowed},
		{"another user", doc("Allow", `{"AWS":"arn:aws:iam::123456789012:user/bob"}`, ""), alice, keyward.DecisionImplicitDeny},
		{"a user of another account by ARN", doc("Allow", `{"AWS":"arn:aws:iam::210987654321:user/eve"}`, ""), other, keyward.DecisionAllowed},
		{"a role's session", doc("Allow", `{"AWS":"arn:aws:iam::123456789012:role/ci"}`, ""), session, keyward.DecisionAllowed},
		{"another user with the ARN", doc("Allow", `{"AWS":"arn:aws:iam::123456789012:user/alice"}`, ""), newAlice, keyward.DecisionImplicitDeny},
		{"a session of another role with the ARN", doc("Allow", `{"AWS":"arn:aws:iam::123456789012:role/ci"}`, ""), newSession, keyward.DecisionImplicitDeny},
		{"the session's ARN, not converted", doc("Allow", `{"AWS":"arn:aws:sts::123456789012:assumed-role/ci/run-1"}`, ""), newSession, keyward.DecisionAllowed},
		{"the account, whichever user", doc("Allow", `{"AWS":"arn:aws:iam::123456789012:root"}`, ""), newAlice, keyward.DecisionAllowed},
		{"the deny names the bound user only", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"},{"Effect":"Deny","Action":"sts:*","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"}}]}`, newAlice, keyward.DecisionAllowed},
		{"anyone", doc("Allow", `"*"`, ""), other, keyward.DecisionAllowed},
		{"deny wins", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"},{"Effect":"Deny","Action":"sts:*","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"}}]}`, alice, keyward.DecisionExplicitDeny},
		// A Deny names the bound identity whatever its ARN has become: a
		// user denied cannot move or rename itself out of it. An Allow
		// names it only while it keeps the ARN.
		{"the deny follows the bound user moved", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"},{"Effect":"Deny","Action":"sts:*","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"}}]}`, movedAlice, keyward.DecisionExplicitDeny},
		{"the deny follows the bound role's session", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"},{"Effect":"Deny","Action":"sts:*","Principal":{"AWS":"arn:aws:iam::123456789012:role/ci"}}]}`, session, keyward.DecisionExplicitDeny},
		{"the allow does not follow the bound user moved", doc("Allow", `{"AWS":"arn:aws:iam::123456789012:user/alice"}`, ""), movedAlice, keyward.DecisionImplicitDeny},
		// An ARN bound to no one (a document stored before ARNs were bound)
		// grants nobody, and denies whoever has it.
		{"an unbound ARN allows nobody", doc("Allow", `{"AWS":"arn:aws:iam::123456789012:user/bob"}`, ""), bob, keyward.DecisionImplicitDeny},
		{"an unbound ARN denies whoever has it", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"},{"Effect":"Deny","Action":"sts:*","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"}}]}`, bob, keyward.DecisionExplicitDeny},
		{"an unbound role ARN denies its sessions", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"},{"Effect":"Deny","Action":"sts:*","Principal":{"AWS":"arn:aws:iam::123456789012:role/ops"}}]}`, opsSession, keyward.DecisionExplicitDeny},
		// NotPrincipal, which a document stored before Keyward refused it
		// may hold, never grants: not to those it names, nor to everyone
		// else; with Deny it still denies everyone it does not name.
		{"not principal, named", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/alice"}}]}`, alice, keyward.DecisionImplicitDeny},
		{"not principal, not named", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/someone"}}]}`, alice, keyward.DecisionImplicitDeny},
		{"not principal denying, not named", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"},{"Effect":"Deny","Action":"sts:AssumeRole","NotPrincipal":{"AWS":"210987654321"}}]}`, alice, keyward.DecisionExplicitDeny},
		{"not principal denying, named", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"},{"Effect":"Deny","Action":"sts:AssumeRole","NotPrincipal":{"AWS":"123456789012"}}]}`, alice, keyward.DecisionAllowed},
		{"external ID holds", doc("Allow", `{"AWS":"123456789012"}`, `,"Condition":{"StringEquals":{"sts:ExternalId":"s3cret"}}`), alice, keyward.DecisionAllowed},
		{"external ID differs", doc("Allow", `{"AWS":"123456789012"}`, `,"Condition":{"StringEquals":{"sts:ExternalId":"other"}}`), alice, keyward.DecisionImplicitDeny},
		{"federated provider", doc("Allow", `{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.example.com"}`, ""), oidc, keyward.DecisionAllowed},
		{"federated is not an AWS principal", doc("Allow", `{"AWS":"123456789012"}`, ""), oidc, keyward.DecisionImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, err := policy.CompileTrust(tt.doc, bound)
			if err != nil {
				t.Fatal(err)
			}
			if got := tp.Evaluate("sts:AssumeRole", tt.caller, rc); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestTrustPolicyGrant: how an allowing trust policy names its caller
// decides what the caller's own policies must add: the account only
// delegates to them, the session's role leaves its boundary and session
// policies in force, the caller itself needs only no explicit deny.
func TestTrustPolicyGrant(t *testing.T) {
	session := policy.TrustCaller{ARN: "arn:aws:sts::123456789012:assumed-role/ci/run-1", AccountID: "123456789012", RoleARN: "arn:aws:iam::123456789012:role/ci", RoleID: "AROACI"}
	bound := map[string]string{"arn:aws:iam::123456789012:role/ci": "AROACI", "arn:aws:iam::123456789012:role/other": "AROAOTHER"}
	doc := func(principals ...string) string {
		var st []string
		for _, p := range principals {
			st = append(st, `{"Effect":"Allow","Action":"sts:AssumeRole","Principal":`+p+`}`)
		}
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(st, ",") + `]}`
	}
	tests := []struct {
		name, doc string
		want      keyward.TrustGrant
	}{
		{"the account", doc(`{"AWS":"123456789012"}`), keyward.GrantAccount},
		{"the session's role", doc(`{"AWS":"arn:aws:iam::123456789012:role/ci"}`), keyward.GrantRole},
		{"the session", doc(`{"AWS":"arn:aws:sts::123456789012:assumed-role/ci/run-1"}`), keyward.GrantPrincipal},
		{"anyone", doc(`"*"`), keyward.GrantPrincipal},
		{"any AWS principal", doc(`{"AWS":"*"}`), keyward.GrantPrincipal},
		{"the strongest statement", doc(`{"AWS":"123456789012"}`, `{"AWS":"arn:aws:iam::123456789012:role/ci"}`), keyward.GrantRole},
		{"one statement naming both", doc(`{"AWS":["arn:aws:iam::123456789012:role/ci","123456789012"]}`), keyward.GrantRole},
		{"everyone but another, stored before NotPrincipal was refused", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/bob"}}]}`, keyward.GrantNone},
		{"not named", doc(`{"AWS":"arn:aws:iam::123456789012:role/other"}`), keyward.GrantNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, err := policy.CompileTrust(tt.doc, bound)
			if err != nil {
				t.Fatal(err)
			}
			if _, got := tp.Decide("sts:AssumeRole", session, &keyward.RequestContext{}); got != tt.want {
				t.Fatalf("got grant %d, want %d", got, tt.want)
			}
		})
	}
}

// TestTrustIdentities: the principals a role binds to unique IDs when its
// trust policy is saved are the IAM users' and roles' ARNs, each once,
// wherever a statement names them (Deny included); an account, its root,
// a session, "*", a provider or a service is not converted, as on AWS.
func TestTrustIdentities(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":["arn:aws:iam::123456789012:user/eng/alice","123456789012","arn:aws:iam::123456789012:root",` +
		`"arn:aws:sts::123456789012:assumed-role/ci/run","arn:aws:iam::210987654321:role/ci","*"],"Service":"ec2.amazonaws.com"}},` +
		`{"Effect":"Deny","Action":"sts:AssumeRole","Principal":{"AWS":["arn:aws:iam::123456789012:user/mallory","arn:aws:iam::123456789012:user/eng/alice"]}},` +
		`{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.example.com"}}]}`
	got, err := policy.TrustIdentities(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"arn:aws:iam::123456789012:user/eng/alice", "arn:aws:iam::210987654321:role/ci", "arn:aws:iam::123456789012:user/mallory"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := policy.TrustIdentities(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/bob"}}]}`); keyward.ErrorCode(err) != keyward.EMalformedPolicyDocument {
		t.Fatalf("NotPrincipal: %v", err)
	}
}

// TestShowTrustPrincipals: a trust policy is answered as written but for
// the principals' ARNs shown otherwise (the unique IDs of deleted ones),
// which are replaced only where they name principals: not in a condition
// (aws:PrincipalArn), nor where written with escapes.
func TestShowTrustPrincipals(t *testing.T) {
	const alice, bob = "arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:role/bob"
	shown := map[string]string{alice: "AIDAALICE", bob: "AROABOB"}
	tests := []struct{ name, doc, want string }{
		{"a list, spaced as written",
			`{"Version": "2012-10-17", "Statement": [ {"Effect": "Allow", "Principal": {"AWS": [ "` + alice + `", "123456789012" ]}, "Action": "sts:AssumeRole"} ]}`,
			`{"Version": "2012-10-17", "Statement": [ {"Effect": "Allow", "Principal": {"AWS": [ "AIDAALICE", "123456789012" ]}, "Action": "sts:AssumeRole"} ]}`},
		{"one statement, one principal",
			`{"Statement":{"Effect":"Deny","Principal":{"AWS":"` + bob + `"},"Action":"sts:AssumeRole"}}`,
			`{"Statement":{"Effect":"Deny","Principal":{"AWS":"AROABOB"},"Action":"sts:AssumeRole"}}`},
		{"a condition keeps its ARN",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"sts:AssumeRole","Condition":{"ArnEquals":{"aws:PrincipalArn":"` + alice + `"}}}]}`,
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"AIDAALICE"},"Action":"sts:AssumeRole","Condition":{"ArnEquals":{"aws:PrincipalArn":"` + alice + `"}}}]}`},
		{"escaped, as written",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user\/alice"},"Action":"sts:AssumeRole"}]}`,
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user\/alice"},"Action":"sts:AssumeRole"}]}`},
		{"another principal",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/carol","Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/carol","Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
		{"not JSON", `{"Statement":[`, `{"Statement":[`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policy.ShowTrustPrincipals(tt.doc, shown); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
