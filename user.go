package keyward

import (
	"strings"
	"time"
)

// Tag is a key-value pair attached to an IAM entity.
type Tag struct {
	Key   string
	Value string
}

// User is an IAM user.
type User struct {
	// ID is AWS's unique user ID, "AIDA" and 17 more characters.
	ID        string
	Name      string
	Path      string
	CreatedAt time.Time
	Tags      []Tag
	// PermissionsBoundary is the ARN of the managed policy that bounds the
	// user's permissions, "" without one.
	PermissionsBoundary string
	// SessionsAfter ends the user's console sessions begun before it: a
	// password reset or a deleted login profile moves it forward. Only
	// Store.User fills it in.
	SessionsAfter time.Time
}

// UserUpdate changes a user; nil fields are left unchanged.
type UserUpdate struct {
	NewName *string
	NewPath *string
}

// FoldName returns the form of a user name under which AWS compares names:
// user names are unique case-insensitively within an account.
func FoldName(name string) string { return strings.ToLower(name) }

// UserARN returns the ARN of the user with the given path and name, as AWS
// forms it: arn:aws:iam::<account>:user<path><name>.
func (a Account) UserARN(path, name string) string {
	return a.iamARN("user", path, name)
}

// TaggedUser is the tag kind of users, each named by its name in their
// tagging operations.
const TaggedUser TagKind = "User"
