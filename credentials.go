package keyward

import (
	"context"
	"errors"
	"time"
)

// A user's credentials besides access keys and the password: SSH public
// keys (for CodeCommit-style Git over SSH), service-specific credentials
// (a user name and generated password for one service) and X.509 signing
// certificates. They share one store and one set of rules: each belongs to
// a user, is Active or Inactive, and keeps the user from being deleted
// while it exists.

// Kinds of OtherCredential.
const (
	CredSSHKey      = "ssh"
	CredService     = "service"
	CredSigningCert = "signing"
)

// MaxSSHKeysPerUser is AWS's quota of a user's SSH public keys.
const MaxSSHKeysPerUser = 5

// OtherCredential is an SSH public key, a service-specific credential or a
// signing certificate of a user.
type OtherCredential struct {
	Kind string
	ID   string
	// User is the owner; stores fill in its current name.
	User      User
	Status    string
	CreatedAt time.Time
	// Body is the SSH public key in SSH wire format, base64 (ssh-rsa), or
	// the certificate in PEM.
	Body string
	// Fingerprint is the SSH key's MD5 fingerprint or the certificate's
	// SHA-256: no two credentials of a kind share it in the account, the
	// SSH keys of one user excepted, which are held to the owner.
	Fingerprint string
	// ServiceName and ServiceUserName, and the password sealed under the
	// master key bound to ID, for a service-specific credential.
	ServiceName, ServiceUserName string
	SealedPassword               []byte
}

// Store errors of the other credentials.
var (
	ErrNoSuchCredential    = errors.New("keyward: no such credential")
	ErrCredentialQuota     = errors.New("keyward: credential quota exceeded")
	ErrDuplicateCredential = errors.New("keyward: duplicate credential")
)

// CredentialStore persists the other credentials.
type CredentialStore interface {
	// CreateCredential stores c for the user named userName, unless the
	// user already has max of that kind (of that service, for
	// service-specific credentials): ErrNoSuchUser, ErrCredentialQuota,
	// ErrDuplicateCredential (same kind and fingerprint, within the user for
	// SSH keys, within the account otherwise).
	CreateCredential(ctx context.Context, userName string, c OtherCredential, max int) error
	// Credentials returns a user's credentials of a kind in order of
	// creation; ErrNoSuchUser.
	Credentials(ctx context.Context, userName, kind string) ([]OtherCredential, error)
	// UpdateCredential replaces a user's credential with what fn makes of it
	// (Status, SealedPassword), atomically; ErrNoSuchUser,
	// ErrNoSuchCredential, or fn's error.
	UpdateCredential(ctx context.Context, userName, kind, id string, fn func(*OtherCredential) error) (OtherCredential, error)
	// DeleteCredential deletes one; ErrNoSuchUser, ErrNoSuchCredential.
	DeleteCredential(ctx context.Context, userName, kind, id string) error
}

// NewServiceCredential is a service-specific credential just made, with
// its password shown this once.
type NewServiceCredential struct {
	OtherCredential
	Password string
}
