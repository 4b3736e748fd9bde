package saml

import "errors"

// AWS error codes this package's errors carry. They are the codes Keyward's
// root package defines under the same names, so that the caller maps an
// *Error to the AWS error with &keyward.Error{Code: e.Code, Message:
// e.Message}.
const (
	CodeInvalidInput          = "InvalidInput"
	CodeInvalidIdentityToken  = "InvalidIdentityToken"
	CodeExpiredTokenException = "ExpiredTokenException"
)

// What failed, for errors.Is. Each *Error wraps one of these; tests use them
// to tell that a forged document was refused for the reason intended, and
// logs to say why. None of them is shown to a client: Message is.
var (
	// ErrTooLarge: the response or metadata is larger than its bound
	// (refused before it is parsed).
	ErrTooLarge = errors.New("saml: document too large")
	// ErrMalformed: not base64, not well-formed XML, a DTD, a processing
	// instruction, too deep or too many elements, or not the shape SAML
	// requires (one Response, one Assertion, IDs, versions, times).
	ErrMalformed = errors.New("saml: malformed document")
	// ErrSignature: no signature, a signature that does not verify, one by
	// a certificate the provider's metadata does not list, or one placed or
	// shaped as no honest identity provider places it.
	ErrSignature = errors.New("saml: signature missing or invalid")
	// ErrAlgorithm: a signature, digest, canonicalisation or transform
	// algorithm outside the allowed set.
	ErrAlgorithm = errors.New("saml: algorithm not allowed")
	// ErrDecrypt: an EncryptedAssertion that the provider's private keys do
	// not decrypt, or an algorithm outside the allowed set. It carries the
	// same code and message as a bad signature, so that a padding oracle
	// learns nothing from the answer.
	ErrDecrypt = errors.New("saml: assertion could not be decrypted")
	// ErrEncryptionRequired: a plain Assertion where the provider's
	// AssertionEncryptionMode is Required.
	ErrEncryptionRequired = errors.New("saml: encrypted assertion required")
	// ErrStatus: the response's status is not Success.
	ErrStatus = errors.New("saml: response status is not success")
	// ErrIssuer: an issuer other than the metadata's entity ID.
	ErrIssuer = errors.New("saml: issuer does not match the provider")
	// ErrAudience: no audience restriction naming Keyward's SAML endpoint
	// (an assertion made for AWS, urn:amazon:webservices, among them).
	ErrAudience = errors.New("saml: audience does not name this endpoint")
	// ErrRecipient: no bearer subject confirmation whose Recipient is
	// Keyward's SAML endpoint, or a Destination naming another.
	ErrRecipient = errors.New("saml: recipient does not name this endpoint")
	// ErrInResponseTo: a response to another sign-in than the one Keyward
	// started.
	ErrInResponseTo = errors.New("saml: response to another request")
	// ErrNotYetValid: NotBefore or IssueInstant later than now plus the
	// clock skew.
	ErrNotYetValid = errors.New("saml: not yet valid")
	// ErrExpired: NotOnOrAfter passed, or issued more than MaxAge ago.
	ErrExpired = errors.New("saml: expired")
	// ErrProviderExpired: the provider's metadata validUntil has passed.
	ErrProviderExpired = errors.New("saml: provider metadata expired")
	// ErrAttribute: an AWS attribute (RoleSessionName, SessionDuration,
	// SourceIdentity, PrincipalTag) whose value AWS refuses.
	ErrAttribute = errors.New("saml: attribute not valid")
	// ErrMetadata: a metadata document IAM refuses.
	ErrMetadata = errors.New("saml: metadata not valid")
	// ErrPrivateKey: a private key IAM refuses.
	ErrPrivateKey = errors.New("saml: private key not valid")
)

// Error is a refusal as AWS reports it: Code and Message are what the client
// gets; Err says what failed (one of the Err values above) and Detail, a
// fixed text naming the check, is for logs. Neither repeats anything the
// caller sent, so an Error can be logged as it is.
type Error struct {
	Code    string
	Message string
	Err     error
	Detail  string
}

// Error implements the error interface with what a log should say.
func (e *Error) Error() string {
	s := e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s + " (" + e.Code + ": " + e.Message + ")"
}

// Unwrap returns the kind of failure, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

// Messages AWS sends for AssumeRoleWithSAML, where AWS's own wording is
// known, and the same terse style where it is not.
const (
	msgSignature   = "Response signature invalid"
	msgExpired     = "Response has expired"
	msgTooOld      = "Token must be redeemed within 5 minutes of issuance"
	msgNotYetValid = "Response is not yet valid"
	msgMalformed   = "Response is not a valid SAML response"
	msgTooLarge    = "Response is too large"
	msgIssuer      = "Issuer of the response does not match the identity provider"
	msgAudience    = "Audience of the response does not name this endpoint"
	msgRecipient   = "Recipient of the response does not name this endpoint"
	msgInRespTo    = "Response was not made for this sign-in request"
	msgStatus      = "Identity provider did not report success"
	msgEncRequired = "Identity provider must encrypt its assertions"
	msgProvider    = "Identity provider's metadata has expired"
	msgSessionName = "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
	msgSourceID    = "SourceIdentity in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
	msgDuration    = "SessionDuration in AuthnResponse must be an integer between 900 and 43200"
	msgTag         = "PrincipalTag attributes in AuthnResponse must have exactly one value"
	msgTagShape    = "PrincipalTag and TransitiveTagKeys attributes in AuthnResponse must be at most 50 session tags, " +
		"with keys of 1 to 128 and values of up to 256 characters matching [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]"

	// msgMetadata is IAM's answer to a metadata document it cannot use.
	msgMetadata = "Could not parse metadata"
)

func refuse(err error, detail string) *Error {
	code, msg := CodeInvalidIdentityToken, msgMalformed
	switch err {
	case ErrTooLarge:
		msg = msgTooLarge
	case ErrSignature, ErrAlgorithm, ErrDecrypt:
		msg = msgSignature
	case ErrEncryptionRequired:
		msg = msgEncRequired
	case ErrStatus:
		msg = msgStatus
	case ErrIssuer:
		msg = msgIssuer
	case ErrAudience:
		msg = msgAudience
	case ErrRecipient:
		msg = msgRecipient
	case ErrInResponseTo:
		msg = msgInRespTo
	case ErrNotYetValid:
		msg = msgNotYetValid
	case ErrExpired:
		code, msg = CodeExpiredTokenException, msgExpired
	case ErrProviderExpired:
		msg = msgProvider
	}
	return &Error{Code: code, Message: msg, Err: err, Detail: detail}
}

// tooOld is AWS's answer to an assertion issued more than MaxAge ago.
func tooOld() *Error {
	return &Error{Code: CodeExpiredTokenException, Message: msgTooOld, Err: ErrExpired, Detail: "issued more than MaxAge ago"}
}

func badAttribute(msg, detail string) *Error {
	return &Error{Code: CodeInvalidIdentityToken, Message: msg, Err: ErrAttribute, Detail: detail}
}

func badMetadata(detail string) *Error {
	return &Error{Code: CodeInvalidInput, Message: msgMetadata, Err: ErrMetadata, Detail: detail}
}
