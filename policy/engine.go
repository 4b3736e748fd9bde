package policy

import (
	"strings"

	"github.com/keyward/keyward"
)

// Engine is the policy language as the feature packages use it: it implements
// keyward.PolicyEngine.
type Engine struct{}

var _ keyward.PolicyEngine = Engine{}

// Check implements keyward.PolicyEngine.
func (Engine) Check(document string) error {
	_, err := ParsePolicy(document)
	return err
}

// CheckTrust implements keyward.PolicyEngine.
func (Engine) CheckTrust(document string) error {
	_, err := ParseTrustPolicy(document)
	return err
}

// TrustIdentities implements keyward.PolicyEngine.
func (Engine) TrustIdentities(document string) ([]string, error) {
	return TrustIdentities(document)
}

// CompileTrust implements keyward.PolicyEngine.
func (Engine) CompileTrust(document string, bound map[string]string) (keyward.Trust, error) {
	return CompileTrust(document, bound)
}

// ShowTrustPrincipals implements keyward.PolicyEngine.
func (Engine) ShowTrustPrincipals(document string, shown map[string]string) string {
	return ShowTrustPrincipals(document, shown)
}

// Compile implements keyward.PolicyEngine.
func (Engine) Compile(p keyward.Principal, sources []keyward.PolicySource) (keyward.Policies, error) {
	return CompilePolicies(p, sources)
}

// AWSManaged implements keyward.PolicyEngine.
func (Engine) AWSManaged() []keyward.AWSManagedPolicy { return AWSManagedPolicies() }

// ContextKeys implements keyward.PolicyEngine: the condition keys a
// document tests and the policy variables it uses, each once (compared
// case-insensitively), in order of appearance.
func (Engine) ContextKeys(document string) ([]string, error) {
	pol, err := ParsePolicy(document)
	if err != nil {
		return nil, err
	}
	var keys []string
	seen := map[string]bool{}
	add := func(k string) {
		if lk := strings.ToLower(k); !seen[lk] {
			seen[lk] = true
			keys = append(keys, k)
		}
	}
	for _, st := range pol.Statements {
		for _, r := range st.Resources {
			t := parseText(r, true)
			for _, v := range t.variables() {
				add(v)
			}
		}
		for _, c := range st.Conditions {
			add(c.Name)
			for _, v := range c.Values {
				for _, name := range variables(v) {
					add(name)
				}
			}
		}
	}
	return keys, nil
}

// variables returns the names of the ${...} policy variables in s, without
// their default values.
func variables(s string) []string {
	t := parseText(s, true)
	return t.variables()
}

// Services implements keyward.PolicyEngine.
func (Engine) Services(document string) ([]string, error) {
	pol, err := ParsePolicy(document)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, st := range pol.Statements {
		if st.Effect != "Allow" {
			continue
		}
		for _, a := range st.Actions {
			ns, _, _ := strings.Cut(a, ":")
			if st.NotAction || strings.ContainsAny(ns, "*?") {
				ns = "*" // a wildcard namespace or NotAction may reach any service
			}
			if !seen[ns] {
				seen[ns] = true
				out = append(out, ns)
			}
		}
	}
	return out, nil
}

// ContextValue implements keyward.PolicyEngine.
func (Engine) ContextValue(rc *keyward.RequestContext, key string) ([]string, bool) {
	return ContextValue(rc, key)
}
