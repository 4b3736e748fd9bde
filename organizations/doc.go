// Package organizations is Keyward's AWS Organizations: an organization
// of the installation's accounts under the account that made it, its
// management account, the member accounts it makes (accounts.go),
// the organization's root, its organizational units (OUs), its service
// control policies (SCPs) and their attachments, and the tags of all of
// them, on top of its own store port, Store (store.go): keyward.Store and
// an organization's methods, which the backends implement.
//
// Service holds the operations, one file per part: the organization, its
// root and its accounts (organization.go), OUs and the tree's listings
// (units.go), policies, policy types and attachments (policies.go), and
// tags (tags.go). Operations (operations.go) describes each operation for
// the transport that serves them, package awsjson (AWS JSON 1.1,
// X-Amz-Target AWSOrganizationsV20161128.<Operation>, signed for service
// organizations, on the API's endpoint).
//
// Every exported method decides access first, from the caller in the
// context, through the Authorizer (package authz), as
// organizations:<Operation> on the ARN of what it acts on (the root's, an
// OU's, a policy's or an account's, as AWS's authorization reference
// gives each action its resource types; "*" for the actions it gives
// none, and for every action before there is an organization), and only
// principals of the
// management account act on the organization. A change is written
// through the store's view that writes the request's audit event with it
// (keyward.Changing), in the change's transaction.
//
// Every change to what decisions read of the organization (its policy
// types, an SCP's content or attachments) is published (Changes) as
// keyward.ChangedOrganizations, so that package authz, which enforces
// service control policies on every principal of a member account, sees
// it on the next request.
//
// What is not here yet: invitations and handshakes, CloseAccount and
// LeaveOrganization.
package organizations
