package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/postgres"
	"github.com/keyward/keyward/seal"
	"github.com/keyward/keyward/sqlite"
)

const rekeyUsage = `Usage: keyward rekey --data DIR [--database URL]

Seals every stored secret again under a new master key, in one transaction:
interrupted, the store stays under the old key; finished, it is under the
new one. Both stores, with the server stopped or running.

  With the master key in DIR/master.key (the default): a new key is
  generated into DIR/master.key.new, the secrets are re-sealed, then
  master.key becomes master.key.previous (keep it while backups made
  before need it) and master.key.new becomes master.key. Stop the server
  first, or it keeps sealing new secrets under the old key until restarted.
  An interrupted rekey is finished by running it again, or by starting the
  server.

  With KEYWARD_MASTER_KEY: give the new key in KEYWARD_NEW_MASTER_KEY, or
  give both keys as KEYWARD_MASTER_KEY=NEW,OLD, the form in which running
  replicas are restarted beforehand so that they seal under NEW and open
  both while the secrets move; afterwards give them NEW alone.
`

// rekey runs `keyward rekey`.
func rekey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("keyward rekey", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, rekeyUsage) }
	storeFlags(fs, &cfg, getenv, "data directory", "postgres:// URL (default: SQLite in --data)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := databaseOrEnv(&cfg, getenv); err != nil {
		return err
	}
	var err error
	if cfg.MasterKey, err = secretFromEnv(getenv, "KEYWARD_MASTER_KEY"); err != nil {
		return err
	}
	newKey := getenv("KEYWARD_NEW_MASTER_KEY")

	mk, _, err := loadMasterKeys(cfg, randReader, false)
	if err != nil {
		return err
	}
	var target []byte
	switch {
	case newKey != "":
		if target, err = decodeMasterKey(newKey); err != nil {
			return fmt.Errorf("KEYWARD_NEW_MASTER_KEY: %w", err)
		}
	case mk.dir == "" && len(mk.keys) > 1:
		target, mk.keys = mk.keys[0], mk.keys[1:]
	case mk.dir == "":
		return errors.New("KEYWARD_MASTER_KEY holds one key: give the new one in KEYWARD_NEW_MASTER_KEY, or both as KEYWARD_MASTER_KEY=NEW,OLD")
	case mk.pending != nil:
		target = mk.pending // resume an interrupted rekey with its key
	default:
		target = make([]byte, seal.KeySize)
		if _, err := io.ReadFull(randReader, target); err != nil {
			return err
		}
		if err := writeFileSync(filepath.Join(mk.dir, newMasterKeyFile), []byte(hex.EncodeToString(target)+"\n")); err != nil {
			return err
		}
		if err := syncDir(mk.dir); err != nil {
			return err
		}
	}
	old := append([][]byte{}, mk.keys...)
	if mk.pending != nil && newKey != "" {
		old = append(old, mk.pending)
	}
	sealer, err := seal.New(target, randReader, old...)
	if err != nil {
		return err
	}
	store, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := &iam.Service{Store: store, Sealer: sealer}
	if _, err := svc.CheckMasterKey(ctx); err != nil {
		if errors.Is(err, iam.ErrWrongMasterKey) {
			return mk.wrongKey()
		}
		return err
	}
	n, err := svc.Rekey(ctx)
	if errors.Is(err, iam.ErrWrongMasterKey) {
		return fmt.Errorf("a stored secret opens under none of the keys given; nothing was changed: %w", err)
	}
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	if mk.dir != "" && newKey == "" {
		if err := finishRekey(mk.dir); err != nil {
			return fmt.Errorf("the secrets are sealed under %s, but renaming it to %s failed (starting the server finishes it): %w",
				newMasterKeyFile, masterKeyFile, err)
		}
		fmt.Fprintf(stdout, "re-sealed %d secrets under a new master key in %s; the old one is in %s\n", n,
			filepath.Join(mk.dir, masterKeyFile), filepath.Join(mk.dir, prevMasterKeyFile))
		return nil
	}
	fmt.Fprintf(stdout, "re-sealed %d secrets under the new master key; start the server with it (KEYWARD_MASTER_KEY)\n", n)
	return nil
}

// openExisting opens the store a maintenance command works on: cfg's
// PostgreSQL database, or the SQLite database in cfg's data directory,
// which must exist. It is an organizations.Store, as Main's is, for
// iam.Service's port.
func openExisting(ctx context.Context, cfg Config) (organizations.Store, error) {
	if cfg.DatabaseURL != "" {
		return postgres.Open(ctx, cfg.DatabaseURL, postgres.Options{})
	}
	path := filepath.Join(cfg.DataDir, "keyward.db")
	if !fileExists(path) {
		return nil, fmt.Errorf("%s holds no database", cfg.DataDir)
	}
	return sqlite.Open(ctx, path)
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
