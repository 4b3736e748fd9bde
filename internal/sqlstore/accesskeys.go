package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// CreateAccessKey implements keyward.Store. With the owner's row locked
// (PostgreSQL; SQLite's one writer serialises), one statement inserts the
// key only if the owner has room: two replicas cannot both take the last
// free slot.
func (s *Store) CreateAccessKey(ctx context.Context, userName string, k keyward.AccessKey) (keyward.AccessKey, error) {
	err := s.transact(ctx, func(tx *sql.Tx) error {
		var err error
		if k.UserID, err = s.lockUser(ctx, tx, userName); err != nil {
			return err
		}
		insert, err := s.writeStmt(ctx, tx, stmtInsertKey)
		if err != nil {
			return err
		}
		k.AccountID = s.acct(ctx)
		res, err := insert.ExecContext(ctx, k.ID, k.AccountID, k.UserID, k.Status, toNanos(k.CreatedAt), k.SealedSecret, nullNanos(k.ExpiresAt), k.AccountID, k.UserID, keyward.MaxAccessKeysPerUser)
		if err != nil && s.IsUnique(err) {
			return keyward.ErrAccessKeyExists
		}
		if err := changedOr(keyward.ErrAccessKeyQuota, res, err); err != nil {
			return err
		}
		// Other replicas may hold a negative cache entry for this ID.
		return s.notify(ctx, tx, k.ID)
	})
	return k, err
}

const keyColumns = `k.id, k.account_id, k.user_id, coalesce(u.name, ''), coalesce(u.path, ''), k.status, k.created_at, k.sealed_secret,
	k.last_used_at, coalesce(k.last_used_service, ''), coalesce(k.last_used_region, ''), k.expires_at, k.inactive_since, k.warned_for`

// AccessKey implements keyward.Store: a global lookup, whatever the
// view's account, which tells the key's account.
func (s *Store) AccessKey(ctx context.Context, id string) (keyward.AccessKey, error) {
	stmt, err := s.prepared(ctx, `SELECT `+keyColumns+` FROM access_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.id = ?`)
	if err != nil {
		return keyward.AccessKey{}, err
	}
	var k keyward.AccessKey
	var created int64
	var lastUsed, expires, inactive, warned sql.NullInt64
	err = stmt.QueryRowContext(ctx, id).Scan(&k.ID, &k.AccountID, &k.UserID, &k.UserName, &k.UserPath, &k.Status, &created, &k.SealedSecret,
		&lastUsed, &k.LastUsed.Service, &k.LastUsed.Region, &expires, &inactive, &warned)
	if errors.Is(err, sql.ErrNoRows) {
		return k, keyward.ErrNoSuchAccessKey
	}
	k.CreatedAt = fromNanos(created)
	k.LastUsed.Time, k.ExpiresAt, k.InactiveSince, k.WarnedFor = nanosOrZero(lastUsed), nanosOrZero(expires), nanosOrZero(inactive), nanosOrZero(warned)
	return k, err
}

// nullNanos is t in nanoseconds, or NULL for the zero time.
func nullNanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return toNanos(t)
}

// nanosOrZero is the time a nullable column holds, zero for NULL.
func nanosOrZero(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromNanos(n.Int64)
}

// ListAccessKeys implements keyward.Store: one prepared statement, without
// a transaction, since listing keys is among the most frequent calls; the
// left join tells "no keys" from "no user".
func (s *Store) ListAccessKeys(ctx context.Context, userName, after string, max int) ([]keyward.AccessKey, bool, error) {
	seq := s.KeySeq
	query, args := `SELECT u.id, u.name, u.path, k.id, k.status, k.created_at, k.last_used_at,
			coalesce(k.last_used_service, ''), coalesce(k.last_used_region, ''), k.expires_at
		FROM users u LEFT JOIN access_keys k ON k.account_id = u.account_id AND k.user_id = u.id
			AND k.`+seq+` > coalesce((SELECT `+seq+` FROM access_keys WHERE id = ?), 0)
		WHERE u.account_id = ? AND u.name_fold = ? ORDER BY k.`+seq+` LIMIT ?`, []any{after, s.acct(ctx), keyward.FoldName(userName), max + 1}
	if userName == "" {
		query, args = `SELECT '', '', '', k.id, k.status, k.created_at, k.last_used_at,
				coalesce(k.last_used_service, ''), coalesce(k.last_used_region, ''), k.expires_at
			FROM access_keys k
			WHERE k.account_id = ? AND k.user_id = '' AND k.`+seq+` > coalesce((SELECT `+seq+` FROM access_keys WHERE id = ?), 0)
			ORDER BY k.`+seq+` LIMIT ?`, []any{s.acct(ctx), after, max + 1}
	}
	stmt, err := s.prepared(ctx, query)
	if err != nil {
		return nil, false, err
	}
	rows, err := stmt.QueryContext(ctx, args...)
	var keys []keyward.AccessKey
	found := userName == ""
	err = eachRow(rows, err, func(rows *sql.Rows) error {
		var k keyward.AccessKey
		var id, status sql.NullString
		var created, lastUsed, expires sql.NullInt64
		if err := rows.Scan(&k.UserID, &k.UserName, &k.UserPath, &id, &status, &created, &lastUsed, &k.LastUsed.Service, &k.LastUsed.Region, &expires); err != nil {
			return err
		}
		found = true
		if !id.Valid {
			return nil // the user exists and has no keys (the left join's row)
		}
		k.ID, k.Status, k.CreatedAt = id.String, status.String, fromNanos(created.Int64)
		k.LastUsed.Time, k.ExpiresAt = nanosOrZero(lastUsed), nanosOrZero(expires)
		keys = append(keys, k)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if !found {
		return nil, false, keyward.ErrNoSuchUser
	}
	keys, more := page(keys, max)
	return keys, more, nil
}

// ownedKey runs stmt, whose last arguments are the key ID, the view's
// account and the owner's ID, and announces the change.
func (s *Store) ownedKey(ctx context.Context, userName, id, stmt string, args ...any) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		uid := ""
		if userName != "" {
			owner, err := s.writeStmt(ctx, tx, stmtOwnerID)
			if err != nil {
				return err
			}
			err = owner.QueryRowContext(ctx, s.acct(ctx), keyward.FoldName(userName)).Scan(&uid)
			if errors.Is(err, sql.ErrNoRows) {
				return keyward.ErrNoSuchUser
			}
			if err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, s.q(stmt), append(args, id, s.acct(ctx), uid)...)
		if err := changedOr(keyward.ErrNoSuchAccessKey, res, err); err != nil {
			return err
		}
		return s.notify(ctx, tx, id)
	})
}

// UpdateAccessKey implements keyward.Store: a key deactivated now is
// inactive since at; one already inactive keeps its date, and an active
// key has none.
func (s *Store) UpdateAccessKey(ctx context.Context, userName, id, status string, at time.Time) error {
	return s.ownedKey(ctx, userName, id, `UPDATE access_keys SET
		inactive_since = CASE WHEN ? = 'Active' THEN NULL WHEN status = 'Inactive' THEN inactive_since ELSE ? END,
		status = ? WHERE id = ? AND account_id = ? AND user_id = ?`, status, toNanos(at), status)
}

// DeleteAccessKey implements keyward.Store.
func (s *Store) DeleteAccessKey(ctx context.Context, userName, id string) error {
	return s.ownedKey(ctx, userName, id, `DELETE FROM access_keys WHERE id = ? AND account_id = ? AND user_id = ?`)
}

// RecordAccessKeyUses implements keyward.Store: a use older than the one
// stored changes nothing, so batches from several replicas merge in any
// order without losing the latest. The dialect may write a batch in one
// statement (RecordUses); otherwise one prepared UPDATE per use.
func (s *Store) RecordAccessKeyUses(ctx context.Context, uses []keyward.AccessKeyUse) error {
	// A role's uses come in the same batches, under its role ID (AROA…).
	var roles []keyward.AccessKeyUse
	keys := uses[:0:0]
	for _, u := range uses {
		if strings.HasPrefix(u.AccessKeyID, keyward.RoleIDPrefix) {
			roles = append(roles, u)
		} else {
			keys = append(keys, u)
		}
	}
	uses = keys
	return s.transact(ctx, func(tx *sql.Tx) error {
		for _, u := range roles {
			t := toNanos(u.Time)
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE roles SET last_used_at = ?, last_used_region = ?
				WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`), t, u.Region, u.AccessKeyID, t); err != nil {
				return err
			}
		}
		if len(uses) == 0 {
			return nil
		}
		if err := s.enqueueRootKeyUses(ctx, tx, uses); err != nil {
			return err
		}
		if s.RecordUses != nil {
			return s.RecordUses(ctx, tx, uses)
		}
		stmt, err := tx.PrepareContext(ctx, s.q(`UPDATE access_keys
			SET last_used_at = ?, last_used_service = ?, last_used_region = ?
			WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, u := range uses {
			t := toNanos(u.Time)
			if _, err := stmt.ExecContext(ctx, t, u.Service, u.Region, u.AccessKeyID, t); err != nil {
				return err
			}
		}
		return nil
	})
}
