// Package lifecycle makes access keys expire, rotate and report
// themselves: the account's key lifecycle policy (a Keyward extension,
// keyward:PutAccessKeyPolicy, GetAccessKeyPolicy and DeleteAccessKeyPolicy
// on the IAM endpoint) and the sweep that enforces it and keys' own expiry
// dates.
//
// The policy has four rules, each off, enforced or only reported:
// maximum age (deactivate an active key that old), a warning window before
// a key's end of life (its expiry date or its maximum age), unused for a
// time (deactivate; a key never used counts from its creation), and
// inactive for a time (delete). A rule may be limited to users under a
// path prefix or with a tag. A user tagged keyward:lifecycle=exempt is
// exempt from every rule, and so is the root user (deactivating the root
// user's only key would lock the account's administrator out); a key's
// own expiry date applies to every key.
//
// Every account of the installation has its own policy, which the API
// reads and writes in the caller's account. The sweep runs on every
// replica, every 30 seconds, under the lifetime Start gives it until
// Close, in every account: the keys past their own expiry dates of all
// accounts in one read, and the accounts with a policy one by one, a page
// of policies at a time, each by its own rules; an account without a
// policy costs a pass nothing. It reads only the keys a rule makes due, by
// the store's indexes on expiry, creation, last use and deactivation, and
// makes each transition with one conditional statement (the key must
// still be due), its audit event in the same transaction: of replicas
// racing, one makes it, once. Each event, in the trail of the key's
// account, is CloudTrail's record of an AWS
// service acting (userIdentity type AWSService, invokedBy
// keyward.key-lifecycle): UpdateAccessKey with a reason (expired, max-age,
// unused), DeleteAccessKey (inactive), and AccessKeyExpiring once per key
// and warning window, so that `keyward events` says why a key stopped
// working.
//
// Authentication does not wait for the sweep: a key past its expiry date
// is refused from that moment (sigv4.Keyring).
package lifecycle
