// Package report is what Keyward tells an administrator of the account:
// the credential report, the service-last-accessed reports and the event
// history.
//
// The credential report (credentialreport.go) is AWS's CSV of every user's
// password, access keys, MFA and certificates, with their ages and last
// uses. GenerateCredentialReport starts it in the background unless a
// report that answers the caller exists or is being made; clients poll
// until COMPLETE, then GetCredentialReport. A poller's round begins with
// its first call, so that with no maximum age it is answered by a report
// whose scan began after it asked (every change it made is in it), and
// never waits for more than the generation under way and its own. The
// report is streamed from the store one user at a time into 1 MiB chunks,
// on one replica at a time (Store.Exclusive).
//
// Background generation has an owner. It runs under the lifetime Start
// gives, the program's in keyward serve: when that ends it is cancelled.
// Shutdown stops new generations, waits for the one under way until its
// deadline, then cancels it; Close cancels at once; both return only when
// nothing runs. A report left unfinished is taken for abandoned after a
// few minutes and made again, as one whose replica died.
//
// The service-last-accessed reports (lastaccessed.go) say, for a user, a
// group or a managed policy, which services its policies let it use and
// when each was last used, from what Keyward records of every
// authenticated request; ListPoliciesGrantingServiceAccess says which
// policies grant each. The event history (events.go) is CloudTrail's
// LookupEvents over the audit trail.
//
// Every method decides access itself through authz; the package reads the
// store and imports neither iam nor sts.
package report
