// Package sqlite implements keyward.Store on an embedded SQLite database
// through modernc.org/sqlite, a pure-Go driver, so that the keyward binary
// needs no cgo.
//
// Writes go through a single connection (SQLite has one writer at a time;
// queueing in Go is cheaper than retrying on SQLITE_BUSY) in WAL mode with
// synchronous=FULL, so an acknowledged write survives a crash. Reads use a
// separate pool and proceed in parallel with the writer.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/sqlstore"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a keyward.Store backed by one SQLite file.
type Store struct {
	// Everything but the connections, group commit and Exclusive: one
	// implementation with the PostgreSQL store.
	*sqlstore.Store

	write *sql.DB
	read  *sql.DB
	stmts struct {
		// Group commit's, on the write connection.
		savepoint, release, rollbackTo *sql.Stmt
	}
	jobs       chan writeJob
	quit       chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once
	exclusive  sync.Map // name → *sync.Mutex
}

var _ keyward.Store = (*Store)(nil)

// Recording implements keyward.Store.
func (s *Store) Recording(pe *keyward.PendingEvent) keyward.Store {
	return sqlstore.View(s.Store.WithEvent(pe), s)
}

// InAccount implements keyward.Store: the shared implementation's view
// scoped to the account.
func (s *Store) InAccount(id string) keyward.Store { return sqlstore.View(s.Store.ForAccount(id), s) }

// Options change how Open treats the database.
type Options struct {
	// NoMigrate refuses a database whose schema is older than this build's
	// instead of migrating it, for operators who migrate explicitly
	// (Migrate, keyward migrate up).
	NoMigrate bool

	// driverName is the database/sql driver the store opens its
	// connections with, "sqlite" when empty: a test's driver wrapping
	// SQLite's records the statements the store runs (plans_test.go).
	driverName string
}

// Open opens (creating if needed) the database at path and applies the
// embedded migrations. A database that a newer build has migrated is
// refused with a *sqlstore.SchemaError: this build would not know what
// its new schema requires.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, opts Options) (*Store, error) {
	// Created owner-only before SQLite opens it: the WAL and shared-memory
	// files SQLite adds take the database file's permissions.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close()
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	driverName := "sqlite"
	if opts.driverName != "" {
		driverName = opts.driverName
	}
	write, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open(driverName, dsn)
	if err != nil {
		write.Close()
		return nil, err
	}
	// Reads are CPU-bound once pages are cached: more connections than
	// cores only add contention on SQLite's mutexes (measured in
	// BENCHMARKS.md).
	conns := max(2, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(conns)
	read.SetMaxIdleConns(conns)
	s := &Store{write: write, read: read, jobs: make(chan writeJob), quit: make(chan struct{}), writerDone: make(chan struct{})}
	if err := s.migrate(ctx, !opts.NoMigrate); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.Store = sqlstore.New(sqlstore.Config{DB: read, Tx: s.tx, WriteDB: write, KeySeq: "rowid", IsUnique: func(err error) bool {
		return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
	}})
	if err := s.Store.PrepareWrites(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Store.LoadFirstAccount(ctx); err != nil {
		s.Close()
		return nil, err
	}
	go s.writer()
	return s, nil
}

// prepare readies group commit's statements once.
func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.stmts.savepoint, `SAVEPOINT job`},
		{&s.stmts.release, `RELEASE job`},
		{&s.stmts.rollbackTo, `ROLLBACK TO job`},
	} {
		var err error
		if *p.stmt, err = s.write.PrepareContext(ctx, p.sql); err != nil {
			return fmt.Errorf("sqlite: preparing %q: %w", p.sql, err)
		}
	}
	return nil
}

// Exclusive implements keyward.LoginStore: one SQLite store serves one
// process, so a lock in memory is enough.
func (s *Store) Exclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error) {
	v, _ := s.exclusive.LoadOrStore(name, new(sync.Mutex))
	mu := v.(*sync.Mutex)
	if !mu.TryLock() {
		return false, nil
	}
	defer mu.Unlock()
	return true, fn(ctx)
}

// Close closes the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.quit)
		if s.stmts.savepoint != nil { // the writer was started
			<-s.writerDone
		}
	})
	if s.Store != nil {
		s.Store.CloseStatements()
	}
	err := s.write.Close()
	if rerr := s.read.Close(); err == nil {
		err = rerr
	}
	return err
}

// migrate applies the migrations newer than PRAGMA user_version, each in
// its own transaction, after checking that the database is not newer than
// this build and, unless allowed, not older.
func (s *Store) migrate(ctx context.Context, allowed bool) error {
	steps, err := sqlstore.Migrations(sqlstore.SQLite)
	if err != nil {
		return err
	}
	var version int
	if err := s.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if err := sqlstore.CheckSchema(version, allowed); err != nil {
		return err
	}
	if version == len(steps) {
		return nil
	}
	// A step may rebuild a table others refer to (SQLite cannot drop a
	// column's constraint), which SQLite's documented procedure does with
	// foreign keys off: dropping the old table would otherwise delete, or
	// refuse to delete, the rows that refer to it. The pragma is a no-op
	// inside a transaction, so it is set on the one write connection
	// around the steps, and each step checks the foreign keys itself
	// before it commits.
	if _, err := s.write.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	defer s.write.ExecContext(ctx, "PRAGMA foreign_keys = ON")
	for i := version; i < len(steps); i++ {
		err = s.directTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, steps[i].SQL); err != nil {
				return fmt.Errorf("migrating: %s: %w", steps[i].Name, err)
			}
			if err := foreignKeysHold(ctx, tx); err != nil {
				return fmt.Errorf("migrating: %s: %w", steps[i].Name, err)
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// foreignKeysHold fails when a row of tx's database refers to a row that
// does not exist: what SQLite would have refused with foreign keys on.
func foreignKeysHold(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid, fk sql.NullInt64
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("a row of %s (rowid %d) refers to a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// CheckSchema reports whether the database is still at the schema version
// this build writes; readiness asks it, so that a server whose database a
// newer build migrated underneath it (keyward migrate up) stops being sent
// requests.
func (s *Store) CheckSchema(ctx context.Context) error {
	var version int
	if err := s.read.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	return sqlstore.CheckSchema(version, false)
}

// SchemaVersionAt reads the schema version of the database at path without
// changing anything (0: no schema yet). A missing file is an error
// matching os.ErrNotExist.
func SchemaVersionAt(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Set("mode", "ro")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	return version, nil
}
