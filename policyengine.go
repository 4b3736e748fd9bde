package keyward

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
	// Level is a service control policy's place in the organization: 0
	// for the root, then each organizational unit down, then the account.
	// The SCPs of one level together must allow what the principal does.
	Level int
}

// Types of the sources that limit what identity policies allow: a
// permissions boundary, and a session's policies (a session source with
// no document allows nothing).
const (
	PolicySourceBoundary = "permissions-boundary"
	PolicySourceSession  = "session"
	// PolicySourceSCP is a service control policy of AWS Organizations,
	// which limits the principals of a member account, root included: an
	// action must be allowed at every level (Level) from the
	// organization's root to the account. A source with no document
	// stands for a level that allows nothing.
	PolicySourceSCP = "service-control-policy"
)

// MaxSCPLevels is how many levels of service control policies one
// decision takes: the root, five organizational units deep, the account.
const MaxSCPLevels = 7

// Decision is the outcome of evaluating a request against a principal's
// policies.
type Decision struct {
	// ByBoundary: the identity policies allowed, the permissions boundary
	// did not.
	ByBoundary bool
	// BySCP: a level of service control policies does not allow it,
	// whatever the other policies do; DeniedBySCP: a service control
	// policy denies it explicitly.
	BySCP, DeniedBySCP bool
	// BySession: the identity policies allowed, the session policies did
	// not.
	BySession bool
	// LimitedBy is, for an implicit deny, the kind of the policies besides
	// identity policies that do not allow the request whatever the identity
	// policies say (PolicySourceSCP, else PolicySourceBoundary, else
	// PolicySourceSession), or "":
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

// PolicyEngine is IAM's policy language: parsing, compiling and evaluating
// documents, and AWS's managed policies. Package policy implements it; the
// domain depends only on this.
type PolicyEngine interface {
	// Check parses a document and returns MalformedPolicyDocument, naming
	// the problem, if it is not a valid policy; CheckTrust does so for a
	// role's trust policy.
	Check(document string) error
	CheckTrust(document string) error
	// TrustIdentities returns the ARNs of the IAM users and roles that a
	// role's trust policy names as principals, each once, or CheckTrust's
	// error: those a role binds to their unique IDs when it is saved
	// (Role.TrustPrincipals).
	TrustIdentities(document string) ([]string, error)
	// CompileTrust parses a role's trust policy for decisions, with the
	// unique IDs its IAM user and role principals are bound to
	// (Role.TrustPrincipals): such an ARN names only the identity with
	// the ID it is bound to, and nobody when it is bound to none.
	CompileTrust(document string, bound map[string]string) (Trust, error)
	// ShowTrustPrincipals returns a stored trust policy as answered, with
	// each principal's ARN that shown has a key for written as its value
	// (the unique ID of one that no longer has the ARN), the rest as
	// written.
	ShowTrustPrincipals(document string, shown map[string]string) string
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
	// ContextValue returns the values of a context key (compared
	// case-insensitively) in a request's context, and whether it has it.
	ContextValue(rc *RequestContext, key string) ([]string, bool)
}

// TrustCaller is who asks to assume a role, as a trust policy's Principal
// names it.
type TrustCaller struct {
	// ARN is the caller's: a user's, the account's root, or an
	// assumed-role session's (arn:aws:sts::…:assumed-role/role/session).
	ARN       string
	AccountID string
	// UserID is the unique ID of a caller that is an IAM user (signing
	// with its own credentials): a trust policy naming the user's ARN
	// names it only if the ARN is bound to this ID.
	UserID string
	// RoleARN is the role an assumed-role caller is a session of, RoleID
	// the role's unique ID, to which a trust policy naming the role's ARN
	// must have bound it.
	RoleARN, RoleID string
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
