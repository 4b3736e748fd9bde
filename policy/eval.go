package policy

import (
	"fmt"
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
	resources   []text
	notResource bool
	conditions  []Condition
	// gate is the kind of policy that holds the statement: identity
	// policies allow; a permissions boundary and session policies do not
	// allow by themselves but limit what the identity policies allow.
	gate gate
}

// gate is a kind of policy whose Allow a request needs.
type gate uint16

const (
	gateIdentity gate = 1 << iota
	gateBoundary
	gateSession
	// gateSCP is the first of the service control policies' levels, one
	// gate each (gateSCP << level).
	gateSCP
)

// gatesSCP are the gates of every level of service control policies.
const gatesSCP = (gateSCP<<keyward.MaxSCPLevels - 1) &^ (gateSCP - 1)

func gateOf(src keyward.PolicySource) (gate, error) {
	switch src.Type {
	case keyward.PolicySourceBoundary:
		return gateBoundary, nil
	case keyward.PolicySourceSession:
		return gateSession, nil
	case keyward.PolicySourceSCP:
		if src.Level < 0 || src.Level >= keyward.MaxSCPLevels {
			return 0, fmt.Errorf("policy: a service control policy at level %d (at most %d levels)", src.Level, keyward.MaxSCPLevels)
		}
		return gateSCP << src.Level, nil
	}
	return gateIdentity, nil
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
	// principal is the one the set was compiled for, whose variables are
	// resolved once (text.bind).
	principal keyward.Principal
}

// bound reports whether a request may use the variables resolved for the
// set's principal: it is that principal's, not a simulation, and its
// context has no further keys that could stand for them.
func (ps *PolicySet) bound(rc *keyward.RequestContext) bool {
	p, q := rc.Principal, ps.principal
	// A session is its key: its tags and source identity are sealed in
	// the token that names it.
	sameSession := p.Session == q.Session || p.Session != nil && q.Session != nil && p.Session.AccessKeyID != "" && p.Session.AccessKeyID == q.Session.AccessKeyID && p.Session.Ref == q.Session.Ref
	return !rc.Simulation && len(rc.Extra) == 0 && sameSession && p.AccountID == q.AccountID && p.Root == q.Root &&
		p.UserID == q.UserID && p.UserName == q.UserName && p.UserPath == q.UserPath && p.RoleID == q.RoleID &&
		p.RoleName == q.RoleName && p.RolePath == q.RolePath && p.SessionName == q.SessionName && p.FederatedName == q.FederatedName
}

// CompilePolicies parses the sources once, for decisions without further
// parsing. Policy variables are located here and resolved on each decision
// from the request's context (whose principal is p's).
func CompilePolicies(p keyward.Principal, sources []keyward.PolicySource) (*PolicySet, error) {
	ps := &PolicySet{Sources: sources, principal: p}
	for i, src := range sources {
		g, err := gateOf(src)
		if err != nil {
			return nil, err
		}
		if g != gateIdentity {
			ps.limits |= g
		}
		if src.Document == "" && (g == gateSession || g&gatesSCP != 0) {
			// A session that allows nothing (GetFederationToken without a
			// policy), a level of the organization without an SCP.
			continue
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
				t := parseText(r, vars)
				t.bind(p)
				cs.resources = append(cs.resources, t)
			}
			for _, c := range st.Conditions {
				c.texts = append([]text(nil), c.texts...)
				for k := range c.texts {
					c.texts[k].bind(p)
				}
				cs.conditions = append(cs.conditions, c)
			}
			ps.statements = append(ps.statements, cs)
			ps.anyDeny = ps.anyDeny || cs.deny
		}
	}
	return ps, nil
}

// Evaluate implements keyward.Policies. With service control policies, a
// permissions boundary or session policies, an action is allowed only if
// an identity policy and each of them (every level of SCPs) allow it; an
// explicit Deny in any wins. Where several deny, the decision names the
// service control policies', which AWS evaluates first.
func (ps *PolicySet) Evaluate(action, resource string, rc *keyward.RequestContext, detail bool) keyward.Decision {
	var allowed gate
	var d keyward.Decision
	var missing keySet
	bound := ps.bound(rc)
	for i := range ps.statements {
		st := &ps.statements[i]
		if detail {
			st.missing(action, resource, rc, &missing)
		}
		if !st.applies(action, resource, rc, bound) {
			continue
		}
		if st.deny {
			bySCP := st.gate&gatesSCP != 0
			if !detail && (bySCP || ps.limits&gatesSCP == 0) {
				return keyward.Decision{Effect: keyward.DecisionExplicitDeny, DeniedBySCP: bySCP}
			}
			if d.Effect != keyward.DecisionExplicitDeny {
				d = keyward.Decision{Effect: keyward.DecisionExplicitDeny}
			}
			d.DeniedBySCP = d.DeniedBySCP || bySCP
			if detail {
				d.Matched = append(d.Matched, [2]int{st.source, st.index})
			}
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
	d.Missing = missing.names
	if d.Effect == keyward.DecisionExplicitDeny {
		return d
	}
	lacking := ps.limits &^ allowed
	limitedBy := ""
	switch {
	case lacking&gatesSCP != 0:
		limitedBy = keyward.PolicySourceSCP
	case lacking&gateBoundary != 0:
		limitedBy = keyward.PolicySourceBoundary
	case lacking != 0:
		limitedBy = keyward.PolicySourceSession
	}
	// AWS evaluates the organization's policies before the identity's: a
	// level of SCPs that does not allow is the reason, whatever else.
	if lacking&gatesSCP != 0 {
		return keyward.Decision{Effect: keyward.DecisionImplicitDeny, BySCP: true, LimitedBy: limitedBy, Missing: d.Missing}
	}
	if allowed&gateIdentity == 0 {
		return keyward.Decision{Effect: keyward.DecisionImplicitDeny, LimitedBy: limitedBy, Missing: d.Missing}
	}
	if lacking != 0 {
		return keyward.Decision{Effect: keyward.DecisionImplicitDeny, ByBoundary: lacking&gateBoundary != 0,
			BySession: lacking&gateBoundary == 0, LimitedBy: limitedBy, Missing: d.Missing}
	}
	d.Effect = keyward.DecisionAllowed
	return d
}

// keySet collects context key names once each, compared
// case-insensitively, in the order first added.
type keySet struct {
	names []string
	seen  map[string]bool
}

func (k *keySet) add(name string) {
	lk := strings.ToLower(name)
	if k.seen[lk] {
		return
	}
	if k.seen == nil {
		k.seen = map[string]bool{}
	}
	k.seen[lk] = true
	k.names = append(k.names, name)
}

// missing adds to set the context keys that the statement needs for the
// action and the request lacks: the variables of its resources, once the
// action matches; its condition keys and their values' variables, once
// the resource matches too. A simulation reports them as
// MissingContextValues.
func (st *compiledStatement) missing(action, resource string, rc *keyward.RequestContext, set *keySet) {
	if !st.actionMatches(action) {
		return
	}
	for i := range st.resources {
		st.resources[i].missing(rc, set.add)
	}
	if !st.resourceMatches(resource, rc, false) {
		return
	}
	for i := range st.conditions {
		st.conditions[i].missing(rc, set.add)
	}
}

func (st *compiledStatement) applies(action, resource string, rc *keyward.RequestContext, bound bool) bool {
	if !st.actionMatches(action) || !st.resourceMatches(resource, rc, bound) {
		return false
	}
	for i := range st.conditions {
		if !st.conditions[i].holds(rc, resource, bound) {
			return false
		}
	}
	return true
}

func (st *compiledStatement) actionMatches(action string) bool {
	hit := false
	for _, a := range st.actions {
		if matchFold(a, action) {
			hit = true
			break
		}
	}
	return hit != st.notAction
}

// resourceMatches matches the request's resource against Resource (or
// NotResource). A resource whose variable has no value matches nothing
// (the IAM User Guide's "Policy variables with no value"), so NotResource
// then holds.
func (st *compiledStatement) resourceMatches(resource string, rc *keyward.RequestContext, bound bool) bool {
	hit := false
	for i := range st.resources {
		if r, ok := st.resources[i].resolve(rc, true, bound); ok && matchPattern(r, resource) {
			hit = true
			break
		}
	}
	return hit != st.notResource
}
