// Package otpqr draws the QR code of a virtual MFA device's provisioning
// URI, which the API returns as QRCodePNG and the console shows, so that
// an authenticator app can scan it.
package otpqr

import (
	"net/url"

	"github.com/skip2/go-qrcode"
)

// URI is the provisioning URI of a virtual MFA device that its QR code
// shows: otpauth://totp/<device name>@<account>?secret=<seed>, as AWS
// makes it; seed is the device's seed in base 32 (its Base32Seed).
func URI(device, account, seed string) string {
	return "otpauth://totp/" + url.PathEscape(device+"@"+account) + "?secret=" + seed + "&issuer=Keyward"
}

// PNG returns the QR code of uri as a 256-pixel PNG, or nil if uri is too
// long for a QR code (a provisioning URI is far shorter).
func PNG(uri string) []byte {
	png, err := qrcode.Encode(uri, qrcode.Medium, 256)
	if err != nil {
		return nil
	}
	return png
}
