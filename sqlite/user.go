package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/keyward/keyward"
)

func toNanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// Account implements keyward.Store.
func (s *Store) Account(ctx context.Context) (keyward.Account, error) {
	var a keyward.Account
	var created int64
	err := s.read.QueryRowContext(ctx, `SELECT id, created_at, key_check FROM account WHERE singleton = 1`).Scan(&a.ID, &created, &a.KeyCheck)
	if errors.Is(err, sql.ErrNoRows) {
		return a, keyward.ErrNoAccount
	}
	a.CreatedAt = fromNanos(created)
	return a, err
}

// InitAccount implements keyward.Store.
func (s *Store) InitAccount(ctx context.Context, a keyward.Account, rootKey *keyward.AccessKey) (keyward.Account, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO account (singleton, id, created_at, key_check) VALUES (1, ?, ?, ?) ON CONFLICT DO NOTHING`,
			a.ID, toNanos(a.CreatedAt), a.KeyCheck)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || rootKey == nil {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO access_keys (id, user_id, status, created_at, sealed_secret) VALUES (?, '', ?, ?, ?)`,
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
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, name, name_fold, path, created_at) VALUES (?, ?, ?, ?, ?)`,
			u.ID, u.Name, keyward.FoldName(u.Name), u.Path, toNanos(u.CreatedAt))
		if isConstraint(err, "users.name_fold") {
			return keyward.ErrUserExists
		}
		if err != nil {
			return err
		}
		for i, t := range u.Tags {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_tags (user_id, pos, key, value) VALUES (?, ?, ?, ?)`, u.ID, i, t.Key, t.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

// User implements keyward.Store.
func (s *Store) User(ctx context.Context, name string) (keyward.User, error) {
	var sessionsAfter int64
	u, err := scanUser(s.stmts.user.QueryRowContext(ctx, keyward.FoldName(name)), &sessionsAfter)
	if err != nil {
		return u, err
	}
	if sessionsAfter > 0 {
		u.SessionsAfter = fromNanos(sessionsAfter)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT key, value FROM user_tags WHERE user_id = ? ORDER BY pos`, u.ID)
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

type scanner interface{ Scan(...any) error }

func scanUser(row scanner, extra ...any) (keyward.User, error) {
	var u keyward.User
	var created int64
	err := row.Scan(append([]any{&u.ID, &u.Name, &u.Path, &created}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return u, keyward.ErrNoSuchUser
	}
	u.CreatedAt = fromNanos(created)
	return u, err
}

// ListUsers implements keyward.Store.
func (s *Store) ListUsers(ctx context.Context, pathPrefix, after string, max int) ([]keyward.User, bool, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, name, path, created_at FROM users
		WHERE name > ? AND substr(path, 1, length(?)) = ? ORDER BY name LIMIT ?`,
		after, pathPrefix, pathPrefix, max+1)
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

// UpdateUser implements keyward.Store.
func (s *Store) UpdateUser(ctx context.Context, name string, upd keyward.UserUpdate) (keyward.User, error) {
	var u keyward.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT id, name, path, created_at FROM users WHERE name_fold = ?`, keyward.FoldName(name)))
		if err != nil {
			return err
		}
		if upd.NewName != nil {
			u.Name = *upd.NewName
		}
		if upd.NewPath != nil {
			u.Path = *upd.NewPath
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET name = ?, name_fold = ?, path = ? WHERE id = ?`,
			u.Name, keyward.FoldName(u.Name), u.Path, u.ID)
		if isConstraint(err, "users.name_fold") {
			return keyward.ErrUserExists
		}
		return err
	})
	return u, err
}

// DeleteUser implements keyward.Store.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE name_fold = ?`, keyward.FoldName(name)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return keyward.ErrNoSuchUser
		}
		if err != nil {
			return err
		}
		var keys int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM access_keys WHERE user_id = ?`, id).Scan(&keys); err != nil {
			return err
		}
		if keys > 0 {
			return keyward.ErrUserHasAccessKey
		}
		if used, err := s.EntityInUse(ctx, tx, keyward.EntityUser, id); err != nil || used {
			if used {
				return keyward.ErrEntityInUse
			}
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
		return err
	})
}
