package keyward

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"time"
)

// Server certificates: X.509 certificates with their private keys, which
// AWS keeps for load balancers and CloudFront. The private key is sealed
// under the master key, bound to the certificate's ID, and never returned.

// MaxServerCertificates is AWS's default quota of server certificates.
const MaxServerCertificates = 20

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

// ServerCertificateARN returns a server certificate's ARN.
func (a Account) ServerCertificateARN(path, name string) string {
	return "arn:aws:iam::" + a.ID + ":server-certificate" + path + name
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

func serverCertificateNotFound(name string) *Error {
	return Errorf(ENoSuchEntity, "The Server Certificate with name %s cannot be found.", Clip(name))
}

// authorizeServerCertificate authorises action on the certificate's ARN,
// read for its path; a missing certificate is authorised at the root path,
// then reported.
func (s *Service) authorizeServerCertificate(ctx context.Context, action, name string, keys conditionKeys) error {
	path := "/"
	c, err := s.Store.ServerCertificate(ctx, name)
	if err == nil {
		path, keys = c.Path, resourceTagKeys(c.Tags, false).with(keys)
	} else if !errors.Is(err, ErrNoSuchServerCertificate) {
		return err
	}
	if err := s.authorizeWith(ctx, action, s.Account.ServerCertificateARN(path, name), keys); err != nil {
		return err
	}
	if errors.Is(err, ErrNoSuchServerCertificate) {
		return serverCertificateNotFound(name)
	}
	return nil
}

var errMalformedCert = Errorf(EMalformedCertificate, "Unable to parse certificate. Please ensure the certificate is in PEM format.")

// UploadServerCertificate checks a certificate, its private key and chain,
// and stores them.
func (s *Service) UploadServerCertificate(ctx context.Context, name, path, body, key, chain string, tags []Tag) (ServerCertificate, error) {
	if err := checkDuplicateTags(tags); err != nil {
		return ServerCertificate{}, err
	}
	if err := s.authorizeWith(ctx, "iam:UploadServerCertificate", s.Account.ServerCertificateARN(path, name), requestTagKeys(tags)); err != nil {
		return ServerCertificate{}, err
	}
	cert, err := parseCertificate(body)
	if err != nil {
		return ServerCertificate{}, err
	}
	priv, err := parsePrivateKey(key)
	if err != nil {
		return ServerCertificate{}, err
	}
	pub, ok := priv.(interface{ Public() crypto.PublicKey })
	if !ok || !publicKeysEqual(pub.Public(), cert.PublicKey) {
		return ServerCertificate{}, Errorf(EKeyPairMismatch, "The public key certificate and the private key do not match.")
	}
	for rest := strings.TrimSpace(chain); rest != ""; {
		block, r := pem.Decode([]byte(rest))
		if block == nil || block.Type != "CERTIFICATE" {
			return ServerCertificate{}, Errorf(EMalformedCertificate, "Unable to parse the certificate chain. Please ensure it is in PEM format.")
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return ServerCertificate{}, Errorf(EMalformedCertificate, "Unable to parse the certificate chain. Please ensure it is in PEM format.")
		}
		rest = strings.TrimSpace(string(r))
	}
	id, err := randomString(s.Rand, "ASCA", 17, base32Alphabet)
	if err != nil {
		return ServerCertificate{}, err
	}
	sealed, err := s.Sealer.Seal(id, key)
	if err != nil {
		return ServerCertificate{}, err
	}
	c := ServerCertificate{ID: id, Name: name, Path: path, Body: strings.TrimSpace(body), Chain: strings.TrimSpace(chain), SealedKey: sealed,
		UploadedAt: s.now(), Expiration: cert.NotAfter.UTC(), Tags: tags}
	switch err := s.Store.CreateServerCertificate(ctx, c, MaxServerCertificates); {
	case errors.Is(err, ErrServerCertificateExists):
		return c, Errorf(EEntityAlreadyExists, "The Server Certificate with name %s already exists.", name)
	case errors.Is(err, ErrServerCertificateQuota):
		return c, Errorf(ELimitExceeded, "Cannot exceed quota for ServerCertificatesPerAccount: %d", MaxServerCertificates)
	case err != nil:
		return c, err
	}
	c.SealedKey = nil
	return c, nil
}

func parseCertificate(body string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(body)))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errMalformedCert
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, errMalformedCert
	}
	return cert, nil
}

// parsePrivateKey reads a PEM private key: PKCS #1, PKCS #8 or SEC 1.
func parsePrivateKey(key string) (crypto.PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(key)))
	bad := Errorf(EMalformedCertificate, "Unable to parse the private key. Please ensure it is in PEM format.")
	if block == nil {
		return nil, bad
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, bad
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	switch k := a.(type) {
	case *rsa.PublicKey:
		return k.Equal(b)
	case *ecdsa.PublicKey:
		return k.Equal(b)
	case ed25519.PublicKey:
		return k.Equal(b)
	}
	return false
}

// ServerCertificate returns a server certificate, without its key.
func (s *Service) ServerCertificate(ctx context.Context, name string) (ServerCertificate, error) {
	if err := s.authorizeServerCertificate(ctx, "iam:GetServerCertificate", name, nil); err != nil {
		return ServerCertificate{}, err
	}
	c, err := s.Store.ServerCertificate(ctx, name)
	c.SealedKey = nil
	if errors.Is(err, ErrNoSuchServerCertificate) {
		return c, serverCertificateNotFound(name)
	}
	return c, err
}

// ListServerCertificates pages the account's server certificates.
func (s *Service) ListServerCertificates(ctx context.Context, pathPrefix, marker string, max int) ([]ServerCertificate, string, error) {
	if err := s.authorize(ctx, "iam:ListServerCertificates", "*"); err != nil {
		return nil, "", err
	}
	return pageBy(marker, func(after string) ([]ServerCertificate, bool, error) {
		return s.Store.ListServerCertificates(ctx, orRoot(pathPrefix), after, max)
	}, func(c ServerCertificate) string { return c.Name })
}

// UpdateServerCertificate renames or moves a server certificate.
func (s *Service) UpdateServerCertificate(ctx context.Context, name string, newName, newPath *string) error {
	if err := s.authorizeServerCertificate(ctx, "iam:UpdateServerCertificate", name, nil); err != nil {
		return err
	}
	return s.updateServerCertificate(ctx, name, func(c *ServerCertificate) error {
		c.Name, c.Path = valueOr(newName, c.Name), valueOr(newPath, c.Path)
		return nil
	}, newName)
}

func (s *Service) updateServerCertificate(ctx context.Context, name string, fn func(*ServerCertificate) error, newName *string) error {
	switch err := s.Store.UpdateServerCertificate(ctx, name, fn); {
	case errors.Is(err, ErrNoSuchServerCertificate):
		return serverCertificateNotFound(name)
	case errors.Is(err, ErrServerCertificateExists):
		return Errorf(EEntityAlreadyExists, "The Server Certificate with name %s already exists.", valueOr(newName, name))
	default:
		return err
	}
}

// DeleteServerCertificate deletes a server certificate.
func (s *Service) DeleteServerCertificate(ctx context.Context, name string) error {
	if err := s.authorizeServerCertificate(ctx, "iam:DeleteServerCertificate", name, nil); err != nil {
		return err
	}
	if err := s.Store.DeleteServerCertificate(ctx, name); errors.Is(err, ErrNoSuchServerCertificate) {
		return serverCertificateNotFound(name)
	} else {
		return err
	}
}

// TagServerCertificate sets tags of a server certificate.
func (s *Service) TagServerCertificate(ctx context.Context, name string, tags []Tag) error {
	if err := checkDuplicateTags(tags); err != nil {
		return err
	}
	if err := s.authorizeServerCertificate(ctx, "iam:TagServerCertificate", name, requestTagKeys(tags)); err != nil {
		return err
	}
	return s.updateServerCertificate(ctx, name, func(c *ServerCertificate) error {
		var err error
		c.Tags, err = mergeTags(c.Tags, tags)
		return err
	}, nil)
}

// UntagServerCertificate removes tags of a server certificate.
func (s *Service) UntagServerCertificate(ctx context.Context, name string, keys []string) error {
	if err := s.authorizeServerCertificate(ctx, "iam:UntagServerCertificate", name, untagKeys(keys)); err != nil {
		return err
	}
	return s.updateServerCertificate(ctx, name, func(c *ServerCertificate) error {
		c.Tags = removeTags(c.Tags, keys)
		return nil
	}, nil)
}

// ServerCertificateTags returns the tags of a server certificate.
func (s *Service) ServerCertificateTags(ctx context.Context, name string) ([]Tag, error) {
	if err := s.authorizeServerCertificate(ctx, "iam:ListServerCertificateTags", name, nil); err != nil {
		return nil, err
	}
	c, err := s.Store.ServerCertificate(ctx, name)
	if errors.Is(err, ErrNoSuchServerCertificate) {
		return nil, serverCertificateNotFound(name)
	}
	return c.Tags, err
}
