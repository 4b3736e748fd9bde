package awsjson

import (
	"errors"
	"net/http"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
)

// The protocol's own errors, which no service model lists: a body that is
// not the operation's JSON, and a target that names no operation.
const (
	eSerialization    = "SerializationException"
	eUnknownOperation = "UnknownOperationException"
)

// errorWith is the error code with message; with a cause, the cause
// itself, which the answer hides as ServiceException.
func errorWith(code, message string, cause error) error {
	if cause != nil {
		return cause
	}
	if code == eUnknownOperation && message == "" {
		message = "The X-Amz-Target names no operation Keyward's AWS Organizations serves."
	}
	return keyward.Errorf(code, "%s", message)
}

// jsonCodes are the JSON protocol's names of Keyward's codes of the Query
// API's authentication and authorisation, as AWS's JSON services answer
// them.
var jsonCodes = map[string]string{
	keyward.EMissingAuthenticationToken: "MissingAuthenticationTokenException",
	keyward.EInvalidClientTokenID:       "UnrecognizedClientException",
	keyward.ESignatureDoesNotMatch:      "InvalidSignatureException",
	keyward.EIncompleteSignature:        "IncompleteSignatureException",
	keyward.EExpiredToken:               "ExpiredTokenException",
	keyward.EAccessDenied:               organizations.EAccessDenied,
	keyward.EValidationError:            organizations.EInvalidInput,
}

// served are the codes answered as they are, with status 400: those of
// the Organizations model Keyward returns and the protocol's own.
var served = map[string]bool{
	eSerialization: true, eUnknownOperation: true, "MissingAuthenticationTokenException": true, "UnrecognizedClientException": true,
	"InvalidSignatureException": true, "IncompleteSignatureException": true, "ExpiredTokenException": true,
	organizations.EAccessDenied: true, organizations.ENotInUse: true, organizations.EAlreadyIn: true, organizations.ENotEmpty: true,
	organizations.EAccountNotFound: true, organizations.EParentNotFound: true, organizations.EChildNotFound: true, organizations.EOUNotFound: true,
	organizations.EDuplicateOU: true, organizations.EOUNotEmpty: true, organizations.ERootNotFound: true, organizations.EPolicyTypeEnabled: true,
	organizations.EPolicyTypeNotEnabled: true, organizations.EPolicyTypeUnavailable: true, organizations.EPolicyNotFound: true,
	organizations.EDuplicatePolicy: true, organizations.EPolicyInUse: true, organizations.EDuplicateAttachment: true,
	organizations.EPolicyNotAttached: true, organizations.ETargetNotFound: true, organizations.EMalformedPolicy: true,
	organizations.EInvalidInput: true, organizations.EConstraintViolation: true, organizations.ETooManyRequests: true,
	organizations.ESourceParentNotFound: true, organizations.EDestParentNotFound: true, organizations.EDuplicateAccount: true,
	organizations.ECreateAccountStatusNotFound: true, organizations.EMasterCannotLeave: true,
	organizations.EAccountAlreadyClosed: true, organizations.EConcurrentModification: true,
}

// maxMessage bounds an error message, whatever went into it, as the
// Query API bounds its own.
const maxMessage = 8 << 10

// describe is err's answer: its code, message and reason in the JSON
// protocol, and the HTTP status. Anything else is ServiceException, whose
// details are logged, never shown; a request that ran out of time is one
// too, with status 503, which clients retry.
func describe(err error) (code, message, reason string, status int) {
	code = keyward.ErrorCode(err)
	if c, ok := jsonCodes[code]; ok {
		code = c
	}
	if code == keyward.EServiceUnavailable {
		return organizations.EService, keyward.ErrorMessage(err), "", http.StatusServiceUnavailable
	}
	if !served[code] {
		return organizations.EService, keyward.ErrorMessage(errors.New("hidden")), "", http.StatusInternalServerError
	}
	message = keyward.ErrorMessage(err)
	if len(message) > maxMessage {
		message = message[:maxMessage] + "..."
	}
	return code, message, organizations.Reason(err), http.StatusBadRequest
}
