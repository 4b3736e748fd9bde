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
	"github.com/keyward/keyward/seal"
	"github.com/keyward/keyward/sqlite"
)

const backupUsage = `Usage: keyward backup --data DIR --to FILE
       keyward restore --data DIR --from FILE [--unauthenticated]

backup writes a consistent snapshot of the SQLite store in DIR to FILE while
servers keep serving (SQLite's VACUUM INTO: every write acknowledged before
the backup began is in it), followed by a MAC under a key derived from the
master key (DIR/master.key, or KEYWARD_MASTER_KEY), which it needs. FILE
holds secrets sealed under the master key and nothing else of the key: a
backup is useless without it. Keep the key with the backup, apart from it,
and the previous key after a rekey while older backups may need it.

restore puts FILE in place as the store of DIR, which must have no database
yet, after checking that FILE's MAC matches under the master key
(DIR/master.key, master.key.previous, or KEYWARD_MASTER_KEY: copy the key
there first) and that the key opens it. A backup changed since it was made,
or made under another master key, is refused, and so is one without a MAC.
--unauthenticated restores a backup without checking its MAC, for one made
by a keyward that did not authenticate backups: only one you know was not
changed.

With PostgreSQL (--database), back up with PostgreSQL's tools, which take a
consistent snapshot of a live database: pg_dump --format=custom -f FILE URL,
and pg_restore --dbname URL FILE into an empty database; the master key
goes with it the same way. Keyward does not authenticate those dumps: keep
them where only the operator can write.
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
	var unauthenticated bool
	if restore {
		fs.StringVar(&file, "from", "", "the backup to restore")
		fs.BoolVar(&unauthenticated, "unauthenticated", false,
			"restore the backup without checking its MAC (for one made before backups were authenticated)")
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
	var err error
	if cfg.MasterKey, err = secretFromEnv(getenv, "KEYWARD_MASTER_KEY"); err != nil {
		return err
	}
	if !restore {
		mk, _, err := loadMasterKeys(cfg, randReader, false)
		if err != nil {
			return fmt.Errorf("a backup is authenticated under the master key: put it in %s or KEYWARD_MASTER_KEY (%w)", filepath.Join(cfg.DataDir, masterKeyFile), err)
		}
		// Under the key servers seal under: a restore with that key, or
		// with it kept as master.key.previous after a rekey, checks it.
		if err := sqlite.Backup(ctx, db, file, seal.BackupKey(mk.keys[0])); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backed up %s to %s\nIt opens only with the master key (%s or KEYWARD_MASTER_KEY): keep the key too.\n",
			db, file, filepath.Join(cfg.DataDir, masterKeyFile))
		return nil
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
	// The backup may have been made under any key this installation
	// holds: the current one, the previous one (a backup made before a
	// rekey), or the one an interrupted rekey was moving to.
	auth := sqlite.Auth{}
	for _, k := range append(append([][]byte{}, mk.keys...), mk.pending) {
		if k != nil {
			auth.Keys = append(auth.Keys, seal.BackupKey(k))
		}
	}
	if unauthenticated {
		auth.Unauthenticated = func(why error) {
			fmt.Fprintf(stderr, "keyward restore: %s: %v; restoring it unauthenticated, as --unauthenticated asks\n", file, why)
		}
	}
	err = sqlite.Restore(ctx, file, db, auth, func(st *sqlite.Store) error {
		s := &iam.Service{Store: st, Sealer: sealer}
		if _, err := s.CheckMasterKey(ctx); err != nil {
			if errors.Is(err, iam.ErrWrongMasterKey) {
				return errors.New("the master key does not open this backup: restore it with the key it was made under")
			}
			return err
		}
		return nil
	})
	switch {
	case errors.Is(err, sqlite.ErrBackupChanged):
		// One message for both: without the key it was made under, a
		// changed backup and another key's look the same.
		return fmt.Errorf("the master key does not open this backup: %s was changed after it was made, or was not made under this installation's master key (%s): its MAC does not match; nothing was restored",
			file, keySource(mk))
	case errors.Is(err, sqlite.ErrBackupNoMAC):
		// The flag is named for an old backup only: a backup this version
		// made always ends in its MAC, and one whose MAC is gone (cut off,
		// or overwritten by SQLite growing the file) was changed.
		return fmt.Errorf("%s carries no MAC: it was made by a keyward that did not authenticate backups, or its MAC was cut off or overwritten since it was made; nothing was restored. "+
			"If it was made before backups were authenticated and you know no one changed it since, restore it with --unauthenticated", file)
	case err != nil:
		return schemaAdvice(err)
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", file, db)
	return nil
}

// keySource names where the master keys came from.
func keySource(mk masterKeys) string {
	if mk.dir == "" {
		return "KEYWARD_MASTER_KEY"
	}
	return filepath.Join(mk.dir, masterKeyFile)
}
