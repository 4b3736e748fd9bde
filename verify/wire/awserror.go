package wire

import (
	"encoding/hex"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/keyward/keyward"
)

// AWS's XML error document, as the Query API and the reverse proxies'
// authorization endpoint send it, and its request ID.

// errorKind is how AWS reports one error code: its HTTP status and whether
// the fault is the sender's or the service's.
type errorKind struct {
	status int
	sender bool
}

// errorTable maps every code Keyward returns to AWS's status and fault.
// A code missing here is a programming error and is sent as ServiceFailure.
var errorTable = map[string]errorKind{
	keyward.ENoSuchEntity:                  {http.StatusNotFound, true},
	keyward.EEntityAlreadyExists:           {http.StatusConflict, true},
	keyward.ELimitExceeded:                 {http.StatusConflict, true},
	keyward.EDeleteConflict:                {http.StatusConflict, true},
	keyward.EValidationError:               {http.StatusBadRequest, true},
	keyward.EInvalidInput:                  {http.StatusBadRequest, true},
	keyward.EInvalidAction:                 {http.StatusBadRequest, true},
	keyward.EMalformedQueryString:          {http.StatusBadRequest, true},
	keyward.EMissingAction:                 {http.StatusBadRequest, true},
	keyward.EInvalidParameterValue:         {http.StatusBadRequest, true},
	keyward.EMalformedPolicyDocument:       {http.StatusBadRequest, true},
	keyward.EPasswordPolicyViolation:       {http.StatusBadRequest, true},
	keyward.EInvalidUserType:               {http.StatusBadRequest, true},
	keyward.EEntityTemporarilyUnmodifiable: {http.StatusConflict, true},
	keyward.EInvalidAuthenticationCode:     {http.StatusForbidden, true},
	keyward.EInvalidPublicKey:              {http.StatusBadRequest, true},
	keyward.EDuplicateSSHPublicKey:         {http.StatusBadRequest, true},
	keyward.EUnrecognizedPublicKeyEncoding: {http.StatusBadRequest, true},
	keyward.ENotSupportedService:           {http.StatusNotFound, true},
	keyward.EMalformedCertificate:          {http.StatusBadRequest, true},
	keyward.EInvalidCertificate:            {http.StatusBadRequest, true},
	keyward.EDuplicateCertificate:          {http.StatusConflict, true},
	keyward.EKeyPairMismatch:               {http.StatusBadRequest, true},
	keyward.EExpiredToken:                  {http.StatusForbidden, true},
	keyward.EUnmodifiableEntity:            {http.StatusBadRequest, true},
	keyward.EPackedPolicyTooLarge:          {http.StatusBadRequest, true},
	keyward.EExpiredTokenException:         {http.StatusBadRequest, true},
	keyward.EInvalidIdentityToken:          {http.StatusBadRequest, true},
	keyward.EIDPRejectedClaim:              {http.StatusForbidden, true},
	keyward.EIDPCommunicationError:         {http.StatusBadRequest, true},
	keyward.EInvalidAuthorizationMessage:   {http.StatusBadRequest, true},
	keyward.EReportNotPresent:              {http.StatusGone, true},
	keyward.EReportExpired:                 {http.StatusGone, true},
	keyward.EReportInProgress:              {http.StatusNotFound, true},
	keyward.EAccessDenied:                  {http.StatusForbidden, true},
	keyward.EInvalidClientTokenID:          {http.StatusForbidden, true},
	keyward.ESignatureDoesNotMatch:         {http.StatusForbidden, true},
	keyward.EMissingAuthenticationToken:    {http.StatusForbidden, true},
	keyward.EIncompleteSignature:           {http.StatusForbidden, true},
	// Keyward's own codes, of its extension actions.
	keyward.ENoSuchWebhookSubscription:        {http.StatusNotFound, true},
	keyward.EWebhookSubscriptionLimitExceeded: {http.StatusConflict, true},
	keyward.EInvalidWebhookURL:                {http.StatusBadRequest, true},
	keyward.EServiceFailure:                   {http.StatusInternalServerError, false},
	keyward.EServiceUnavailable:               {http.StatusServiceUnavailable, false},
}

// maxMessage bounds an error message, whatever went into it.
const maxMessage = 8 << 10

// Describe returns the code, message, status and fault type to send for
// err. Unknown errors become ServiceFailure with a generic message; the
// caller logs the details.
func Describe(err error) (code, message string, status int, faultType string) {
	code = keyward.ErrorCode(err)
	kind, ok := errorTable[code]
	if !ok {
		code, kind = keyward.EServiceFailure, errorTable[keyward.EServiceFailure]
	}
	message = keyward.ErrorMessage(err)
	if code == keyward.EServiceFailure {
		message = keyward.ErrorMessage(nil)
	}
	// Every echoed value is clipped where the message is made; this bounds
	// what many clipped values together may add up to.
	if len(message) > maxMessage {
		message = message[:maxMessage] + "..."
	}
	faultType = "Receiver"
	if kind.sender {
		faultType = "Sender"
	}
	return code, message, kind.status, faultType
}

// AppendError appends AWS's XML error document to b; without a namespace
// the root element carries none.
func AppendError(b []byte, ns, fault, code, message, reqID string) []byte {
	if ns == "" {
		b = append(b, "<ErrorResponse>"...)
	} else {
		b = append(b, `<ErrorResponse xmlns="`...)
		b = append(b, ns...)
		b = append(b, `">`...)
	}
	b = append(b, "<Error><Type>"...)
	b = AppendText(b, fault)
	b = append(b, "</Type><Code>"...)
	b = AppendText(b, code)
	b = append(b, "</Code><Message>"...)
	b = AppendText(b, message)
	b = append(b, "</Message></Error><RequestId>"...)
	b = AppendText(b, reqID)
	return append(b, "</RequestId></ErrorResponse>"...)
}

// ErrorDocument returns AWS's XML error for err as the Query API sends it,
// with its HTTP status, code and message, for other endpoints that answer
// in AWS's words (the reverse proxies' authorization endpoint). Unknown
// errors become ServiceFailure; the caller logs them.
func ErrorDocument(err error, ns, reqID string) (doc []byte, status int, code, message string) {
	code, message, status, fault := Describe(err)
	return AppendError(nil, ns, fault, code, message, reqID), status, code, message
}

// AppendText appends s to b escaped as XML character data, as AWS writes
// it: markup characters and carriage returns as references, other
// control characters and invalid UTF-8 as U+FFFD.
func AppendText(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '<':
				b = append(b, "&lt;"...)
			case '>':
				b = append(b, "&gt;"...)
			case '&':
				b = append(b, "&amp;"...)
			case '"':
				b = append(b, "&quot;"...)
			case '\'':
				b = append(b, "&apos;"...)
			case '\r':
				b = append(b, "&#xD;"...)
			case '\n', '\t':
				b = append(b, c)
			default:
				if c < 0x20 {
					b = append(b, "\uFFFD"...)
				} else {
					b = append(b, c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// RequestID returns a random UUID from rand, the form of AWS's request IDs.
func RequestID(rand io.Reader) string {
	var b [16]byte
	io.ReadFull(rand, b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
