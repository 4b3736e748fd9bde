package keyward

import (
	"strings"
	"time"
)

// Account is the single AWS-style account that a Keyward installation serves.
type Account struct {
	// ID is the 12-digit account ID used in every ARN.
	ID        string
	CreatedAt time.Time
	// KeyCheck is a value sealed under the master key when the account was
	// made (or when a store made before it first started): a server whose
	// master key cannot open it refuses to start, whatever else the store
	// holds. Nil only in a store not yet checked.
	KeyCheck []byte
}

// RootARN returns the ARN of the account's root user.
func (a Account) RootARN() string { return "arn:aws:iam::" + a.ID + ":root" }

// UserARN returns the ARN of the user with the given path and name, as AWS
// forms it: arn:aws:iam::<account>:user<path><name>.
func (a Account) UserARN(path, name string) string {
	return "arn:aws:iam::" + a.ID + ":user" + path + name
}

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

// Principal is the identity that signed a request: the root user of the
// account or an IAM user.
type Principal struct {
	AccountID string
	// Root is true for the account's root user; User is then empty.
	Root bool
	// UserID, UserName and UserPath identify an IAM user.
	UserID   string
	UserName string
	UserPath string
}

// ARN returns the principal's ARN.
func (p Principal) ARN() string {
	a := Account{ID: p.AccountID}
	if p.Root {
		return a.RootARN()
	}
	return a.UserARN(p.UserPath, p.UserName)
}

// ID returns the unique ID AWS reports for the principal in
// GetCallerIdentity: the account ID for root, the user ID otherwise.
func (p Principal) ID() string {
	if p.Root {
		return p.AccountID
	}
	return p.UserID
}
