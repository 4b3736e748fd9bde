package policy

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/keyward/keyward"
)

// Trust policies: who may assume a role. A statement names principals,
// and AWS's semantics for them are these: "*" is anyone; an account ID or
// an account's root ARN is any principal of that account (whose own
// policies must then allow it too); a user's or a role's ARN is that one;
// "Federated" names an identity provider, "Service" an AWS service.

var (
	accountID    = regexp.MustCompile(`^[0-9]{12}$`)
	principalARN = regexp.MustCompile(`^arn:aws:(iam|sts)::[0-9]{12}:[A-Za-z0-9+=,.@_/*-]+$`)
)

// parsePrincipals reads Principal: "*", or an object of types to one value
// or a list.
func parsePrincipals(v json.RawMessage) (map[string][]string, error) {
	var star string
	if json.Unmarshal(v, &star) == nil {
		if star != "*" {
			return nil, malformed("Invalid principal in policy: " + star)
		}
		return map[string][]string{"*": {"*"}}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil || len(m) == 0 {
		return nil, malformed(errSyntax)
	}
	out := map[string][]string{}
	for typ, raw := range m {
		list, ok := stringOrList(raw)
		if !ok {
			return nil, malformed(errSyntax)
		}
		for _, p := range list {
			bad := false
			switch typ {
			case "AWS":
				bad = p != "*" && !accountID.MatchString(p) && !principalARN.MatchString(p)
			case "Federated":
				bad = p == "" || strings.ContainsAny(p, " \t")
			case "Service":
				bad = !strings.HasSuffix(p, ".amazonaws.com") && !strings.HasSuffix(p, ".amazonaws.com.cn")
			case "CanonicalUser":
				bad = p == ""
			default:
				return nil, malformed("Invalid principal in policy: \"" + typ + "\"")
			}
			if bad {
				return nil, malformed("Invalid principal in policy: \"" + typ + "\":\"" + p + "\"")
			}
		}
		out[typ] = list
	}
	return out, nil
}

// TrustCaller is who asks to assume a role (keyward.TrustCaller).
type TrustCaller = keyward.TrustCaller

// matches reports whether the statement's principals name the caller, and
// whether one names it directly: not as any principal of its account.
func (st *Statement) matches(c TrustCaller) (match, direct bool) {
	if _, ok := st.Principals["*"]; ok {
		return true, true
	}
	for typ, list := range st.Principals {
		for _, p := range list {
			switch typ {
			case "AWS":
				if c.ARN == "" {
					continue
				}
				if p == "*" || p == c.ARN || (c.RoleARN != "" && p == c.RoleARN) {
					return true, true
				}
				if p == c.AccountID || p == "arn:aws:iam::"+c.AccountID+":root" {
					match = true
				}
			case "Federated":
				if c.Federated != "" && p == c.Federated {
					return true, true
				}
			case "Service":
				if c.Service != "" && p == c.Service {
					return true, true
				}
			}
		}
	}
	return match, false
}

// TrustPolicy is a parsed trust policy.
type TrustPolicy struct{ p *Policy }

// CompileTrust parses a trust policy for decisions.
func CompileTrust(doc string) (*TrustPolicy, error) {
	p, err := ParseTrustPolicy(doc)
	if err != nil {
		return nil, err
	}
	return &TrustPolicy{p}, nil
}

// Evaluate decides whether the caller may perform action (such as
// "sts:AssumeRole") on the role, in the request's context: an explicit
// Deny wins, then an Allow that names the caller; otherwise an implicit
// deny.
func (tp *TrustPolicy) Evaluate(action string, c TrustCaller, rc *keyward.RequestContext) string {
	d, _ := tp.Decide(action, c, rc)
	return d
}

// Decide is Evaluate, and says whether an allowing statement named the
// caller itself: when only its account is named, the caller's own
// policies must allow the action too.
func (tp *TrustPolicy) Decide(action string, c TrustCaller, rc *keyward.RequestContext) (decision string, direct bool) {
	allowed := false
	for i := range tp.p.Statements {
		st := &tp.p.Statements[i]
		match, byName := st.matches(c)
		if match == st.NotPrincipal {
			continue
		}
		hit := false
		for _, a := range st.Actions {
			if matchFold(a, action) {
				hit = true
				break
			}
		}
		if hit == st.NotAction {
			continue
		}
		holds := true
		for j := range st.Conditions {
			if !st.Conditions[j].holds(rc, false) {
				holds = false
				break
			}
		}
		if !holds {
			continue
		}
		if st.Effect == "Deny" {
			return keyward.DecisionExplicitDeny, false
		}
		allowed = true
		direct = direct || byName || st.NotPrincipal
	}
	if allowed {
		return keyward.DecisionAllowed, direct
	}
	return keyward.DecisionImplicitDeny, false
}
