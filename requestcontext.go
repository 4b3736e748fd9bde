package keyward

import "time"

// RequestContext is what a request offers to policy conditions and
// variables besides its action and resource. What each of AWS's global
// condition keys is for a request is the policy language's to say
// (PolicyEngine.ContextValue, package policy's ContextValue).
type RequestContext struct {
	Principal Principal
	// AccessKeyID is the key that signed the request, Session the console
	// session it came in instead, UserAgent the client's (aws:UserAgent).
	AccessKeyID, Session, UserAgent string
	SourceIP                        string
	SecureTransport                 bool
	CurrentTime                     time.Time
	RequestedRegion                 string
	// MFAAuthTime is when the caller authenticated with MFA (a console
	// session signed in with a code, a session token got with one); zero
	// without. Temporary: the request is signed with temporary credentials.
	MFAAuthTime time.Time
	Temporary   bool
	// Extra holds further keys, lower case, such as the context entries
	// given to SimulatePrincipalPolicy; they override the keys above,
	// except that outside a simulation a key describing the principal
	// (policy.PrincipalKey) is only ever what Keyward knows of it.
	Extra map[string][]string
	// PrincipalOrgID and PrincipalOrgPath are the organization of the
	// principal's account and the account's path in it
	// (aws:PrincipalOrgID, aws:PrincipalOrgPaths); ResourceOrgID and
	// ResourceOrgPath those of the account that owns the resource decided
	// (aws:ResourceOrgID, aws:ResourceOrgPaths). Package authz sets them
	// when it decides, from the store, never from anything the caller
	// sent; "" for an account in no organization.
	PrincipalOrgID, PrincipalOrgPath string
	ResourceOrgID, ResourceOrgPath   string
	// Simulation marks a policy simulation's context: a key has a value
	// only when the simulation was given it (Extra) or when it describes
	// the simulated caller, if there is one. Nothing about the request
	// (transport, time, address, region) is assumed, so that a decision
	// never rests on a value nobody gave.
	Simulation bool
}

// MFAAt is when the caller authenticated with MFA, as the transport says
// or as its session token does; zero without MFA.
func (rc *RequestContext) MFAAt() time.Time {
	if rc.MFAAuthTime.IsZero() && rc.Principal.Session != nil {
		return rc.Principal.Session.MFAAt
	}
	return rc.MFAAuthTime
}
