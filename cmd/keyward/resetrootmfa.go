package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/seal"
)

const resetRootMFAUsage = `Usage: keyward reset-root-mfa --data DIR [--database URL]

Removes the root user's MFA devices, for a root user who lost its device:
the root user then signs in to the console with its access key alone, and
assigns a new device. The root user itself removes its device only from a
session it began with a code of it; this command is the operator's way
back, as AWS's recovery by email and telephone is AWS's: it needs the
store and its master key (DIR/master.key, or KEYWARD_MASTER_KEY). Each
removal is an audit event by keyward.operator. With the server running or
stopped.
`

// resetRootMFA runs `keyward reset-root-mfa`.
func resetRootMFA(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	svc, done, err := operatorService(ctx, "reset-root-mfa", resetRootMFAUsage, args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	defer done()
	removed, err := svc.ResetRootMFA(keyward.Internal(ctx))
	if err != nil {
		return err
	}
	if len(removed) == 0 {
		fmt.Fprintln(stdout, "the root user has no MFA device")
		return nil
	}
	fmt.Fprintf(stdout, "removed the root user's MFA device %s; the root user signs in with its access key and assigns a new one\n", strings.Join(removed, ", "))
	return nil
}

// operatorService opens the store of an operator's command (`keyward
// <name>`), with flags the command adds by flags, and returns IAM over it
// once the store's master key is proven: the master key that opens the
// store's secrets is the operator's proof, and a copy of the database
// alone changes nothing. done closes the store.
func operatorService(ctx context.Context, name, usage string, args []string, getenv func(string) string, stderr io.Writer,
	flags func(*flag.FlagSet) func() bool) (svc *iam.Service, done func(), err error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("keyward "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	storeFlags(fs, &cfg, getenv, "data directory", "postgres:// URL (default: SQLite in --data)")
	complete := func() bool { return true }
	if flags != nil {
		complete = flags(fs)
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || !complete() {
		return nil, nil, errUsage
	}
	if err := databaseOrEnv(&cfg, getenv); err != nil {
		return nil, nil, err
	}
	if cfg.MasterKey, err = secretFromEnv(getenv, "KEYWARD_MASTER_KEY"); err != nil {
		return nil, nil, err
	}
	mk, _, err := loadMasterKeys(cfg, randReader, false)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := seal.New(mk.keys[0], randReader, mk.keys[1:]...)
	if err != nil {
		return nil, nil, err
	}
	store, err := openExisting(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	svc = &iam.Service{Store: store, Sealer: sealer, Rand: randReader, Now: time.Now}
	if _, err := svc.CheckMasterKey(ctx); err != nil {
		store.Close()
		if errors.Is(err, iam.ErrWrongMasterKey) {
			return nil, nil, mk.wrongKey()
		}
		return nil, nil, err
	}
	return svc, func() { store.Close() }, nil
}
