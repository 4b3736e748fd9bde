package keyward

// Assuming roles (sts:AssumeRole and its federated kin): a trusted caller
// gets a role's session, whose permissions are the role's policies limited
// by its permissions boundary and the session's own policies. The session
// is a token like GetSessionToken's, sealed, holding all that evaluation
// needs; nothing of it is stored.

// Limits AWS sets on what a session carries.
const (
	MaxSessionPolicyARNs = 10

	// MaxChainedRoleDuration is the longest session a role session may get
	// by assuming another role (role chaining).
	MaxChainedRoleDuration = 3600
)

// AssumeRoleInput is what a caller asks of AssumeRole; the query layer has
// checked each field against its shape.
type AssumeRoleInput struct {
	RoleARN, SessionName string
	// DurationSeconds is 0 for the default (an hour).
	DurationSeconds int
	ExternalID      string
	// Policy and PolicyARNs are the session policies.
	Policy     string
	PolicyARNs []string
	// Tags are session tags; TransitiveTagKeys those passed on when the
	// session assumes another role.
	Tags              []Tag
	TransitiveTagKeys []string
	// SerialNumber and TokenCode authenticate the caller with MFA.
	SerialNumber, TokenCode string
	SourceIdentity          string
}

// AssumedRole is a role's session: its credentials and who it is.
type AssumedRole struct {
	Session
	// AssumedRoleID is "AROA…:session-name"; ARN the session's.
	AssumedRoleID, ARN string
	// PackedPolicySize is the percentage of the allowed size the session's
	// policies and tags take.
	PackedPolicySize int
	SourceIdentity   string
	// Subject, Audience and Provider are a web identity session's: the
	// token's sub and aud, and its issuer.
	Subject, Audience, Provider string
}
