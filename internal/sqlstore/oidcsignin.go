package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/keyward/keyward"
)

const oidcSignInColumns = `provider_arn, client_id, sealed_secret, name, roles, updated_at FROM oidc_signins`

func scanOIDCSignIn(row interface{ Scan(...any) error }) (keyward.OIDCSignIn, error) {
	var si keyward.OIDCSignIn
	var roles string
	var updated int64
	err := row.Scan(&si.ProviderARN, &si.ClientID, &si.SealedSecret, &si.Name, &roles, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return si, keyward.ErrNoSuchOIDCSignIn
	}
	if err != nil {
		return si, err
	}
	si.UpdatedAt = fromNanos(updated)
	return si, json.Unmarshal([]byte(roles), &si.Roles)
}

// PutOIDCSignIn implements keyward.OIDCSignInStore: the provider's row is
// locked first, so that a sign-in is never set for a provider being
// deleted, nor with a client ID being removed.
func (s *Store) PutOIDCSignIn(ctx context.Context, arn string, fn func(keyward.OIDCProvider, *keyward.OIDCSignIn) error) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		p, err := scanOIDC(tx.QueryRowContext(ctx, s.q(`SELECT `+oidcColumns+` WHERE account_id = ? AND arn = ?`+s.ForUpdate), s.acct(ctx), arn))
		if err != nil {
			return err
		}
		si, err := scanOIDCSignIn(tx.QueryRowContext(ctx, s.q(`SELECT `+oidcSignInColumns+` WHERE account_id = ? AND provider_arn = ?`), s.acct(ctx), arn))
		exists := err == nil
		if errors.Is(err, keyward.ErrNoSuchOIDCSignIn) {
			si = keyward.OIDCSignIn{ProviderARN: arn}
		} else if err != nil {
			return err
		}
		if err := fn(p, &si); err != nil {
			return err
		}
		if exists {
			_, err = tx.ExecContext(ctx, s.q(`UPDATE oidc_signins SET client_id = ?, sealed_secret = ?, name = ?, roles = ?, updated_at = ? WHERE account_id = ? AND provider_arn = ?`),
				si.ClientID, si.SealedSecret, si.Name, jsonList(si.Roles), toNanos(si.UpdatedAt), s.acct(ctx), arn)
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO oidc_signins (provider_arn, account_id, client_id, sealed_secret, name, roles, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			arn, s.acct(ctx), si.ClientID, si.SealedSecret, si.Name, jsonList(si.Roles), toNanos(si.UpdatedAt))
		return err
	})
}

// OIDCSignIn implements keyward.OIDCSignInStore.
func (s *Store) OIDCSignIn(ctx context.Context, arn string) (keyward.OIDCSignIn, error) {
	return scanOIDCSignIn(s.DB.QueryRowContext(ctx, s.q(`SELECT `+oidcSignInColumns+` WHERE account_id = ? AND provider_arn = ?`), s.acct(ctx), arn))
}

// OIDCSignIns implements keyward.OIDCSignInStore.
func (s *Store) OIDCSignIns(ctx context.Context) ([]keyward.OIDCSignIn, error) {
	return collect(ctx, s, s.DB, `SELECT `+oidcSignInColumns+` WHERE account_id = ? ORDER BY provider_arn`, []any{s.acct(ctx)}, scanOIDCSignIn)
}

// DeleteOIDCSignIn implements keyward.OIDCSignInStore.
func (s *Store) DeleteOIDCSignIn(ctx context.Context, arn string) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM oidc_signins WHERE account_id = ? AND provider_arn = ?`), s.acct(ctx), arn)
		return deletedOne(res, err, keyward.ErrNoSuchOIDCSignIn)
	})
}
