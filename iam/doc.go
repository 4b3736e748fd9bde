// Package iam is Keyward's IAM application: the rules AWS Identity and
// Access Management applies to the account's identities and what they
// hold, on top of a keyward.Store.
//
// Service holds them, one file per entity: users (user.go), access keys
// (accesskey.go), groups (group.go), inline and managed policies and
// their attachments (inlinepolicy.go, managedpolicy.go), roles and
// service-linked roles (role.go, servicelinked.go), login profiles and the
// password policy (loginprofile.go, passwordpolicy.go), virtual MFA
// devices and their codes (mfadevice.go, totp.go), SSH keys,
// service-specific credentials and signing certificates (credentials.go),
// server certificates, OIDC providers and instance profiles, the account's
// alias, summary and authorization details (accountviews.go), and the
// policy simulator (simulation.go). The console's own views are here too,
// because they are rules, not presentation: the users list that shows of
// each user only what the caller may read (userlist.go), the console
// sign-in of users and of the root user (signin.go), and deleting an
// entity with everything attached as the sequence of API operations
// (cascade.go), and the console's sign-in through an OIDC provider, set
// by Keyward's own actions (oidcsignin.go, KeywardOperations in operations.go,
// authorised as keyward:<Name>). Start-up is here as well: the account and its root key
// (bootstrap.go), the master key check and rekeying (masterkey.go), AWS's
// managed policies. So are Keyward's own webhook subscriptions
// (webhooks.go), a Keyward extension: actions keyward:<Operation>, with
// their descriptors in KeywardOperations, served on the IAM endpoint.
//
// Every exported method a transport calls decides access first, once,
// from the caller in the context, through the Authorizer (package authz),
// on every resource it touches, with the condition keys of the request and
// of the resource: query and console call the same method and get the
// same decision. Callers validate input against the model's shapes
// (an Operation's parameters); the Service trusts its arguments to be well
// formed and reports what only it can know (an entity missing, a quota
// reached, a policy malformed) as AWS's errors.
//
// Two tables describe what the transports share. Operations (operations.go)
// is IAM's operations, one keyward.Operation each: parameters with the
// model's constraints and whether it only reads; the Query API's rows and
// the console's forms check input and record events through it. Tagging
// (tags.go) is one implementation for every taggable kind: TagResource,
// UntagResource and ResourceTags take a keyward.TagKind, and a kind's
// taggable says how its entities are authorised, read and reported
// missing.
//
// A method that changes something the request path caches publishes a
// keyward.Change (Changes, wired by changes.Wire): key lists, compiled
// policies and roles with their trust policies are read from memory on
// the hot path and forgotten on every replica when they change. The
// request's audit event rides in its context and the store writes it in
// the change's own transaction; respond sets what the event shows of a
// created entity. The account a caller acts in comes from one accessor,
// Account, so that accounts per caller change one function.
//
// Package sts builds on this one (roles, MFA codes) and never the
// reverse; package report reads the store directly and asks authz alone.
package iam
