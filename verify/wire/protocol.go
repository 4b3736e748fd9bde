// Package wire is the verifier protocol as it travels: the paths, headers,
// requests and responses of the private protocol other services speak
// (Versity S3 Gateway, package guard), the names the reverse proxies'
// authorization endpoint answers with, the normal form of a path a
// decision names, and AWS's XML error document with its request ID.
//
// It is a leaf: it imports only the standard library and the root
// package's vocabulary, so that a client of the protocol (package guard,
// built into other services) compiles none of Keyward's server.
package wire

// The private protocol: one POST per call, a JSON body, signed with SigV4 by
// the calling service's own identity, which needs keyward:Verify. Every
// response carries ProtocolHeader. The paths, fields and error codes are
// those of Versity S3 Gateway's standalone IAM service (its iamapi/private
// package), so that the gateway works against Keyward unchanged.
const (
	VersionPath           = "/private/version"
	DerivePath            = "/private/derive-signing-key"
	EvaluatePath          = "/private/evaluate-policy"
	ResolveIdentityPath   = "/private/resolve-identity"
	ResolvePrincipalsPath = "/private/resolve-principals"

	ProtocolHeader  = "X-Vgw-Private-Protocol"
	ProtocolVersion = 1
	// MinClientProtocol is the oldest client protocol served.
	MinClientProtocol = 1

	// Error codes of the JSON error body.
	CodeNoSuchIdentity   = "NoSuchIdentity"
	CodeInvalidToken     = "InvalidToken"
	CodeBadRequest       = "BadRequest"
	CodeProtocolMismatch = "ProtocolMismatch"

	// Decisions, as the protocol spells them.
	DecisionAllow   = "allow"
	DecisionDeny    = "deny"
	DecisionNoMatch = "no_match"
)

// DeriveSigningKeyRequest asks for the signing key of one access key and
// credential scope. A scope naming a service Keyward answers itself
// (keyward.OwnService) is refused with BadRequest: such a key would sign
// Keyward's own API.
type DeriveSigningKeyRequest struct {
	AccessKeyID  string `json:"accessKeyId"`
	SessionToken string `json:"sessionToken,omitempty"`
	Date         string `json:"date"`
	Region       string `json:"region"`
	Service      string `json:"service"`
}

// DeriveSigningKeyResponse carries the signing key (kSigning), never the
// secret, and whose it is.
type DeriveSigningKeyResponse struct {
	DerivedKey   []byte `json:"derivedKey"`
	PrincipalArn string `json:"principalArn,omitempty"`
	RoleArn      string `json:"roleArn,omitempty"`
}

// EvaluatePolicyRequest asks what the owner of an access key may do:
// each action on each resource, with the condition keys the asking
// service observed of the request. A key that describes the caller or its
// session (authz.CheckObservedKey) is refused with BadRequest: Keyward
// establishes those itself. Region and Service say where the key was used,
// for its last use; Region is aws:RequestedRegion.
type EvaluatePolicyRequest struct {
	AccessKeyID  string              `json:"accessKeyId"`
	SessionToken string              `json:"sessionToken,omitempty"`
	Actions      []string            `json:"actions"`
	Resources    []string            `json:"resources"`
	Condition    map[string][]string `json:"condition,omitempty"`
	Region       string              `json:"region,omitempty"`
	Service      string              `json:"service,omitempty"`
}

// EvaluatePolicyResponse answers Decisions[resource][action].
type EvaluatePolicyResponse struct {
	Decisions        [][]string `json:"decisions"`
	SessionDecisions [][]string `json:"sessionDecisions,omitempty"`
	HasSessionPolicy bool       `json:"hasSessionPolicy,omitempty"`
	PrincipalArn     string     `json:"principalArn,omitempty"`
}

// ResolveIdentityRequest asks whether access keys exist. A key that may
// not sign (deactivated, past its expiry date) is answered as one that does
// not, as Derive and Evaluate answer NoSuchIdentity for it.
type ResolveIdentityRequest struct {
	AccessKeyIDs []string `json:"accessKeyIds"`
}

// ResolveIdentityResponse answers in the order asked.
type ResolveIdentityResponse struct {
	Identities []ResolvedIdentity `json:"identities"`
}

// ResolvedIdentity is one answer: no secret, no key, only existence.
type ResolvedIdentity struct {
	Found        bool   `json:"found"`
	Kind         string `json:"kind,omitempty"`
	PrincipalArn string `json:"principalArn,omitempty"`
}

// ResolvePrincipalsRequest asks which principals a bucket policy may name.
type ResolvePrincipalsRequest struct {
	Principals []string `json:"principals"`
}

// ResolvePrincipalsResponse lists the ones that name nothing.
type ResolvePrincipalsResponse struct {
	Invalid []string `json:"invalid"`
}

// VersionResponse says what this server speaks, and the account.
type VersionResponse struct {
	Protocol      int    `json:"protocol"`
	MinClient     int    `json:"minClient"`
	ServerVersion string `json:"serverVersion,omitempty"`
	AccountID     string `json:"accountId,omitempty"`
}

// ErrorBody is the private protocol's JSON error: a message, and a code
// when the refusal is about the key asked of (CodeNoSuchIdentity,
// CodeInvalidToken) or the request (CodeBadRequest, CodeProtocolMismatch)
// rather than the asking service's own identity.
type ErrorBody struct {
	Code  string `json:"code,omitempty"`
	Error string `json:"error"`
}
