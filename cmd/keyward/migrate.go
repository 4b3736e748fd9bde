package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/keyward/keyward/internal/buildinfo"
	"github.com/keyward/keyward/internal/sqlstore"
	"github.com/keyward/keyward/postgres"
	"github.com/keyward/keyward/sqlite"
)

const migrateUsage = `Usage: keyward migrate status|up [--data DIR | --database URL]

status shows the store's schema version, the version this keyward writes,
and the migrations it would apply. up applies them, each in a transaction
of its own; take a backup first (keyward backup, or pg_dump).

keyward serve migrates at start unless --no-migrate is given: operators who
migrate explicitly (one job before rolling out new replicas) run
keyward migrate up, then start the servers with --no-migrate, which refuse
a store that is not up to date. No keyward serves a store whose schema is
newer than it knows: that store is a newer keyward's.

  --data DIR        the data directory of the SQLite store ($KEYWARD_DATA)
  --database URL    a PostgreSQL store's postgres:// URL ($KEYWARD_DATABASE,
                    or a file holding it: $KEYWARD_DATABASE_FILE)
`

// migrateCommand runs `keyward migrate status` and `keyward migrate up`.
func migrateCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "status" && args[0] != "up") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, migrateUsage)
			return nil
		}
		fmt.Fprint(stderr, migrateUsage)
		return errUsage
	}
	up := args[0] == "up"
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("keyward migrate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	storeFlags(fs, &cfg, getenv, "", "")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 0 {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, migrateUsage)
			return nil
		}
		fmt.Fprint(stderr, migrateUsage)
		return errUsage
	}
	if err := databaseOrEnv(&cfg, getenv); err != nil {
		return err
	}

	known := sqlstore.SchemaVersion()
	var (
		where   string
		dialect string
		found   int
		err     error
	)
	if cfg.DatabaseURL != "" {
		where, dialect = "PostgreSQL "+redactURL(cfg.DatabaseURL), sqlstore.Postgres
		found, err = postgres.SchemaVersionAt(ctx, cfg.DatabaseURL)
	} else {
		path := filepath.Join(cfg.DataDir, "keyward.db")
		where, dialect = "SQLite "+path, sqlstore.SQLite
		found, err = sqlite.SchemaVersionAt(ctx, path)
		if errors.Is(err, os.ErrNotExist) {
			if !up {
				fmt.Fprintf(stdout, "store:          %s (none yet)\nthis keyward:   %s, schema version %d\n", where, buildinfo.Get().Version, known)
				return nil
			}
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return err
			}
			found, err = 0, nil
		}
	}
	if err != nil {
		return err
	}
	steps, err := sqlstore.Migrations(dialect)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "store:          %s\nschema version: %d\nthis keyward:   %s, schema version %d\n", where, found, buildinfo.Get().Version, known)
	if found > known {
		return schemaAdvice(&sqlstore.SchemaError{Found: found, Known: known})
	}
	if found == known {
		fmt.Fprintln(stdout, "up to date")
		return nil
	}
	if !up {
		fmt.Fprintf(stdout, "pending:        %d migrations (keyward migrate up applies them)\n", known-found)
		for _, s := range steps[found:] {
			fmt.Fprintf(stdout, "  %s\n", s.Name)
		}
		return nil
	}
	if dialect == sqlstore.Postgres {
		var st *postgres.Store
		if st, err = postgres.Open(ctx, cfg.DatabaseURL, postgres.Options{}); err == nil {
			st.Close()
		}
	} else {
		var st *sqlite.Store
		if st, err = sqlite.Open(ctx, filepath.Join(cfg.DataDir, "keyward.db")); err == nil {
			st.Close()
		}
	}
	if err != nil {
		return schemaAdvice(err)
	}
	fmt.Fprintf(stdout, "migrated from schema version %d to %d\n", found, known)
	return nil
}

// storeFlags adds --data and --database to fs, for the commands that open
// the store themselves; the data directory defaults to $KEYWARD_DATA.
func storeFlags(fs *flag.FlagSet, cfg *Config, getenv func(string) string, dataUsage, databaseUsage string) {
	fs.StringVar(&cfg.DataDir, "data", orDefault(getenv("KEYWARD_DATA"), cfg.DataDir), dataUsage)
	fs.StringVar(&cfg.DatabaseURL, "database", "", databaseUsage)
}

// databaseOrEnv takes the PostgreSQL URL from the environment when
// --database gave none.
func databaseOrEnv(cfg *Config, getenv func(string) string) error {
	if cfg.DatabaseURL != "" {
		return nil
	}
	url, err := databaseFromEnv(getenv)
	cfg.DatabaseURL = url
	return err
}

// databaseFromEnv is the PostgreSQL URL the environment gives, directly or
// in a file ($KEYWARD_DATABASE, $KEYWARD_DATABASE_FILE and their older
// names), for the commands that take --database.
func databaseFromEnv(getenv func(string) string) (string, error) {
	for _, env := range []string{"KEYWARD_DATABASE", "KEYWARD_DATABASE_URL"} {
		if v := getenv(env); v != "" {
			return v, nil
		}
	}
	for _, env := range []string{"KEYWARD_DATABASE_FILE", "KEYWARD_DATABASE_URL_FILE"} {
		if path := getenv(env); path != "" {
			v, err := readSecretFile(path)
			if err != nil {
				return "", fmt.Errorf("$%s: %w", env, err)
			}
			return v, nil
		}
	}
	return "", nil
}

// schemaAdvice adds to a store's schema error what this keyward is and
// what the operator can do about it.
func schemaAdvice(err error) error {
	var se *sqlstore.SchemaError
	if !errors.As(err, &se) {
		return err
	}
	v := buildinfo.Get().Version
	if se.Found > se.Known {
		return fmt.Errorf("%w\nThe store's schema is version %d; keyward %s knows versions up to %d: a newer keyward has migrated it, and this one would not know what its new schema requires. "+
			"Run that newer keyward (or a later one) on it; to go back to %s, restore a backup taken before the upgrade (keyward restore, or pg_restore)", err, se.Found, v, se.Known, v)
	}
	return fmt.Errorf("%w\nThe store's schema is version %d; keyward %s writes version %d and was told not to migrate (--no-migrate). "+
		"Back it up (keyward backup, or pg_dump), run keyward migrate up, then start keyward serve again", err, se.Found, v, se.Known)
}

// secretFromEnv is the secret $name, or the contents of the file
// $name_FILE names, for the commands besides serve.
func secretFromEnv(getenv func(string) string, name string) (string, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	switch {
	case v != "" && file != "":
		return "", fmt.Errorf("both $%s and $%s_FILE are set: give one", name, name)
	case file != "":
		s, err := readSecretFile(file)
		if err != nil {
			return "", fmt.Errorf("$%s_FILE: %w", name, err)
		}
		return s, nil
	}
	return v, nil
}
