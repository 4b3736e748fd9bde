package saml_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/keyward/keyward/saml"
)

func pemOf(typ string, der []byte, headers map[string]string) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der, Headers: headers}))
}

func TestParsePrivateKey(t *testing.T) {
	keys(t)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(encKeys.key)
	if err != nil {
		t.Fatal(err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	// A key too short for IAM; the test binary may make one (see the
	// go:debug line of metadata_test.go).
	small, err := rsa.GenerateKey(rand.Reader, 512)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(encKeys.key), nil)
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"PKCS #1", pkcs1, true},
		{"PKCS #8", pemOf("PRIVATE KEY", pkcs8, nil), true},
		{"with white space around", "\n\n" + pkcs1 + "\n  ", true},
		{"empty", "", false},
		{"too long", pkcs1 + strings.Repeat(" ", saml.MaxPrivateKeySize-len(pkcs1)+1), false},
		{"not PEM", "-----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n", false},
		{"two blocks", pkcs1 + pkcs1, false},
		{"text after the block", pkcs1 + "trailing", false},
		{"encrypted", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(encKeys.key), map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00"}), false},
		{"an ECDSA key", pemOf("PRIVATE KEY", ecDER, nil), false},
		{"an EC PRIVATE KEY block", pemOf("EC PRIVATE KEY", ecDER, nil), false},
		{"a certificate", pemOf("CERTIFICATE", encKeys.cert.Raw, nil), false},
		{"512 bits", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small), nil), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := saml.ParsePrivateKey(c.in)
			if c.ok {
				if err != nil || !k.Equal(encKeys.key) {
					t.Fatalf("%v %v", k != nil, err)
				}
				return
			}
			var e *saml.Error
			if !errors.As(err, &e) || !errors.Is(err, saml.ErrPrivateKey) || e.Code != saml.CodeInvalidInput {
				t.Fatalf("%#v", err)
			}
			// Nothing of the key comes back in the error.
			if strings.Contains(err.Error(), "MII") || strings.Contains(e.Message, "BEGIN") {
				t.Errorf("error repeats the key: %v", err)
			}
		})
	}
}

func TestNewKeyID(t *testing.T) {
	id, err := saml.NewKeyID(bytes.NewReader(bytes.Repeat([]byte{0xff}, 16)))
	if err != nil || id != "77777777777777777777777774" {
		t.Errorf("%q %v", id, err)
	}
	form := regexp.MustCompile(`^[A-Z0-9]{22,64}$`)
	seen := map[string]bool{}
	for range 100 {
		id, err := saml.NewKeyID(rand.Reader)
		if err != nil || !form.MatchString(id) || seen[id] {
			t.Fatalf("%q %v", id, err)
		}
		seen[id] = true
	}
	if _, err := saml.NewKeyID(iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Error("no error from a failing reader")
	}
}

func TestParseEncryptionMode(t *testing.T) {
	for _, s := range []string{"Allowed", "Required"} {
		if m, err := saml.ParseEncryptionMode(s); err != nil || string(m) != s {
			t.Errorf("%s: %q %v", s, m, err)
		}
	}
	for _, s := range []string{"", "required", "Optional"} {
		if _, err := saml.ParseEncryptionMode(s); err == nil {
			t.Errorf("%q taken", s)
		}
	}
}
