package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/keyward/keyward"
)

// accountTables are the tables whose rows carry their account
// (account_id): those of an account's entities and of its singletons,
// and user_tags, which copies its user's for reading an account's users
// by tag. Other rows keyed by a globally unique entity ID (group_members,
// inline_policies, policy_versions, login_profiles) belong to their
// entity's account and are not listed.
var accountTables = []string{
	"users", "user_tags", "groups", "access_keys", "policies", "policy_attachments", "user_credentials", "account_aliases",
	"oidc_providers", "oidc_signins", "events", "access_jobs", "mfa_devices", "server_certificates", "roles",
	"instance_profiles", "saml_providers", "service_access", "password_policy", "credential_report", "access_key_policy",
}

// insertAccount adds a's row to accounts and its root key, in tx.
func (s *Store) insertAccount(ctx context.Context, tx *sql.Tx, a keyward.Account, rootKey *keyward.AccessKey) error {
	status := a.Status
	if status == "" {
		status = keyward.AccountActive
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO accounts (id, name, email, status, created_at) VALUES (?, ?, ?, ?, ?)`),
		a.ID, a.Name, a.Email, status, toNanos(a.CreatedAt))
	if err != nil && s.IsUnique(err) && a.Email != "" {
		// Which of the two: the ID's row, or another account's email.
		var n int
		if qerr := s.DB.QueryRowContext(ctx, s.q(`SELECT count(*) FROM accounts WHERE id = ?`), a.ID).Scan(&n); qerr == nil && n == 0 {
			return keyward.ErrAccountEmailExists
		}
	}
	if err != nil {
		return s.unique(err, keyward.ErrAccountExists)
	}
	if rootKey == nil {
		return nil
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO access_keys (id, account_id, user_id, status, created_at, sealed_secret) VALUES (?, ?, '', ?, ?, ?)`),
		rootKey.ID, a.ID, rootKey.Status, toNanos(rootKey.CreatedAt), rootKey.SealedSecret)
	if err != nil {
		return s.unique(err, keyward.ErrAccessKeyExists)
	}
	return s.notify(ctx, tx, rootKey.ID)
}

// CreateAccount implements keyward.AccountsStore: the primary key decides
// between two creations of one ID.
func (s *Store) CreateAccount(ctx context.Context, a keyward.Account, rootKey *keyward.AccessKey) error {
	return s.transact(ctx, func(tx *sql.Tx) error { return s.insertAccount(ctx, tx, a, rootKey) })
}

const accountColumns = `id, name, email, status, created_at, closed_at FROM accounts`

func scanAccount(r rowScanner) (keyward.Account, error) {
	var a keyward.Account
	var created, closed int64
	err := r.Scan(&a.ID, &a.Name, &a.Email, &a.Status, &created, &closed)
	a.CreatedAt = fromNanos(created)
	if closed != 0 {
		a.ClosedAt = fromNanos(closed)
	}
	return a, err
}

// AccountByID implements keyward.AccountsStore.
func (s *Store) AccountByID(ctx context.Context, id string) (keyward.Account, error) {
	a, err := scanAccount(s.DB.QueryRowContext(ctx, s.q(`SELECT `+accountColumns+` WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return keyward.Account{}, keyward.ErrNoAccount
	}
	return a, err
}

// AccountByAlias implements keyward.AccountsStore: the alias's row names
// its account, whichever view asks.
func (s *Store) AccountByAlias(ctx context.Context, alias string) (keyward.Account, error) {
	a, err := scanAccount(s.DB.QueryRowContext(ctx, s.q(`SELECT `+accountColumns+` WHERE id = (SELECT account_id FROM account_aliases WHERE alias = ?)`), alias))
	if errors.Is(err, sql.ErrNoRows) {
		return keyward.Account{}, keyward.ErrNoAccount
	}
	return a, err
}

// Accounts implements keyward.AccountsStore.
func (s *Store) Accounts(ctx context.Context, after string, max int) ([]keyward.Account, bool, error) {
	return collectPage(ctx, s, `SELECT `+accountColumns+` WHERE id > ? ORDER BY id LIMIT ?`, []any{after, max + 1}, max, scanAccount)
}
