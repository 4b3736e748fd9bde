package sts

import (
	"context"
	"time"

	"github.com/keyward/keyward"
)

// Store is what the Security Token Service reads and writes itself; roles
// and their trust policies come through package iam.
type Store interface {
	// Recorder gives the view a request's change is written through,
	// with the request's audit event.
	keyward.Recorder
	// InAccount gives the view of one account's entities
	// (keyward.Store's).
	InAccount(id string) keyward.Store
	User(ctx context.Context, name string) (keyward.User, error)
	// IdentityARNs gives a session of a user the user's name and path
	// now (OpenSession).
	IdentityARNs(ctx context.Context, ids []string) (map[string]string, error)
	Role(ctx context.Context, name string) (keyward.Role, error)
	AccessKey(ctx context.Context, id string) (keyward.AccessKey, error)
	MFADevice(ctx context.Context, serial string) (keyward.MFADevice, error)
	// ListMFADevices tells whether the root user has MFA (SigninToken).
	ListMFADevices(ctx context.Context, f keyward.MFAFilter, after string, max int) ([]keyward.MFADevice, bool, error)
	OIDCProvider(ctx context.Context, arn string) (keyward.OIDCProvider, error)
	// OIDCSignIn and OIDCSignIns are the console's sign-ins through OIDC
	// providers; ListRoles finds the roles one offers when it names none.
	OIDCSignIn(ctx context.Context, arn string) (keyward.OIDCSignIn, error)
	OIDCSignIns(ctx context.Context) ([]keyward.OIDCSignIn, error)
	ListRoles(ctx context.Context, pathPrefix, after string, max int) ([]keyward.Role, bool, error)
	SAMLProvider(ctx context.Context, arn string) (keyward.SAMLProvider, error)
	SAMLProviders(ctx context.Context) ([]keyward.SAMLProvider, error)
	// RevokeSession, SessionRevoked and UseOnce remember what must hold on
	// every replica: revoked sessions and single-use tokens.
	RevokeSession(ctx context.Context, id string, expires time.Time) error
	SessionRevoked(ctx context.Context, id string) (bool, error)
	UseOnce(ctx context.Context, id string, now, expires time.Time) (first bool, err error)
}

// keyward.Store, which a view of another account (InAccount) is, holds
// every port: authz.View relies on it.
var _ Store = keyward.Store(nil)
