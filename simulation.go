package keyward

// SimulationInput is what SimulatePrincipalPolicy is asked.
type SimulationInput struct {
	// PolicySourceARN is the user whose policies are simulated.
	PolicySourceARN string
	Actions         []string
	// Resources default to "*".
	Resources []string
	// Policies are further documents evaluated with the user's (the only
	// ones, for SimulateCustomPolicy), BoundaryPolicies a permissions
	// boundary for SimulateCustomPolicy.
	Policies, BoundaryPolicies []string
	// CallerARN is the user SimulateCustomPolicy evaluates as, for policy
	// variables; none when empty.
	CallerARN string
	// Context holds condition keys (lower case) and their values.
	Context map[string][]string
}

// SimulationResult is the decision for one action on one resource.
type SimulationResult struct {
	Action, Resource string
	Decision         Decision
	// Sources are the policies behind the decision's statements, in the
	// order of Decision.Matched.
	Sources []PolicySource
}
