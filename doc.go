// Package keyward is the vocabulary of Keyward, a self-hosted identity
// service that speaks AWS IAM's and STS's own protocols so that the AWS
// CLI, the AWS SDKs and Terraform work against it unchanged.
//
// It names things and nothing more: the types every other package shares
// (Account, User, AccessKey, Group, Role, ManagedPolicy, Principal,
// RequestContext, Decision, Event…), the closed set of AWS error codes and
// the messages AWS sends with them, the shapes input is validated against,
// IDs and ARNs, the audit trail's events, and the ports other packages
// implement: Store (one file per entity holds its type and its part of
// the store, as user.go's User or role.go's Role and RoleStore), the
// policy engine, the caches. It imports only the standard library and
// holds no application logic and no goroutine.
//
// The application is in the feature packages, each deciding access itself
// from the caller in the context (WithCaller): iam (users, keys, groups,
// policies, roles, credentials, account views), sts (sessions and sign-in),
// report (the credential report and other reports), all asking authz for
// the decision. The transports only translate: query (AWS's Query
// protocol), console (the web console), verify (what other services call).
// Persistence is internal/sqlstore over sqlite and postgres; cmd/keyward
// wires everything. CONTRIBUTING.md has the map.
//
// Time and randomness are injected (each feature package's Now and Rand)
// because signatures, key ages and reports depend on them and tests must
// not sleep.
package keyward
