package otpqr_test

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/otpqr"
)

// TestPNG: a provisioning URI gives a 256-pixel PNG that differs with the
// URI; one too long for any QR code gives nil, not a broken image.
func TestPNG(t *testing.T) {
	uri := "otpauth://totp/Keyward:alice@123456789012?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Keyward"
	b := otpqr.PNG(uri)
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() != 256 || r.Dy() != 256 {
		t.Fatalf("%v, want 256×256", r)
	}
	if bytes.Equal(b, otpqr.PNG(strings.Replace(uri, "alice", "bob", 1))) {
		t.Fatal("two URIs drew the same code")
	}
	if b := otpqr.PNG(strings.Repeat("x", 8000)); b != nil {
		t.Fatalf("a URI too long for a QR code gave %d bytes", len(b))
	}
}
