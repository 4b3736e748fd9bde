package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/keyward/keyward"
)

// AccessKeyPolicy returns the account's key lifecycle policy;
// keyward.ErrNoAccessKeyPolicy when it has none.
func (s *Store) AccessKeyPolicy(ctx context.Context) (keyward.AccessKeyPolicy, error) {
	var p keyward.AccessKeyPolicy
	var doc string
	err := s.DB.QueryRowContext(ctx, s.q(`SELECT policy FROM access_key_policy WHERE account_id = ?`), s.acct(ctx)).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return p, keyward.ErrNoAccessKeyPolicy
	}
	if err != nil {
		return p, err
	}
	return p, json.Unmarshal([]byte(doc), &p)
}

// PutAccessKeyPolicy sets the account's key lifecycle policy, with the
// request's event.
func (s *Store) PutAccessKeyPolicy(ctx context.Context, p keyward.AccessKeyPolicy) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.write(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO access_key_policy (account_id, policy, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`), s.acct(ctx), string(doc), toNanos(p.UpdatedAt))
		return err
	})
}

// DeleteAccessKeyPolicy removes it; keyward.ErrNoAccessKeyPolicy.
func (s *Store) DeleteAccessKeyPolicy(ctx context.Context) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		err := affected(tx.ExecContext(ctx, s.q(`DELETE FROM access_key_policy WHERE account_id = ?`), s.acct(ctx)))
		if errors.Is(err, keyward.ErrNotAttached) {
			return keyward.ErrNoAccessKeyPolicy
		}
		return err
	})
}

// AccessKeyPolicies pages the policies of every account that has one, by
// the table's key: the sweep reads only the accounts with a policy, not
// every account.
func (s *Store) AccessKeyPolicies(ctx context.Context, after string, max int) ([]keyward.AccountKeyPolicy, bool, error) {
	if max <= 0 {
		max = 1000
	}
	return collectPage(ctx, s, `SELECT account_id, policy FROM access_key_policy WHERE account_id > ? ORDER BY account_id LIMIT ?`,
		[]any{after, max + 1}, max, func(r rowScanner) (keyward.AccountKeyPolicy, error) {
			var p keyward.AccountKeyPolicy
			var doc string
			if err := r.Scan(&p.AccountID, &doc); err != nil {
				return p, err
			}
			return p, json.Unmarshal([]byte(doc), &p.Policy)
		})
}

// dueWhere is, by rule, the condition that makes a key due at a cutoff
// (the one argument it takes): what the sweep selects by and, again, what
// the conditional update requires, so that a key changed meanwhile (used,
// reactivated, rotated) is left alone.
var dueWhere = map[string]string{
	keyward.RuleExpired:        `status = 'Active' AND expires_at IS NOT NULL AND expires_at <= ?`,
	keyward.RuleMaxAge:         `status = 'Active' AND created_at <= ?`,
	keyward.RuleUnused:         `status = 'Active' AND coalesce(last_used_at, created_at) <= ?`,
	keyward.RuleDeleteInactive: `status = 'Inactive' AND inactive_since IS NOT NULL AND inactive_since <= ?`,
}

// sinceColumn is, by rule, the date that crosses the rule's boundary as
// time passes.
var sinceColumn = map[string]string{keyward.RuleExpired: "expires_at", keyward.RuleMaxAge: "created_at", keyward.RuleDeleteInactive: "inactive_since"}

// DueAccessKeys returns the keys q selects, by the indexes on expiry,
// creation, last use and deactivation: the sweep reads what is due, not
// every key.
func (s *Store) DueAccessKeys(ctx context.Context, q keyward.DueKeys) ([]keyward.AccessKey, bool, error) {
	where, ok := dueWhere[q.Reason]
	if !ok {
		return nil, false, fmt.Errorf("sqlstore: no lifecycle rule %q", q.Reason)
	}
	args := []any{toNanos(q.Cutoff)}
	if q.Reason == keyward.RuleUnused {
		// Two ranges the index on (status, last_used_at, created_at)
		// serves, rather than an expression no index holds.
		where = `status = 'Active' AND (last_used_at <= ? OR (last_used_at IS NULL AND created_at <= ?))`
		args = append(args, toNanos(q.Cutoff))
		if !q.Since.IsZero() {
			where = `status = 'Active' AND ((last_used_at > ? AND last_used_at <= ?) OR (last_used_at IS NULL AND created_at > ? AND created_at <= ?))`
			args = []any{toNanos(q.Since), toNanos(q.Cutoff), toNanos(q.Since), toNanos(q.Cutoff)}
		}
	} else if !q.Since.IsZero() {
		where += ` AND ` + sinceColumn[q.Reason] + ` > ?`
		args = append(args, toNanos(q.Since))
	}
	if q.Warn {
		switch q.Reason {
		case keyward.RuleExpired:
			where += ` AND (warned_for IS NULL OR warned_for <> expires_at)`
		case keyward.RuleMaxAge:
			where += ` AND (warned_for IS NULL OR warned_for <> created_at + ?)`
			args = append(args, int64(q.MaxAge))
		default:
			return nil, false, fmt.Errorf("sqlstore: no warning for rule %q", q.Reason)
		}
	}
	max := q.Max
	if max <= 0 {
		max = 1000
	}
	// One account's keys by range on the indexes that lead with the
	// account, or every account's (a key's own expiry date) by range on
	// the one that leads with the status.
	if !q.AllAccounts {
		where = `account_id = ? AND ` + where
		args = append([]any{s.acct(ctx)}, args...)
	}
	args = append(args, q.After, max+1)
	query := `SELECT k.id, k.account_id, k.user_id, coalesce(u.name, ''), coalesce(u.path, ''), k.status, k.created_at, k.last_used_at,
			k.expires_at, k.inactive_since, k.warned_for
		FROM (SELECT * FROM access_keys WHERE ` + where + `) k LEFT JOIN users u ON u.id = k.user_id
		WHERE k.id > ? ORDER BY k.id LIMIT ?`
	return collectPagePrepared(ctx, s, query, args, max, func(r rowScanner) (keyward.AccessKey, error) {
		var k keyward.AccessKey
		var created int64
		var lastUsed, expires, inactive, warned sql.NullInt64
		err := r.Scan(&k.ID, &k.AccountID, &k.UserID, &k.UserName, &k.UserPath, &k.Status, &created, &lastUsed, &expires, &inactive, &warned)
		k.CreatedAt = fromNanos(created)
		k.LastUsed.Time, k.ExpiresAt, k.InactiveSince, k.WarnedFor = nanosOrZero(lastUsed), nanosOrZero(expires), nanosOrZero(inactive), nanosOrZero(warned)
		return k, err
	})
}

// TransitionAccessKey makes t in one conditional statement, which the
// key's row lock serialises: of replicas racing, the first changes the
// row and the others find it no longer due. Its event is written in the
// same transaction, only by the one that made it.
func (s *Store) TransitionAccessKey(ctx context.Context, t keyward.KeyTransition) (bool, error) {
	var query string
	var args []any
	switch {
	case !t.Warn.IsZero():
		query, args = `UPDATE access_keys SET warned_for = ? WHERE id = ? AND status = 'Active' AND (warned_for IS NULL OR warned_for <> ?)`,
			[]any{toNanos(t.Warn), t.AccessKeyID, toNanos(t.Warn)}
	case t.Reason == keyward.RuleDeleteInactive:
		query, args = `DELETE FROM access_keys WHERE id = ? AND `+dueWhere[t.Reason], []any{t.AccessKeyID, toNanos(t.Cutoff)}
	default:
		where, ok := dueWhere[t.Reason]
		if !ok {
			return false, fmt.Errorf("sqlstore: no lifecycle rule %q", t.Reason)
		}
		query, args = `UPDATE access_keys SET status = 'Inactive', inactive_since = ? WHERE id = ? AND `+where,
			[]any{toNanos(t.At), t.AccessKeyID, toNanos(t.Cutoff)}
	}
	done := false
	err := s.transact(ctx, func(tx *sql.Tx) error {
		done = false
		res, err := tx.ExecContext(ctx, s.q(query), args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if err := s.insertEvent(ctx, tx, t.Event); err != nil {
			return err
		}
		done = true
		if !t.Warn.IsZero() {
			return nil // nothing any cache holds changed
		}
		return s.notify(ctx, tx, t.AccessKeyID)
	})
	return done && err == nil, err
}

// UsersTagged returns the IDs of the view's account's users tagged key
// (with value value, or any value when it is empty).
func (s *Store) UsersTagged(ctx context.Context, key, value string) (map[string]bool, error) {
	query, args := `SELECT user_id FROM user_tags WHERE account_id = ? AND key = ?`, []any{s.acct(ctx), key}
	if value != "" {
		query, args = query+` AND value = ?`, append(args, value)
	}
	stmt, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	ids, err := collect(ctx, s, stmtQueryer{stmt}, query, args, func(r rowScanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// CountAccessKeys counts the installation's active keys, of every
// account, created after each bound (newest first) and before the last,
// and those expiring at or before soon: range counts on the indexes, for
// the metrics, which are the installation's.
func (s *Store) CountAccessKeys(ctx context.Context, bounds []time.Time, soon time.Time) ([]int, int, error) {
	var total int
	if err := s.DB.QueryRowContext(ctx, s.q(`SELECT count(*) FROM access_keys WHERE status = 'Active'`)).Scan(&total); err != nil {
		return nil, 0, err
	}
	out := make([]int, len(bounds)+1)
	prev := 0
	for i, b := range bounds {
		var n int
		if err := s.DB.QueryRowContext(ctx, s.q(`SELECT count(*) FROM access_keys WHERE status = 'Active' AND created_at > ?`), toNanos(b)).Scan(&n); err != nil {
			return nil, 0, err
		}
		out[i], prev = n-prev, n
	}
	out[len(bounds)] = total - prev
	var expiring int
	err := s.DB.QueryRowContext(ctx, s.q(`SELECT count(*) FROM access_keys WHERE status = 'Active' AND expires_at IS NOT NULL AND expires_at <= ?`), toNanos(soon)).Scan(&expiring)
	return out, expiring, err
}
