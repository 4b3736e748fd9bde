package keyward

import (
	"context"
	"errors"
	"time"
)

// Account is one AWS-style account of a Keyward installation: every entity
// belongs to exactly one, and its ID is in every ARN of its entities. The
// installation's first account is the one InitAccount made, which a store
// opened without InAccount serves.
type Account struct {
	// ID is the 12-digit account ID used in every ARN.
	ID string
	// CreatedAt is when the account was made: AWS Organizations' JoinedAt
	// for an account the installation made.
	CreatedAt time.Time
	// Name and Email are what AWS Organizations' DescribeAccount shows;
	// empty for the first account until it is given them.
	Name, Email string
	// Status is AccountActive, AccountSuspended or AccountPendingClosure
	// (AWS's words); a store reads AccountActive for an account that has
	// none.
	Status string
	// ClosedAt is when CloseAccount closed the account; zero while it is
	// open. From then on it is closed for good: its status reads
	// AccountPendingClosure, and AccountSuspended once
	// AccountClosurePending has passed (StatusAt).
	ClosedAt time.Time
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

// AWS's statuses of an account.
const (
	AccountActive         = "ACTIVE"
	AccountSuspended      = "SUSPENDED"
	AccountPendingClosure = "PENDING_CLOSURE"
)

// AccountClosurePending is how long a closed account reads
// PENDING_CLOSURE before it reads SUSPENDED: AWS closes an account in the
// background and says it takes "a few minutes"; Keyward has nothing to do
// in the background, and keeps the first state briefly so that clients
// that wait for the second (Terraform's close_on_deletion) see both.
const AccountClosurePending = 5 * time.Second

// AccountClosedRetention is how long a closed account stays visible in its
// organization, SUSPENDED, as on AWS: after that it is gone from the
// organization's listings and descriptions.
const AccountClosedRetention = 90 * 24 * time.Hour

// Closed reports whether the account was closed: whatever its status
// reads, none of its principals may do anything from then on.
func (a Account) Closed() bool {
	return !a.ClosedAt.IsZero() || (a.Status != "" && a.Status != AccountActive)
}

// StatusAt is the account's status at now: AccountActive while open,
// AccountPendingClosure for AccountClosurePending after it was closed,
// AccountSuspended after.
func (a Account) StatusAt(now time.Time) string {
	switch {
	case !a.Closed():
		return AccountActive
	case a.ClosedAt.IsZero() || now.Before(a.ClosedAt.Add(AccountClosurePending)):
		if a.Status == AccountSuspended {
			return AccountSuspended
		}
		return AccountPendingClosure
	}
	return AccountSuspended
}

// Gone reports whether the closed account's retention in its organization
// has passed at now.
func (a Account) Gone(now time.Time) bool {
	return !a.ClosedAt.IsZero() && !now.Before(a.ClosedAt.Add(AccountClosedRetention))
}

// ErrAccountExists is CreateAccount's answer when an account of that ID
// exists already: the caller draws another random ID.
var ErrAccountExists = errors.New("keyward: account ID taken")

// ErrAccountEmailExists is CreateAccount's answer when another account has
// the email: an account's email, where it has one, is unique across the
// installation, as AWS's are across AWS.
var ErrAccountEmailExists = errors.New("keyward: account email taken")

// AccountsStore is the installation's list of accounts. Unlike every other
// part of the store it is not scoped to an account: it is what makes the
// accounts that views are scoped to.
type AccountsStore interface {
	// InAccount returns the view of the store scoped to the account with
	// this ID: every entity method of the view reads and writes only that
	// account's entities, and creates them in it. Views combine:
	// InAccount(a).Recording(pe) and Recording(pe).InAccount(a) are the
	// same view. The store as opened is scoped to the installation's
	// first account (InitAccount's). The account is not checked: a view of
	// an account that does not exist finds nothing.
	InAccount(id string) Store
	// CreateAccount stores a new account with its root access key (nil:
	// none); ErrAccountExists if the ID is taken, whoever asks at the same
	// time, ErrAccountEmailExists if another account has its email. The ID
	// is the caller's choice (NewAccountID).
	CreateAccount(ctx context.Context, a Account, rootKey *AccessKey) error
	// AccountByID returns an account of the installation; ErrNoAccount.
	AccountByID(ctx context.Context, id string) (Account, error)
	// AccountByAlias returns the account whose alias this is, in any
	// account of the installation (aliases are unique across it), for
	// sign-in pages that name an account by its alias; ErrNoAccount.
	AccountByAlias(ctx context.Context, alias string) (Account, error)
	// Accounts pages the installation's accounts in order of ID, after the
	// ID marker (exclusive; "" for the first page), up to max, and
	// whether more follow.
	Accounts(ctx context.Context, after string, max int) ([]Account, bool, error)
}
