// Package postgres implements keyward.Store on PostgreSQL through pgx, for
// several Keyward replicas sharing one database.
//
// Rules that must hold across replicas are held by the database: unique
// user names by a unique constraint, the access-key quota by locking the
// owner's row in the transaction that counts and inserts, last use by an
// update that only moves forward. Every change to an access key is logged
// in key_changes and announced with NOTIFY in the same transaction, so
// that each replica drops the key from its cache at once, and re-reads the
// log after a connection loss or periodically in case a notification was
// missed.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/sqlstore"
)

// clientGrace is how much longer than the statement timeout a call waits
// for the server before the client gives up on the connection.
const clientGrace = time.Second

// Options tune the connection to PostgreSQL.
type Options struct {
	// MaxConns bounds the connection pool (0: 10).
	MaxConns int32
	// StatementTimeout is PostgreSQL's statement_timeout (0: 5s).
	StatementTimeout time.Duration
	// Retries is how often a transaction that failed with a serialization
	// failure or a deadlock is tried again (0: 5).
	Retries int
	// NoMigrate refuses a database whose schema is older than this build's
	// instead of migrating it, for operators who migrate explicitly.
	NoMigrate bool

	// tracer sees every statement the store runs; the tests set it
	// (WithTracer) to check the plans of the store's queries.
	tracer pgx.QueryTracer
}

// Store is a keyward.Store on a PostgreSQL database (or one schema of it,
// chosen with search_path in the URL).
type Store struct {
	// The groups and policies part, shared with the SQLite store.
	*sqlstore.Store

	pool    *pgxpool.Pool
	db      *sql.DB
	retries int
	// channel is the NOTIFY channel, named after the schema so that stores in
	// different schemas of one database do not hear each other.
	channel string
	schema  string
	// changeLag is ChangeLogLag's value, as float64 bits.
	changeLag atomic.Uint64
}

var _ keyward.Store = (*Store)(nil)

// Recording implements keyward.Store.
func (s *Store) Recording(pe *keyward.PendingEvent) keyward.Store {
	return sqlstore.View(s.Store.WithEvent(pe), s)
}

// InAccount implements keyward.Store: the shared implementation's view
// scoped to the account.
func (s *Store) InAccount(id string) keyward.Store { return sqlstore.View(s.Store.ForAccount(id), s) }

// Open connects to the database at url, applies the embedded migrations
// under an advisory lock (replicas starting together take turns), and
// returns the store. A database that a newer build has migrated is refused
// with a *sqlstore.SchemaError: this build would not know what its new
// schema requires.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg.MaxConns = opts.MaxConns
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 10
	}
	timeout := opts.StatementTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(timeout.Milliseconds(), 10)
	// The server's timeout fires first while it is alive; the client's
	// deadline when it is not.
	cfg.ConnConfig.DialFunc = dialer(timeout + clientGrace)
	// A live server answers a connection or a ping in milliseconds: a
	// pooled connection that does not pong within a second is replaced,
	// and a new one gets three seconds.
	cfg.ConnConfig.ConnectTimeout = min(timeout, 3*time.Second)
	cfg.PingTimeout = time.Second
	if opts.tracer != nil {
		cfg.ConnConfig.Tracer = opts.tracer
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool, retries: opts.Retries}
	if s.retries <= 0 {
		s.retries = 5
	}
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&s.schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connecting: %w", err)
	}
	s.channel = "keyward_keys_" + s.schema
	if err := s.migrate(ctx, !opts.NoMigrate); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s.db = stdlib.OpenDBFromPool(pool)
	s.Store = sqlstore.New(sqlstore.Config{DB: s.db, Tx: s.sqlTx, Dollar: true, KeySeq: "seq", ForUpdate: " FOR UPDATE", Lateral: true,
		IsUnique: func(err error) bool { return constraint(err) != "" },
		Notify:   s.notify, RecordUses: recordUses})
	if err := s.Store.LoadFirstAccount(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the pool.
func (s *Store) Close() error {
	if s.Store != nil {
		s.Store.CloseStatements()
	}
	if s.db != nil {
		s.db.Close()
	}
	s.pool.Close()
	return nil
}

// sqlTx is tx for the database/sql code shared with SQLite.
func (s *Store) sqlTx(ctx context.Context, pe *keyward.PendingEvent, fn func(*sql.Tx) error) error {
	var err error
	for attempt := 0; attempt <= s.retries; attempt++ {
		err = func() error {
			tx, err := s.db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			if err := fn(tx); err != nil {
				tx.Rollback()
				return err
			}
			// The change's audit event goes with it.
			claimed, err := s.Store.WriteEvent(ctx, tx, pe)
			if err != nil {
				tx.Rollback()
				return err
			}
			if err := tx.Commit(); err != nil {
				if claimed != nil {
					claimed.Unclaim()
				}
				return err
			}
			s.Store.Committed()
			return nil
		}()
		if !retryable(err) {
			return err
		}
	}
	return err
}

// lockKey derives an advisory lock key from a name and the schema.
func (s *Store) lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("keyward:" + s.schema + ":" + name))
	return int64(h.Sum64())
}

// migrate applies the migrations the database lacks, after checking that
// it is not newer than this build and, unless allowed, not older.
func (s *Store) migrate(ctx context.Context, allowed bool) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, s.lockKey("migrate")); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, s.lockKey("migrate"))
	version, err := schemaVersion(ctx, conn)
	if err != nil {
		return err
	}
	if err := sqlstore.CheckSchema(version, allowed); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY)`); err != nil {
		return err
	}
	steps, err := sqlstore.Migrations(sqlstore.Postgres)
	if err != nil {
		return err
	}
	for i := version; i < len(steps); i++ {
		err = pgx.BeginFunc(ctx, conn.Conn(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, steps[i].SQL); err != nil {
				return fmt.Errorf("migrating: %s: %w", steps[i].Name, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, i+1)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// CheckSchema reports whether the database is still at the schema version
// this build writes; readiness asks it, so that a replica whose database a
// newer replica migrated stops being sent requests.
func (s *Store) CheckSchema(ctx context.Context) error {
	version, err := schemaVersion(ctx, s.pool)
	if err != nil {
		return err
	}
	return sqlstore.CheckSchema(version, false)
}

// SchemaVersionAt reads the schema version of the database at url without
// changing anything (0: no schema yet).
func SchemaVersionAt(ctx context.Context, url string) (int, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(context.Background())
	return schemaVersion(ctx, conn)
}

// schemaVersion is the number of migrations applied, 0 before the first.
func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("postgres: reading the schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var version int
	if err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return 0, fmt.Errorf("postgres: reading the schema version: %w", err)
	}
	return version, nil
}

// retryable reports whether a transaction failed only because it raced
// with another: a serialization failure or a deadlock.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// constraint returns the name of the constraint err violated, if any.
func constraint(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return pgErr.ConstraintName
	}
	return ""
}

// notify logs changes (access key IDs, keyward.PoliciesChanged or
// keyward.UsersChanged) in key_changes and announces them to every replica
// with NOTIFY; both take effect only if the transaction commits.
func (s *Store) notify(ctx context.Context, tx *sql.Tx, changes ...string) error {
	_, err := tx.ExecContext(ctx, `WITH c AS (INSERT INTO key_changes (key_id) SELECT unnest($1::text[]) RETURNING key_id)
		SELECT count(pg_notify($2, key_id)) FROM c`, changes, s.channel)
	return err
}

// recordUses writes a batch of last uses in one statement. The uses are
// sorted by key ID, so that replicas writing overlapping batches lock rows
// in the same order and do not deadlock.
func recordUses(ctx context.Context, tx *sql.Tx, uses []keyward.AccessKeyUse) error {
	uses = slices.Clone(uses)
	slices.SortFunc(uses, func(a, b keyward.AccessKeyUse) int { return strings.Compare(a.AccessKeyID, b.AccessKeyID) })
	ids := make([]string, len(uses))
	times := make([]int64, len(uses))
	services := make([]string, len(uses))
	regions := make([]string, len(uses))
	for i, u := range uses {
		ids[i], times[i], services[i], regions[i] = u.AccessKeyID, u.Time.UnixNano(), u.Service, u.Region
	}
	_, err := tx.ExecContext(ctx, `UPDATE access_keys k
		SET last_used_at = u.t, last_used_service = u.s, last_used_region = u.r
		FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS u(id, t, s, r)
		WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.t)`, ids, times, services, regions)
	return err
}
