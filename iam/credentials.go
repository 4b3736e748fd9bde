package iam

import (
	"context"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// The descriptors of SSH public keys, service-specific credentials and
// signing certificates.
func init() {
	describe(map[string]keyward.Operation{
		"UploadSSHPublicKey":              keyward.Changes(credUserNameParam, keyward.ReqParam("SSHPublicKeyBody", publicKeyMaterialShape)),
		"GetSSHPublicKey":                 keyward.Reads(credUserNameParam, sshKeyIDParam, keyward.ReqParam("Encoding", encodingShape)),
		"ListSSHPublicKeys":               keyward.Reads(optCredUserNameParam, markerParam, maxItemsParam),
		"UpdateSSHPublicKey":              keyward.Changes(credUserNameParam, sshKeyIDParam, statusParam),
		"DeleteSSHPublicKey":              keyward.Changes(credUserNameParam, sshKeyIDParam),
		"CreateServiceSpecificCredential": keyward.Changes(credUserNameParam, keyward.ReqParam("ServiceName", serviceNameShape)),
		"ResetServiceSpecificCredential":  keyward.Changes(optCredUserNameParam, serviceCredIDParam),
		"ListServiceSpecificCredentials":  keyward.Reads(optCredUserNameParam, keyward.OptParam("ServiceName", serviceNameShape)),
		"UpdateServiceSpecificCredential": keyward.Changes(optCredUserNameParam, serviceCredIDParam, statusParam),
		"DeleteServiceSpecificCredential": keyward.Changes(optCredUserNameParam, serviceCredIDParam),
		"UploadSigningCertificate":        keyward.Changes(optUserNameParam, keyward.ReqParam("CertificateBody", certificateBodyShape)),
		"ListSigningCertificates":         keyward.Reads(optUserNameParam, markerParam, maxItemsParam),
		"UpdateSigningCertificate":        keyward.Changes(optUserNameParam, certificateIDParam, statusParam),
		"DeleteSigningCertificate":        keyward.Changes(optUserNameParam, certificateIDParam),
	})
}

const minSSHKeyBits = 2048

// credentialNotFound is AWS's NoSuchEntity for each kind.
func credentialNotFound(kind, userName, id string) *keyward.Error {
	switch kind {
	case keyward.CredSSHKey:
		return keyward.Errorf(keyward.ENoSuchEntity, "The Public Key with id %s cannot be found.", keyward.Clip(id))
	case keyward.CredService:
		return keyward.Errorf(keyward.ENoSuchEntity, "No such credential %s exists", keyward.Clip(id))
	}
	return keyward.Errorf(keyward.ENoSuchEntity, "The Certificate with id %s cannot be found.", keyward.Clip(id))
}

// credentialActions names each kind's IAM actions.
var credentialActions = map[string]struct{ create, list, update, remove, quota string }{
	keyward.CredSSHKey:      {"iam:UploadSSHPublicKey", "iam:ListSSHPublicKeys", "iam:UpdateSSHPublicKey", "iam:DeleteSSHPublicKey", "SSHPublicKeysPerUser"},
	keyward.CredService:     {"iam:CreateServiceSpecificCredential", "iam:ListServiceSpecificCredentials", "iam:UpdateServiceSpecificCredential", "iam:DeleteServiceSpecificCredential", "ServiceSpecificCredentialsPerUserPerService"},
	keyward.CredSigningCert: {"iam:UploadSigningCertificate", "iam:ListSigningCertificates", "iam:UpdateSigningCertificate", "iam:DeleteSigningCertificate", "SigningCertificatesPerUser"},
}

// serviceNameKey is iam:ServiceSpecificCredentialServiceName.
func serviceNameKey(service string) authz.Keys {
	return authz.Keys{"iam:servicespecificcredentialservicename": {service}}
}

// credentialKeys are the condition keys of an action on a user's
// credential: a service-specific credential's service. One that cannot be
// found has none; the operation reports it.
func (s *Service) credentialKeys(ctx context.Context, userName, kind, id string) (authz.Keys, error) {
	if kind != keyward.CredService || userName == "" || !authz.NeedsKeys(ctx) {
		return nil, nil
	}
	cs, err := s.store(ctx).Credentials(ctx, userName, kind)
	if errors.Is(err, keyward.ErrNoSuchUser) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.ID == id {
			return serviceNameKey(c.ServiceName), nil
		}
	}
	return nil, nil
}

// createCredential stores a new credential for userName within max.
func (s *Service) createCredential(ctx context.Context, userName string, c keyward.OtherCredential, max int) (keyward.OtherCredential, error) {
	c.Status, c.CreatedAt = keyward.StatusActive, s.now()
	err := s.changing(ctx).CreateCredential(ctx, userName, c, max)
	switch {
	case errors.Is(err, keyward.ErrNoSuchUser):
		return c, keyward.UserNotFound(userName)
	case errors.Is(err, keyward.ErrCredentialQuota):
		return c, keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for %s: %d", credentialActions[c.Kind].quota, max)
	case errors.Is(err, keyward.ErrDuplicateCredential) && c.Kind == keyward.CredSSHKey:
		return c, keyward.Errorf(keyward.EDuplicateSSHPublicKey, "The public key is already associated with the user %s.", userName)
	case errors.Is(err, keyward.ErrDuplicateCredential):
		return c, keyward.Errorf(keyward.EDuplicateCertificate, "The same certificate is associated with an IAM user in the account.")
	case err != nil:
		return c, err
	}
	c.User.Name = userName
	return c, nil
}

// Credentials returns a user's credentials of a kind (the caller's when
// userName is empty; the root user has none kept here).
func (s *Service) Credentials(ctx context.Context, userName, kind string) ([]keyward.OtherCredential, error) {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return nil, err
	}
	if err := s.Authz.AuthorizeUser(ctx, credentialActions[kind].list, userName); err != nil || userName == "" {
		return nil, err
	}
	cs, err := s.store(ctx).Credentials(ctx, userName, kind)
	if errors.Is(err, keyward.ErrNoSuchUser) {
		return nil, keyward.UserNotFound(userName)
	}
	return cs, err
}

// UpdateCredentialStatus activates or deactivates a credential.
func (s *Service) UpdateCredentialStatus(ctx context.Context, userName, kind, id, status string) error {
	userName, err := s.authorizeCredential(ctx, credentialActions[kind].update, userName, kind, id)
	if err != nil {
		return err
	}
	_, err = s.changing(ctx).UpdateCredential(ctx, userName, kind, id, func(c *keyward.OtherCredential) error {
		c.Status = status
		return nil
	})
	return credentialError(err, kind, userName, id)
}

// DeleteCredential deletes a credential.
func (s *Service) DeleteCredential(ctx context.Context, userName, kind, id string) error {
	userName, err := s.authorizeCredential(ctx, credentialActions[kind].remove, userName, kind, id)
	if err != nil {
		return err
	}
	return credentialError(s.changing(ctx).DeleteCredential(ctx, userName, kind, id), kind, userName, id)
}

// authorizeCredential authorises action on a user's credential, with the
// credential's keys, and returns the user's name, the caller's own when
// userName is empty. The root user has no credentials of these kinds.
func (s *Service) authorizeCredential(ctx context.Context, action, userName, kind, id string) (string, error) {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return "", err
	}
	keys, err := s.credentialKeys(ctx, userName, kind, id)
	if err != nil {
		return "", err
	}
	if err := s.Authz.AuthorizeUserWith(ctx, action, userName, keys); err != nil {
		return "", err
	}
	if userName == "" {
		return "", credentialNotFound(kind, userName, id)
	}
	return userName, nil
}

func credentialError(err error, kind, userName, id string) error {
	switch {
	case errors.Is(err, keyward.ErrNoSuchUser):
		return keyward.UserNotFound(userName)
	case errors.Is(err, keyward.ErrNoSuchCredential):
		return credentialNotFound(kind, userName, id)
	}
	return err
}

// UploadSSHPublicKey adds an SSH public key (ssh-rsa, or PEM) to a user.
func (s *Service) UploadSSHPublicKey(ctx context.Context, userName, body string) (keyward.OtherCredential, error) {
	if err := s.Authz.AuthorizeUser(ctx, "iam:UploadSSHPublicKey", userName); err != nil {
		return keyward.OtherCredential{}, err
	}
	key, err := parseSSHPublicKey(body)
	if err != nil {
		return keyward.OtherCredential{}, err
	}
	id, err := keyward.RandomString(s.Rand, "APKA", 16, keyward.Base32Alphabet)
	if err != nil {
		return keyward.OtherCredential{}, err
	}
	wire := sshWire(key)
	sum := md5.Sum(wire)
	return s.createCredential(ctx, userName, keyward.OtherCredential{Kind: keyward.CredSSHKey, ID: id,
		Body: base64.StdEncoding.EncodeToString(wire), Fingerprint: colonHex(sum[:])}, keyward.MaxSSHKeysPerUser)
}

// SSHPublicKey returns one of a user's SSH public keys.
func (s *Service) SSHPublicKey(ctx context.Context, userName, id string) (keyward.OtherCredential, error) {
	if err := s.Authz.AuthorizeUser(ctx, "iam:GetSSHPublicKey", userName); err != nil {
		return keyward.OtherCredential{}, err
	}
	cs, err := s.store(ctx).Credentials(ctx, userName, keyward.CredSSHKey)
	if err != nil {
		return keyward.OtherCredential{}, credentialError(err, keyward.CredSSHKey, userName, id)
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return keyward.OtherCredential{}, credentialNotFound(keyward.CredSSHKey, userName, id)
}

// SSHEncoded returns an SSH key's body in AWS's encodings: "SSH" (the
// OpenSSH line) or "PEM" (an X.509 SubjectPublicKeyInfo).
func SSHEncoded(c keyward.OtherCredential, encoding string) (string, error) {
	wire, err := base64.StdEncoding.DecodeString(c.Body)
	if err != nil {
		return "", err
	}
	if encoding == "SSH" {
		return "ssh-rsa " + c.Body, nil
	}
	key, err := parseSSHWire(wire)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// parseSSHPublicKey reads an RSA public key in OpenSSH's one-line format
// or in PEM, of at least 2048 bits, as AWS requires.
func parseSSHPublicKey(body string) (*rsa.PublicKey, error) {
	body = strings.TrimSpace(body)
	var key *rsa.PublicKey
	if block, _ := pem.Decode([]byte(body)); block != nil {
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, keyward.Errorf(keyward.EInvalidPublicKey, "The public key is not valid.")
		}
		var ok bool
		if key, ok = pub.(*rsa.PublicKey); !ok {
			return nil, keyward.Errorf(keyward.EUnrecognizedPublicKeyEncoding, "The public key encoding is not recognized.")
		}
	} else {
		fields := strings.Fields(body)
		if len(fields) < 2 || fields[0] != "ssh-rsa" {
			return nil, keyward.Errorf(keyward.EUnrecognizedPublicKeyEncoding, "The public key encoding is not recognized.")
		}
		wire, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil {
			return nil, keyward.Errorf(keyward.EInvalidPublicKey, "The public key is not valid.")
		}
		if key, err = parseSSHWire(wire); err != nil {
			return nil, keyward.Errorf(keyward.EInvalidPublicKey, "The public key is not valid.")
		}
	}
	if key.N.BitLen() < minSSHKeyBits {
		return nil, keyward.Errorf(keyward.EInvalidPublicKey, "The public key must be at least %d bits long.", minSSHKeyBits)
	}
	return key, nil
}

// sshWire encodes an RSA key as RFC 4253 does: string "ssh-rsa", mpint e,
// mpint n.
func sshWire(k *rsa.PublicKey) []byte {
	var b []byte
	put := func(p []byte) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	mpint := func(n *big.Int) []byte {
		p := n.Bytes()
		if len(p) > 0 && p[0]&0x80 != 0 {
			p = append([]byte{0}, p...)
		}
		return p
	}
	put([]byte("ssh-rsa"))
	put(mpint(big.NewInt(int64(k.E))))
	put(mpint(k.N))
	return b
}

// parseSSHWire reads sshWire's format.
func parseSSHWire(b []byte) (*rsa.PublicKey, error) {
	next := func() ([]byte, bool) {
		if len(b) < 4 {
			return nil, false
		}
		n := binary.BigEndian.Uint32(b)
		if uint32(len(b)-4) < n {
			return nil, false
		}
		p := b[4 : 4+n]
		b = b[4+n:]
		return p, true
	}
	typ, ok1 := next()
	e, ok2 := next()
	n, ok3 := next()
	if !ok1 || !ok2 || !ok3 || string(typ) != "ssh-rsa" || len(b) != 0 || len(e) > 4 || len(e) == 0 {
		return nil, errors.New("keyward: not an ssh-rsa key")
	}
	exp := new(big.Int).SetBytes(e)
	if exp.Int64() < 3 || exp.Int64()%2 == 0 {
		return nil, errors.New("keyward: bad RSA exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}, nil
}

func colonHex(b []byte) string {
	h := hex.EncodeToString(b)
	var out strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			out.WriteByte(':')
		}
		out.WriteString(h[i : i+2])
	}
	return out.String()
}

// CreateServiceSpecificCredential makes a user name and password for one
// service.
func (s *Service) CreateServiceSpecificCredential(ctx context.Context, userName, service string) (keyward.NewServiceCredential, error) {
	if err := s.Authz.AuthorizeUserWith(ctx, "iam:CreateServiceSpecificCredential", userName, serviceNameKey(service)); err != nil {
		return keyward.NewServiceCredential{}, err
	}
	if !supportedService(service) {
		return keyward.NewServiceCredential{}, keyward.Errorf(keyward.ENotSupportedService, "No such service %s is supported for Service-Specific Credentials", keyward.Clip(service))
	}
	u, err := s.user(ctx, userName)
	if err != nil {
		return keyward.NewServiceCredential{}, err
	}
	id, err := keyward.RandomString(s.Rand, "ACCA", 17, keyward.Base32Alphabet)
	if err != nil {
		return keyward.NewServiceCredential{}, err
	}
	password, sealed, err := s.servicePassword(id)
	if err != nil {
		return keyward.NewServiceCredential{}, err
	}
	c, err := s.createCredential(ctx, u.Name, keyward.OtherCredential{Kind: keyward.CredService, ID: id, Fingerprint: id,
		ServiceName: service, ServiceUserName: u.Name + "-at-" + s.Account(ctx).ID, SealedPassword: sealed}, maxServiceCredentialsPerUser)
	return keyward.NewServiceCredential{OtherCredential: c, Password: password}, err
}

// ResetServiceSpecificCredential gives a credential a new password.
func (s *Service) ResetServiceSpecificCredential(ctx context.Context, userName, id string) (keyward.NewServiceCredential, error) {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return keyward.NewServiceCredential{}, err
	}
	keys, err := s.credentialKeys(ctx, userName, keyward.CredService, id)
	if err != nil {
		return keyward.NewServiceCredential{}, err
	}
	if err := s.Authz.AuthorizeUserWith(ctx, "iam:ResetServiceSpecificCredential", userName, keys); err != nil {
		return keyward.NewServiceCredential{}, err
	}
	if userName == "" {
		return keyward.NewServiceCredential{}, credentialNotFound(keyward.CredService, userName, id)
	}
	password, sealed, err := s.servicePassword(id)
	if err != nil {
		return keyward.NewServiceCredential{}, err
	}
	c, err := s.changing(ctx).UpdateCredential(ctx, userName, keyward.CredService, id, func(c *keyward.OtherCredential) error {
		c.SealedPassword = sealed
		return nil
	})
	return keyward.NewServiceCredential{OtherCredential: c, Password: password}, credentialError(err, keyward.CredService, userName, id)
}

// servicePassword draws a password and seals it for credential id.
func (s *Service) servicePassword(id string) (string, []byte, error) {
	password, err := keyward.RandomString(s.Rand, "", 44, keyward.SecretAlphabet)
	if err != nil {
		return "", nil, err
	}
	sealed, err := s.Sealer.Seal(id, password)
	return password, sealed, err
}

func supportedService(name string) bool {
	for _, s := range ServiceSpecificServices {
		if s == name {
			return true
		}
	}
	return false
}

// UploadSigningCertificate adds an X.509 signing certificate to a user
// (the caller when userName is empty).
func (s *Service) UploadSigningCertificate(ctx context.Context, userName, body string) (keyward.OtherCredential, error) {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return keyward.OtherCredential{}, err
	}
	if err := s.Authz.AuthorizeUser(ctx, "iam:UploadSigningCertificate", userName); err != nil {
		return keyward.OtherCredential{}, err
	}
	if userName == "" {
		return keyward.OtherCredential{}, keyward.Errorf(keyward.EInvalidInput, "The root user's signing certificates are not kept by Keyward.")
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(body)))
	if block == nil || block.Type != "CERTIFICATE" {
		return keyward.OtherCredential{}, keyward.Errorf(keyward.EMalformedCertificate, "Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return keyward.OtherCredential{}, keyward.Errorf(keyward.EMalformedCertificate, "Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	if now := s.Now(); now.After(cert.NotAfter) || now.Before(cert.NotBefore) {
		return keyward.OtherCredential{}, keyward.Errorf(keyward.EInvalidCertificate, "The certificate is not valid at this time.")
	}
	id, err := keyward.RandomString(s.Rand, "", 32, keyward.Base32Alphabet)
	if err != nil {
		return keyward.OtherCredential{}, err
	}
	sum := sha256.Sum256(cert.Raw)
	return s.createCredential(ctx, userName, keyward.OtherCredential{Kind: keyward.CredSigningCert, ID: id,
		Body: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})), Fingerprint: hex.EncodeToString(sum[:])},
		maxSigningCertificatesPerUser)
}

// ServiceSpecificServices are the services that take service-specific
// credentials.
var ServiceSpecificServices = []string{"codecommit.amazonaws.com", "cassandra.amazonaws.com"}

// The shapes of the other credentials' parameters.
var (
	publicKeyIDShape         = keyward.NewStringShape("publicKeyIdType", 20, 128, `[\w]+`)
	publicKeyMaterialShape   = keyward.NewStringShape("publicKeyMaterialType", 1, 16384, `[\u0009\u000A\u000D\u0020-\u00FF]+`)
	encodingShape            = keyward.NewStringShape("encodingType", 0, 0, "", "SSH", "PEM")
	serviceNameShape         = keyward.NewStringShape("serviceName", 0, 0, "")
	serviceCredentialIDShape = keyward.NewStringShape("serviceSpecificCredentialId", 20, 128, `[\w]+`)
	certificateIDShape       = keyward.NewStringShape("certificateIdType", 24, 128, `[\w]+`)
)

// AWS's quotas on a user's service-specific credentials (per service)
// and signing certificates.
const (
	maxServiceCredentialsPerUser  = 2
	maxSigningCertificatesPerUser = 2
)
