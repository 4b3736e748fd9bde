package keyward

import (
	"strconv"
	"strings"
	"time"
)

// RequestContext is what a request offers to policy conditions and
// variables besides its action and resource.
type RequestContext struct {
	Principal Principal
	// AccessKeyID is the key that signed the request, Session the console
	// session it came in instead, UserAgent the client's (aws:UserAgent).
	AccessKeyID, Session, UserAgent string
	SourceIP                        string
	SecureTransport                 bool
	CurrentTime                     time.Time
	RequestedRegion                 string
	// Extra holds further keys, lower case, such as the context entries
	// given to SimulatePrincipalPolicy; they override the keys above.
	Extra map[string][]string
}

// Value returns the values of a context key (compared case-insensitively)
// and whether the request has it.
func (rc *RequestContext) Value(key string) ([]string, bool) {
	key = strings.ToLower(key)
	if v, ok := rc.Extra[key]; ok {
		return v, true
	}
	p := rc.Principal
	switch key {
	case "aws:username":
		if p.Root || p.UserName == "" {
			return nil, false
		}
		return []string{p.UserName}, true
	case "aws:userid":
		return []string{p.ID()}, true
	case "aws:principalaccount":
		return []string{p.AccountID}, true
	case "aws:principalarn":
		return []string{p.ARN()}, true
	case "aws:principaltype":
		if p.Root {
			return []string{"Account"}, true
		}
		return []string{"User"}, true
	case "aws:sourceip":
		if rc.SourceIP == "" {
			return nil, false
		}
		return []string{rc.SourceIP}, true
	case "aws:securetransport":
		return []string{strconv.FormatBool(rc.SecureTransport)}, true
	case "aws:currenttime":
		if rc.CurrentTime.IsZero() {
			return nil, false
		}
		return []string{rc.CurrentTime.UTC().Format(time.RFC3339)}, true
	case "aws:epochtime":
		if rc.CurrentTime.IsZero() {
			return nil, false
		}
		return []string{strconv.FormatInt(rc.CurrentTime.Unix(), 10)}, true
	case "aws:requestedregion":
		if rc.RequestedRegion == "" {
			return nil, false
		}
		return []string{rc.RequestedRegion}, true
	case "aws:useragent":
		if rc.UserAgent == "" {
			return nil, false
		}
		return []string{rc.UserAgent}, true
	}
	return nil, false
}

// PolicySource is one policy that applies to a principal, as loaded from
// the store.
type PolicySource struct {
	// ID names the policy in evaluation results: the inline policy's name or
	// the managed policy's ARN.
	ID string
	// Type is AWS's PolicySourceType: "user", "group", "aws-managed",
	// "user-managed" or "none" (a policy given to a simulation).
	Type     string
	Document string
}

// compiledStatement is a statement with the principal's variables resolved.
type compiledStatement struct {
	source      int
	index       int
	deny        bool
	actions     []string
	notAction   bool
	resources   []string
	notResource bool
	conditions  []Condition
}

// PolicySet is every statement that applies to one principal, compiled once
// and evaluated on each request without a database read.
type PolicySet struct {
	Sources    []PolicySource
	statements []compiledStatement
	anyDeny    bool
}

// unresolvable replaces a resource whose variable cannot be resolved: AWS
// then treats that resource as not matching.
const unresolvable = "\x00"

// CompilePolicies parses the sources and resolves the principal's policy
// variables in them.
func CompilePolicies(p Principal, sources []PolicySource) (*PolicySet, error) {
	ps := &PolicySet{Sources: sources}
	rc := &RequestContext{Principal: p}
	for i, src := range sources {
		pol, err := ParsePolicy(src.Document)
		if err != nil {
			return nil, err
		}
		vars := pol.Version == PolicyVersion2012
		for j, st := range pol.Statements {
			cs := compiledStatement{source: i, index: j, deny: st.Effect == "Deny", actions: st.Actions,
				notAction: st.NotAction, notResource: st.NotResource}
			for _, r := range st.Resources {
				if vars {
					r = substitute(r, rc)
				}
				cs.resources = append(cs.resources, r)
			}
			for _, c := range st.Conditions {
				if vars {
					vals := make([]string, len(c.Values))
					for k, v := range c.Values {
						vals[k] = substitute(v, rc)
					}
					c.Values = vals
				}
				cs.conditions = append(cs.conditions, c)
			}
			ps.statements = append(ps.statements, cs)
			ps.anyDeny = ps.anyDeny || cs.deny
		}
	}
	return ps, nil
}

// substitute resolves ${key} variables from the principal's context; a
// variable without a value makes the whole string unresolvable. ${*}, ${?}
// and ${$} stand for the characters themselves.
func substitute(s string, rc *RequestContext) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		switch name {
		case "*", "?", "$":
			b.WriteString(name)
		default:
			vals, ok := rc.Value(name)
			if !ok || len(vals) != 1 {
				return unresolvable
			}
			b.WriteString(vals[0])
		}
		s = s[i+j+1:]
	}
}

// Decision is the outcome of evaluating a request against a PolicySet.
type Decision struct {
	// Effect is AWS's EvalDecision: "allowed", "explicitDeny" or "implicitDeny".
	Effect string
	// Matched lists the statements that decided, as (source, statement)
	// indices: the denying ones for explicitDeny, the allowing ones for
	// allowed.
	Matched [][2]int
}

// Decisions as AWS's simulator names them.
const (
	DecisionAllowed      = "allowed"
	DecisionExplicitDeny = "explicitDeny"
	DecisionImplicitDeny = "implicitDeny"
)

// Evaluate applies AWS's rule: an explicit Deny wins, then any Allow,
// otherwise the request is implicitly denied.
func (ps *PolicySet) Evaluate(action, resource string, rc *RequestContext, detail bool) Decision {
	allowed := false
	var d Decision
	for i := range ps.statements {
		st := &ps.statements[i]
		if !st.applies(action, resource, rc) {
			continue
		}
		if st.deny {
			if !detail {
				return Decision{Effect: DecisionExplicitDeny}
			}
			if d.Effect != DecisionExplicitDeny {
				d = Decision{Effect: DecisionExplicitDeny}
			}
			d.Matched = append(d.Matched, [2]int{st.source, st.index})
			continue
		}
		allowed = true
		if detail && d.Effect != DecisionExplicitDeny {
			d.Matched = append(d.Matched, [2]int{st.source, st.index})
		}
		if !detail && !ps.anyDeny {
			return Decision{Effect: DecisionAllowed}
		}
	}
	if d.Effect == DecisionExplicitDeny {
		return d
	}
	if allowed {
		d.Effect = DecisionAllowed
		return d
	}
	return Decision{Effect: DecisionImplicitDeny}
}

func (st *compiledStatement) applies(action, resource string, rc *RequestContext) bool {
	hit := false
	for _, a := range st.actions {
		if matchFold(a, action) {
			hit = true
			break
		}
	}
	if hit == st.notAction {
		return false
	}
	hit = false
	for _, r := range st.resources {
		if r != unresolvable && Match(r, resource) {
			hit = true
			break
		}
	}
	if hit == st.notResource {
		return false
	}
	for i := range st.conditions {
		if !st.conditions[i].holds(rc) {
			return false
		}
	}
	return true
}
