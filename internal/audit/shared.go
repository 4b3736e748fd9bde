package audit

import (
	"strings"

	"github.com/keyward/keyward"
)

// sharedCopies returns the copies of pe's event for the accounts it is
// shared with (keyward.PendingEvent's Shares), as it now is (refused or
// not). A copy shows the caller as CloudTrail shows another account's
// principal to the resource's account (AWSAccount: its principal ID and
// account), neither its ARN nor the key it signed with, and only the
// request's parameters that describe the session in that account
// (sharedParams), not those that name the caller's own (an MFA device's
// serial number is its user's ARN).
func sharedCopies(pe *keyward.PendingEvent) []keyward.Event {
	out := make([]keyward.Event, 0, len(pe.Shares))
	for _, sh := range pe.Shares {
		c := pe.Event
		c.EventID, c.RecipientAccountID = sh.EventID, sh.Account
		c.UserIdentity = keyward.EventIdentity{Type: "AWSAccount", PrincipalID: c.UserIdentity.PrincipalID, AccountID: c.UserIdentity.AccountID}
		c.RequestParameters = make(map[string]any, len(pe.Event.RequestParameters))
		for k, v := range pe.Event.RequestParameters {
			if member, _, _ := strings.Cut(k, "."); sharedParams[member] && (member != "policyArns" || policyOf(v, sh.Account)) {
				c.RequestParameters[k] = v
			}
		}
		out = append(out, c)
	}
	return out
}

// sharedParams are the request parameters (by member, a list's elements
// included) a shared copy keeps: AssumeRole's that the role's account
// sees of the session in its own trail on AWS, the role, the session's
// name (which AWS says the role's owner sees and logs), its duration, its
// tags and source identity, the external ID its trust policy may ask for,
// and the managed session policies of the role's account or AWS's
// (policyOf). The MFA device's serial number and code name the caller's
// user and its device, and are left out; so is an inline session policy,
// which AWS's documented copies do not show.
var sharedParams = map[string]bool{"roleArn": true, "roleSessionName": true, "durationSeconds": true, "externalId": true,
	"sourceIdentity": true, "tags": true, "transitiveTagKeys": true, "policyArns": true}

// policyOf reports whether v, a managed session policy's ARN as an
// event records it, is of account or AWS's own. AWS wants a session's
// managed policies of the role's account, but Keyward takes any ARN, and
// one of the caller's account would show the role's owner that account's
// policy names and paths.
func policyOf(v any, account string) bool {
	arn, _ := v.(string)
	parts := strings.SplitN(arn, ":", 6)
	return len(parts) == 6 && (parts[4] == account || parts[4] == "aws")
}
