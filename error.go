package keyward

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Error codes, the closed set of AWS error codes Keyward returns. Package
// query maps each one to its HTTP status and fault type in a single table;
// any error that is not an *Error becomes ServiceFailure there.
const (
	ENoSuchEntity                  = "NoSuchEntity"
	EEntityAlreadyExists           = "EntityAlreadyExists"
	ELimitExceeded                 = "LimitExceeded"
	EDeleteConflict                = "DeleteConflict"
	EValidationError               = "ValidationError"
	EInvalidInput                  = "InvalidInput"
	EInvalidAction                 = "InvalidAction"
	EMalformedQueryString          = "MalformedQueryString"
	EMissingAction                 = "MissingAction"
	EAccessDenied                  = "AccessDenied"
	EInvalidClientTokenID          = "InvalidClientTokenId"
	ESignatureDoesNotMatch         = "SignatureDoesNotMatch"
	EMissingAuthenticationToken    = "MissingAuthenticationToken"
	EIncompleteSignature           = "IncompleteSignature"
	EInvalidParameterValue         = "InvalidParameterValue"
	EMalformedPolicyDocument       = "MalformedPolicyDocument"
	EPasswordPolicyViolation       = "PasswordPolicyViolation"
	EInvalidUserType               = "InvalidUserType"
	EEntityTemporarilyUnmodifiable = "EntityTemporarilyUnmodifiable"
	EInvalidAuthenticationCode     = "InvalidAuthenticationCode"
	EInvalidPublicKey              = "InvalidPublicKey"
	EDuplicateSSHPublicKey         = "DuplicateSSHPublicKey"
	EUnrecognizedPublicKeyEncoding = "UnrecognizedPublicKeyEncoding"
	ENotSupportedService           = "NotSupportedService"
	EMalformedCertificate          = "MalformedCertificate"
	EInvalidCertificate            = "InvalidCertificate"
	EDuplicateCertificate          = "DuplicateCertificate"
	EKeyPairMismatch               = "KeyPairMismatch"
	EExpiredToken                  = "ExpiredToken"
	EUnmodifiableEntity            = "UnmodifiableEntity"
	EPackedPolicyTooLarge          = "PackedPolicyTooLarge"
	EExpiredTokenException         = "ExpiredTokenException"
	EInvalidIdentityToken          = "InvalidIdentityToken"
	EIDPRejectedClaim              = "IDPRejectedClaim"
	EIDPCommunicationError         = "IDPCommunicationError"
	EInvalidAuthorizationMessage   = "InvalidAuthorizationMessageException"
	EReportNotPresent              = "ReportNotPresent"
	EReportExpired                 = "ReportExpired"
	EReportInProgress              = "ReportInProgress"
	EServiceFailure                = "ServiceFailure"
	EServiceUnavailable            = "ServiceUnavailable"
)

// Error is an error that AWS clients understand: a code from the closed set
// above and the message AWS would send with it. Messages are shown to
// clients, so they must never contain a secret or internal detail.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, &Error{Code: ENoSuchEntity}) matches any NoSuchEntity.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or EServiceFailure when err is not an
// *Error: unknown errors are internal failures whose details are logged,
// never shown. A request whose deadline passed (the store too slow to
// answer in time, or no pooled connection free) is ServiceUnavailable, as
// AWS answers a request it cannot serve for now: clients retry it.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return EServiceUnavailable
	}
	return EServiceFailure
}

// ErrorMessage returns the client-facing message of err; for an unknown
// error it is a generic text so that no internal detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "The request could not be completed in time. Please try again."
	}
	return "An internal error occurred while processing the request."
}

// Sentinel errors returned by a Store. The service turns them into the
// *Error AWS would send, naming the entity involved.
var (
	ErrNoSuchUser         = errors.New("keyward: no such user")
	ErrNoSuchAccessKey    = errors.New("keyward: no such access key")
	ErrUserExists         = errors.New("keyward: user already exists")
	ErrAccessKeyExists    = errors.New("keyward: access key ID already exists")
	ErrAccessKeyQuota     = errors.New("keyward: access key quota exceeded")
	ErrUserHasAccessKey   = errors.New("keyward: user still has access keys")
	ErrNoAccount          = errors.New("keyward: account not initialised")
	ErrNoLoginProfile     = errors.New("keyward: no login profile")
	ErrLoginProfileExists = errors.New("keyward: login profile already exists")
	ErrNoPasswordPolicy   = errors.New("keyward: no password policy")
	ErrNoReport           = errors.New("keyward: no credential report")
)

// MaxEchoed is how many bytes of a caller's value an error message repeats;
// a longer value is cut, so that a 100 KB name does not come back as a
// 100 KB error.
const MaxEchoed = 256

// Clip returns s cut to MaxEchoed bytes (on a character boundary), with
// "..." appended when it was cut: every message that repeats a value the
// caller chose passes it through Clip.
func Clip(s string) string {
	if len(s) <= MaxEchoed {
		return s
	}
	cut := MaxEchoed
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// Messages AWS sends for common conditions; shared so that every path that
// reports the same condition says it the same way.

// UserNotFound is AWS's NoSuchEntity for a user name.
func UserNotFound(name string) *Error {
	return Errorf(ENoSuchEntity, "The user with name %s cannot be found.", name)
}

// AccessKeyNotFound is AWS's NoSuchEntity for an access key ID.
func AccessKeyNotFound(id string) *Error {
	return Errorf(ENoSuchEntity, "The Access Key with id %s cannot be found.", id)
}
