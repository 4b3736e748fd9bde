package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// userOrders are the console's sortable columns: each a column or a
// correlated subquery of the user's login profile and keys (0 when the
// user has none, so that both databases order such users alike).
var userOrders = map[string]string{
	"name":    "name",
	"path":    "path",
	"created": "created_at",
	"activity": `coalesce((SELECT max(v) FROM (SELECT lp.last_used_at AS v FROM login_profiles lp WHERE lp.user_id = users.id
		UNION ALL SELECT k.last_used_at FROM access_keys k WHERE k.account_id = users.account_id AND k.user_id = users.id) a), 0)`,
	"passwordage": `coalesce((SELECT lp.changed_at FROM login_profiles lp WHERE lp.user_id = users.id), 0)`,
	"signin":      `coalesce((SELECT lp.last_used_at FROM login_profiles lp WHERE lp.user_id = users.id), 0)`,
	"keyage":      `coalesce((SELECT min(k.created_at) FROM access_keys k WHERE k.account_id = users.account_id AND k.user_id = users.id AND k.status = 'Active'), 0)`,
	"keyused":     `coalesce((SELECT max(k.last_used_at) FROM access_keys k WHERE k.account_id = users.account_id AND k.user_id = users.id), 0)`,
	"mfa":         `(SELECT count(*) FROM mfa_devices m WHERE m.user_id = users.id)`,
}

// ConsoleUsers implements keyward.ConsoleStore: one page of users, then
// their keys, groups and login profiles in three queries, whatever the
// page's size.
func (s *Store) ConsoleUsers(ctx context.Context, q keyward.UserQuery) ([]keyward.UserSummary, int, error) {
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(keyward.FoldName(q.Filter)) + "%"
	var total int
	if err := s.DB.QueryRowContext(ctx, s.q(`SELECT count(*) FROM users WHERE account_id = ? AND name_fold LIKE ? ESCAPE '\'`), s.acct(ctx), pattern).Scan(&total); err != nil {
		return nil, 0, err
	}
	order, ok := userOrders[q.Sort]
	if !ok {
		order = "name"
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	var out []keyward.UserSummary
	index := map[string]int{}
	err := s.each(ctx, s.DB, `SELECT id, name, path, created_at, permissions_boundary FROM users WHERE account_id = ? AND name_fold LIKE ? ESCAPE '\'
		ORDER BY `+order+` `+dir+`, id `+dir+` LIMIT ? OFFSET ?`, []any{s.acct(ctx), pattern, q.Limit, q.Offset}, func(r *sql.Rows) error {
		var u keyward.User
		var created int64
		if err := r.Scan(&u.ID, &u.Name, &u.Path, &created, &u.PermissionsBoundary); err != nil {
			return err
		}
		u.CreatedAt = fromNanos(created)
		index[u.ID] = len(out)
		out = append(out, keyward.UserSummary{User: u})
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		return out, total, nil
	}
	ids := make([]any, 0, len(out))
	for _, u := range out {
		ids = append(ids, u.User.ID)
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
	if err := s.each(ctx, s.DB, `SELECT k.user_id, k.id, k.status, k.created_at, k.last_used_at, coalesce(k.last_used_service, ''), coalesce(k.last_used_region, ''),
		k.expires_at FROM access_keys k WHERE k.account_id = ? AND k.user_id IN `+in+` ORDER BY k.`+s.KeySeq, append([]any{s.acct(ctx)}, ids...), func(r *sql.Rows) error {
		var uid string
		var k keyward.AccessKey
		var created int64
		var used, expires sql.NullInt64
		if err := r.Scan(&uid, &k.ID, &k.Status, &created, &used, &k.LastUsed.Service, &k.LastUsed.Region, &expires); err != nil {
			return err
		}
		k.CreatedAt = fromNanos(created)
		if expires.Valid {
			k.ExpiresAt = fromNanos(expires.Int64)
		}
		if used.Valid {
			k.LastUsed.Time = fromNanos(used.Int64)
		}
		u := &out[index[uid]]
		u.Keys = append(u.Keys, k)
		return nil
	}); err != nil {
		return nil, 0, err
	}
	// The users' tags and boundaries: what each column is decided with,
	// as the API decides it (aws:ResourceTag, iam:ResourceTag).
	if err := s.each(ctx, s.DB, `SELECT user_id, key, value FROM user_tags WHERE user_id IN `+in+` ORDER BY user_id, pos`, ids, func(r *sql.Rows) error {
		var uid string
		var t keyward.Tag
		if err := r.Scan(&uid, &t.Key, &t.Value); err != nil {
			return err
		}
		u := &out[index[uid]].User
		u.Tags = append(u.Tags, t)
		return nil
	}); err != nil {
		return nil, 0, err
	}
	if err := s.each(ctx, s.DB, `SELECT m.user_id, g.name FROM group_members m JOIN groups g ON g.id = m.group_id
		WHERE m.user_id IN `+in+` ORDER BY g.name`, ids, func(r *sql.Rows) error {
		var uid, name string
		if err := r.Scan(&uid, &name); err != nil {
			return err
		}
		u := &out[index[uid]]
		u.Groups = append(u.Groups, name)
		return nil
	}); err != nil {
		return nil, 0, err
	}
	if err := s.each(ctx, s.DB, `SELECT user_id, count(*) FROM mfa_devices WHERE user_id IN `+in+` GROUP BY user_id`, ids, func(r *sql.Rows) error {
		var uid string
		var n int
		err := r.Scan(&uid, &n)
		out[index[uid]].MFADevices = n
		return err
	}); err != nil {
		return nil, 0, err
	}
	err = s.each(ctx, s.DB, `SELECT user_id, created_at, changed_at, last_used_at FROM login_profiles WHERE user_id IN `+in, ids, func(r *sql.Rows) error {
		var uid string
		var created, changed int64
		var used sql.NullInt64
		if err := r.Scan(&uid, &created, &changed, &used); err != nil {
			return err
		}
		lp := &keyward.LoginProfile{CreatedAt: fromNanos(created), ChangedAt: fromNanos(changed)}
		if used.Valid {
			lp.LastUsed = fromNanos(used.Int64)
		}
		out[index[uid]].Login = lp
		return nil
	})
	return out, total, err
}

// RecordPasswordUse implements keyward.ConsoleStore.
func (s *Store) RecordPasswordUse(ctx context.Context, userName string, at time.Time) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		uid, err := s.entityID(ctx, tx, keyward.Entity{Kind: keyward.EntityUser, Name: userName})
		if err != nil {
			return err
		}
		err = affected(tx.ExecContext(ctx, s.q(`UPDATE login_profiles SET last_used_at = ? WHERE user_id = ?`), toNanos(at), uid))
		if errors.Is(err, keyward.ErrNotAttached) {
			return keyward.ErrNoLoginProfile
		}
		return err
	})
}

// RevokeSession implements keyward.ConsoleStore, and forgets revocations
// whose sessions have expired anyway.
func (s *Store) RevokeSession(ctx context.Context, id string, expires time.Time) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM revoked_sessions WHERE expires_at < ?`), toNanos(time.Now())); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO revoked_sessions (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`), id, toNanos(expires))
		return err
	})
}

// SessionRevoked implements keyward.ConsoleStore.
func (s *Store) SessionRevoked(ctx context.Context, id string) (bool, error) {
	var one int
	err := s.DB.QueryRowContext(ctx, s.q(`SELECT 1 FROM revoked_sessions WHERE id = ?`), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// UseOnce implements keyward.ConsoleStore: the ID's row is inserted unless
// it exists, in one statement, so that of two replicas using one token at
// once only one is first. Used tokens expired by now are forgotten.
func (s *Store) UseOnce(ctx context.Context, id string, now, expires time.Time) (bool, error) {
	first := false
	err := s.write(ctx, false, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM used_tokens WHERE expires_at < ?`), toNanos(now)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO used_tokens (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`), id, toNanos(expires))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		first = n == 1
		return err
	})
	return first, err
}
