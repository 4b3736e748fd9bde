package keyward

import "time"

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
func (a Account) RootARN() string { return a.iamARN("root", "", "") }

// iamARN returns the ARN of one of the account's IAM resources, named by
// its type and, where it has them, its path and name, in one
// concatenation.
func (a Account) iamARN(kind, path, name string) string {
	return "arn:aws:iam::" + a.ID + ":" + kind + path + name
}
