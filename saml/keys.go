package saml

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base32"
	"encoding/pem"
	"fmt"
	"io"
	"strings"
)

// EncryptionMode is a SAML provider's AssertionEncryptionMode, as
// CreateSAMLProvider and UpdateSAMLProvider set it.
type EncryptionMode string

// The modes IAM knows. Allowed takes an Assertion or an EncryptedAssertion;
// Required refuses a plain Assertion. A provider that never set a mode is
// Allowed.
const (
	EncryptionAllowed  EncryptionMode = "Allowed"
	EncryptionRequired EncryptionMode = "Required"
)

// Bounds of the private keys IAM keeps for a SAML provider.
const (
	// MaxPrivateKeySize is the IAM model's privateKeyType maximum, in
	// characters.
	MaxPrivateKeySize = 16384
	// MaxPrivateKeys is how many private keys a provider holds at once:
	// the current one and the next, for rotation (add the new key, then
	// remove the old one in a separate request).
	MaxPrivateKeys = 2
)

// ParseEncryptionMode returns the mode s names: Allowed or Required.
func ParseEncryptionMode(s string) (EncryptionMode, error) {
	switch m := EncryptionMode(s); m {
	case EncryptionAllowed, EncryptionRequired:
		return m, nil
	}
	return "", &Error{Code: CodeInvalidInput, Err: ErrPrivateKey, Detail: "unknown AssertionEncryptionMode",
		Message: "AssertionEncryptionMode must be one of Allowed, Required."}
}

// ParsePrivateKey reads an AddPrivateKey value: one unencrypted PEM block
// holding an RSA private key (PKCS #1 "RSA PRIVATE KEY" or PKCS #8 "PRIVATE
// KEY") of at least MinKeyBits bits, with nothing but white space around
// it. The key decrypts the keys of EncryptedAssertions, which identity
// providers transport with RSA-OAEP, so only RSA keys are useful. The
// message never repeats the key.
func ParsePrivateKey(s string) (*rsa.PrivateKey, error) {
	bad := func(detail string) error {
		return &Error{Code: CodeInvalidInput, Err: ErrPrivateKey, Detail: detail,
			Message: "The private key is not a valid PEM-encoded RSA private key."}
	}
	if len(s) == 0 || len(s) > MaxPrivateKeySize {
		return nil, bad("size outside 1..16384 characters")
	}
	block, rest := pem.Decode([]byte(s))
	if block == nil || strings.TrimSpace(string(rest)) != "" {
		return nil, bad("not one PEM block")
	}
	if _, encrypted := block.Headers["Proc-Type"]; encrypted {
		return nil, bad("encrypted PEM")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, bad("PKCS #1 does not parse")
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, bad("PKCS #8 does not parse")
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, bad("not an RSA key")
		}
		key = rk
	default:
		return nil, bad("PEM block is not a private key")
	}
	if key.N.BitLen() < MinKeyBits {
		return nil, bad("RSA key shorter than 1024 bits")
	}
	return key, nil
}

// NewKeyID returns a new private key ID, in the form IAM's SAMLPrivateKey
// KeyId has (22 to 64 of A-Z and 0-9): 26 base32 characters of 16 bytes
// read from r.
func NewKeyID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("saml: key ID: %w", err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]), nil
}
