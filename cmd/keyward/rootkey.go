package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/seal"
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
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("keyward create-root-key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, createRootKeyUsage) }
	storeFlags(fs, &cfg, getenv, "data directory", "postgres:// URL (default: SQLite in --data)")
	accountID := fs.String("account-id", "", "the 12-digit ID of the account")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *accountID == "" {
		return errUsage
	}
	if err := databaseOrEnv(&cfg, getenv); err != nil {
		return err
	}
	var err error
	if cfg.MasterKey, err = secretFromEnv(getenv, "KEYWARD_MASTER_KEY"); err != nil {
		return err
	}
	mk, _, err := loadMasterKeys(cfg, randReader, false)
	if err != nil {
		return err
	}
	sealer, err := seal.New(mk.keys[0], randReader, mk.keys[1:]...)
	if err != nil {
		return err
	}
	store, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := &iam.Service{Store: store, Sealer: sealer, Rand: randReader, Now: time.Now}
	// The master key is the operator's proof, and the new key's secret is
	// sealed under it: a copy of the database alone makes nothing.
	if _, err := svc.CheckMasterKey(ctx); err != nil {
		if errors.Is(err, iam.ErrWrongMasterKey) {
			return mk.wrongKey()
		}
		return err
	}
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
