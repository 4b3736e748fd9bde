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
	// gate is the kind of policy that holds the statement: identity
	// policies allow; a permissions boundary and session policies do not
	// allow by themselves but limit what the identity policies allow.
	gate gate
}

// gate is a kind of policy whose Allow a request needs.
type gate uint8

const (
	gateIdentity gate = 1 << iota
	gateBoundary
	gateSession
)

func gateOf(sourceType string) gate {
	switch sourceType {
	case keyward.PolicySourceBoundary:
		return gateBoundary
	case keyward.PolicySourceSession:
		return gateSession
	}
	return gateIdentity
}

// PolicySet is every statement that applies to one principal, compiled once
// and evaluated on each request without a database read.
type PolicySet struct {
	Sources    []keyward.PolicySource
	statements []compiledStatement
	anyDeny    bool
	// limits are the gates besides identity policies that the principal
	// has (a boundary, session policies): each must allow too.
	limits gate
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
		g := gateOf(src.Type)
		if g != gateIdentity {
			ps.limits |= g
		}
		if src.Document == "" && g == gateSession {
			continue // a session that allows nothing (GetFederationToken without a policy)
		}
		pol, err := ParsePolicy(src.Document)
		if err != nil {
			return nil, err
		}
		vars := pol.Version == PolicyVersion2012
		for j, st := range pol.Statements {
			cs := compiledStatement{source: i, index: j, deny: st.Effect == "Deny", actions: st.Actions,
				notAction: st.NotAction, notResource: st.NotResource, gate: g}
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

// Evaluate implements keyward.Policies. With a permissions boundary or
// session policies, an action is allowed only if an identity policy and
// each of them allow it; an explicit Deny in any wins.
func (ps *PolicySet) Evaluate(action, resource string, rc *keyward.RequestContext, detail bool) keyward.Decision {
	var allowed gate
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
		allowed |= st.gate
		if st.gate != gateIdentity {
			continue
		}
		if detail && d.Effect != keyward.DecisionExplicitDeny {
			d.Matched = append(d.Matched, [2]int{st.source, st.index})
		}
		if !detail && !ps.anyDeny && ps.limits == 0 {
			return keyward.Decision{Effect: keyward.DecisionAllowed}
		}
	}
	if d.Effect == keyward.DecisionExplicitDeny {
		return d
	}
	missing := ps.limits &^ allowed
	limitedBy := ""
	switch {
	case missing&gateBoundary != 0:
		limitedBy = keyward.PolicySourceBoundary
	case missing != 0:
		limitedBy = keyward.PolicySourceSession
	}
	if allowed&gateIdentity == 0 {
		return keyward.Decision{Effect: keyward.DecisionImplicitDeny, LimitedBy: limitedBy}
	}
	if missing != 0 {
		return keyward.Decision{Effect: keyward.DecisionImplicitDeny, ByBoundary: missing&gateBoundary != 0,
			BySession: missing&gateBoundary == 0, LimitedBy: limitedBy}
	}
	d.Effect = keyward.DecisionAllowed
	return d
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
