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

// SpreadsheetSafe returns s unchanged unless a spreadsheet opening a CSV
// file would take it for a formula (it starts with =, +, -, @, a tab or a
// carriage return): then it is prefixed with an apostrophe, which the
// spreadsheet shows as text, as OWASP recommends against CSV injection.
// User names may legitimately start with +, =, @ or -; every other value a
// report holds is checked before it is recorded.
func SpreadsheetSafe(s string) string {
	if s != "" {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + s
		}
	}
	return s
}
