package query

import (
	"net/http"

	"github.com/keyward/keyward"
)

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
	keyward.EServiceFailure:                {http.StatusInternalServerError, false},
	keyward.EServiceUnavailable:            {http.StatusServiceUnavailable, false},
}

// maxMessage bounds an error message, whatever went into it.
const maxMessage = 8 << 10

// describe returns the code, message, status and fault type to send for
// err. Unknown errors become ServiceFailure with a generic message; the
// caller logs the details.
func describe(err error) (code, message string, status int, faultType string) {
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

// appendError appends AWS's XML error document to b; without a namespace
// the root element carries none.
func appendError(b []byte, ns, fault, code, message, reqID string) []byte {
	xw := xmlWriter{b: b}
	if ns == "" {
		xw.open("ErrorResponse")
	} else {
		xw.b = append(xw.b, `<ErrorResponse xmlns="`...)
		xw.b = append(xw.b, ns...)
		xw.b = append(xw.b, `">`...)
	}
	xw.open("Error")
	xw.elem("Type", fault)
	xw.elem("Code", code)
	xw.elem("Message", message)
	xw.close("Error")
	xw.elem("RequestId", reqID)
	xw.close("ErrorResponse")
	return xw.b
}

// ErrorDocument returns AWS's XML error for err as the Query API sends it,
// with its HTTP status, code and message, for other endpoints that answer
// in AWS's words (the reverse proxies' authorization endpoint). Unknown
// errors become ServiceFailure; the caller logs them.
func ErrorDocument(err error, ns, reqID string) (doc []byte, status int, code, message string) {
	code, message, status, fault := describe(err)
	return appendError(nil, ns, fault, code, message, reqID), status, code, message
}
