package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/keyward/keyward"
)

// Account implements keyward.Store.
func (s *Store) Account(ctx context.Context) (keyward.Account, error) {
	var a keyward.Account
	var created int64
	err := s.pool.QueryRow(ctx, `SELECT id, created_at, key_check FROM account WHERE singleton = 1`).Scan(&a.ID, &created, &a.KeyCheck)
	if isNoRows(err) {
		return a, keyward.ErrNoAccount
	}
	a.CreatedAt = fromNanos(created)
	return a, err
}

// InitAccount implements keyward.Store. Replicas starting together race
// on the account's one row; the loser adds no root key.
func (s *Store) InitAccount(ctx context.Context, a keyward.Account, rootKey *keyward.AccessKey) (keyward.Account, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO account (singleton, id, created_at, key_check) VALUES (1, $1, $2, $3) ON CONFLICT DO NOTHING`,
			a.ID, toNanos(a.CreatedAt), a.KeyCheck)
		if err != nil || tag.RowsAffected() == 0 || rootKey == nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO access_keys (id, user_id, status, created_at, sealed_secret) VALUES ($1, '', $2, $3, $4)`,
			rootKey.ID, rootKey.Status, toNanos(rootKey.CreatedAt), rootKey.SealedSecret)
		return err
	})
	if err != nil {
		return keyward.Account{}, err
	}
	return s.Account(ctx)
}

// CreateUser implements keyward.Store.
func (s *Store) CreateUser(ctx context.Context, u keyward.User) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (id, name, name_fold, path, created_at) VALUES ($1, $2, $3, $4, $5)`,
			u.ID, u.Name, keyward.FoldName(u.Name), u.Path, toNanos(u.CreatedAt))
		if constraint(err) == "users_name_fold_key" {
			return keyward.ErrUserExists
		}
		if err != nil {
			return err
		}
		for i, t := range u.Tags {
			if _, err := tx.Exec(ctx, `INSERT INTO user_tags (user_id, pos, key, value) VALUES ($1, $2, $3, $4)`, u.ID, i, t.Key, t.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

func scanUser(row pgx.Row, extra ...any) (keyward.User, error) {
	var u keyward.User
	var created int64
	err := row.Scan(append([]any{&u.ID, &u.Name, &u.Path, &created}, extra...)...)
	if isNoRows(err) {
		return u, keyward.ErrNoSuchUser
	}
	u.CreatedAt = fromNanos(created)
	return u, err
}

// User implements keyward.Store.
func (s *Store) User(ctx context.Context, name string) (keyward.User, error) {
	var sessionsAfter int64
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT id, name, path, created_at, sessions_after FROM users WHERE name_fold = $1`, keyward.FoldName(name)), &sessionsAfter)
	if err != nil {
		return u, err
	}
	if sessionsAfter > 0 {
		u.SessionsAfter = fromNanos(sessionsAfter)
	}
	rows, err := s.pool.Query(ctx, `SELECT key, value FROM user_tags WHERE user_id = $1 ORDER BY pos`, u.ID)
	if err != nil {
		return u, err
	}
	defer rows.Close()
	for rows.Next() {
		var t keyward.Tag
		if err := rows.Scan(&t.Key, &t.Value); err != nil {
			return u, err
		}
		u.Tags = append(u.Tags, t)
	}
	return u, rows.Err()
}

// ListUsers implements keyward.Store.
func (s *Store) ListUsers(ctx context.Context, pathPrefix, after string, max int) ([]keyward.User, bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, path, created_at FROM users
		WHERE name > $1 AND path LIKE $2 ORDER BY name LIMIT $3`, after, escapeLike(pathPrefix)+"%", max+1)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var users []keyward.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, false, err
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(users) > max
	if more {
		users = users[:max]
	}
	return users, more, nil
}

// lockUser locks the user's row for the rest of tx and returns its ID;
// "" locks the account's row, which stands for the root user.
func lockUser(ctx context.Context, tx pgx.Tx, userName string) (string, error) {
	if userName == "" {
		_, err := tx.Exec(ctx, `SELECT 1 FROM account WHERE singleton = 1 FOR UPDATE`)
		return "", err
	}
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM users WHERE name_fold = $1 FOR UPDATE`, keyward.FoldName(userName)).Scan(&id)
	if isNoRows(err) {
		return "", keyward.ErrNoSuchUser
	}
	return id, err
}

// UpdateUser implements keyward.Store.
func (s *Store) UpdateUser(ctx context.Context, name string, upd keyward.UserUpdate) (keyward.User, error) {
	var u keyward.User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `SELECT id, name, path, created_at FROM users WHERE name_fold = $1 FOR UPDATE`, keyward.FoldName(name)))
		if err != nil {
			return err
		}
		if upd.NewName != nil {
			u.Name = *upd.NewName
		}
		if upd.NewPath != nil {
			u.Path = *upd.NewPath
		}
		_, err = tx.Exec(ctx, `UPDATE users SET name = $1, name_fold = $2, path = $3 WHERE id = $4`,
			u.Name, keyward.FoldName(u.Name), u.Path, u.ID)
		if constraint(err) == "users_name_fold_key" {
			return keyward.ErrUserExists
		}
		if err != nil {
			return err
		}
		// Cached credentials carry the owner's name and path.
		ids, err := keyIDs(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		return s.keyChanged(ctx, tx, append(ids, keyward.UsersChanged)...)
	})
	return u, err
}

func keyIDs(ctx context.Context, tx pgx.Tx, userID string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM access_keys WHERE user_id = $1`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// DeleteUser implements keyward.Store.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		id, err := lockUser(ctx, tx, name)
		if err != nil {
			return err
		}
		var keys int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM access_keys WHERE user_id = $1`, id).Scan(&keys); err != nil {
			return err
		}
		if keys > 0 {
			return keyward.ErrUserHasAccessKey
		}
		var used int
		if err := tx.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM group_members WHERE user_id = $1) +
			(SELECT count(*) FROM inline_policies WHERE kind = 'user' AND entity_id = $1) +
			(SELECT count(*) FROM policy_attachments WHERE kind = 'user' AND entity_id = $1) +
			(SELECT count(*) FROM login_profiles WHERE user_id = $1)`, id).Scan(&used); err != nil {
			return err
		}
		if used > 0 {
			return keyward.ErrEntityInUse
		}
		if _, err = tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, id); err != nil {
			return err
		}
		return s.keyChanged(ctx, tx, keyward.UsersChanged)
	})
}
