package policy_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/policy"
)

// FuzzParsePolicy feeds the parser arbitrary documents: it must never
// panic, must refuse with MalformedPolicyDocument only, and whatever it
// accepts must be a well-formed policy that evaluates without panicking.
//
//	go test -run '^$' -fuzz FuzzParsePolicy -fuzztime 60s .
func FuzzParsePolicy(f *testing.F) {
	for _, seed := range []string{
		policy.SelfManageAccessKeysPolicy,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:Get*","NotResource":"arn:aws:iam::*:user/${aws:username}"}}`,
		`{"Statement":[{"Sid":"a","Effect":"Allow","Action":["iam:*"],"Resource":["*"],"Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*",1,true]},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]},"Null":{"aws:username":"false"}}}]}`,
		`{"Version":"2008-10-17","Id":"x","Statement":[]}`,
		`{"Statement":{"Effect":"Allow","Action":"a:b","Resource":"arn:x","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"NumericEquals":{"k":"1.5"}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b-${aws:PrincipalTag/team, 'x'}/${*}","Condition":{"BinaryEquals":{"s3:x":"QQ=="},"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:${aws:PrincipalAccount}:*"},"Null":{"aws:TagKeys":["true","false"]},"DateLessThan":{"aws:CurrentTime":"2027-01"}}}}`,
		`[]`, `null`, `{"Statement":null}`, `{"Statement":[1]}`, `{}`,
	} {
		f.Add(seed)
	}
	for _, m := range policy.AWSManagedPolicies() {
		f.Add(m.Document)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := policy.ParsePolicy(doc)
		if err != nil {
			var e *keyward.Error
			if !errors.As(err, &e) || e.Code != keyward.EMalformedPolicyDocument || e.Message == "" {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		if !json.Valid([]byte(doc)) {
			t.Fatalf("accepted invalid JSON %q", doc)
		}
		if p.Version != policy.PolicyVersion2012 && p.Version != policy.PolicyVersion2008 {
			t.Fatalf("accepted version %q", p.Version)
		}
		for _, st := range p.Statements {
			if (st.Effect != "Allow" && st.Effect != "Deny") || len(st.Actions) == 0 || len(st.Resources) == 0 {
				t.Fatalf("accepted statement %+v of %q", st, doc)
			}
		}
		ps, err := policy.CompilePolicies(alice, []keyward.PolicySource{{ID: "fuzz", Type: "user", Document: doc}})
		if err != nil {
			t.Fatalf("accepted but does not compile: %v", err)
		}
		rc := keyward.RequestContext{Principal: alice, CurrentTime: now, SourceIP: "192.0.2.1", RequestedRegion: "us-east-1"}
		sim := keyward.RequestContext{Simulation: true, Extra: map[string][]string{"aws:username": {"a*"}, "aws:tagkeys": {"a", "b"}, "s3:x": {"QQ=="}}}
		for _, detail := range []bool{false, true} {
			ps.Evaluate("iam:GetUser", userARN(alice), &rc, detail)
			ps.Evaluate("s3:GetObject", "arn:aws:s3:::b-x/*", &sim, detail)
		}
	})
}

// FuzzParseTrustPolicy is FuzzParsePolicy for trust policies: no panic,
// MalformedPolicyDocument only, and an accepted policy evaluates for any
// caller without panicking.
//
//	go test -run '^$' -fuzz FuzzParseTrustPolicy -fuzztime 60s .
func FuzzParseTrustPolicy(f *testing.F) {
	for _, seed := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["123456789012","*"],"Service":"ec2.amazonaws.com"},"NotAction":"sts:TagSession","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/x"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{},"Action":"sts:AssumeRole"}]}`, `{"Statement":[{"Principal":1}]}`,
	} {
		f.Add(seed)
	}
	callers := []policy.TrustCaller{
		{ARN: "arn:aws:iam::123456789012:user/alice", AccountID: "123456789012", UserID: "AIDAALICE"},
		{ARN: "arn:aws:sts::123456789012:assumed-role/r/s", AccountID: "123456789012", RoleARN: "arn:aws:iam::123456789012:role/r", RoleID: "AROAR"},
		{Federated: "arn:aws:iam::123456789012:oidc-provider/x"}, {},
	}
	bound := map[string]string{"arn:aws:iam::123456789012:user/alice": "AIDAALICE", "arn:aws:iam::123456789012:role/r": "AROAR"}
	f.Fuzz(func(t *testing.T, doc string) {
		tp, err := policy.CompileTrust(doc, bound)
		if err != nil {
			var e *keyward.Error
			if !errors.As(err, &e) || e.Code != keyward.EMalformedPolicyDocument || e.Message == "" {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		for _, c := range callers {
			switch d := tp.Evaluate("sts:AssumeRole", c, &keyward.RequestContext{}); d {
			case keyward.DecisionAllowed, keyward.DecisionExplicitDeny, keyward.DecisionImplicitDeny:
			default:
				t.Fatalf("decision %q", d)
			}
		}
	})
}
