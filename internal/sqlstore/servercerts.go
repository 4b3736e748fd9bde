package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/keyward/keyward"
)

// A server certificate's tags are a JSON column of its row, found by its
// folded name.
func init() {
	tagColumns[keyward.TaggedServerCertificate] = tagColumn{table: "server_certificates", key: "name_fold", fold: true, missing: keyward.ErrNoSuchServerCertificate}
}

const serverCertColumns = `id, name, path, body, chain, sealed_key, uploaded_at, expires_at, tags FROM server_certificates`

func scanServerCert(row interface{ Scan(...any) error }) (keyward.ServerCertificate, error) {
	var c keyward.ServerCertificate
	var uploaded, expires int64
	var tags string
	err := row.Scan(&c.ID, &c.Name, &c.Path, &c.Body, &c.Chain, &c.SealedKey, &uploaded, &expires, &tags)
	if errors.Is(err, sql.ErrNoRows) {
		return c, keyward.ErrNoSuchServerCertificate
	}
	if err != nil {
		return c, err
	}
	c.UploadedAt, c.Expiration = fromNanos(uploaded), fromNanos(expires)
	return c, json.Unmarshal([]byte(tags), &c.Tags)
}

// CreateServerCertificate implements keyward.ServerCertificateStore.
func (s *Store) CreateServerCertificate(ctx context.Context, c keyward.ServerCertificate, max int) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		if err := s.underQuota(ctx, tx, "server_certificates", max, keyward.ErrServerCertificateQuota); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO server_certificates (account_id, id, name, name_fold, path, body, chain, sealed_key, uploaded_at, expires_at, tags)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), s.acct(ctx), c.ID, c.Name, keyward.FoldName(c.Name), c.Path, c.Body, c.Chain, c.SealedKey,
			toNanos(c.UploadedAt), toNanos(c.Expiration), tagsJSON(c.Tags))
		return s.unique(err, keyward.ErrServerCertificateExists)
	})
}

// ServerCertificate implements keyward.ServerCertificateStore.
func (s *Store) ServerCertificate(ctx context.Context, name string) (keyward.ServerCertificate, error) {
	return scanServerCert(s.DB.QueryRowContext(ctx, s.q(`SELECT `+serverCertColumns+` WHERE account_id = ? AND name_fold = ?`), s.acct(ctx), keyward.FoldName(name)))
}

// ListServerCertificates implements keyward.ServerCertificateStore.
func (s *Store) ListServerCertificates(ctx context.Context, pathPrefix, after string, max int) ([]keyward.ServerCertificate, bool, error) {
	return listByName(ctx, s, serverCertColumns, pathPrefix, after, max, func(r rowScanner) (keyward.ServerCertificate, error) {
		c, err := scanServerCert(r)
		c.SealedKey = nil
		return c, err
	})
}

// UpdateServerCertificate implements keyward.ServerCertificateStore.
func (s *Store) UpdateServerCertificate(ctx context.Context, name string, fn func(*keyward.ServerCertificate) error) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		c, err := scanServerCert(tx.QueryRowContext(ctx, s.q(`SELECT `+serverCertColumns+` WHERE account_id = ? AND name_fold = ?`+s.ForUpdate), s.acct(ctx), keyward.FoldName(name)))
		if err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE server_certificates SET name = ?, name_fold = ?, path = ?, tags = ? WHERE id = ?`),
			c.Name, keyward.FoldName(c.Name), c.Path, tagsJSON(c.Tags), c.ID)
		return s.unique(err, keyward.ErrServerCertificateExists)
	})
}

// DeleteServerCertificate implements keyward.ServerCertificateStore.
func (s *Store) DeleteServerCertificate(ctx context.Context, name string) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM server_certificates WHERE account_id = ? AND name_fold = ?`), s.acct(ctx), keyward.FoldName(name))
		return deletedOne(res, err, keyward.ErrNoSuchServerCertificate)
	})
}
