package iam

import (
	"context"
	"strconv"
	"strings"

	"github.com/keyward/keyward"
)

// The descriptors of simulation and context keys.
func init() {
	describe(map[string]keyward.Operation{
		"SimulatePrincipalPolicy": keyward.Reads(keyward.ReqParam("PolicySourceArn", keyward.ARNShape), keyward.ListParam("ActionNames", actionNameShape, true),
			keyward.ListParam("ResourceArns", keyward.ResourceNameShape, false), keyward.ListParam("PolicyInputList", policyDocumentShape, false),
			contextParam),
		"SimulateCustomPolicy": keyward.Reads(keyward.ListParam("PolicyInputList", policyDocumentShape, true),
			keyward.ListParam("PermissionsBoundaryPolicyInputList", policyDocumentShape, false), keyward.ListParam("ActionNames", actionNameShape, true),
			keyward.ListParam("ResourceArns", keyward.ResourceNameShape, false), keyward.OptParam("ResourcePolicy", policyDocumentShape),
			keyward.OptParam("ResourceOwner", keyward.ResourceNameShape), keyward.OptParam("CallerArn", keyward.ResourceNameShape), contextParam,
			keyward.OptParam("ResourceHandlingOption", resourceHandlingShape), markerParam, maxItemsParam),
		"GetContextKeysForCustomPolicy":    keyward.Reads(keyward.ListParam("PolicyInputList", policyDocumentShape, true)),
		"GetContextKeysForPrincipalPolicy": keyward.Reads(keyward.ReqParam("PolicySourceArn", keyward.ARNShape), keyward.ListParam("PolicyInputList", policyDocumentShape, false)),
	})
}

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
	Decision         keyward.Decision
	// AllowedByOrganizations is whether the SCPs of the user's
	// organization allow the action (AWS's OrganizationsDecisionDetail);
	// nil when no SCP limits the user's account.
	AllowedByOrganizations *bool
	// Sources are the policies behind the decision's statements, in the
	// order of Decision.Matched.
	Sources []keyward.PolicySource
}

// SimulatePrincipalPolicy evaluates actions on resources against a user's
// identity policies (and any given besides), with the same evaluation as
// every request (iam:SimulatePrincipalPolicy on the user).
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, in SimulationInput) ([]SimulationResult, error) {
	if err := s.Authz.AuthorizeARN(ctx, "iam:SimulatePrincipalPolicy", in.PolicySourceARN); err != nil {
		return nil, err
	}
	principal, err := s.Authz.UserByARN(ctx, in.PolicySourceARN)
	if err != nil {
		return nil, err
	}
	sources, err := s.Authz.PrincipalPolicies(ctx, principal)
	if err != nil {
		return nil, err
	}
	// A member account's user is simulated under its organization's SCPs,
	// as its requests are decided.
	org, err := s.Authz.Organization(ctx, principal.AccountID)
	if err != nil {
		return nil, err
	}
	out, err := s.simulate(ctx, principal, append(sources, org.Sources...), in)
	if err != nil || org.SCPs == nil {
		return out, err
	}
	rc := keyward.RequestContext{Principal: principal, Extra: in.Context, Simulation: true}
	for i := range out {
		allowed := org.SCPs.Evaluate(out[i].Action, out[i].Resource, &rc, false).Effect == keyward.DecisionAllowed
		out[i].AllowedByOrganizations = &allowed
	}
	return out, nil
}

// SimulateCustomPolicy evaluates actions on resources against the given
// policies alone (iam:SimulateCustomPolicy).
func (s *Service) SimulateCustomPolicy(ctx context.Context, in SimulationInput) ([]SimulationResult, error) {
	if err := s.Authz.Authorize(ctx, "iam:SimulateCustomPolicy", "*"); err != nil {
		return nil, err
	}
	// Without a CallerArn the simulation has no caller: no key describes
	// one, and a policy variable naming one has no value.
	var principal keyward.Principal
	if in.CallerARN != "" {
		var err error
		if principal, err = s.Authz.UserByARN(ctx, in.CallerARN); err != nil {
			return nil, err
		}
		// The caller names the user, not its tags: iam:SimulateCustomPolicy
		// on "*" reads nobody's. Its tags would answer a condition the
		// caller writes on aws:PrincipalTag, a guess at a time, where
		// ListUserTags is refused; the simulation's tags are the caller's
		// ContextEntries.
		principal.Tags = nil
	}
	var sources []keyward.PolicySource
	for i, doc := range in.BoundaryPolicies {
		if err := s.Policies.Check(doc); err != nil {
			return nil, err
		}
		sources = append(sources, keyward.PolicySource{ID: "PermissionsBoundaryPolicyInputList." + strconv.Itoa(i+1), Type: keyward.PolicySourceBoundary, Document: doc})
	}
	return s.simulate(ctx, principal, sources, in)
}

// A simulation's bounds. Its actions and resources are the caller's, as
// many as a request's body holds, and it evaluates each action on each
// resource and answers each with the statements that decided it: without
// bounds one request of a read-only user (AWS's IAMReadOnlyAccess allows
// iam:Simulate*) would have the server evaluate and hold their product.
// AWS pages the results; Keyward answers them in one page, at most these.
const (
	maxSimulationEvaluations = 1000
	maxSimulationMatches     = 100000
)

// simulate adds the input's policies to sources and evaluates every
// action on every resource.
func (s *Service) simulate(ctx context.Context, principal keyward.Principal, sources []keyward.PolicySource, in SimulationInput) ([]SimulationResult, error) {
	if n := len(in.Actions) * max(1, len(in.Resources)); n > maxSimulationEvaluations {
		return nil, keyward.Errorf(keyward.EInvalidInput, "A simulation evaluates at most %d actions on resources (ActionNames times ResourceArns); this one asks for %d.",
			maxSimulationEvaluations, n)
	}
	for i, doc := range in.Policies {
		if err := s.Policies.Check(doc); err != nil {
			return nil, err
		}
		sources = append(sources, keyward.PolicySource{ID: "PolicyInputList." + strconv.Itoa(i+1), Type: "none", Document: doc})
	}
	ps, err := s.Policies.Compile(principal, sources)
	if err != nil {
		return nil, err
	}
	resources := in.Resources
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	// Only what the input gives counts: the caller's own keys and the
	// context entries, which win over them ("Whenever a context key is
	// evaluated …, the corresponding value is supplied"). A key a decision
	// needed and did not get is reported as missing, never invented (no
	// transport, time or address of this request).
	rc := keyward.RequestContext{Principal: principal, Extra: in.Context, Simulation: true}
	var out []SimulationResult
	matches := 0
	for _, action := range in.Actions {
		for _, resource := range resources {
			// The caller's policies and context entries make each
			// evaluation as costly as it likes: the request's deadline
			// stops the work, not only the answer.
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			d := ps.Evaluate(action, resource, &rc, true)
			if matches += len(d.Matched); matches > maxSimulationMatches {
				return nil, keyward.Errorf(keyward.EInvalidInput, "A simulation answers with at most %d matched statements in all; simulate fewer actions, resources or statements.",
					maxSimulationMatches)
			}
			r := SimulationResult{Action: action, Resource: resource, Decision: d}
			for _, m := range d.Matched {
				// An SCP's statement is told by OrganizationsDecisionDetail,
				// never as a matched statement, as AWS answers.
				if sources[m[0]].Type != keyward.PolicySourceSCP {
					r.Sources = append(r.Sources, sources[m[0]])
				}
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// ContextKeysForCustomPolicy lists the context keys the given policies use
// (iam:GetContextKeysForCustomPolicy).
func (s *Service) ContextKeysForCustomPolicy(ctx context.Context, documents []string) ([]string, error) {
	if err := s.Authz.Authorize(ctx, "iam:GetContextKeysForCustomPolicy", "*"); err != nil {
		return nil, err
	}
	return s.contextKeys(documents)
}

// ContextKeysForPrincipalPolicy lists the context keys a user's policies,
// its groups' and the given ones use (iam:GetContextKeysForPrincipalPolicy).
func (s *Service) ContextKeysForPrincipalPolicy(ctx context.Context, arn string, documents []string) ([]string, error) {
	if err := s.Authz.AuthorizeARN(ctx, "iam:GetContextKeysForPrincipalPolicy", arn); err != nil {
		return nil, err
	}
	principal, err := s.Authz.UserByARN(ctx, arn)
	if err != nil {
		return nil, err
	}
	sources, err := s.Authz.PrincipalPolicies(ctx, principal)
	if err != nil {
		return nil, err
	}
	docs := make([]string, 0, len(sources)+len(documents))
	for _, src := range sources {
		docs = append(docs, src.Document)
	}
	return s.contextKeys(append(docs, documents...))
}

func (s *Service) contextKeys(documents []string) ([]string, error) {
	var keys []string
	seen := map[string]bool{}
	for _, doc := range documents {
		ks, err := s.Policies.ContextKeys(doc)
		if err != nil {
			return nil, err
		}
		for _, k := range ks {
			if lk := strings.ToLower(k); !seen[lk] {
				seen[lk] = true
				keys = append(keys, k)
			}
		}
	}
	return keys, nil
}
