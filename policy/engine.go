package policy

import "github.com/keyward/keyward"

// Engine is the policy language as the Service uses it: it implements
// keyward.PolicyEngine.
type Engine struct{}

var _ keyward.PolicyEngine = Engine{}

// Check implements keyward.PolicyEngine.
func (Engine) Check(document string) error {
	_, err := ParsePolicy(document)
	return err
}

// Compile implements keyward.PolicyEngine.
func (Engine) Compile(p keyward.Principal, sources []keyward.PolicySource) (keyward.Policies, error) {
	return CompilePolicies(p, sources)
}

// AWSManaged implements keyward.PolicyEngine.
func (Engine) AWSManaged() []keyward.AWSManagedPolicy { return AWSManagedPolicies }
