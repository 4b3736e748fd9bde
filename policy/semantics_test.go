package policy_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/policy"
)

// decide evaluates one Allow statement, with the given Resource and
// Condition, on resource in a simulation's context of ctx (and principal p,
// if any): whether the statement allows.
func decide(t *testing.T, resource, condition, target string, p keyward.Principal, ctx map[string][]string) bool {
	t.Helper()
	st := `{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + resource + `"`
	if condition != "" {
		st += `,"Condition":` + condition
	}
	ps, err := policy.CompilePolicies(p, []keyward.PolicySource{{ID: "p", Type: "none", Document: doc(st + "}")}})
	if err != nil {
		t.Fatal(err)
	}
	// Context keys are lower case, as the simulator reads them.
	extra := map[string][]string{}
	for k, v := range ctx {
		extra[strings.ToLower(k)] = v
	}
	rc := &keyward.RequestContext{Principal: p, Extra: extra, Simulation: true}
	d := ps.Evaluate("s3:GetObject", target, rc, false)
	if e := ps.Evaluate("s3:GetObject", target, rc, true); e.Effect != d.Effect {
		t.Fatalf("with detail %s, without %s", e.Effect, d.Effect)
	}
	return d.Effect == keyward.DecisionAllowed
}

// TestConditionSemantics fixes the condition operators' behaviour as the
// IAM User Guide documents it, for the cases where Keyward once differed
// (found by comparing with an independent implementation). Each group
// names the page and section that decides it.
func TestConditionSemantics(t *testing.T) {
	const obj = "arn:aws:s3:::b/k"
	one := func(k, v string) map[string][]string { return map[string][]string{k: {v}} }
	tests := []struct {
		name, resource, condition string
		target                    string
		principal                 keyward.Principal
		ctx                       map[string][]string
		want                      bool
	}{
		// reference_policies_elements_condition_operators, "Binary condition
		// operators": the key's bytes against the policy's base64.
		{name: "BinaryEquals matches the same bytes", condition: `{"BinaryEquals":{"s3:x":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, ctx: one("s3:x", "QmluYXJ5VmFsdWVJbkJhc2U2NA=="), want: true},
		{name: "BinaryEquals other bytes", condition: `{"BinaryEquals":{"s3:x":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, ctx: one("s3:x", "QmluYXJ5"), want: false},
		{name: "BinaryEquals absent key", condition: `{"BinaryEquals":{"s3:x":"QQ=="}}`, want: false},
		{name: "BinaryEqualsIfExists absent key", condition: `{"BinaryEqualsIfExists":{"s3:x":"QQ=="}}`, want: true},

		// "Condition operator to check existence of condition keys": several
		// values of one key are OR'ed, for Null as for every operator.
		{name: "Null true or false, key absent", condition: `{"Null":{"s3:x":["false","true"]}}`, want: true},
		{name: "Null true or false, key present", condition: `{"Null":{"s3:x":["true","false"]}}`, ctx: one("s3:x", "v"), want: true},
		{name: "Null true, key present", condition: `{"Null":{"s3:x":["true"]}}`, ctx: one("s3:x", "v"), want: false},

		// "Amazon Resource Name (ARN) condition operators": each of the six
		// colon-delimited components is checked separately.
		{name: "ArnLike whole ARN", condition: `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:topic-*"}}`, ctx: one("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic-a"), want: true},
		{name: "ArnLike the guide's example does not match", condition: `{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}`,
			ctx: one("aws:SourceArn", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"), want: false},
		{name: "StringLike the guide's example matches", condition: `{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}`,
			ctx: one("aws:SourceArn", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"), want: true},
		{name: "ArnLike pattern of five components", condition: `{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*"}}`, ctx: one("aws:SourceArn", "arn:aws:iam::123456789012:user/alice"), want: false},
		{name: "ArnEquals pattern of five components", condition: `{"ArnEquals":{"aws:SourceArn":"arn:aws:*"}}`, ctx: one("aws:SourceArn", "arn:aws:iam::123456789012:user/alice"), want: false},
		{name: "ArnNotLike pattern of five components holds", condition: `{"ArnNotLike":{"aws:SourceArn":"arn:aws:iam::*"}}`, ctx: one("aws:SourceArn", "arn:aws:iam::123456789012:user/alice"), want: true},
		{name: "ArnLike resource component keeps its colons", condition: `{"ArnLike":{"aws:SourceArn":"arn:aws:sqs:*:*:queue:*"}}`, ctx: one("aws:SourceArn", "arn:aws:sqs:us-east-1:123456789012:queue:a:b"), want: true},
		{name: "ArnLike value of five components", condition: `{"ArnLike":{"aws:SourceArn":"arn:*:*:*:*:*"}}`, ctx: one("aws:SourceArn", "arn:aws:iam::123456789012"), want: false},
		{name: "ArnLike is case-sensitive", condition: `{"ArnLike":{"aws:SourceArn":"arn:aws:IAM::*:user/*"}}`, ctx: one("aws:SourceArn", "arn:aws:iam::123456789012:user/alice"), want: false},
		{name: "ArnLike variable keeps to its component", condition: `{"ArnLike":{"aws:SourceArn":"arn:aws:iam::${aws:userid}:user/x"}}`,
			ctx: map[string][]string{"aws:SourceArn": {"arn:aws:iam::1:2:user/x"}, "aws:userid": {"1:2"}}, want: false},

		// "Date condition operators": the W3C forms of ISO 8601, or epoch
		// seconds.
		{name: "date YYYY-MM", condition: `{"DateLessThan":{"aws:CurrentTime":"2026-12"}}`, ctx: one("aws:CurrentTime", "2026-11-27T12:00:00Z"), want: true},
		{name: "date YYYY", condition: `{"DateGreaterThanEquals":{"aws:CurrentTime":"2026"}}`, ctx: one("aws:CurrentTime", "2026-01-01T00:00:00Z"), want: true},
		{name: "date YYYY before", condition: `{"DateLessThan":{"aws:CurrentTime":"2026"}}`, ctx: one("aws:CurrentTime", "2026-01-01T00:00:00Z"), want: false},
		{name: "four digits are a year, not 1970", condition: `{"DateLessThan":{"aws:CurrentTime":"2027"}}`, ctx: one("aws:CurrentTime", "2026-11-27T12:00:00Z"), want: true},
		{name: "date with minutes and zone", condition: `{"DateEquals":{"aws:CurrentTime":"2026-11-27T13:00+01:00"}}`, ctx: one("aws:CurrentTime", "2026-11-27T12:00:00Z"), want: true},
		{name: "date with fraction", condition: `{"DateLessThan":{"aws:CurrentTime":"2026-11-27T12:00:00.5Z"}}`, ctx: one("aws:CurrentTime", "2026-11-27T12:00:00Z"), want: true},
		{name: "date request value as YYYY-MM-DD", condition: `{"DateEquals":{"aws:CurrentTime":"2026-11-27T00:00:00Z"}}`, ctx: one("aws:CurrentTime", "2026-11-27"), want: true},
		{name: "epoch seconds", condition: `{"DateEquals":{"aws:EpochTime":"1795780800"}}`, ctx: one("aws:EpochTime", "2026-11-27T12:00:00Z"), want: true},
		{name: "not a date", condition: `{"DateLessThan":{"aws:CurrentTime":"27/11/2026"}}`, ctx: one("aws:CurrentTime", "2026-11-27T12:00:00Z"), want: false},

		// "Numeric condition operators": an integer or a decimal.
		{name: "numeric decimal", condition: `{"NumericLessThan":{"s3:max-keys":"10.5"}}`, ctx: one("s3:max-keys", "10"), want: true},
		{name: "numeric Inf is not a number", condition: `{"NumericLessThan":{"s3:max-keys":"Inf"}}`, ctx: one("s3:max-keys", "10"), want: false},

		// reference_policies_variables, "Specifying default values".
		{name: "default value when absent", resource: "arn:aws:s3:::b-${aws:PrincipalTag/team, 'company-wide'}/*", target: "arn:aws:s3:::b-company-wide/k", want: true},
		{name: "value over default", resource: "arn:aws:s3:::b-${aws:PrincipalTag/team, 'company-wide'}/*", target: "arn:aws:s3:::b-yellow/k",
			ctx: one("aws:PrincipalTag/team", "yellow"), want: true},
		{name: "default only when absent", resource: "arn:aws:s3:::b-${aws:PrincipalTag/team, 'company-wide'}/*", target: "arn:aws:s3:::b-company-wide/k",
			ctx: one("aws:PrincipalTag/team", "yellow"), want: false},
		{name: "default in a condition", condition: `{"StringEquals":{"s3:prefix":"${aws:username, 'guest'}/"}}`, ctx: one("s3:prefix", "guest/"), want: true},

		// "Policy variables with no value": positive operators do not
		// match, negated ones do, a resource matches nothing.
		{name: "variable without value, StringEquals", condition: `{"StringEquals":{"s3:prefix":"${aws:username}"}}`, ctx: one("s3:prefix", ""), want: false},
		{name: "variable without value, StringNotEquals", condition: `{"StringNotEquals":{"s3:prefix":"${aws:username}"}}`, ctx: one("s3:prefix", "x"), want: true},
		{name: "variable without value, StringNotLike", condition: `{"StringNotLike":{"s3:prefix":["${aws:username}/*","y"]}}`, ctx: one("s3:prefix", "x"), want: true},
		{name: "variable without value in Resource", resource: "arn:aws:s3:::b/${aws:username}", target: "arn:aws:s3:::b/", want: false},

		// Variables come from the request's context: a context entry counts
		// with no caller, and wins over the caller's own value (the
		// SimulateCustomPolicy API reference: "Whenever a context key is
		// evaluated … the corresponding value is supplied").
		{name: "variable from a context entry", resource: "arn:aws:s3:::b/${aws:username}/*", target: "arn:aws:s3:::b/alice/k", ctx: one("aws:username", "alice"), want: true},
		{name: "context entry over the caller", resource: "arn:aws:s3:::b/${aws:username}/*", target: "arn:aws:s3:::b/bob/k", principal: alice, ctx: one("aws:username", "bob"), want: true},
		{name: "the caller without an entry", resource: "arn:aws:s3:::b/${aws:username}/*", target: "arn:aws:s3:::b/alice/k", principal: alice, want: true},
		{name: "a request key as a variable", condition: `{"StringEquals":{"s3:prefix":"${aws:SourceIp}"}}`, ctx: map[string][]string{"s3:prefix": {"192.0.2.1"}, "aws:SourceIp": {"192.0.2.1"}}, want: true},
		{name: "a multivalued key is no variable", condition: `{"StringEquals":{"s3:prefix":"${aws:TagKeys}"}}`, ctx: map[string][]string{"s3:prefix": {"a"}, "aws:TagKeys": {"a", "b"}}, want: false},
		// "Special characters": ${*} is an asterisk, not a wildcard; nor is
		// one that a variable's value brings.
		{name: "${*} is literal", resource: "arn:aws:s3:::b/${*}", target: "arn:aws:s3:::b/x", want: false},
		{name: "${*} matches an asterisk", resource: "arn:aws:s3:::b/${*}", target: "arn:aws:s3:::b/*", want: true},
		{name: "a variable's wildcard is literal", resource: "arn:aws:s3:::b/${s3:x}", target: "arn:aws:s3:::b/anything", ctx: one("s3:x", "*"), want: false},
		{name: "a variable's wildcard matches itself", condition: `{"StringLike":{"s3:prefix":"${s3:x}"}}`, ctx: map[string][]string{"s3:prefix": {"a?"}, "s3:x": {"a?"}}, want: true},
		{name: "a wildcard before a literal asterisk", condition: `{"StringLike":{"s3:prefix":"a*c"}}`, ctx: one("s3:prefix", "a*xc"), want: true},
		// Numeric, date and IP address operators take no variables.
		{name: "NumericEquals takes no variable", condition: `{"NumericEquals":{"s3:max-keys":"${s3:n}"}}`, ctx: map[string][]string{"s3:max-keys": {"3"}, "s3:n": {"3"}}, want: false},
		{name: "Bool takes a variable", condition: `{"Bool":{"aws:SecureTransport":"${s3:b}"}}`, ctx: map[string][]string{"aws:SecureTransport": {"true"}, "s3:b": {"true"}}, want: true},

		// A multivalued key without ForAnyValue or ForAllValues matches no
		// operator (docs/api.md, "Policy evaluation: choices where AWS's guide is
		// silent").
		{name: "bare operator, two values", condition: `{"StringEquals":{"aws:TagKeys":["a","b"]}}`, ctx: map[string][]string{"aws:TagKeys": {"a", "b"}}, want: false},
		{name: "bare negated operator, two values", condition: `{"StringNotEquals":{"aws:TagKeys":"c"}}`, ctx: map[string][]string{"aws:TagKeys": {"a", "b"}}, want: false},
		{name: "ForAnyValue, two values", condition: `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, ctx: map[string][]string{"aws:TagKeys": {"a", "b"}}, want: true},
		{name: "bare operator, one value", condition: `{"StringEquals":{"aws:TagKeys":"a"}}`, ctx: map[string][]string{"aws:TagKeys": {"a"}}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resource, target := tt.resource, tt.target
			if resource == "" {
				resource = "*"
			}
			if target == "" {
				target = obj
			}
			if got := decide(t, resource, tt.condition, target, tt.principal, tt.ctx); got != tt.want {
				t.Fatalf("allowed %v, want %v", got, tt.want)
			}
		})
	}
}

// TestParseConditionOperators: BinaryEquals is an operator (with IfExists
// and the set operators), whose values must be base64.
func TestParseConditionOperators(t *testing.T) {
	for _, op := range []string{"BinaryEquals", "BinaryEqualsIfExists", "ForAnyValue:BinaryEquals"} {
		if _, err := policy.ParsePolicy(doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"` + op + `":{"s3:x":"QQ=="}}}`)); err != nil {
			t.Errorf("%s: %v", op, err)
		}
	}
	_, err := policy.ParsePolicy(doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"s3:x":"not base64!"}}}`))
	var e *keyward.Error
	if !errors.As(err, &e) || e.Code != keyward.EMalformedPolicyDocument || e.Message != "Invalid value not base64! for condition BinaryEquals" {
		t.Fatalf("invalid base64: %v", err)
	}
	if _, err := policy.ParsePolicy(doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"${s3:b}"}}}`)); err != nil {
		t.Fatalf("Bool with a variable: %v", err)
	}
}

// TestSimulationContext: a simulation's context has only what it was
// given, and the keys a decision needed and lacked are reported, as the
// policies write them, once each.
func TestSimulationContext(t *testing.T) {
	rc := &keyward.RequestContext{Simulation: true, Extra: map[string][]string{"aws:sourceip": {"192.0.2.1"}}}
	for _, key := range []string{"aws:SecureTransport", "aws:CurrentTime", "aws:EpochTime", "aws:userid", "aws:username", "aws:PrincipalAccount",
		"aws:PrincipalArn", "aws:PrincipalType", "aws:MultiFactorAuthPresent", "aws:RequestedRegion"} {
		if v, ok := policy.ContextValue(rc, key); ok {
			t.Errorf("%s = %q in a simulation without it", key, v)
		}
	}
	if v, ok := policy.ContextValue(rc, "aws:SourceIp"); !ok || v[0] != "192.0.2.1" {
		t.Errorf("aws:SourceIp %v", v)
	}
	rc.Principal = alice
	if v, ok := policy.ContextValue(rc, "aws:username"); !ok || v[0] != "alice" {
		t.Errorf("the caller's aws:username %v", v)
	}
	if _, ok := policy.ContextValue(rc, "aws:SecureTransport"); ok {
		t.Error("aws:SecureTransport with a caller")
	}

	pol := doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`,
		`{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"${aws:PrincipalTag/vpc}"},"Null":{"aws:SecureTransport":"false"}}}`,
		`{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"StringEquals":{"iam:Only":"x"}}}`,
		`{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::other/*","Condition":{"StringEquals":{"s3:OnlyOther":"x"}}}`)
	ps, err := policy.CompilePolicies(keyward.Principal{}, []keyward.PolicySource{{ID: "p", Type: "none", Document: pol}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		action, resource string
		ctx              map[string][]string
		want             []string
	}{
		{"s3:GetObject", "arn:aws:s3:::b/alice/k", nil, []string{"aws:username", "aws:SecureTransport", "aws:SourceVpc", "aws:PrincipalTag/vpc"}},
		{"s3:GetObject", "arn:aws:s3:::b/alice/k", map[string][]string{"aws:username": {"alice"}, "aws:securetransport": {"true"}}, []string{"aws:SourceVpc", "aws:PrincipalTag/vpc"}},
		{"s3:PutObject", "arn:aws:s3:::b/k", nil, []string{"aws:SecureTransport", "aws:SourceVpc", "aws:PrincipalTag/vpc"}},
		{"s3:PutObject", "arn:aws:s3:::b/k", map[string][]string{"aws:principaltag/vpc": {"v"}, "aws:sourcevpc": {"v"}, "aws:securetransport": {"false"}}, nil},
		{"sqs:SendMessage", "*", nil, nil},
	}
	for _, tt := range tests {
		d := ps.Evaluate(tt.action, tt.resource, &keyward.RequestContext{Simulation: true, Extra: tt.ctx}, true)
		if !reflect.DeepEqual(d.Missing, tt.want) {
			t.Errorf("%s %s %v: missing %q, want %q", tt.action, tt.resource, tt.ctx, d.Missing, tt.want)
		}
	}
}

// TestVariablesOfAnotherRequest: a policy set resolves its principal's
// variables once, but a request of another principal, a simulation or a
// context with keys of its own resolves them from its context.
func TestVariablesOfAnotherRequest(t *testing.T) {
	ps, err := policy.CompilePolicies(alice, []keyward.PolicySource{{ID: "p", Type: "user",
		Document: doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		rc     keyward.RequestContext
		target string
		want   string
	}{
		{"the principal's own", keyward.RequestContext{Principal: alice}, "arn:aws:s3:::b/alice/k", keyward.DecisionAllowed},
		{"another principal", keyward.RequestContext{Principal: bob}, "arn:aws:s3:::b/alice/k", keyward.DecisionImplicitDeny},
		{"another principal's own", keyward.RequestContext{Principal: bob}, "arn:aws:s3:::b/bob/k", keyward.DecisionAllowed},
		// Outside a simulation what Keyward knows of the principal wins
		// over a context key claiming otherwise.
		{"a context key does not rename the caller", keyward.RequestContext{Principal: alice, Extra: map[string][]string{"aws:username": {"carol"}}}, "arn:aws:s3:::b/carol/k", keyward.DecisionImplicitDeny},
		{"a context key with the caller's own", keyward.RequestContext{Principal: alice, Extra: map[string][]string{"aws:username": {"carol"}}}, "arn:aws:s3:::b/alice/k", keyward.DecisionAllowed},
		{"a simulation's entry over its caller", keyward.RequestContext{Principal: alice, Simulation: true, Extra: map[string][]string{"aws:username": {"carol"}}}, "arn:aws:s3:::b/carol/k", keyward.DecisionAllowed},
		{"a simulation without a caller", keyward.RequestContext{Simulation: true}, "arn:aws:s3:::b/alice/k", keyward.DecisionImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, detail := range []bool{false, true} {
				if d := ps.Evaluate("s3:GetObject", tt.target, &tt.rc, detail); d.Effect != tt.want {
					t.Fatalf("detail=%v: %s, want %s", detail, d.Effect, tt.want)
				}
			}
		})
	}
}

// TestCallerKeysAreKeywards: outside a simulation, a key that describes
// the principal is what Keyward knows of it, whatever the request's further
// keys claim (a verifier's observed keys, a service's context); in a
// simulation, a context entry is the value.
func TestCallerKeysAreKeywards(t *testing.T) {
	issued := now.Add(-time.Hour)
	session := keyward.Principal{AccountID: account, RoleID: "AROAEXAMPLE", RoleName: "ci", RolePath: "/", SessionName: "s",
		Session: &keyward.SessionContext{AccessKeyID: "ASIAEXAMPLE", IssuedAt: issued, Tags: []keyward.Tag{{Key: "team", Value: "blue"}}}}
	claims := map[string][]string{"aws:username": {"carol"}, "aws:userid": {"AIDACAROL"}, "aws:principalarn": {"arn:aws:iam::123456789012:user/carol"},
		"aws:tokenissuetime": {"2099-01-01T00:00:00Z"}, "aws:principaltag/team": {"red"}, "aws:sourceidentity": {"carol"}, "s3:prefix": {"home/"}}
	tests := []struct {
		p         keyward.Principal
		key, want string
		present   bool
	}{
		{alice, "aws:username", "alice", true},
		{alice, "aws:userid", alice.UserID, true},
		{alice, "aws:PrincipalArn", userARN(alice), true},
		{session, "aws:username", "", false},
		{session, "aws:TokenIssueTime", issued.UTC().Format(time.RFC3339), true},
		{session, "aws:PrincipalTag/team", "blue", true},
		{session, "aws:SourceIdentity", "", false},
		{alice, "s3:prefix", "home/", true}, // not the principal's: the request's own
	}
	for _, tt := range tests {
		rc := &keyward.RequestContext{Principal: tt.p, Extra: claims}
		v, ok := policy.ContextValue(rc, tt.key)
		if ok != tt.present || ok && (len(v) != 1 || v[0] != tt.want) {
			t.Errorf("%s of %s: %q %v, want %q %v", tt.key, tt.p.ID(), v, ok, tt.want, tt.present)
		}
	}
	sim := &keyward.RequestContext{Principal: alice, Simulation: true, Extra: claims}
	if v, _ := policy.ContextValue(sim, "aws:username"); len(v) != 1 || v[0] != "carol" {
		t.Errorf("a simulation's entry: %q", v)
	}
}
