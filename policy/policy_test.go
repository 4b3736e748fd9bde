package policy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/policy"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"iam:*", "iam:CreateUser", true},
		{"iam:Get*", "iam:GetUser", true},
		{"iam:Get*", "iam:ListUsers", false},
		{"iam:?etUser", "iam:GetUser", true},
		{"iam:?etUser", "iam:etUser", false},
		{"arn:aws:iam::123456789012:user/*", "arn:aws:iam::123456789012:user/eng/alice", true},
		{"arn:aws:iam::*:user/a*e", "arn:aws:iam::123456789012:user/alice", true},
		{"arn:aws:iam::*:user/a*e", "arn:aws:iam::123456789012:user/alicia", false},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"é?", "éñ", true},
		{"User/Alice", "User/alice", false}, // ARNs are case-sensitive
	}
	for _, tt := range tests {
		if got := policy.Match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestParsePolicyRefuses(t *testing.T) {
	tests := []struct {
		name, doc, message string
	}{
		{"not JSON", `{"Version":`, "Syntax errors in policy."},
		{"trailing data", `{"Statement":[]} {}`, "Syntax errors in policy."},
		{"unknown element", `{"Version":"2012-10-17","Statement":[],"Foo":1}`, "Syntax errors in policy."},
		{"unknown statement element", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Bar":1}}`, "Syntax errors in policy."},
		{"bad version", `{"Version":"2020-01-01","Statement":[]}`, "The policy failed legacy parsing"},
		{"no statement", `{"Version":"2012-10-17"}`, "Missing required field Statement"},
		{"no effect", `{"Statement":{"Action":"*","Resource":"*"}}`, "Missing required field Effect"},
		{"bad effect", `{"Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}`, "Invalid effect: Maybe"},
		{"no action", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, "Policy statement must contain actions."},
		{"no resource", `{"Statement":{"Effect":"Allow","Action":"iam:*"}}`, "Policy statement must contain resources."},
		{"action and not action", `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}}`, "Syntax errors in policy."},
		{"empty action list", `{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, "Syntax errors in policy."},
		{"principal", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, "Policy document should not specify a principal."},
		{"action without vendor", `{"Statement":{"Effect":"Allow","Action":"CreateUser","Resource":"*"}}`, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"two colons", `{"Statement":{"Effect":"Allow","Action":"iam:a:b","Resource":"*"}}`, "Actions/Condition can contain only one colon."},
		{"resource not an ARN", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"user/alice"}}`, `Resource user/alice must be in ARN format or "*".`},
		{"unknown operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringSortOf":{"aws:username":"a"}}}}`, "Invalid Condition type : StringSortOf"},
		{"bad bool", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}}`, "Invalid value yes for condition Bool"},
		{"bad address", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/99"}}}}`, "Invalid IP address or CIDR 10.0.0.0/99 in condition IpAddress"},
		{"duplicate sid", `{"Statement":[{"Sid":"a","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"a","Effect":"Deny","Action":"*","Resource":"*"}]}`, "Statement IDs (SID) in a single policy must be unique."},
		{"action of wrong type", `{"Statement":{"Effect":"Allow","Action":{"x":1},"Resource":"*"}}`, "Syntax errors in policy."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.ParsePolicy(tt.doc)
			var e *keyward.Error
			if !errors.As(err, &e) || e.Code != keyward.EMalformedPolicyDocument || e.Message != tt.message {
				t.Fatalf("got %v, want MalformedPolicyDocument %q", err, tt.message)
			}
		})
	}
}

const account = "123456789012"

var (
	alice = keyward.Principal{AccountID: account, UserID: "AIDAALICE000000000000", UserName: "alice", UserPath: "/"}
	bob   = keyward.Principal{AccountID: account, UserID: "AIDABOB00000000000000", UserName: "bob", UserPath: "/eng/"}
	now   = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
)

func userARN(p keyward.Principal) string {
	return "arn:aws:iam::" + account + ":user" + p.UserPath + p.UserName
}

func doc(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

func TestEvaluate(t *testing.T) {
	type request struct {
		action, resource string
		rc               keyward.RequestContext
	}
	req := func(action, resource string) request {
		return request{action, resource, keyward.RequestContext{Principal: alice, CurrentTime: now, SourceIP: "192.0.2.10", RequestedRegion: "us-east-1"}}
	}
	with := func(r request, f func(*keyward.RequestContext)) request { f(&r.rc); return r }
	allowAll := `{"Effect":"Allow","Action":"*","Resource":"*"}`
	tests := []struct {
		name     string
		policies []string
		req      request
		want     string
	}{
		{"no policy", nil, req("iam:ListUsers", "*"), keyward.DecisionImplicitDeny},
		{"allow all", []string{doc(allowAll)}, req("iam:ListUsers", "*"), keyward.DecisionAllowed},
		{"statement as object", []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}}`}, req("iam:ListUsers", "*"), keyward.DecisionAllowed},
		{"action is case-insensitive", []string{doc(`{"Effect":"Allow","Action":"IAM:listusers","Resource":"*"}`)}, req("iam:ListUsers", "*"), keyward.DecisionAllowed},
		{"action wildcard", []string{doc(`{"Effect":"Allow","Action":"iam:List*","Resource":"*"}`)}, req("iam:ListAccessKeys", "*"), keyward.DecisionAllowed},
		{"action wildcard misses", []string{doc(`{"Effect":"Allow","Action":"iam:List*","Resource":"*"}`)}, req("iam:CreateUser", "*"), keyward.DecisionImplicitDeny},
		{"action question mark", []string{doc(`{"Effect":"Allow","Action":"iam:?etUser","Resource":"*"}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"resource ARN", []string{doc(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::123456789012:user/alice"}`)}, req("iam:GetUser", userARN(alice)), keyward.DecisionAllowed},
		{"resource is case-sensitive", []string{doc(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::123456789012:user/Alice"}`)}, req("iam:GetUser", userARN(alice)), keyward.DecisionImplicitDeny},
		{"resource list", []string{doc(`{"Effect":"Allow","Action":"iam:GetUser","Resource":["arn:aws:iam::123456789012:user/x","arn:aws:iam::123456789012:user/a*"]}`)}, req("iam:GetUser", userARN(alice)), keyward.DecisionAllowed},
		{"deny beats allow", []string{doc(allowAll, `{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}`)}, req("iam:DeleteUser", userARN(bob)), keyward.DecisionExplicitDeny},
		{"deny in another policy beats allow", []string{doc(allowAll), doc(`{"Effect":"Deny","Action":"iam:*","Resource":"*"}`)}, req("iam:GetUser", "*"), keyward.DecisionExplicitDeny},
		{"deny elsewhere does not apply", []string{doc(allowAll, `{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"not action", []string{doc(`{"Effect":"Allow","NotAction":"iam:DeleteUser","Resource":"*"}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"not action excludes", []string{doc(`{"Effect":"Allow","NotAction":"iam:Delete*","Resource":"*"}`)}, req("iam:DeleteUser", "*"), keyward.DecisionImplicitDeny},
		{"not resource", []string{doc(`{"Effect":"Allow","Action":"iam:GetUser","NotResource":"arn:aws:iam::123456789012:user/eng/*"}`)}, req("iam:GetUser", userARN(alice)), keyward.DecisionAllowed},
		{"not resource excludes", []string{doc(`{"Effect":"Allow","Action":"iam:GetUser","NotResource":"arn:aws:iam::123456789012:user/eng/*"}`)}, req("iam:GetUser", userARN(bob)), keyward.DecisionImplicitDeny},
		{"deny with not resource", []string{doc(allowAll, `{"Effect":"Deny","Action":"*","NotResource":"arn:aws:iam::123456789012:user/${aws:username}"}`)}, req("iam:GetUser", userARN(bob)), keyward.DecisionExplicitDeny},
		{"variable username", []string{doc(`{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::*:user/${aws:username}"}`)}, req("iam:CreateAccessKey", userARN(alice)), keyward.DecisionAllowed},
		{"variable username other user", []string{doc(`{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::*:user/${aws:username}"}`)}, req("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/bob"), keyward.DecisionImplicitDeny},
		{"variable userid", []string{doc(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"StringEquals":{"aws:userid":"${aws:userid}"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"variable account", []string{doc(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::${aws:PrincipalAccount}:user/*"}`)}, req("iam:GetUser", userARN(alice)), keyward.DecisionAllowed},
		{"variables literal in 2008", []string{`{"Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}}`}, req("iam:GetUser", userARN(alice)), keyward.DecisionImplicitDeny},
		{"StringEquals", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":["bob","alice"]}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"StringEquals misses", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"Alice"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"StringEqualsIgnoreCase", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"StringNotEquals", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:username":["bob","carol"]}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"StringNotEquals misses", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:username":["bob","alice"]}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"StringLike", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/al*"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"StringNotLike", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotLike":{"aws:username":"a*"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"absent key fails a positive operator", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:nosuchkey":"x"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"absent key passes a negated operator", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:nosuchkey":"x"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"IfExists with absent key", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:nosuchkey":"x"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"IfExists with present key", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:username":"bob"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"NumericLessThan", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"aws:EpochTime":1900000000}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"NumericGreaterThanEquals misses", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericGreaterThanEquals":{"aws:EpochTime":"1900000000"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"NumericEquals with bad number", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"aws:username":"1"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"DateLessThan", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"DateGreaterThan misses", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2027-01-01"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"DateEquals epoch", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateEquals":{"aws:CurrentTime":"1795780800"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"Bool SecureTransport false", []string{doc(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`, allowAll)}, req("iam:GetUser", "*"), keyward.DecisionExplicitDeny},
		{"Bool SecureTransport true", []string{doc(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}`, allowAll)},
			with(req("iam:GetUser", "*"), func(rc *keyward.RequestContext) { rc.SecureTransport = true }), keyward.DecisionAllowed},
		{"IpAddress", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.0/24"]}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"IpAddress single", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.11"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"NotIpAddress", []string{doc(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}`, allowAll)}, req("iam:GetUser", "*"), keyward.DecisionExplicitDeny},
		{"IPv6", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}}`)},
			with(req("iam:GetUser", "*"), func(rc *keyward.RequestContext) { rc.SourceIP = "2001:db8::1" }), keyward.DecisionAllowed},
		{"RequestedRegion", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"Null true on absent key", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:nosuchkey":"true"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"Null false on absent key", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:nosuchkey":"false"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"ArnLike", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/*"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"ForAnyValue", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:tagkeys":["team","cost"]}}}`)},
			with(req("iam:GetUser", "*"), func(rc *keyward.RequestContext) { rc.Extra = map[string][]string{"aws:tagkeys": {"owner", "cost"}} }), keyward.DecisionAllowed},
		{"ForAnyValue absent", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:tagkeys":"team"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		{"ForAllValues", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:tagkeys":["team","cost"]}}}`)},
			with(req("iam:GetUser", "*"), func(rc *keyward.RequestContext) { rc.Extra = map[string][]string{"aws:tagkeys": {"owner", "cost"}} }), keyward.DecisionImplicitDeny},
		{"ForAllValues subset", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:tagkeys":["team","cost"]}}}`)},
			with(req("iam:GetUser", "*"), func(rc *keyward.RequestContext) { rc.Extra = map[string][]string{"aws:tagkeys": {"cost"}} }), keyward.DecisionAllowed},
		{"ForAllValues absent key", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:tagkeys":"team"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
		{"conditions are ANDed", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice","aws:RequestedRegion":"eu-west-1"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionImplicitDeny},
		// AWS's documented examples.
		{"self-managed keys: own", []string{policy.SelfManageAccessKeysPolicy}, req("iam:CreateAccessKey", userARN(alice)), keyward.DecisionAllowed},
		{"self-managed keys: another user's", []string{policy.SelfManageAccessKeysPolicy}, req("iam:UpdateAccessKey", userARN(bob)), keyward.DecisionImplicitDeny},
		{"self-managed keys: nothing else", []string{policy.SelfManageAccessKeysPolicy}, req("iam:ListUsers", userARN(alice)), keyward.DecisionImplicitDeny},
		{"IAMReadOnlyAccess lists", []string{awsManaged("IAMReadOnlyAccess")}, req("iam:ListUsers", "arn:aws:iam::123456789012:user/"), keyward.DecisionAllowed},
		{"IAMReadOnlyAccess gets", []string{awsManaged("IAMReadOnlyAccess")}, req("iam:GetAccessKeyLastUsed", userARN(bob)), keyward.DecisionAllowed},
		{"IAMReadOnlyAccess does not create", []string{awsManaged("IAMReadOnlyAccess")}, req("iam:CreateUser", userARN(bob)), keyward.DecisionImplicitDeny},
		{"IAMUserChangePassword", []string{awsManaged("IAMUserChangePassword")}, req("iam:ChangePassword", userARN(alice)), keyward.DecisionAllowed},
		{"AdministratorAccess with a group's deny", []string{awsManaged("AdministratorAccess"), doc(`{"Effect":"Deny","Action":"iam:CreateAccessKey","NotResource":"arn:aws:iam::*:user/${aws:username}"}`)},
			req("iam:CreateAccessKey", userARN(bob)), keyward.DecisionExplicitDeny},
		{"condition keys are case-insensitive", []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"stringequals":{"AWS:UserName":"alice"}}}`)}, req("iam:GetUser", "*"), keyward.DecisionAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sources []keyward.PolicySource
			for i, d := range tt.policies {
				sources = append(sources, keyward.PolicySource{ID: "p" + string(rune('0'+i)), Type: "user", Document: d})
			}
			ps, err := policy.CompilePolicies(tt.req.rc.Principal, sources)
			if err != nil {
				t.Fatal(err)
			}
			rc := tt.req.rc
			for _, detail := range []bool{false, true} {
				if got := ps.Evaluate(tt.req.action, tt.req.resource, &rc, detail).Effect; got != tt.want {
					t.Fatalf("detail=%v: %s, want %s", detail, got, tt.want)
				}
			}
		})
	}
}

func awsManaged(name string) string {
	for _, m := range policy.AWSManagedPolicies() {
		if m.Policy.Name == name {
			return m.Document
		}
	}
	panic("no AWS managed policy " + name)
}

// TestPermissionsBoundary: with a boundary, an action needs an allow from
// an identity policy and from the boundary; a deny in either wins; the
// boundary alone allows nothing.
func TestPermissionsBoundary(t *testing.T) {
	listOnly := doc(`{"Effect":"Allow","Action":"iam:List*","Resource":"*"}`)
	allowAll := doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`)
	denyKeys := doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`, `{"Effect":"Deny","Action":"iam:ListAccessKeys","Resource":"*"}`)
	tests := []struct {
		name            string
		identity, bound string
		action, want    string
		denyByBoundary  bool
	}{
		{"both allow", allowAll, listOnly, "iam:ListUsers", keyward.DecisionAllowed, false},
		{"boundary does not allow", allowAll, listOnly, "iam:CreateUser", keyward.DecisionImplicitDeny, true},
		{"identity does not allow", listOnly, allowAll, "iam:CreateUser", keyward.DecisionImplicitDeny, false},
		{"boundary alone allows nothing", "", allowAll, "iam:ListUsers", keyward.DecisionImplicitDeny, false},
		{"deny in the boundary wins", allowAll, denyKeys, "iam:ListAccessKeys", keyward.DecisionExplicitDeny, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sources []keyward.PolicySource
			if tt.identity != "" {
				sources = append(sources, keyward.PolicySource{ID: "p", Type: "user", Document: tt.identity})
			}
			sources = append(sources, keyward.PolicySource{ID: "arn:aws:iam::123456789012:policy/B", Type: keyward.PolicySourceBoundary, Document: tt.bound})
			ps, err := policy.CompilePolicies(alice, sources)
			if err != nil {
				t.Fatal(err)
			}
			for _, detail := range []bool{false, true} {
				d := ps.Evaluate(tt.action, "*", &keyward.RequestContext{Principal: alice}, detail)
				if d.Effect != tt.want || d.ByBoundary != tt.denyByBoundary {
					t.Fatalf("detail=%v: %+v, want %s (by boundary %v)", detail, d, tt.want, tt.denyByBoundary)
				}
			}
		})
	}
}

// TestSessionPolicies: a session's policies limit what the identity
// policies (and the boundary) allow, each a gate of its own: an action
// needs the Allow of every gate present; a Deny anywhere wins; a session
// gate without a document allows nothing; variables resolve to the
// session's principal.
func TestSessionPolicies(t *testing.T) {
	listOnly := doc(`{"Effect":"Allow","Action":"iam:List*","Resource":"*"}`)
	allowAll := doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`)
	getUser := doc(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}`)
	denyRoles := doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`, `{"Effect":"Deny","Action":"iam:ListRoles","Resource":"*"}`)
	session := keyward.Principal{AccountID: "123456789012", RoleID: "AROAEXAMPLE", RoleName: "ci", RolePath: "/", SessionName: "run-7",
		Session: &keyward.SessionContext{AccessKeyID: "ASIAEXAMPLE"}}
	src := func(typ, document string) keyward.PolicySource {
		return keyward.PolicySource{ID: typ, Type: typ, Document: document}
	}
	tests := []struct {
		name      string
		sources   []keyward.PolicySource
		action    string
		want      string
		bySession bool
	}{
		{"identity and session allow", []keyward.PolicySource{src("role", allowAll), src(keyward.PolicySourceSession, listOnly)}, "iam:ListUsers", keyward.DecisionAllowed, false},
		{"the session does not allow", []keyward.PolicySource{src("role", allowAll), src(keyward.PolicySourceSession, listOnly)}, "iam:GetUser", keyward.DecisionImplicitDeny, true},
		{"the session grants nothing the role lacks", []keyward.PolicySource{src("role", listOnly), src(keyward.PolicySourceSession, allowAll)}, "iam:GetUser", keyward.DecisionImplicitDeny, false},
		{"any session policy may allow", []keyward.PolicySource{src("role", allowAll), src(keyward.PolicySourceSession, listOnly), src(keyward.PolicySourceSession, getUser)}, "iam:GetUser", keyward.DecisionAllowed, false},
		{"an empty session gate allows nothing", []keyward.PolicySource{src("role", allowAll), src(keyward.PolicySourceSession, "")}, "iam:ListUsers", keyward.DecisionImplicitDeny, true},
		{"a deny in the session wins", []keyward.PolicySource{src("role", allowAll), src(keyward.PolicySourceSession, denyRoles)}, "iam:ListRoles", keyward.DecisionExplicitDeny, false},
		{"boundary and session both gate", []keyward.PolicySource{src("role", allowAll), src(keyward.PolicySourceBoundary, getUser), src(keyward.PolicySourceSession, listOnly)}, "iam:ListUsers", keyward.DecisionImplicitDeny, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := policy.CompilePolicies(session, tt.sources)
			if err != nil {
				t.Fatal(err)
			}
			for _, detail := range []bool{false, true} {
				d := ps.Evaluate(tt.action, "*", &keyward.RequestContext{Principal: session}, detail)
				if d.Effect != tt.want || d.BySession != tt.bySession {
					t.Fatalf("detail=%v: %+v, want %s (by session %v)", detail, d, tt.want, tt.bySession)
				}
			}
		})
	}
	t.Run("variables are the session's", func(t *testing.T) {
		ps, err := policy.CompilePolicies(session, []keyward.PolicySource{src("role", doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:userid}/*"}`))})
		if err != nil {
			t.Fatal(err)
		}
		rc := &keyward.RequestContext{Principal: session}
		if d := ps.Evaluate("s3:GetObject", "arn:aws:s3:::b/AROAEXAMPLE:run-7/x", rc, false); d.Effect != keyward.DecisionAllowed {
			t.Fatalf("own prefix: %+v", d)
		}
		if v, ok := policy.ContextValue(rc, "aws:username"); ok {
			t.Fatalf("a role session has no aws:username, got %v", v)
		}
		if v, _ := policy.ContextValue(rc, "aws:PrincipalArn"); len(v) != 1 || v[0] != "arn:aws:iam::123456789012:role/ci" {
			t.Fatalf("aws:PrincipalArn %v", v)
		}
		if v, _ := policy.ContextValue(rc, "aws:PrincipalType"); len(v) != 1 || v[0] != "AssumedRole" {
			t.Fatalf("aws:PrincipalType %v", v)
		}
	})
}
