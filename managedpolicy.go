package keyward

import (
	"time"
)

// PolicyNotFound is AWS's NoSuchEntity for a managed policy ARN.
func PolicyNotFound(arn string) *Error {
	return Errorf(ENoSuchEntity, "Policy %s does not exist or is not attachable.", arn)
}

// ManagedPolicy is a managed policy: one of the account's own, or one of
// AWS's under arn:aws:iam::aws:policy/.
type ManagedPolicy struct {
	// ID is AWS's unique policy ID, "ANPA" and 17 more characters.
	ID          string
	Name        string
	Path        string
	ARN         string
	Description string
	// DefaultVersion is the ID ("v1", "v2", …) of the version in force.
	DefaultVersion  string
	AttachmentCount int
	// BoundaryCount is how many users have the policy as their permissions
	// boundary.
	BoundaryCount int
	AWSManaged    bool
	Tags          []Tag
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// PolicyVersion is one version of a managed policy's document.
type PolicyVersion struct {
	ID        string
	Document  string
	Default   bool
	CreatedAt time.Time
}

// MaxPolicyVersions is AWS's quota of versions per managed policy.
const MaxPolicyVersions = 5

// AWSManagedPolicyARNPrefix starts the ARN of every AWS managed policy.
const AWSManagedPolicyARNPrefix = "arn:aws:iam::aws:policy"

// PoliciesChanged is the change a store announces, beside access key IDs,
// when a policy, an attachment or a group membership changes: every
// replica then drops its compiled policies.
const PoliciesChanged = "*policies"

// UsersChanged is the change a shared store announces when a user is
// renamed, moved or deleted, so that replicas drop cached key lists.
const UsersChanged = "*users"

// Sentinel errors of groups and policies.
var (
	ErrNoSuchGroup         = errorString("keyward: no such group")
	ErrGroupExists         = errorString("keyward: group already exists")
	ErrNoSuchPolicy        = errorString("keyward: no such policy")
	ErrPolicyExists        = errorString("keyward: policy already exists")
	ErrNoSuchPolicyVersion = errorString("keyward: no such policy version")
	ErrPolicyVersionQuota  = errorString("keyward: policy version quota exceeded")
	ErrPolicyInUse         = errorString("keyward: policy attached or has versions")
	ErrDefaultVersion      = errorString("keyward: cannot delete the default version")
	ErrEntityInUse         = errorString("keyward: entity still has members or policies")
	ErrNotAttached         = errorString("keyward: policy not attached, or user not in group")
)

type errorString string

func (e errorString) Error() string { return string(e) }

// PolicyARN returns the ARN of one of the account's managed policies.
func (a Account) PolicyARN(path, name string) string {
	return a.iamARN("policy", path, name)
}

// TaggedPolicy is the tag kind of the account's managed policies,
// each named by its ARN in their tagging operations.
const TaggedPolicy TagKind = "Policy"
