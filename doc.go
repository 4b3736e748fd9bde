// Package keyward is the domain of Keyward, a self-hosted identity service
// that speaks AWS IAM's and STS's own protocols so that the AWS CLI, the AWS
// SDKs and Terraform work against it unchanged.
//
// This package holds the types every other package shares (Account, User,
// AccessKey, Principal), the rules that AWS IAM applies to them (name
// patterns, the two-keys-per-user quota, who may do what), the closed set of
// AWS error codes, and the Store interface that persistence backends
// implement. It imports only the standard library: the AWS Query protocol
// lives in package query, Signature Version 4 in package sigv4, storage in
// packages sqlite and postgres, and cmd/keyward wires them together.
//
// Time and randomness are injected (Service.Now, Service.Rand) because
// signatures, key ages and reports depend on them and tests must not sleep.
package keyward
