package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/keyward/keyward"
)

// An OIDC provider's tags are a JSON column of its row, found by ARN.
func init() {
	tagColumns[keyward.TaggedOIDCProvider] = tagColumn{table: "oidc_providers", key: "arn", missing: keyward.ErrNoSuchOIDCProvider}
}

const oidcColumns = `arn, url, client_ids, thumbprints, created_at, tags FROM oidc_providers`

func scanOIDC(row interface{ Scan(...any) error }) (keyward.OIDCProvider, error) {
	var p keyward.OIDCProvider
	var clients, thumbs, tags string
	var created int64
	err := row.Scan(&p.ARN, &p.URL, &clients, &thumbs, &created, &tags)
	if errors.Is(err, sql.ErrNoRows) {
		return p, keyward.ErrNoSuchOIDCProvider
	}
	if err != nil {
		return p, err
	}
	p.CreatedAt = fromNanos(created)
	if err := json.Unmarshal([]byte(clients), &p.ClientIDs); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(thumbs), &p.Thumbprints); err != nil {
		return p, err
	}
	return p, json.Unmarshal([]byte(tags), &p.Tags)
}

// jsonList encodes a list of strings, [] when empty.
func jsonList(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list) // strings always encode
	return string(b)
}

// CreateOIDCProvider implements keyward.OIDCStore.
func (s *Store) CreateOIDCProvider(ctx context.Context, p keyward.OIDCProvider, max int) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		if err := s.underQuota(ctx, tx, "oidc_providers", max, keyward.ErrOIDCProviderQuota); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO oidc_providers (arn, account_id, url, client_ids, thumbprints, created_at, tags) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			p.ARN, s.acct(ctx), p.URL, jsonList(p.ClientIDs), jsonList(p.Thumbprints), toNanos(p.CreatedAt), tagsJSON(p.Tags))
		return s.unique(err, keyward.ErrOIDCProviderExists)
	})
}

// OIDCProvider implements keyward.OIDCStore.
func (s *Store) OIDCProvider(ctx context.Context, arn string) (keyward.OIDCProvider, error) {
	return scanOIDC(s.DB.QueryRowContext(ctx, s.q(`SELECT `+oidcColumns+` WHERE account_id = ? AND arn = ?`), s.acct(ctx), arn))
}

// OIDCProviders implements keyward.OIDCStore.
func (s *Store) OIDCProviders(ctx context.Context) ([]keyward.OIDCProvider, error) {
	return collect(ctx, s, s.DB, `SELECT `+oidcColumns+` WHERE account_id = ? ORDER BY arn`, []any{s.acct(ctx)}, scanOIDC)
}

// UpdateOIDCProvider implements keyward.OIDCStore.
func (s *Store) UpdateOIDCProvider(ctx context.Context, arn string, fn func(*keyward.OIDCProvider) error) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		p, err := scanOIDC(tx.QueryRowContext(ctx, s.q(`SELECT `+oidcColumns+` WHERE account_id = ? AND arn = ?`+s.ForUpdate), s.acct(ctx), arn))
		if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE oidc_providers SET client_ids = ?, thumbprints = ?, tags = ? WHERE arn = ?`),
			jsonList(p.ClientIDs), jsonList(p.Thumbprints), tagsJSON(p.Tags), arn)
		return err
	})
}

// DeleteOIDCProvider implements keyward.OIDCStore.
func (s *Store) DeleteOIDCProvider(ctx context.Context, arn string) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM oidc_providers WHERE account_id = ? AND arn = ?`), s.acct(ctx), arn)
		if err := deletedOne(res, err, keyward.ErrNoSuchOIDCProvider); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM oidc_signins WHERE provider_arn = ?`), arn)
		return err
	})
}
