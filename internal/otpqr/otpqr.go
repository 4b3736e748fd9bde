// Package otpqr draws the QR code of a virtual MFA device's provisioning
// URI, which the API returns as QRCodePNG and the console shows, so that
// an authenticator app can scan it.
package otpqr

import "github.com/skip2/go-qrcode"

// PNG returns the QR code of uri as a 256-pixel PNG, or nil if uri is too
// long for a QR code (a provisioning URI is far shorter).
func PNG(uri string) []byte {
	png, err := qrcode.Encode(uri, qrcode.Medium, 256)
	if err != nil {
		return nil
	}
	return png
}
