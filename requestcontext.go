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
	// MFAAuthTime is when the caller authenticated with MFA (a console
	// session signed in with a code, a session token got with one); zero
	// without. Temporary: the request is signed with temporary credentials.
	MFAAuthTime time.Time
	Temporary   bool
	// Extra holds further keys, lower case, such as the context entries
	// given to SimulatePrincipalPolicy; they override the keys above,
	// except that outside a simulation a key describing the principal
	// (PrincipalKey) is only ever what Keyward knows of it.
	Extra map[string][]string
	// Simulation marks a policy simulation's context: a key has a value
	// only when the simulation was given it (Extra) or when it describes
	// the simulated caller, if there is one. Nothing about the request
	// (transport, time, address, region) is assumed, so that a decision
	// never rests on a value nobody gave.
	Simulation bool
}

// Value returns the values of a context key (compared case-insensitively)
// and whether the request has it.
func (rc *RequestContext) Value(key string) ([]string, bool) {
	key = strings.ToLower(key)
	if v, ok := rc.Extra[key]; ok && (rc.Simulation || !PrincipalKey(key)) {
		return v, true
	}
	if rc.Simulation && (!rc.Principal.known() || !PrincipalKey(key)) {
		return nil, false
	}
	return rc.own(key)
}

// own returns the values of a key that Keyward knows of the request
// itself: its principal, transport, time and region.
func (rc *RequestContext) own(key string) ([]string, bool) {
	p := rc.Principal
	switch key {
	case "aws:username":
		if !p.IsUser() {
			return nil, false
		}
		return []string{p.UserName}, true
	case "aws:userid":
		return []string{p.ID()}, true
	case "aws:principalaccount":
		return []string{p.AccountID}, true
	case "aws:principalarn":
		return []string{p.IdentityARN()}, true
	case "aws:principaltype":
		switch {
		case p.Root:
			return []string{"Account"}, true
		case p.RoleID != "":
			return []string{"AssumedRole"}, true
		case p.FederatedName != "":
			return []string{"FederatedUser"}, true
		}
		return []string{"User"}, true
	case "aws:tokenissuetime":
		if p.Session == nil {
			return nil, false
		}
		return []string{p.Session.IssuedAt.UTC().Format(time.RFC3339)}, true
	case "aws:sourceidentity":
		if p.Session == nil || p.Session.SourceIdentity == "" {
			return nil, false
		}
		return []string{p.Session.SourceIdentity}, true
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
	case "aws:multifactorauthpresent":
		// Present for sessions, console or temporary credentials (true with
		// MFA); absent for requests signed with a long-term access key, as
		// AWS leaves it.
		mfa := rc.mfaAt()
		if rc.Session == "" && !rc.Temporary && p.Session == nil && mfa.IsZero() {
			return nil, false
		}
		return []string{strconv.FormatBool(!mfa.IsZero())}, true
	case "aws:multifactorauthage":
		mfa := rc.mfaAt()
		if mfa.IsZero() || rc.CurrentTime.IsZero() {
			return nil, false
		}
		return []string{strconv.FormatInt(int64(rc.CurrentTime.Sub(mfa)/time.Second), 10)}, true
	case "aws:principaltagkeys":
		if p.Session == nil || len(p.Session.Tags) == 0 {
			return nil, false
		}
		keys := make([]string, len(p.Session.Tags))
		for i, t := range p.Session.Tags {
			keys[i] = t.Key
		}
		return keys, true
	case "aws:useragent":
		if rc.UserAgent == "" {
			return nil, false
		}
		return []string{rc.UserAgent}, true
	}
	if tag, ok := strings.CutPrefix(key, "aws:principaltag/"); ok && p.Session != nil {
		for _, t := range p.Session.Tags {
			if strings.EqualFold(t.Key, tag) {
				return []string{t.Value}, true
			}
		}
	}
	return nil, false
}

// known reports whether p names a principal at all: a simulation without
// a caller has none.
func (p Principal) known() bool {
	return p.Root || p.UserID != "" || p.RoleID != "" || p.FederatedName != ""
}

// PrincipalKey reports whether a context key (lower case) describes the
// principal rather than the request: its value depends on the Principal
// alone.
func PrincipalKey(key string) bool {
	switch key {
	case "aws:username", "aws:userid", "aws:principalaccount", "aws:principalarn", "aws:principaltype",
		"aws:tokenissuetime", "aws:sourceidentity", "aws:principaltagkeys":
		return true
	}
	return strings.HasPrefix(key, "aws:principaltag/")
}

// mfaAt is when the caller authenticated with MFA: as the transport says,
// or as its session token does.
func (rc *RequestContext) mfaAt() time.Time {
	if rc.MFAAuthTime.IsZero() && rc.Principal.Session != nil {
		return rc.Principal.Session.MFAAt
	}
	return rc.MFAAuthTime
}

// PolicySource is one policy that applies to a principal, as loaded from
// the store.
type PolicySource struct {
	// ID names the policy in evaluation results: the inline policy's name or
	// the managed policy's ARN.
	ID string
	// Type is AWS's PolicySourceType: "user", "group", "aws-managed",
	// "user-managed" or "none" (a policy given to a simulation); or
	// PolicySourceBoundary for a permissions boundary, which limits what
	// the others allow.
	Type     string
	Document string
}

// Types of the sources that limit what identity policies allow: a
// permissions boundary, and a session's policies (a session source with
// no document allows nothing).
const (
	PolicySourceBoundary = "permissions-boundary"
	PolicySourceSession  = "session"
)

// Decision is the outcome of evaluating a request against a principal's
// policies.
type Decision struct {
	// ByBoundary: the identity policies allowed, the permissions boundary
	// did not.
	ByBoundary bool
	// BySession: the identity policies allowed, the session policies did
	// not.
	BySession bool
	// LimitedBy is, for an implicit deny, the kind of the policies besides
	// identity policies that do not allow the request whatever the identity
	// policies say (PolicySourceBoundary, else PolicySourceSession), or "":
	// what a trust policy naming a session's role cannot grant past.
	LimitedBy string
	// Effect is AWS's EvalDecision: "allowed", "explicitDeny" or "implicitDeny".
	Effect string
	// Matched lists the statements that decided, as (source, statement)
	// indices: the denying ones for explicitDeny, the allowing ones for
	// allowed.
	Matched [][2]int
	// Missing names the context keys that the statements applying to the
	// action were evaluated with but the request context did not have (a
	// simulation's MissingContextValues), as the policies write them; set
	// with explain only.
	Missing []string
}

// Decisions as AWS's simulator names them.
const (
	DecisionAllowed      = "allowed"
	DecisionExplicitDeny = "explicitDeny"
	DecisionImplicitDeny = "implicitDeny"
)

// Evaluate applies AWS's rule: an explicit Deny wins, then any Allow,
// otherwise the request is implicitly denied.

// PolicyEngine is IAM's policy language: parsing, compiling and evaluating
// documents, and AWS's managed policies. Package policy implements it; the
// domain depends only on this.
type PolicyEngine interface {
	// Check parses a document and returns MalformedPolicyDocument, naming
	// the problem, if it is not a valid policy; CheckTrust does so for a
	// role's trust policy.
	Check(document string) error
	CheckTrust(document string) error
	// CompileTrust parses a role's trust policy for decisions.
	CompileTrust(document string) (Trust, error)
	// Compile parses the sources and resolves the principal's policy
	// variables in them, for decisions without further parsing.
	Compile(p Principal, sources []PolicySource) (Policies, error)
	// AWSManaged returns AWS's managed policies, with their documents.
	AWSManaged() []AWSManagedPolicy
	// ContextKeys returns the context keys a document tests and the policy
	// variables it uses.
	ContextKeys(document string) ([]string, error)
	// Services returns the service namespaces (lower case) that a
	// document's Allow statements grant some action of; "*" for all.
	Services(document string) ([]string, error)
}

// TrustCaller is who asks to assume a role, as a trust policy's Principal
// names it.
type TrustCaller struct {
	// ARN is the caller's: a user's, the account's root, or an
	// assumed-role session's (arn:aws:sts::…:assumed-role/role/session).
	ARN       string
	AccountID string
	// RoleARN is the role an assumed-role caller is a session of.
	RoleARN string
	// Federated is the identity provider of a web identity caller;
	// Service the AWS service asking.
	Federated, Service string
}

// TrustGrant is how an allowing trust policy names its caller. A trust
// policy is a resource-based policy, and within one account AWS lets it
// stand in for what the caller's own policies do not allow only as far as
// it names the caller: never past an explicit deny in them.
type TrustGrant uint8

// The ways a trust policy names a caller, weakest first.
const (
	// GrantNone: the trust policy does not allow the caller.
	GrantNone TrustGrant = iota
	// GrantAccount: it names only the caller's account, which delegates
	// the decision to the caller's own policies: they must allow too.
	GrantAccount
	// GrantRole: it names the role whose session the caller is. The
	// session's permissions boundary and session policies still limit
	// it (an implicit deny in either refuses), its identity policies need
	// not allow.
	GrantRole
	// GrantPrincipal: it names the caller itself (a user's or a session's
	// ARN, "*", a provider or a service): only an explicit deny in the
	// caller's policies refuses it.
	GrantPrincipal
)

// Trust is a compiled trust policy.
type Trust interface {
	// Decide decides whether the trust policy lets the caller perform
	// action (sts:AssumeRole, sts:TagSession, …) in the request's context,
	// and, when it does, how it names the caller (the strongest of the
	// allowing statements'), which says what the caller's own policies
	// must add.
	Decide(action string, c TrustCaller, rc *RequestContext) (decision string, grant TrustGrant)
}

// Policies are the compiled policies of one principal.
type Policies interface {
	// Evaluate decides an action on a resource in a request's context, as
	// AWS does: an explicit Deny wins, then any Allow; otherwise an
	// implicit deny. With explain, Decision.Matched names the statements.
	Evaluate(action, resource string, rc *RequestContext, explain bool) Decision
}

// AWSManagedPolicy is one of AWS's managed policies, with its document.
type AWSManagedPolicy struct {
	Policy   ManagedPolicy
	Document string
}
