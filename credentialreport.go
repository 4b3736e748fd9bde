package keyward

import (
	"time"
)

// Credential report states, as the API names them.
const (
	ReportStarted    = "STARTED"
	ReportInProgress = "INPROGRESS"
	ReportComplete   = "COMPLETE"
)

// CredentialReport is the account's latest credential report.
type CredentialReport struct {
	State string // ReportInProgress or ReportComplete
	// StartedAt is when the latest generation began.
	StartedAt time.Time
	// GeneratedAt is when the complete report (Content) was finished, and
	// SnapshotAt when its scan of the store began; both are zero until a
	// report is complete, and stay while a newer one is in progress.
	GeneratedAt time.Time
	SnapshotAt  time.Time
	Content     []byte
}

// UserCredentials is what the credential report says of one user.
type UserCredentials struct {
	User User
	// Login is the user's login profile, nil without one.
	Login *LoginProfile
	// Keys are the user's access keys in order of creation.
	Keys []AccessKey
	// MFAActive is whether an MFA device is enabled for the user.
	MFAActive bool
	// Certs are the user's signing certificates in order of upload
	// (status and upload time only).
	Certs []OtherCredential
}
