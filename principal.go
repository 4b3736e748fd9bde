package keyward

import "time"

// Principal is the identity that signed a request: the root user of the
// account, an IAM user, a session of a role (assumed-role) or a federated
// user's session (GetFederationToken).
type Principal struct {
	AccountID string
	// Root is true for the account's root user; User is then empty.
	Root bool
	// UserID, UserName and UserPath identify an IAM user; for a federated
	// user's session, the IAM user who got it, whose policies it has.
	UserID   string
	UserName string
	UserPath string
	// RoleID, RoleName and RolePath name the role of an assumed-role
	// session, SessionName the session (RoleSessionName).
	RoleID, RoleName, RolePath, SessionName string
	// FederatedName is a federated user's name (GetFederationToken's Name).
	FederatedName string
	// Session is what temporary credentials carry for evaluation; nil for
	// long-term credentials and console sign-ins.
	Session *SessionContext
	// Tags are the IAM tags of the identity behind p, as stored: the
	// user's (for its sessions and federated users too), or the role's for
	// a role session; a session's own tags override them
	// (aws:PrincipalTag). Package authz sets them when it decides, never
	// from anything the caller sent.
	Tags []Tag
}

// SessionContext is what a session token carries besides its principal:
// when it was issued, its session policies and tags.
type SessionContext struct {
	// AccessKeyID is the session's ASIA key ID. It is not unique: beside
	// the account and a MAC it keeps 22 random bits, and two sessions of
	// one account share one by chance, or for a caller that mints
	// sessions until one does.
	AccessKeyID string
	// Ref is unique to the session (derived from its secret): with the
	// key ID it names the session's compiled policies in the cache
	// (policy variables differ per session), so that a session whose key
	// ID is another's is never decided with the other's policies.
	Ref string
	// IssuedAt is when it was issued (aws:TokenIssueTime), MFAAt when its
	// caller authenticated with MFA (zero without).
	IssuedAt, MFAAt time.Time
	// Policy is the inline session policy, PolicyARNs the managed ones:
	// with either, the session may do only what they allow too.
	Policy     string
	PolicyARNs []string
	// Tags are the principal's tags: the role's, overridden by the
	// session's.
	Tags []Tag
	// SourceIdentity is the identity the caller set (sts:SourceIdentity);
	// Transitive the keys of the tags passed on to sessions it begins.
	SourceIdentity string
	Transitive     []string
	// Via are the other accounts whose principals the session was
	// assumed through (a chain of roles across accounts): while any of
	// them is closed, the session is refused, as its own account's
	// closure refuses it.
	Via []string
}

// IsRoleSession reports whether p is a session of a role.
func (p Principal) IsRoleSession() bool { return p.RoleID != "" }

// IsUser reports whether p is an IAM user signing with its own
// credentials (long-term, or a GetSessionToken session): the principal that
// calls without a UserName act on.
func (p Principal) IsUser() bool {
	return !p.Root && p.RoleID == "" && p.FederatedName == "" && p.UserName != ""
}

// ARN returns the principal's ARN: for sessions of roles and federated
// users, STS's ARN of the session.
func (p Principal) ARN() string {
	a := Account{ID: p.AccountID}
	switch {
	case p.Root:
		return a.RootARN()
	case p.RoleID != "":
		return "arn:aws:sts::" + p.AccountID + ":assumed-role/" + p.RoleName + "/" + p.SessionName
	case p.FederatedName != "":
		return "arn:aws:sts::" + p.AccountID + ":federated-user/" + p.FederatedName
	}
	return a.UserARN(p.UserPath, p.UserName)
}

// IdentityARN returns the ARN of the IAM identity behind p: the role's for
// a role session (aws:PrincipalArn), otherwise ARN's.
func (p Principal) IdentityARN() string {
	if p.RoleID != "" {
		return Account{ID: p.AccountID}.RoleARN(p.RolePath, p.RoleName)
	}
	return p.ARN()
}

// ID returns the unique ID AWS reports for the principal in
// GetCallerIdentity: the account ID for root, the user ID for a user,
// "AROA…:session" for a role session and "account:name" for a federated
// user.
func (p Principal) ID() string {
	switch {
	case p.Root:
		return p.AccountID
	case p.RoleID != "":
		return p.RoleID + ":" + p.SessionName
	case p.FederatedName != "":
		return p.AccountID + ":" + p.FederatedName
	}
	return p.UserID
}
