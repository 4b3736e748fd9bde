package keyward

import (
	"errors"
	"time"
)

// Sessions: temporary credentials (GetSessionToken, AssumeRole and its
// kin, GetFederationToken) and the console's sessions, which package sts
// issues and checks. A session's credentials are an access key ID
// beginning ASIA, a secret, and a session token that holds everything
// needed to authenticate it, sealed under the master key: no replica reads
// the database to accept one, and nothing of a session is stored.

// Session is a set of temporary credentials.
type Session struct {
	AccessKeyID, Secret, Token string
	Expiration                 time.Time
}

// ErrExpiredToken is OpenSession's error for a session past its expiration.
var ErrExpiredToken = errors.New("keyward: session token expired")

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
	// SAML is a SAML session's subject; nil for any other.
	SAML *SAMLSubject
}

// SAMLSubject is who a SAML assertion says signed in, as
// AssumeRoleWithSAML answers it.
type SAMLSubject struct {
	Subject, SubjectType, Issuer, Audience, NameQualifier string
}

// ConsoleSession is what a console session cookie claims.
type ConsoleSession struct {
	// AccountID is the account signed in to; "" in a session begun before
	// the console signed in to more than one, which is the first
	// account's.
	AccountID string
	Root      bool
	// RootKey is the access key the root user signed in with.
	RootKey string
	// UserName and UserID name the IAM user signed in.
	UserName, UserID string
	// KeyID and Token are the temporary credentials of a federated sign-in
	// (a role's or a federated user's session).
	KeyID, Token string
	// Issued is when the session began.
	Issued time.Time
}
