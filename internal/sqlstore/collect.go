package sqlstore

import (
	"context"
	"database/sql"

	"github.com/keyward/keyward"
)

// rowScanner is what the scan functions read from: a *sql.Row or the
// current row of a *sql.Rows. It is an alias, so that a function written
// against the literal interface type is a scan function for collect.
type rowScanner = interface{ Scan(...any) error }

// each runs query through q and calls fn on every row it returns, until
// fn fails, so that the rows are closed and their error checked in one
// place.
func (s *Store) each(ctx context.Context, q queryer, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, s.q(query), args...)
	return eachRow(rows, err, fn)
}

// eachRow is each for rows already queried (a prepared statement's): it
// returns err, or calls fn on every row until fn fails.
func eachRow(rows *sql.Rows, err error, fn func(*sql.Rows) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// collect runs query through q and returns every row it returns, as scan
// reads it.
func collect[T any](ctx context.Context, s *Store, q queryer, query string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	var out []T
	err := s.each(ctx, q, query, args, func(r *sql.Rows) error {
		v, err := scan(r)
		out = append(out, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// collectPage is collect for a query that reads max+1 rows: it returns
// the first max and whether more follow.
func collectPage[T any](ctx context.Context, s *Store, query string, args []any, max int, scan func(rowScanner) (T, error)) ([]T, bool, error) {
	out, err := collect(ctx, s, s.DB, query, args, scan)
	if err != nil {
		return nil, false, err
	}
	out, more := page(out, max)
	return out, more, nil
}

// collectPagePrepared is collectPage through a statement prepared once
// (Store.prepared), for a read run so often, such as once per account by
// the key lifecycle's sweep, that parsing it would cost more than running
// it.
func collectPagePrepared[T any](ctx context.Context, s *Store, query string, args []any, max int, scan func(rowScanner) (T, error)) ([]T, bool, error) {
	stmt, err := s.prepared(ctx, query)
	if err != nil {
		return nil, false, err
	}
	out, err := collect(ctx, s, stmtQueryer{stmt}, query, args, scan)
	if err != nil {
		return nil, false, err
	}
	out, more := page(out, max)
	return out, more, nil
}

// stmtQueryer runs its prepared statement whatever query it is given.
type stmtQueryer struct{ stmt *sql.Stmt }

func (q stmtQueryer) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return q.stmt.QueryRowContext(ctx, args...)
}

func (q stmtQueryer) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return q.stmt.QueryContext(ctx, args...)
}

// listByName pages the rows of from (a select list and its FROM clause)
// of the view's account by name after a marker and under a path prefix,
// the listing every IAM entity with a path shares.
func listByName[T any](ctx context.Context, s *Store, from, pathPrefix, after string, max int, scan func(rowScanner) (T, error)) ([]T, bool, error) {
	// The limit is a parameter: one statement text for every page size,
	// which PostgreSQL's driver prepares and caches once.
	return collectPage(ctx, s, `SELECT `+from+` WHERE account_id = ? AND name > ? AND substr(path, 1, length(?)) = ? ORDER BY name LIMIT ?`,
		[]any{s.acct(ctx), after, pathPrefix, pathPrefix, max + 1}, max, scan)
}

// scanString reads a row of one text column.
func scanString(r rowScanner) (string, error) {
	var v string
	err := r.Scan(&v)
	return v, err
}

// scanTag reads a row of a tag's key and value.
func scanTag(r rowScanner) (keyward.Tag, error) {
	var t keyward.Tag
	err := r.Scan(&t.Key, &t.Value)
	return t, err
}

// userTags reads a user's tags in their order.
func (s *Store) userTags(ctx context.Context, q queryer, userID string) ([]keyward.Tag, error) {
	return collect(ctx, s, q, `SELECT key, value FROM user_tags WHERE user_id = ? ORDER BY pos`, []any{userID}, scanTag)
}
