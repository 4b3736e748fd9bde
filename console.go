package keyward

import (
	"time"
)

// ConsoleSession is what a console session cookie claims.
type ConsoleSession struct {
	Root bool
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
