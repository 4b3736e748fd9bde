package keyward

import (
	"errors"
	"unicode"
)

// Quotas are an account's IAM quotas. DefaultQuotas are AWS's defaults;
// an installation may set others (keyward serve --quota).
type Quotas struct {
	// Entities per account.
	Users, Groups, Roles, Policies, InstanceProfiles int
	// GroupsPerUser is how many groups a user may belong to.
	GroupsPerUser int
	// Managed policies attached to one user, group or role.
	AttachedPoliciesPerUser, AttachedPoliciesPerGroup, AttachedPoliciesPerRole int
	// The size of all of one entity's inline policies together, counted
	// as PolicySize counts.
	UserPolicySize, GroupPolicySize, RolePolicySize int
	// PolicySize is the size of a managed policy's document.
	PolicySize int
	// RoleTrustPolicySize is the size of a role's trust policy (AWS's
	// ACLSizePerRole).
	RoleTrustPolicySize int
}

// DefaultQuotas returns AWS's default IAM quotas.
func DefaultQuotas() Quotas {
	return Quotas{
		Users: 5000, Groups: 300, Roles: 1000, Policies: 1500, InstanceProfiles: 1000,
		GroupsPerUser:           10,
		AttachedPoliciesPerUser: 10, AttachedPoliciesPerGroup: 10, AttachedPoliciesPerRole: 10,
		UserPolicySize: 2048, GroupPolicySize: 5120, RolePolicySize: 10240,
		PolicySize:          6144,
		RoleTrustPolicySize: 2048,
	}
}

// PolicySize is a policy document's size as IAM counts it against its
// quotas: its characters, white space not counted.
func PolicySize(document string) int {
	n := 0
	for _, r := range document {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// ErrQuotaExceeded is returned by a store write that would take an
// account or an entity past one of its quotas.
var ErrQuotaExceeded = errors.New("keyward: quota exceeded")
