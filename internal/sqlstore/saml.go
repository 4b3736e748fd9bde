package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/keyward/keyward"
)

// A SAML provider's tags are a JSON column of its row, found by ARN.
func init() {
	tagColumns[keyward.TaggedSAMLProvider] = tagColumn{table: "saml_providers", key: "arn", missing: keyward.ErrNoSuchSAMLProvider}
}

const samlColumns = `arn, name, metadata, valid_until, created_at, tags FROM saml_providers`

func scanSAML(row interface{ Scan(...any) error }) (keyward.SAMLProvider, error) {
	var p keyward.SAMLProvider
	var validUntil, created int64
	var tags string
	err := row.Scan(&p.ARN, &p.Name, &p.Metadata, &validUntil, &created, &tags)
	if errors.Is(err, sql.ErrNoRows) {
		return p, keyward.ErrNoSuchSAMLProvider
	}
	if err != nil {
		return p, err
	}
	p.ValidUntil, p.CreatedAt = fromNanos(validUntil), fromNanos(created)
	return p, json.Unmarshal([]byte(tags), &p.Tags)
}

// CreateSAMLProvider implements keyward.SAMLStore. The account's row is
// locked first so that two creations cannot both pass the quota.
func (s *Store) CreateSAMLProvider(ctx context.Context, p keyward.SAMLProvider, max int) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		if err := s.underQuota(ctx, tx, "saml_providers", max, keyward.ErrSAMLProviderQuota); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO saml_providers (account_id, arn, name, name_fold, metadata, valid_until, created_at, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), s.acct(ctx),
			p.ARN, p.Name, strings.ToLower(p.Name), p.Metadata, toNanos(p.ValidUntil), toNanos(p.CreatedAt), tagsJSON(p.Tags))
		return s.unique(err, keyward.ErrSAMLProviderExists)
	})
}

// SAMLProvider implements keyward.SAMLStore.
func (s *Store) SAMLProvider(ctx context.Context, arn string) (keyward.SAMLProvider, error) {
	return scanSAML(s.DB.QueryRowContext(ctx, s.q(`SELECT `+samlColumns+` WHERE account_id = ? AND arn = ?`), s.acct(ctx), arn))
}

// SAMLProviders implements keyward.SAMLStore.
func (s *Store) SAMLProviders(ctx context.Context) ([]keyward.SAMLProvider, error) {
	return collect(ctx, s, s.DB, `SELECT `+samlColumns+` WHERE account_id = ? ORDER BY arn`, []any{s.acct(ctx)}, scanSAML)
}

// UpdateSAMLProvider implements keyward.SAMLStore.
func (s *Store) UpdateSAMLProvider(ctx context.Context, arn string, fn func(*keyward.SAMLProvider) error) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		p, err := scanSAML(tx.QueryRowContext(ctx, s.q(`SELECT `+samlColumns+` WHERE account_id = ? AND arn = ?`+s.ForUpdate), s.acct(ctx), arn))
		if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE saml_providers SET metadata = ?, valid_until = ?, tags = ? WHERE arn = ?`),
			p.Metadata, toNanos(p.ValidUntil), tagsJSON(p.Tags), arn)
		return err
	})
}

// DeleteSAMLProvider implements keyward.SAMLStore.
func (s *Store) DeleteSAMLProvider(ctx context.Context, arn string) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM saml_providers WHERE account_id = ? AND arn = ?`), s.acct(ctx), arn)
		return deletedOne(res, err, keyward.ErrNoSuchSAMLProvider)
	})
}
