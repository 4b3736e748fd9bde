package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/keyward/keyward"
)

// ownerID resolves userName to a user ID inside tx; "" is the root user.
func (s *Store) ownerID(ctx context.Context, tx *sql.Tx, userName string) (string, error) {
	if userName == "" {
		return "", nil
	}
	var id string
	err := tx.StmtContext(ctx, s.stmts.ownerID).QueryRowContext(ctx, keyward.FoldName(userName)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", keyward.ErrNoSuchUser
	}
	return id, err
}

// CreateAccessKey implements keyward.Store.
func (s *Store) CreateAccessKey(ctx context.Context, userName string, k keyward.AccessKey) (keyward.AccessKey, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if k.UserID, err = s.ownerID(ctx, tx, userName); err != nil {
			return err
		}
		_, err = tx.StmtContext(ctx, s.stmts.insertKey).ExecContext(ctx, k.ID, k.UserID, k.Status, toNanos(k.CreatedAt), k.SealedSecret)
		switch {
		case isConstraint(err, "AccessKeysPerUser"):
			return keyward.ErrAccessKeyQuota
		case isConstraint(err, "access_keys.id"):
			return keyward.ErrAccessKeyExists
		}
		return err
	})
	return k, err
}

const keyColumns = `k.id, k.user_id, coalesce(u.name, ''), coalesce(u.path, ''), k.status, k.created_at, k.sealed_secret,
	k.last_used_at, coalesce(k.last_used_service, ''), coalesce(k.last_used_region, '')`

func scanKey(row scanner) (keyward.AccessKey, error) {
	var k keyward.AccessKey
	var created int64
	var lastUsed sql.NullInt64
	err := row.Scan(&k.ID, &k.UserID, &k.UserName, &k.UserPath, &k.Status, &created, &k.SealedSecret,
		&lastUsed, &k.LastUsed.Service, &k.LastUsed.Region)
	if errors.Is(err, sql.ErrNoRows) {
		return k, keyward.ErrNoSuchAccessKey
	}
	k.CreatedAt = fromNanos(created)
	if lastUsed.Valid {
		k.LastUsed.Time = fromNanos(lastUsed.Int64)
	}
	return k, err
}

// AccessKey implements keyward.Store.
func (s *Store) AccessKey(ctx context.Context, id string) (keyward.AccessKey, error) {
	return scanKey(s.stmts.accessKey.QueryRowContext(ctx, id))
}

// ListAccessKeys implements keyward.Store. It is one prepared statement,
// without a transaction: listing keys is among the most frequent calls, and
// parsing SQL costs more than running it.
func (s *Store) ListAccessKeys(ctx context.Context, userName, after string, max int) ([]keyward.AccessKey, bool, error) {
	stmt, arg := s.stmts.listKeys, keyward.FoldName(userName)
	if userName == "" {
		stmt, arg = s.stmts.listRootKeys, ""
	}
	rows, err := stmt.QueryContext(ctx, after, arg, max+1)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var keys []keyward.AccessKey
	found := userName == ""
	for rows.Next() {
		var k keyward.AccessKey
		var id, status sql.NullString
		var created, lastUsed sql.NullInt64
		if err := rows.Scan(&k.UserID, &k.UserName, &k.UserPath, &id, &status, &created, &lastUsed, &k.LastUsed.Service, &k.LastUsed.Region); err != nil {
			return nil, false, err
		}
		found = true
		if !id.Valid {
			continue // the user exists and has no keys (left join)
		}
		k.ID, k.Status, k.CreatedAt = id.String, status.String, fromNanos(created.Int64)
		if lastUsed.Valid {
			k.LastUsed.Time = fromNanos(lastUsed.Int64)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if !found {
		return nil, false, keyward.ErrNoSuchUser
	}
	more := len(keys) > max
	if more {
		keys = keys[:max]
	}
	return keys, more, nil
}

// ownedKey runs stmt (which takes the key ID and owner ID) in a transaction
// and maps "no row" to the error AWS gives.
func (s *Store) ownedKey(ctx context.Context, userName, id, stmt string, args ...any) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		uid, err := s.ownerID(ctx, tx, userName)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, stmt, append(args, id, uid)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return keyward.ErrNoSuchAccessKey
		}
		return nil
	})
}

// UpdateAccessKey implements keyward.Store.
func (s *Store) UpdateAccessKey(ctx context.Context, userName, id, status string) error {
	return s.ownedKey(ctx, userName, id, `UPDATE access_keys SET status = ? WHERE id = ? AND user_id = ?`, status)
}

// DeleteAccessKey implements keyward.Store.
func (s *Store) DeleteAccessKey(ctx context.Context, userName, id string) error {
	return s.ownedKey(ctx, userName, id, `DELETE FROM access_keys WHERE id = ? AND user_id = ?`)
}

// RecordAccessKeyUses implements keyward.Store.
func (s *Store) RecordAccessKeyUses(ctx context.Context, uses []keyward.AccessKeyUse) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE access_keys
			SET last_used_at = ?, last_used_service = ?, last_used_region = ?
			WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`)
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
