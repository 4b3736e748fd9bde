package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/keyward/keyward"
)

const createRootKeyUsage = `Usage: keyward create-root-key --data DIR [--database URL] --account-id ID

Gives an account of the installation an access key of its root user, for a
tenant that administers its own account: the accounts AWS Organizations'
CreateAccount makes have no root credentials, as on AWS. Prints the key as
the console's .csv does (Access key ID,Secret access key): hand it to the
tenant and keep no copy. The root user has two keys at most. It needs the
store and its master key (DIR/master.key, or KEYWARD_MASTER_KEY); the key
is an audit event of the account by keyward.operator. With the server
running or stopped.
`

// createRootKey runs `keyward create-root-key`.
func createRootKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var accountID *string
	svc, done, err := operatorService(ctx, "create-root-key", createRootKeyUsage, args, getenv, stderr, func(fs *flag.FlagSet) func() bool {
		accountID = fs.String("account-id", "", "the 12-digit ID of the account")
		return func() bool { return *accountID != "" }
	})
	if err != nil {
		return err
	}
	defer done()
	k, secret, err := svc.CreateAccountRootKey(keyward.Internal(ctx), *accountID)
	var e *keyward.Error
	if errors.As(err, &e) {
		return errors.New(e.Message)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Access key ID,Secret access key\n%s,%s\n", k.ID, secret)
	return nil
}
