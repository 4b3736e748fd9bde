package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/sqlite"
)

const backupUsage = `Usage: keyward backup --data DIR --to FILE
       keyward restore --data DIR --from FILE

backup writes a consistent snapshot of the SQLite store in DIR to FILE while
servers keep serving (SQLite's VACUUM INTO: every write acknowledged before
the backup began is in it). FILE holds secrets sealed under the master key
and nothing else of the key: a backup is useless without DIR/master.key (or
KEYWARD_MASTER_KEY). Keep the key with the backup, apart from it, and the
previous key after a rekey while older backups may need it.

restore puts FILE in place as the store of DIR, which must have no database
yet, after checking that the master key (DIR/master.key, or
KEYWARD_MASTER_KEY) opens it: copy the key there first.

With PostgreSQL (--database), back up with PostgreSQL's tools, which take a
consistent snapshot of a live database: pg_dump --format=custom -f FILE URL,
and pg_restore --dbname URL FILE into an empty database; the master key
goes with it the same way.
`

// backupCommand runs `keyward backup` and `keyward restore`.
func backupCommand(ctx context.Context, restore bool, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := DefaultConfig()
	name := "backup"
	if restore {
		name = "restore"
	}
	fs := flag.NewFlagSet("keyward "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, backupUsage) }
	storeFlags(fs, &cfg, getenv, "data directory", "postgres:// URL")
	var file string
	if restore {
		fs.StringVar(&file, "from", "", "the backup to restore")
	} else {
		fs.StringVar(&file, "to", "", "the file to write (never overwritten)")
	}
	if err := fs.Parse(args); err != nil || file == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if err := databaseOrEnv(&cfg, getenv); err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		return errors.New("with PostgreSQL, use pg_dump and pg_restore (keyward " + name + " -h)")
	}
	db := filepath.Join(cfg.DataDir, "keyward.db")
	if !restore {
		if err := sqlite.Backup(ctx, db, file); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backed up %s to %s\nIt opens only with the master key (%s or KEYWARD_MASTER_KEY): keep the key too.\n",
			db, file, filepath.Join(cfg.DataDir, masterKeyFile))
		return nil
	}
	var err error
	if cfg.MasterKey, err = secretFromEnv(getenv, "KEYWARD_MASTER_KEY"); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	mk, _, err := loadMasterKeys(cfg, randReader, false)
	if err != nil {
		return fmt.Errorf("a backup needs its master key: put it in %s or KEYWARD_MASTER_KEY (%w)", filepath.Join(cfg.DataDir, masterKeyFile), err)
	}
	sealer, err := mk.sealer(randReader)
	if err != nil {
		return err
	}
	err = sqlite.Restore(ctx, file, db, func(st *sqlite.Store) error {
		s := &iam.Service{Store: st, Sealer: sealer}
		if _, err := s.CheckMasterKey(ctx); err != nil {
			if errors.Is(err, iam.ErrWrongMasterKey) {
				return errors.New("the master key does not open this backup: restore it with the key it was made under")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return schemaAdvice(err)
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", file, db)
	return nil
}
