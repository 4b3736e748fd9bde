package policy

import (
	"strings"

	"github.com/keyward/keyward"
)

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
	// boundary: the statement is the permissions boundary's, which does
	// not allow by itself but limits what the others allow.
	boundary bool
}

// PolicySet is every statement that applies to one principal, compiled once
// and evaluated on each request without a database read.
type PolicySet struct {
	Sources    []keyward.PolicySource
	statements []compiledStatement
	anyDeny    bool
	// hasBoundary: the principal has a permissions boundary.
	hasBoundary bool
}

// unresolvable replaces a resource whose variable cannot be resolved: AWS
// then treats that resource as not matching.
const unresolvable = "\x00"

// CompilePolicies parses the sources and resolves the principal's policy
// variables in them.
func CompilePolicies(p keyward.Principal, sources []keyward.PolicySource) (*PolicySet, error) {
	ps := &PolicySet{Sources: sources}
	rc := &keyward.RequestContext{Principal: p}
	for i, src := range sources {
		pol, err := ParsePolicy(src.Document)
		if err != nil {
			return nil, err
		}
		vars := pol.Version == PolicyVersion2012
		for j, st := range pol.Statements {
			cs := compiledStatement{source: i, index: j, deny: st.Effect == "Deny", actions: st.Actions,
				notAction: st.NotAction, notResource: st.NotResource, boundary: src.Type == keyward.PolicySourceBoundary}
			ps.hasBoundary = ps.hasBoundary || cs.boundary
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
func substitute(s string, rc *keyward.RequestContext) string {
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

// Evaluate implements keyward.Policies. With a permissions boundary, an
// action is allowed only if both an identity policy and the boundary allow
// it; an explicit Deny in either wins.
func (ps *PolicySet) Evaluate(action, resource string, rc *keyward.RequestContext, detail bool) keyward.Decision {
	allowed, bounded := false, !ps.hasBoundary
	var d keyward.Decision
	for i := range ps.statements {
		st := &ps.statements[i]
		if !st.applies(action, resource, rc) {
			continue
		}
		if st.deny {
			if !detail {
				return keyward.Decision{Effect: keyward.DecisionExplicitDeny}
			}
			if d.Effect != keyward.DecisionExplicitDeny {
				d = keyward.Decision{Effect: keyward.DecisionExplicitDeny}
			}
			d.Matched = append(d.Matched, [2]int{st.source, st.index})
			continue
		}
		if st.boundary {
			bounded = true
			continue
		}
		allowed = true
		if detail && d.Effect != keyward.DecisionExplicitDeny {
			d.Matched = append(d.Matched, [2]int{st.source, st.index})
		}
		if !detail && !ps.anyDeny && !ps.hasBoundary {
			return keyward.Decision{Effect: keyward.DecisionAllowed}
		}
	}
	if d.Effect == keyward.DecisionExplicitDeny {
		return d
	}
	if allowed && !bounded {
		return keyward.Decision{Effect: keyward.DecisionImplicitDeny, ByBoundary: true}
	}
	if allowed {
		d.Effect = keyward.DecisionAllowed
		return d
	}
	return keyward.Decision{Effect: keyward.DecisionImplicitDeny}
}

func (st *compiledStatement) applies(action, resource string, rc *keyward.RequestContext) bool {
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
