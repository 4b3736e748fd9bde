package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/keyward/keyward"
)

// Account implements keyward.Store: the view's account, with the
// installation's key check value.
func (s *Store) Account(ctx context.Context) (keyward.Account, error) {
	id := s.acct(ctx)
	if id == "" {
		return keyward.Account{}, keyward.ErrNoAccount
	}
	a, err := s.AccountByID(ctx, id)
	if err != nil {
		return a, err
	}
	err = s.DB.QueryRowContext(ctx, `SELECT key_check FROM account WHERE singleton = 1`).Scan(&a.KeyCheck)
	if errors.Is(err, sql.ErrNoRows) {
		return a, keyward.ErrNoAccount
	}
	return a, err
}

// InitAccount implements keyward.Store. Replicas starting together race on
// the installation's one row; the loser adds no account and no root key.
// The winner's account is the first: what the unscoped store wrote before
// (account_id ”) becomes its.
func (s *Store) InitAccount(ctx context.Context, a keyward.Account, rootKey *keyward.AccessKey) (keyward.Account, error) {
	err := s.transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO account (singleton, id, created_at, key_check) VALUES (1, ?, ?, ?) ON CONFLICT DO NOTHING`),
			a.ID, toNanos(a.CreatedAt), a.KeyCheck)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if err := s.insertAccount(ctx, tx, a, rootKey); err != nil {
			return err
		}
		for _, table := range accountTables {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE `+table+` SET account_id = ? WHERE account_id = ''`), a.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return keyward.Account{}, err
	}
	if err := s.LoadFirstAccount(ctx); err != nil {
		return keyward.Account{}, err
	}
	return s.ForAccount("").Account(ctx)
}

// CreateUser implements keyward.Store.
func (s *Store) CreateUser(ctx context.Context, u keyward.User, max int) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		if err := s.accountQuota(ctx, tx, "users", "", max); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO users (id, account_id, name, name_fold, path, created_at, permissions_boundary) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			u.ID, s.acct(ctx), u.Name, keyward.FoldName(u.Name), u.Path, toNanos(u.CreatedAt), u.PermissionsBoundary)
		if err != nil && s.IsUnique(err) {
			return keyward.ErrUserExists
		}
		if err != nil {
			return err
		}
		for i, t := range u.Tags {
			if _, err := tx.ExecContext(ctx, s.q(insertUserTag), u.ID, i, t.Key, t.Value, u.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

const userColumns = `id, name, path, created_at, permissions_boundary`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (keyward.User, error) {
	var u keyward.User
	var created int64
	err := row.Scan(append([]any{&u.ID, &u.Name, &u.Path, &created, &u.PermissionsBoundary}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return u, keyward.ErrNoSuchUser
	}
	u.CreatedAt = fromNanos(created)
	return u, err
}

// User implements keyward.Store: a prepared statement, since the console
// and authorisation read users often.
func (s *Store) User(ctx context.Context, name string) (keyward.User, error) {
	stmt, err := s.prepared(ctx, `SELECT `+userColumns+`, sessions_after FROM users WHERE account_id = ? AND name_fold = ?`)
	if err != nil {
		return keyward.User{}, err
	}
	var sessionsAfter int64
	u, err := scanUser(stmt.QueryRowContext(ctx, s.acct(ctx), keyward.FoldName(name)), &sessionsAfter)
	if err != nil {
		return u, err
	}
	if sessionsAfter > 0 {
		u.SessionsAfter = fromNanos(sessionsAfter)
	}
	u.Tags, err = s.userTags(ctx, s.DB, u.ID)
	return u, err
}

// ListUsers implements keyward.Store.
func (s *Store) ListUsers(ctx context.Context, pathPrefix, after string, max int) ([]keyward.User, bool, error) {
	return listByName(ctx, s, userColumns+` FROM users`, pathPrefix, after, max, func(r rowScanner) (keyward.User, error) { return scanUser(r) })
}

// lockUser locks the user's row for the rest of tx (where the dialect
// locks rows) and returns its ID; "" locks the account's row, which
// stands for the root user's.
func (s *Store) lockUser(ctx context.Context, tx *sql.Tx, userName string) (string, error) {
	if userName == "" {
		return "", s.lockAccount(ctx, tx)
	}
	owner, err := s.writeStmt(ctx, tx, stmtOwnerID+s.ForUpdate)
	if err != nil {
		return "", err
	}
	var id string
	err = owner.QueryRowContext(ctx, s.acct(ctx), keyward.FoldName(userName)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", keyward.ErrNoSuchUser
	}
	return id, err
}

// UpdateUser implements keyward.Store. The user's keys are announced as
// changed: cached credentials carry the owner's name and path.
func (s *Store) UpdateUser(ctx context.Context, name string, upd keyward.UserUpdate) (keyward.User, error) {
	var u keyward.User
	err := s.transact(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE account_id = ? AND name_fold = ?`+s.ForUpdate), s.acct(ctx), keyward.FoldName(name)))
		if err != nil {
			return err
		}
		if upd.NewName != nil {
			u.Name = *upd.NewName
		}
		if upd.NewPath != nil {
			u.Path = *upd.NewPath
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE users SET name = ?, name_fold = ?, path = ? WHERE id = ?`),
			u.Name, keyward.FoldName(u.Name), u.Path, u.ID)
		if err != nil && s.IsUnique(err) {
			return keyward.ErrUserExists
		}
		if err != nil || s.Notify == nil {
			return err
		}
		ids, err := s.keyIDs(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		return s.Notify(ctx, tx, append(ids, keyward.UsersChanged)...)
	})
	return u, err
}

func (s *Store) keyIDs(ctx context.Context, tx *sql.Tx, userID string) ([]string, error) {
	return collect(ctx, s, tx, `SELECT id FROM access_keys WHERE account_id = ? AND user_id = ?`, []any{s.acct(ctx), userID}, scanString)
}

// DeleteUser implements keyward.Store.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		id, err := s.lockUser(ctx, tx, name)
		if err != nil {
			return err
		}
		var keys int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM access_keys WHERE account_id = ? AND user_id = ?`), s.acct(ctx), id).Scan(&keys); err != nil {
			return err
		}
		if keys > 0 {
			return keyward.ErrUserHasAccessKey
		}
		if has, err := s.userHasCredentials(ctx, tx, id); err != nil || has {
			if has {
				return keyward.ErrEntityInUse
			}
			return err
		}
		if used, err := s.EntityInUse(ctx, tx, keyward.EntityUser, id); err != nil || used {
			if used {
				return keyward.ErrEntityInUse
			}
			return err
		}
		if _, err = tx.ExecContext(ctx, s.q(`DELETE FROM users WHERE id = ?`), id); err != nil {
			return err
		}
		return s.notify(ctx, tx, keyward.UsersChanged)
	})
}

// SetUserPermissionsBoundary implements keyward.PolicyStore: the policy is
// checked in the transaction that sets it.
func (s *Store) SetUserPermissionsBoundary(ctx context.Context, userName, arn string) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		id, err := s.lockUser(ctx, tx, userName)
		if err != nil {
			return err
		}
		if arn != "" {
			if _, err := s.policy(ctx, tx, arn); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE users SET permissions_boundary = ? WHERE id = ?`), arn, id)
		return err
	})
}
