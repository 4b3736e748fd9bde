package iam

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

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// The descriptors of server certificates, and how they are tagged.
func init() {
	describe(map[string]keyward.Operation{
		"UploadServerCertificate": keyward.Changes(keyward.OptParam("Path", keyward.PathShape), serverCertNameParam, keyward.ReqParam("CertificateBody", certificateBodyShape),
			keyward.ReqParam("PrivateKey", privateKeyShape), keyward.OptParam("CertificateChain", certificateChainShape), keyward.TagsParam(false)),
		"GetServerCertificate":    keyward.Reads(serverCertNameParam),
		"ListServerCertificates":  keyward.Reads(keyward.OptParam("PathPrefix", keyward.PathPrefixShape), markerParam, maxItemsParam),
		"UpdateServerCertificate": keyward.Changes(serverCertNameParam, keyward.OptParam("NewPath", keyward.PathShape), keyward.OptParam("NewServerCertificateName", serverCertNameShape)),
		"DeleteServerCertificate": keyward.Changes(serverCertNameParam),
	})
	taggables[keyward.TaggedServerCertificate] = taggable{
		by:        serverCertNameParam,
		authorize: (*Service).authorizeServerCertificate,
		read: func(s *Service, ctx context.Context, id string) ([]keyward.Tag, error) {
			c, err := s.store(ctx).ServerCertificate(ctx, id)
			return c.Tags, err
		},
		missing: keyward.ErrNoSuchServerCertificate, notFound: func(id string) error { return serverCertificateNotFound(id) },
	}
}

// serverCertNameParam names a server certificate.
var serverCertNameParam = keyward.ReqParam("ServerCertificateName", serverCertNameShape)

func serverCertificateNotFound(name string) *keyward.Error {
	return keyward.Errorf(keyward.ENoSuchEntity, "The Server Certificate with name %s cannot be found.", keyward.Clip(name))
}

// authorizeServerCertificate authorises action on the certificate's ARN,
// read for its path; a missing certificate is authorised at the root path,
// then reported.
func (s *Service) authorizeServerCertificate(ctx context.Context, action, name string, keys authz.Keys) error {
	path := "/"
	c, err := s.store(ctx).ServerCertificate(ctx, name)
	if err == nil {
		// The stored name, not the caller's spelling: names match in any
		// case, ARNs in policies only in their own.
		path, name, keys = c.Path, c.Name, authz.ResourceTagKeys(c.Tags, false).With(keys)
	} else if !errors.Is(err, keyward.ErrNoSuchServerCertificate) {
		return err
	}
	if err := s.Authz.AuthorizeWith(ctx, action, s.Account(ctx).ServerCertificateARN(path, name), keys); err != nil {
		return err
	}
	if errors.Is(err, keyward.ErrNoSuchServerCertificate) {
		return serverCertificateNotFound(name)
	}
	return nil
}

var errMalformedCert = keyward.Errorf(keyward.EMalformedCertificate, "Unable to parse certificate. Please ensure the certificate is in PEM format.")

// UploadServerCertificate checks a certificate, its private key and chain,
// and stores them.
func (s *Service) UploadServerCertificate(ctx context.Context, name, path, body, key, chain string, tags []keyward.Tag) (keyward.ServerCertificate, error) {
	if err := CheckDuplicateTags(tags); err != nil {
		return keyward.ServerCertificate{}, err
	}
	if err := s.Authz.AuthorizeWith(ctx, "iam:UploadServerCertificate", s.Account(ctx).ServerCertificateARN(path, name), authz.RequestTagKeys(tags)); err != nil {
		return keyward.ServerCertificate{}, err
	}
	if err := authorizeCreateTags(ctx, s.Authz, "iam:TagServerCertificate", s.Account(ctx).ServerCertificateARN(path, name), tags); err != nil {
		return keyward.ServerCertificate{}, err
	}
	cert, err := parseCertificate(body)
	if err != nil {
		return keyward.ServerCertificate{}, err
	}
	priv, err := parsePrivateKey(key)
	if err != nil {
		return keyward.ServerCertificate{}, err
	}
	pub, ok := priv.(interface{ Public() crypto.PublicKey })
	if !ok || !publicKeysEqual(pub.Public(), cert.PublicKey) {
		return keyward.ServerCertificate{}, keyward.Errorf(keyward.EKeyPairMismatch, "The public key certificate and the private key do not match.")
	}
	for rest := strings.TrimSpace(chain); rest != ""; {
		block, r := pem.Decode([]byte(rest))
		if block == nil || block.Type != "CERTIFICATE" {
			return keyward.ServerCertificate{}, keyward.Errorf(keyward.EMalformedCertificate, "Unable to parse the certificate chain. Please ensure it is in PEM format.")
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return keyward.ServerCertificate{}, keyward.Errorf(keyward.EMalformedCertificate, "Unable to parse the certificate chain. Please ensure it is in PEM format.")
		}
		rest = strings.TrimSpace(string(r))
	}
	id, err := keyward.RandomString(s.Rand, "ASCA", 17, keyward.Base32Alphabet)
	if err != nil {
		return keyward.ServerCertificate{}, err
	}
	sealed, err := s.Sealer.Seal(id, key)
	if err != nil {
		return keyward.ServerCertificate{}, err
	}
	c := keyward.ServerCertificate{ID: id, Name: name, Path: path, Body: strings.TrimSpace(body), Chain: strings.TrimSpace(chain), SealedKey: sealed,
		UploadedAt: s.now(), Expiration: cert.NotAfter.UTC(), Tags: tags}
	switch err := s.changing(ctx).CreateServerCertificate(ctx, c, maxServerCertificates); {
	case errors.Is(err, keyward.ErrServerCertificateExists):
		return c, keyward.Errorf(keyward.EEntityAlreadyExists, "The Server Certificate with name %s already exists.", name)
	case errors.Is(err, keyward.ErrServerCertificateQuota):
		return c, keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for ServerCertificatesPerAccount: %d", maxServerCertificates)
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
	bad := keyward.Errorf(keyward.EMalformedCertificate, "Unable to parse the private key. Please ensure it is in PEM format.")
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
func (s *Service) ServerCertificate(ctx context.Context, name string) (keyward.ServerCertificate, error) {
	if err := s.authorizeServerCertificate(ctx, "iam:GetServerCertificate", name, nil); err != nil {
		return keyward.ServerCertificate{}, err
	}
	c, err := s.store(ctx).ServerCertificate(ctx, name)
	c.SealedKey = nil
	if errors.Is(err, keyward.ErrNoSuchServerCertificate) {
		return c, serverCertificateNotFound(name)
	}
	return c, err
}

// ListServerCertificates pages the account's server certificates.
func (s *Service) ListServerCertificates(ctx context.Context, pathPrefix, marker string, max int) ([]keyward.ServerCertificate, string, error) {
	if err := s.Authz.Authorize(ctx, "iam:ListServerCertificates", "*"); err != nil {
		return nil, "", err
	}
	return pageBy(marker, func(after string) ([]keyward.ServerCertificate, bool, error) {
		return s.store(ctx).ListServerCertificates(ctx, orRoot(pathPrefix), after, max)
	}, func(c keyward.ServerCertificate) string { return c.Name })
}

// UpdateServerCertificate renames or moves a server certificate; as for a
// user (UpdateUser), the caller needs iam:UpdateServerCertificate on the
// certificate's new ARN too.
func (s *Service) UpdateServerCertificate(ctx context.Context, name string, newName, newPath *string) error {
	if err := s.authorizeServerCertificate(ctx, "iam:UpdateServerCertificate", name, nil); err != nil {
		return err
	}
	if (newName != nil || newPath != nil) && authz.NeedsKeys(ctx) {
		c, err := s.store(ctx).ServerCertificate(ctx, name)
		if errors.Is(err, keyward.ErrNoSuchServerCertificate) {
			return serverCertificateNotFound(name)
		} else if err != nil {
			return err
		}
		target := s.Account(ctx).ServerCertificateARN(valueOr(newPath, c.Path), valueOr(newName, c.Name))
		if err := s.Authz.AuthorizeWith(ctx, "iam:UpdateServerCertificate", target, authz.ResourceTagKeys(c.Tags, false)); err != nil {
			return err
		}
	}
	return s.updateServerCertificate(ctx, name, func(c *keyward.ServerCertificate) error {
		c.Name, c.Path = valueOr(newName, c.Name), valueOr(newPath, c.Path)
		return nil
	}, newName)
}

func (s *Service) updateServerCertificate(ctx context.Context, name string, fn func(*keyward.ServerCertificate) error, newName *string) error {
	switch err := s.changing(ctx).UpdateServerCertificate(ctx, name, fn); {
	case errors.Is(err, keyward.ErrNoSuchServerCertificate):
		return serverCertificateNotFound(name)
	case errors.Is(err, keyward.ErrServerCertificateExists):
		return keyward.Errorf(keyward.EEntityAlreadyExists, "The Server Certificate with name %s already exists.", valueOr(newName, name))
	default:
		return err
	}
}

// DeleteServerCertificate deletes a server certificate.
func (s *Service) DeleteServerCertificate(ctx context.Context, name string) error {
	if err := s.authorizeServerCertificate(ctx, "iam:DeleteServerCertificate", name, nil); err != nil {
		return err
	}
	if err := s.changing(ctx).DeleteServerCertificate(ctx, name); errors.Is(err, keyward.ErrNoSuchServerCertificate) {
		return serverCertificateNotFound(name)
	} else {
		return err
	}
}

// maxServerCertificates is AWS's default quota of server certificates.
const maxServerCertificates = 20

// The shapes of a server certificate's parameters.
var (
	serverCertNameShape   = keyward.NewStringShape("serverCertificateNameType", 1, 128, `[\w+=,.@-]+`)
	certificateChainShape = keyward.NewStringShape("certificateChainType", 1, 2097152, `[\u0009\u000A\u000D\u0020-\u00FF]+`)
	privateKeyShape       = sensitive(keyward.NewStringShape("privateKeyType", 1, 16384, `[\u0009\u000A\u000D\u0020-\u00FF]+`))
)
