package postgres

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/keyward/keyward"
)

// CreateAccessKey implements keyward.Store. The owner's row is locked
// while the keys are counted and the new one inserted, so that two
// replicas cannot both take the last free slot.
func (s *Store) CreateAccessKey(ctx context.Context, userName string, k keyward.AccessKey) (keyward.AccessKey, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if k.UserID, err = lockUser(ctx, tx, userName); err != nil {
			return err
		}
		// With the owner's row locked, one statement counts, inserts if
		// there is room, logs the change and notifies the replicas (one of
		// which may hold a negative cache entry for this ID).
		var inserted int
		err = tx.QueryRow(ctx, `WITH ins AS (
				INSERT INTO access_keys (id, user_id, status, created_at, sealed_secret)
				SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM access_keys WHERE user_id = $2) < $6
				RETURNING id),
			log AS (INSERT INTO key_changes (key_id) SELECT id FROM ins RETURNING key_id)
			SELECT count(pg_notify($7, key_id)) FROM log`,
			k.ID, k.UserID, k.Status, toNanos(k.CreatedAt), k.SealedSecret, keyward.MaxAccessKeysPerUser, s.channel).Scan(&inserted)
		switch {
		case constraint(err) == "access_keys_pkey":
			return keyward.ErrAccessKeyExists
		case err != nil:
			return err
		case inserted == 0:
			return keyward.ErrAccessKeyQuota
		}
		return nil
	})
	return k, err
}

const keyColumns = `k.id, k.user_id, coalesce(u.name, ''), coalesce(u.path, ''), k.status, k.created_at, k.sealed_secret,
	k.last_used_at, coalesce(k.last_used_service, ''), coalesce(k.last_used_region, '')`

// AccessKey implements keyward.Store.
func (s *Store) AccessKey(ctx context.Context, id string) (keyward.AccessKey, error) {
	var k keyward.AccessKey
	var created int64
	var lastUsed *int64
	err := s.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM access_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.id = $1`, id).
		Scan(&k.ID, &k.UserID, &k.UserName, &k.UserPath, &k.Status, &created, &k.SealedSecret, &lastUsed, &k.LastUsed.Service, &k.LastUsed.Region)
	if isNoRows(err) {
		return k, keyward.ErrNoSuchAccessKey
	}
	k.CreatedAt = fromNanos(created)
	if lastUsed != nil {
		k.LastUsed.Time = fromNanos(*lastUsed)
	}
	return k, err
}

// ListAccessKeys implements keyward.Store: one statement, whose left join
// tells "no keys" from "no user".
func (s *Store) ListAccessKeys(ctx context.Context, userName, after string, max int) ([]keyward.AccessKey, bool, error) {
	var rows pgx.Rows
	var err error
	if userName == "" {
		rows, err = s.pool.Query(ctx, `SELECT '', '', '', k.id, k.status, k.created_at, k.last_used_at,
				coalesce(k.last_used_service, ''), coalesce(k.last_used_region, '')
			FROM access_keys k
			WHERE k.user_id = '' AND k.seq > coalesce((SELECT seq FROM access_keys WHERE id = $1), 0)
			ORDER BY k.seq LIMIT $2`, after, max+1)
	} else {
		rows, err = s.pool.Query(ctx, `SELECT u.id, u.name, u.path, k.id, k.status, k.created_at, k.last_used_at,
				coalesce(k.last_used_service, ''), coalesce(k.last_used_region, '')
			FROM users u LEFT JOIN access_keys k ON k.user_id = u.id
				AND k.seq > coalesce((SELECT seq FROM access_keys WHERE id = $1), 0)
			WHERE u.name_fold = $3 ORDER BY k.seq LIMIT $2`, after, max+1, keyward.FoldName(userName))
	}
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var keys []keyward.AccessKey
	found := userName == ""
	for rows.Next() {
		var k keyward.AccessKey
		var id, status *string
		var created, lastUsed *int64
		if err := rows.Scan(&k.UserID, &k.UserName, &k.UserPath, &id, &status, &created, &lastUsed, &k.LastUsed.Service, &k.LastUsed.Region); err != nil {
			return nil, false, err
		}
		found = true
		if id == nil {
			continue
		}
		k.ID, k.Status, k.CreatedAt = *id, *status, fromNanos(*created)
		if lastUsed != nil {
			k.LastUsed.Time = fromNanos(*lastUsed)
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

// ownedKey runs stmt ($1 the key ID, $2 the owner ID, more arguments
// after) and logs the change.
func (s *Store) ownedKey(ctx context.Context, userName, id, stmt string, args ...any) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		uid := ""
		if userName != "" {
			err := tx.QueryRow(ctx, `SELECT id FROM users WHERE name_fold = $1`, keyward.FoldName(userName)).Scan(&uid)
			if isNoRows(err) {
				return keyward.ErrNoSuchUser
			}
			if err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, stmt, append([]any{id, uid}, args...)...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return keyward.ErrNoSuchAccessKey
		}
		return s.keyChanged(ctx, tx, id)
	})
}

// UpdateAccessKey implements keyward.Store.
func (s *Store) UpdateAccessKey(ctx context.Context, userName, id, status string) error {
	return s.ownedKey(ctx, userName, id, `UPDATE access_keys SET status = $3 WHERE id = $1 AND user_id = $2`, status)
}

// DeleteAccessKey implements keyward.Store.
func (s *Store) DeleteAccessKey(ctx context.Context, userName, id string) error {
	return s.ownedKey(ctx, userName, id, `DELETE FROM access_keys WHERE id = $1 AND user_id = $2`)
}

// RecordAccessKeyUses implements keyward.Store: one statement for the
// batch, and a use older than the one stored changes nothing, so batches
// from several replicas merge in any order without losing the latest.
func (s *Store) RecordAccessKeyUses(ctx context.Context, uses []keyward.AccessKeyUse) error {
	// In the order of the key IDs, so that replicas writing overlapping
	// batches lock rows in the same order and do not deadlock.
	uses = slices.Clone(uses)
	slices.SortFunc(uses, func(a, b keyward.AccessKeyUse) int { return strings.Compare(a.AccessKeyID, b.AccessKeyID) })
	ids := make([]string, len(uses))
	times := make([]int64, len(uses))
	services := make([]string, len(uses))
	regions := make([]string, len(uses))
	for i, u := range uses {
		ids[i], times[i], services[i], regions[i] = u.AccessKeyID, toNanos(u.Time), u.Service, u.Region
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE access_keys k
			SET last_used_at = u.t, last_used_service = u.s, last_used_region = u.r
			FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS u(id, t, s, r)
			WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.t)`, ids, times, services, regions)
		return err
	})
}
