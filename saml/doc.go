// Package saml is Keyward's SAML 2.0 service provider: what
// CreateSAMLProvider and UpdateSAMLProvider check of an identity
// provider's metadata document and private keys, what AssumeRoleWithSAML
// and the console's SAML endpoint check of a response, and what Keyward
// publishes and sends for console single sign-on.
//
// # Metadata and keys
//
// ParseMetadata reads an identity provider's metadata as IAM does: within
// the model's 1,000 to 10,000,000 characters, UTF-8 without a byte order
// mark, an entity ID, an IDPSSODescriptor with signing certificates (RSA of
// at least 1,024 bits, or ECDSA), and a validUntil not yet passed; IAM's
// InvalidInput "Could not parse metadata" otherwise. ParsePrivateKey,
// NewKeyID and ParseEncryptionMode serve the AddPrivateKey,
// RemovePrivateKey and AssertionEncryptionMode parameters.
//
// # Responses
//
// ServiceProvider.Verify checks a base64 SAMLResponse against a Provider
// and returns the Assertion's facts: issuer, subject and its type, AWS's
// NameQualifier, recipient (AWS's Audience), the Role pairs,
// RoleSessionName, SessionDuration, SourceIdentity, PrincipalTag and
// TransitiveTagKeys attributes, the saml: condition keys (ContextKeys),
// and the assertion's ID and the time until which the caller must refuse
// to see it again. A response comes from an unauthenticated caller, so it
// is bounded before anything is done with it: at most MaxResponseSize
// base64 characters (the STS model's bound), then one streaming pass that
// refuses a DTD (and so entity expansion and external entities),
// processing instructions, more than 32 levels or 1,000 elements, before a
// tree is built. Errors are *Error values that carry the AWS code and
// message to answer with (InvalidIdentityToken, ExpiredTokenException, and
// InvalidInput for metadata and keys) and, through errors.Is, which check
// failed.
//
// # The signature library
//
// XML signatures are verified with github.com/russellhaering/goxmldsig
// (on github.com/beevik/etree trees), chosen over verifying through
// github.com/crewjam/saml's ServiceProvider because AWS's rules are not
// that service provider's: AWS accepts a signature on the response or on
// the assertion, takes saml:aud from the Recipient, refuses assertions
// older than five minutes, words its errors its own way, and a Keyward
// assertion must name Keyward's endpoint rather than an entity ID
// configured apart from it. goxmldsig does one thing, the XML-DSig core,
// and is the library crewjam/saml itself verifies with; what Keyward
// needs around it (which element may be signed, by which certificate, with
// which algorithms, and what is read afterwards) is written here, where it
// can be read in one place. Validate hands back the signed element
// re-parsed from the canonical bytes it digested, and that element is the
// only one this package reads: the defence against signature wrapping. On
// top of it, documents with a second assertion, a signature anywhere but
// on the Response or the Assertion, a reference to anything but the signed
// element's ID, or duplicated IDs are refused before any signature is
// checked. EncryptedAssertions are decrypted with crewjam/saml's xmlenc
// package (RSA-OAEP key transport; AES-GCM and AES-CBC content), the
// module the tests' identity provider comes from, behind an allow-list of
// algorithms that leaves out RSA PKCS #1 v1.5 and 3DES.
//
// Signature algorithms: RSA with SHA-1, SHA-256, SHA-384 or SHA-512, and
// ECDSA with SHA-256, SHA-384 or SHA-512. AWS accepts SHA-1 and SHA-256
// signatures, and identity providers still sign with SHA-1 by default in
// places, so SHA-1 is accepted like AWS does; MD5, DSA and HMAC (whose key
// an attacker would take from the public certificate) are refused.
//
// # Keyward as a service provider
//
// AWS's SAML entity ID is urn:amazon:webservices and its endpoint
// https://signin.aws.amazon.com/saml. Keyward's entity ID, assertion
// consumer service, audience and recipient are all one URL, its own
// <base URL>/saml, and its metadata is at <base URL>/saml/metadata
// (ServiceProvider.Metadata). An assertion made for AWS (audience
// urn:amazon:webservices) is refused. NewAuthnRequest starts an
// SP-initiated sign-in with the HTTP-Redirect binding; the request's ID
// comes back as Options.InResponseTo.
//
// # Dependencies
//
// The README's dependency list says why these libraries, and NOTICE.md
// gives their licences.
package saml
