package keyward

import (
	"context"
	"errors"
	"time"
)

// Server certificates: X.509 certificates with their private keys, which
// AWS keeps for load balancers and CloudFront. The private key is sealed
// under the master key, bound to the certificate's ID, and never returned.

// ServerCertificate is one of the account's server certificates.
type ServerCertificate struct {
	// ID is "ASCA" and 17 more characters.
	ID, Name, Path string
	Body, Chain    string
	SealedKey      []byte
	UploadedAt     time.Time
	Expiration     time.Time
	Tags           []Tag
}

// Store errors of server certificates.
var (
	ErrNoSuchServerCertificate = errors.New("keyward: no such server certificate")
	ErrServerCertificateExists = errors.New("keyward: server certificate exists")
	ErrServerCertificateQuota  = errors.New("keyward: server certificate quota exceeded")
)

// ServerCertificateStore persists server certificates.
type ServerCertificateStore interface {
	// CreateServerCertificate stores one unless the account has max
	// already; ErrServerCertificateExists (the name, case-insensitively),
	// ErrServerCertificateQuota.
	CreateServerCertificate(ctx context.Context, c ServerCertificate, max int) error
	// ServerCertificate returns one by name; ErrNoSuchServerCertificate.
	ServerCertificate(ctx context.Context, name string) (ServerCertificate, error)
	// ListServerCertificates pages them by name, as ListUsers pages users.
	ListServerCertificates(ctx context.Context, pathPrefix, after string, max int) ([]ServerCertificate, bool, error)
	// UpdateServerCertificate replaces one with what fn makes of it (name,
	// path, tags), atomically; ErrNoSuchServerCertificate,
	// ErrServerCertificateExists, or fn's error.
	UpdateServerCertificate(ctx context.Context, name string, fn func(*ServerCertificate) error) error
	// DeleteServerCertificate deletes one; ErrNoSuchServerCertificate.
	DeleteServerCertificate(ctx context.Context, name string) error
}

// ServerCertificateARN returns a server certificate's ARN.
func (a Account) ServerCertificateARN(path, name string) string {
	return a.iamARN("server-certificate", path, name)
}

// TaggedServerCertificate is the tag kind of server certificates,
// each named by its name in their tagging operations.
const TaggedServerCertificate TagKind = "ServerCertificate"
