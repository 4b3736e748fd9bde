package keyward

import (
	"errors"
	"time"
)

// Temporary credentials (issue 14's start: GetSessionToken). A session is
// an access key ID beginning ASIA, a secret, and a session token that holds
// everything needed to authenticate it, sealed under the master key: no
// replica reads the database to accept one, and nothing of a session is
// stored.

// Session durations AWS allows GetSessionToken, in seconds.
const (
	MinSessionDuration     = 900
	MaxUserSessionDuration = 129600
	MaxRootSessionDuration = 3600
	DefaultSessionDuration = 43200
)

// Session is a set of temporary credentials.
type Session struct {
	AccessKeyID, Secret, Token string
	Expiration                 time.Time
}

// ErrExpiredToken is OpenSession's error for a session past its expiration.
var ErrExpiredToken = errors.New("keyward: session token expired")
