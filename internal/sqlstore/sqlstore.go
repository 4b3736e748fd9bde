// Package sqlstore implements keyward.Store once, on database/sql, for both
// SQLite and PostgreSQL: the account, users, access keys, groups, inline
// and managed policies and their attachments, login profiles, the password
// policy, the credential report and the console's queries, with one set of
// migrations. Each backend supplies its connection, its transactions
// (SQLite's group commit, PostgreSQL's retries) and a few hooks where the
// dialects really differ: row locks, the change log PostgreSQL announces to
// other replicas, batched last-use writes, prepared write statements.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keyward/keyward"
)

// Config is what a backend supplies: its connections, its transactions
// and the hooks where the two dialects differ.
type Config struct {
	// DB serves reads.
	DB *sql.DB
	// Tx runs fn in a write transaction (SQLite's group commit,
	// PostgreSQL's retries after a serialization failure) and writes pe,
	// when not nil, in the same transaction (WriteEvent).
	Tx func(ctx context.Context, pe *keyward.PendingEvent, fn func(*sql.Tx) error) error
	// Notify runs inside a write transaction that changes what other
	// replicas cache: access key IDs, keyward.PoliciesChanged or
	// keyward.UsersChanged (PostgreSQL's change log and NOTIFY). Nil for a
	// store one process serves alone.
	Notify func(ctx context.Context, tx *sql.Tx, changes ...string) error
	// RecordUses writes a batch of last uses in one statement
	// (PostgreSQL's unnest); nil: one prepared UPDATE per use.
	RecordUses func(ctx context.Context, tx *sql.Tx, uses []keyward.AccessKeyUse) error
	// WriteDB, when set, is the one connection writes run on (SQLite):
	// write statements are prepared on it once.
	WriteDB *sql.DB
	// Dollar numbers placeholders $1, $2, … (PostgreSQL) instead of ?.
	Dollar bool
	// IsUnique reports whether err violates a unique constraint.
	IsUnique func(err error) bool
	// ForUpdate locks the rows a query reads until the transaction ends
	// (" FOR UPDATE" on PostgreSQL; "" on SQLite, whose one writer
	// serialises write transactions anyway).
	ForUpdate string
	// KeySeq is the column that orders access keys by creation: "rowid"
	// on SQLite, "seq" on PostgreSQL.
	KeySeq string
	// Lateral joins a subquery that reads the rows joined before it
	// (PostgreSQL's JOIN LATERAL); without it (SQLite, which has none), a
	// correlated subquery's list of IDs is joined by the primary key.
	Lateral bool
}

// Store implements keyward.Store but for what only a backend can do:
// opening and migrating its database, running transactions, working
// alone (Exclusive) and closing. A Store is a view: the store itself
// writes no audit event, and WithEvent gives the view one request's
// change is written through. A view is scoped to one account
// (ForAccount): every query of an account's entities reads and writes
// only its rows (account_id = the view's account), and the store as
// opened is scoped to the installation's first account.
type Store struct {
	*state
	// event is the audit event of the request whose change this view
	// writes (WithEvent); nil for the store itself.
	event *keyward.PendingEvent
	// account is the ID of the view's account; "" for the installation's
	// first account (first).
	account string
}

// state is what every view of one store shares.
type state struct {
	Config
	// webhookHost names the deployment in webhook events' source, and
	// onDeliveries is called after a write transaction that wrote webhook
	// deliveries commits: both set by WireWebhooks.
	webhookHostName atomic.Pointer[string]
	onDeliveries    atomic.Pointer[func()]
	enqueued        atomic.Bool

	stmts sync.Map // query → *sql.Stmt on DB
	wstmt sync.Map // query → *sql.Stmt on WriteDB

	// first is the ID of the installation's first account, read once it
	// exists: it never changes afterwards. firstReading is held while it
	// is read again.
	first        atomic.Pointer[string]
	firstReading sync.Mutex
}

// New returns the store of a backend's configuration.
func New(c Config) *Store { return &Store{state: &state{Config: c}} }

// WithEvent returns the view of s that writes pe, the audit event of one
// request, in the transaction of the change it makes: the two commit
// together or not at all. The first write transaction to commit claims the
// event; a view's later writes write none.
func (s *Store) WithEvent(pe *keyward.PendingEvent) *Store {
	return &Store{state: s.state, event: pe, account: s.account}
}

// ForAccount returns the view of s scoped to the account with this ID,
// writing s's event if it has one.
func (s *Store) ForAccount(id string) *Store {
	return &Store{state: s.state, event: s.event, account: id}
}

// Backend is what a dialect adds to the shared implementation to make a
// keyward.Store: its Exclusive and its Close.
type Backend interface {
	Exclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error)
	io.Closer
}

// View is what a backend's Recording and InAccount return: s, a view of
// the shared implementation (WithEvent, ForAccount) that writes the
// request's event and reads and writes the account's rows, with the
// backend for the rest; one type for both dialects' views.
func View(s *Store, b Backend) keyward.Store { return view{s, b} }

// view is a view of a backend's store: one request's change, one account.
type view struct {
	*Store
	Backend
}

var _ keyward.Store = view{}

// Recording implements keyward.Store: the view keeps its account.
func (v view) Recording(pe *keyward.PendingEvent) keyward.Store {
	return view{v.Store.WithEvent(pe), v.Backend}
}

// InAccount implements keyward.Store: the view keeps its event.
func (v view) InAccount(id string) keyward.Store { return view{v.Store.ForAccount(id), v.Backend} }

// acct returns the ID of the view's account: its own, or the
// installation's first account. Before InitAccount there is none, and the
// unscoped store writes its rows with an empty account_id, which
// InitAccount gives to the first account.
func (s *Store) acct(ctx context.Context) string {
	if s.account != "" {
		return s.account
	}
	if p := s.first.Load(); p != nil && *p != "" {
		return *p
	}
	// None yet: another replica may have made it since. One caller at a
	// time reads it again (the others take none), so that transactions
	// waiting here for a second connection cannot hold every connection;
	// and that one for a moment only: acct is called inside write
	// transactions, and the work holding the other connections may be
	// waiting for this one's (writers queued on a row it locked, or
	// background work that writes while it holds its own connection). A
	// read that does not finish in time leaves the account none, as for
	// the callers that take no read.
	if s.firstReading.TryLock() {
		rctx, cancel := context.WithTimeout(ctx, firstReadTimeout)
		_ = s.LoadFirstAccount(rctx)
		cancel()
		s.firstReading.Unlock()
	}
	if p := s.first.Load(); p != nil {
		return *p
	}
	return ""
}

// firstReadTimeout bounds acct's read of the first account: a query a
// live server answers in a millisecond.
const firstReadTimeout = 100 * time.Millisecond

// LoadFirstAccount reads the ID of the installation's first account, or
// its absence: the backends call it when they open, and InitAccount when
// it has made or found the account.
func (s *Store) LoadFirstAccount(ctx context.Context) error {
	var id string
	err := s.DB.QueryRowContext(ctx, `SELECT id FROM account WHERE singleton = 1`).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	s.first.Store(&id)
	return nil
}

// transact runs fn in a write transaction with the view's event.
func (s *Store) transact(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.Tx(ctx, s.event, fn)
}

// The backends add Exclusive and Close to make a keyward.Store.
var _ keyward.PolicyStore = (*Store)(nil)

// q rewrites ? placeholders for the backend.
func (s *Store) q(query string) string {
	return Placeholders(query, s.Dollar)
}

// Placeholders numbers query's ? placeholders as $1, $2, … when dollar
// (PostgreSQL's), and leaves them otherwise (SQLite's).
func Placeholders(query string, dollar bool) string {
	if !dollar {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// write runs fn in a write transaction; a change to what policy
// evaluation sees is announced with it.
func (s *Store) write(ctx context.Context, policyChange bool, fn func(*sql.Tx) error) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if policyChange {
			return s.notify(ctx, tx, keyward.PoliciesChanged)
		}
		return nil
	})
}

// prepared returns a read statement prepared once: parsing SQL costs more
// than running the most frequent reads.
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.DB.PrepareContext(ctx, s.q(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// The statements of the most frequent writes: with WriteDB, prepared on it
// once by PrepareWrites.
const (
	stmtOwnerID   = `SELECT id FROM users WHERE account_id = ? AND name_fold = ?`
	stmtInsertKey = `INSERT INTO access_keys (id, account_id, user_id, status, created_at, sealed_secret, expires_at)
		SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM access_keys WHERE account_id = ? AND user_id = ?) < ?`
)

// PrepareWrites prepares the frequent write statements on WriteDB. It must
// run before any transaction: WriteDB has one connection, which a
// transaction holds.
func (s *Store) PrepareWrites(ctx context.Context) error {
	for _, q := range []string{stmtOwnerID, stmtOwnerID + s.ForUpdate, stmtInsertKey} {
		if _, ok := s.wstmt.Load(q); ok {
			continue
		}
		st, err := s.WriteDB.PrepareContext(ctx, s.q(q))
		if err != nil {
			return err
		}
		s.wstmt.Store(q, st)
	}
	return nil
}

// writeStmt returns query as a statement of tx: the one PrepareWrites
// made, or one prepared in tx.
func (s *Store) writeStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := s.wstmt.Load(query); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, s.q(query))
}

// notify announces changes inside tx, where other replicas need them.
func (s *Store) notify(ctx context.Context, tx *sql.Tx, changes ...string) error {
	if s.Notify == nil || len(changes) == 0 {
		return nil
	}
	return s.Notify(ctx, tx, changes...)
}

// CloseStatements releases the prepared statements.
func (s *Store) CloseStatements() {
	for _, m := range []*sync.Map{&s.stmts, &s.wstmt} {
		m.Range(func(k, v any) bool {
			v.(*sql.Stmt).Close()
			m.Delete(k)
			return true
		})
	}
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func toNanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// entityID resolves a user or group name to its ID.
func (s *Store) entityID(ctx context.Context, q queryer, e keyward.Entity) (string, error) {
	table, missing := entityTable(e.Kind)
	var id string
	err := q.QueryRowContext(ctx, s.q(`SELECT id FROM `+table+` WHERE account_id = ? AND name_fold = ?`), s.acct(ctx), keyward.FoldName(e.Name)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", missing
	}
	return id, err
}

// lockEntity returns the ID of e's row, locked until tx ends (PostgreSQL;
// SQLite's one writer serialises): quotas on what the entity holds hold
// against concurrent writes.
func (s *Store) lockEntity(ctx context.Context, tx *sql.Tx, e keyward.Entity) (string, error) {
	table, missing := entityTable(e.Kind)
	var id string
	err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM `+table+` WHERE account_id = ? AND name_fold = ?`+s.ForUpdate), s.acct(ctx), keyward.FoldName(e.Name)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", missing
	}
	return id, err
}

// entityTable names the table of an entity kind and the error for one
// that does not exist.
func entityTable(kind string) (string, error) {
	switch kind {
	case keyward.EntityGroup:
		return "groups", keyward.ErrNoSuchGroup
	case keyward.EntityRole:
		return "roles", keyward.ErrNoSuchRole
	}
	return "users", keyward.ErrNoSuchUser
}

// withinQuota returns ErrQuotaExceeded when count, a query of one count,
// counts max or more. A per-account count is taken with the account's
// row locked (lockAccount), a per-entity one with the entity's.
func withinQuota(ctx context.Context, tx *sql.Tx, count string, max int, args ...any) error {
	var n int
	if err := tx.QueryRowContext(ctx, count, args...).Scan(&n); err != nil {
		return err
	}
	if n >= max {
		return keyward.ErrQuotaExceeded
	}
	return nil
}

// lockAccount locks the account's row until tx ends: it serialises the
// creates a per-account quota counts.
func (s *Store) lockAccount(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, s.q(`SELECT 1 FROM accounts WHERE id = ?`+s.ForUpdate), s.acct(ctx))
	return err
}

// accountQuota locks the account's row and returns ErrQuotaExceeded when
// table holds max rows of the account or more (where, " AND …", narrows
// what counts).
func (s *Store) accountQuota(ctx context.Context, tx *sql.Tx, table, where string, max int) error {
	if err := s.lockAccount(ctx, tx); err != nil {
		return err
	}
	return withinQuota(ctx, tx, s.q(`SELECT count(*) FROM `+table+` WHERE account_id = ?`+where), max, s.acct(ctx))
}

// page trims a result of max+1 rows to max and reports whether more follow.
func page[T any](items []T, max int) ([]T, bool) {
	if len(items) > max {
		return items[:max], true
	}
	return items, false
}

// CreateGroup implements keyward.PolicyStore.
func (s *Store) CreateGroup(ctx context.Context, g keyward.Group, max int) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		if err := s.accountQuota(ctx, tx, "groups", "", max); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO groups (id, account_id, name, name_fold, path, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
			g.ID, s.acct(ctx), g.Name, keyward.FoldName(g.Name), g.Path, toNanos(g.CreatedAt))
		return s.unique(err, keyward.ErrGroupExists)
	})
}

func scanGroup(row interface{ Scan(...any) error }) (keyward.Group, error) {
	var g keyward.Group
	var created int64
	err := row.Scan(&g.ID, &g.Name, &g.Path, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return g, keyward.ErrNoSuchGroup
	}
	g.CreatedAt = fromNanos(created)
	return g, err
}

// Group implements keyward.PolicyStore.
func (s *Store) Group(ctx context.Context, name string) (keyward.Group, error) {
	return scanGroup(s.DB.QueryRowContext(ctx, s.q(`SELECT id, name, path, created_at FROM groups WHERE account_id = ? AND name_fold = ?`), s.acct(ctx), keyward.FoldName(name)))
}

func (s *Store) groups(ctx context.Context, query string, max int, args ...any) ([]keyward.Group, bool, error) {
	return collectPage(ctx, s, query, args, max, scanGroup)
}

// ListGroups implements keyward.PolicyStore.
func (s *Store) ListGroups(ctx context.Context, pathPrefix, after string, max int) ([]keyward.Group, bool, error) {
	return s.groups(ctx, `SELECT id, name, path, created_at FROM groups
		WHERE account_id = ? AND name > ? AND substr(path, 1, length(?)) = ? ORDER BY name LIMIT ?`, max, s.acct(ctx), after, pathPrefix, pathPrefix, max+1)
}

// GroupMembers implements keyward.PolicyStore.
func (s *Store) GroupMembers(ctx context.Context, group, after string, max int) ([]keyward.User, bool, error) {
	gid, err := s.entityID(ctx, s.DB, keyward.Entity{Kind: keyward.EntityGroup, Name: group})
	if err != nil {
		return nil, false, err
	}
	return collectPage(ctx, s, `SELECT u.id, u.name, u.path, u.created_at FROM group_members m JOIN users u ON u.id = m.user_id
		WHERE m.group_id = ? AND u.name > ? ORDER BY u.name LIMIT ?`, []any{gid, after, max + 1}, max, func(r rowScanner) (keyward.User, error) {
		var u keyward.User
		var created int64
		err := r.Scan(&u.ID, &u.Name, &u.Path, &created)
		u.CreatedAt = fromNanos(created)
		return u, err
	})
}

// inUse reports whether an entity has members, memberships or policies.
func (s *Store) inUse(ctx context.Context, tx *sql.Tx, kind, id string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, s.q(`SELECT
		(SELECT count(*) FROM group_members WHERE group_id = ? OR user_id = ?) +
		(SELECT count(*) FROM inline_policies WHERE kind = ? AND entity_id = ?) +
		(SELECT count(*) FROM policy_attachments WHERE kind = ? AND entity_id = ?) +
		(SELECT count(*) FROM login_profiles WHERE user_id = ?)`), id, id, kind, id, kind, id, id).Scan(&n)
	return n > 0, err
}

// EntityInUse reports whether the user or group with this ID still has
// group memberships or policies: the backends' DeleteUser asks it.
func (s *Store) EntityInUse(ctx context.Context, tx *sql.Tx, kind, id string) (bool, error) {
	return s.inUse(ctx, tx, kind, id)
}

// DeleteGroup implements keyward.PolicyStore.
func (s *Store) DeleteGroup(ctx context.Context, name string) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		id, err := s.entityID(ctx, tx, keyward.Entity{Kind: keyward.EntityGroup, Name: name})
		if err != nil {
			return err
		}
		if used, err := s.inUse(ctx, tx, keyward.EntityGroup, id); err != nil || used {
			if used {
				return keyward.ErrEntityInUse
			}
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM groups WHERE id = ?`), id)
		return err
	})
}

func (s *Store) membership(ctx context.Context, tx *sql.Tx, group, user string) (gid, uid string, err error) {
	if gid, err = s.entityID(ctx, tx, keyward.Entity{Kind: keyward.EntityGroup, Name: group}); err != nil {
		return "", "", err
	}
	uid, err = s.entityID(ctx, tx, keyward.Entity{Kind: keyward.EntityUser, Name: user})
	return gid, uid, err
}

// AddUserToGroup implements keyward.PolicyStore.
func (s *Store) AddUserToGroup(ctx context.Context, group, user string, max int) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		gid, err := s.entityID(ctx, tx, keyward.Entity{Kind: keyward.EntityGroup, Name: group})
		if err != nil {
			return err
		}
		uid, err := s.lockEntity(ctx, tx, keyward.Entity{Kind: keyward.EntityUser, Name: user})
		if err != nil {
			return err
		}
		// Adding a member again changes nothing, at the quota too.
		err = withinQuota(ctx, tx, s.q(`SELECT count(*) FROM group_members WHERE user_id = ? AND group_id <> ?`), max, uid, gid)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`), gid, uid)
		return err
	})
}

// RemoveUserFromGroup implements keyward.PolicyStore.
func (s *Store) RemoveUserFromGroup(ctx context.Context, group, user string) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		gid, uid, err := s.membership(ctx, tx, group, user)
		if err != nil {
			return err
		}
		return affected(tx.ExecContext(ctx, s.q(`DELETE FROM group_members WHERE group_id = ? AND user_id = ?`), gid, uid))
	})
}

// affected turns "no row changed" into ErrNotAttached.
func affected(res sql.Result, err error) error {
	return changedOr(keyward.ErrNotAttached, res, err)
}

// underQuota is accountQuota for a quota with an error of its own, over.
func (s *Store) underQuota(ctx context.Context, tx *sql.Tx, table string, max int, over error) error {
	if err := s.accountQuota(ctx, tx, table, "", max); errors.Is(err, keyward.ErrQuotaExceeded) {
		return over
	} else if err != nil {
		return err
	}
	return nil
}

// changedOr checks a write by key: the error it failed with, none when it
// changed no row (the key names nothing, or a guard in its WHERE held),
// and nil when it changed a row.
func changedOr(none error, res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return none
	}
	return nil
}

// ListGroupsForUser implements keyward.PolicyStore.
func (s *Store) ListGroupsForUser(ctx context.Context, user, after string, max int) ([]keyward.Group, bool, error) {
	uid, err := s.entityID(ctx, s.DB, keyward.Entity{Kind: keyward.EntityUser, Name: user})
	if err != nil {
		return nil, false, err
	}
	return s.groups(ctx, `SELECT g.id, g.name, g.path, g.created_at FROM group_members m JOIN groups g ON g.id = m.group_id
		WHERE m.user_id = ? AND g.name > ? ORDER BY g.name LIMIT ?`, max, uid, after, max+1)
}

// PutInlinePolicy implements keyward.PolicyStore.
func (s *Store) PutInlinePolicy(ctx context.Context, e keyward.Entity, name, document string, maxSize int) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		id, err := s.lockEntity(ctx, tx, e)
		if err != nil {
			return err
		}
		// The entity's other policies and this one, as IAM counts them.
		others, err := collect(ctx, s, tx, `SELECT document FROM inline_policies WHERE kind = ? AND entity_id = ? AND name <> ?`, []any{e.Kind, id, name},
			func(r rowScanner) (doc string, err error) { return doc, r.Scan(&doc) })
		if err != nil {
			return err
		}
		size := keyward.PolicySize(document)
		for _, doc := range others {
			size += keyward.PolicySize(doc)
		}
		if size > maxSize {
			return keyward.ErrQuotaExceeded
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO inline_policies (kind, entity_id, name, document) VALUES (?, ?, ?, ?)
			ON CONFLICT (kind, entity_id, name) DO UPDATE SET document = excluded.document`), e.Kind, id, name, document)
		return err
	})
}

// InlinePolicy implements keyward.PolicyStore.
func (s *Store) InlinePolicy(ctx context.Context, e keyward.Entity, name string) (string, error) {
	id, err := s.entityID(ctx, s.DB, e)
	if err != nil {
		return "", err
	}
	var doc string
	err = s.DB.QueryRowContext(ctx, s.q(`SELECT document FROM inline_policies WHERE kind = ? AND entity_id = ? AND name = ?`), e.Kind, id, name).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", keyward.ErrNoSuchPolicy
	}
	return doc, err
}

// ListInlinePolicies implements keyward.PolicyStore.
func (s *Store) ListInlinePolicies(ctx context.Context, e keyward.Entity, after string, max int) ([]string, bool, error) {
	id, err := s.entityID(ctx, s.DB, e)
	if err != nil {
		return nil, false, err
	}
	return collectPage(ctx, s, `SELECT name FROM inline_policies WHERE kind = ? AND entity_id = ? AND name > ? ORDER BY name LIMIT ?`,
		[]any{e.Kind, id, after, max + 1}, max, scanString)
}

// DeleteInlinePolicy implements keyward.PolicyStore.
func (s *Store) DeleteInlinePolicy(ctx context.Context, e keyward.Entity, name string) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		id, err := s.entityID(ctx, tx, e)
		if err != nil {
			return err
		}
		err = affected(tx.ExecContext(ctx, s.q(`DELETE FROM inline_policies WHERE kind = ? AND entity_id = ? AND name = ?`), e.Kind, id, name))
		if errors.Is(err, keyward.ErrNotAttached) {
			return keyward.ErrNoSuchPolicy
		}
		return err
	})
}

// UpdateGroup implements keyward.PolicyStore; compiled policies name their
// groups, so the change is announced as a policy change.
func (s *Store) UpdateGroup(ctx context.Context, name string, newName, newPath *string) (keyward.Group, error) {
	var g keyward.Group
	err := s.write(ctx, true, func(tx *sql.Tx) error {
		var created int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT id, name, path, created_at FROM groups WHERE account_id = ? AND name_fold = ?`+s.ForUpdate), s.acct(ctx), keyward.FoldName(name)).
			Scan(&g.ID, &g.Name, &g.Path, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return keyward.ErrNoSuchGroup
		}
		if err != nil {
			return err
		}
		g.CreatedAt = fromNanos(created)
		if newName != nil {
			g.Name = *newName
		}
		if newPath != nil {
			g.Path = *newPath
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE groups SET name = ?, name_fold = ?, path = ? WHERE id = ?`), g.Name, keyward.FoldName(g.Name), g.Path, g.ID)
		return s.unique(err, keyward.ErrGroupExists)
	})
	return g, err
}

// deletedOne turns the result of a DELETE of one row into missing when it
// deleted none.
func deletedOne(res sql.Result, err error, missing error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = missing
		}
		return err
	}
	return nil
}

// unique turns a violation of a unique constraint into exists, the store's
// sentinel for what is already there.
func (s *Store) unique(err, exists error) error {
	if err != nil && s.IsUnique(err) {
		return exists
	}
	return err
}
