package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"

	"github.com/keyward/keyward/webhook"
)

// SetKeyCheck implements keyward.Store.
func (s *Store) SetKeyCheck(ctx context.Context, check []byte) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE account SET key_check = ? WHERE singleton = 1`), check)
		return err
	})
}

// sealedColumns are the tables holding values sealed under the master
// key, each bound to its row's ID: access key secrets, MFA seeds,
// service-specific passwords, server certificates' private keys and the
// console's OpenID Connect client secrets. Webhook subscriptions' secrets,
// several in one column, and URLs, bound to the ID and "#url", are read
// and resealed beside them (webhookSecrets).
var sealedColumns = []struct{ table, id, sealed string }{
	{"access_keys", "id", "sealed_secret"},
	{"mfa_devices", "serial", "sealed_seed"},
	{"user_credentials", "id", "sealed_secret"},
	{"server_certificates", "id", "sealed_key"},
	{"oidc_signins", "provider_arn", "sealed_secret"},
}

// SealedSecrets implements keyward.Store.
func (s *Store) SealedSecrets(ctx context.Context, fn func(id string, sealed []byte) error) error {
	for _, c := range sealedColumns {
		if err := s.sealedSecrets(ctx, c.table, c.id, c.sealed, fn); err != nil {
			return err
		}
	}
	return s.webhookSecrets(ctx, s.DB, func(id string, sealedURL []byte, secrets [][]byte) ([]byte, [][]byte, error) {
		if err := fn(webhook.URLAssociatedData(id), sealedURL); err != nil {
			return nil, nil, err
		}
		for _, sealed := range secrets {
			if err := fn(id, sealed); err != nil {
				return nil, nil, err
			}
		}
		return nil, nil, nil
	})
}

// webhookSecrets calls fn with each webhook subscription's sealed URL
// (sealed with webhook.URLAssociatedData of its ID) and sealed secrets (a
// JSON array in one column, each sealed with the subscription's ID); when
// fn returns secrets, q (a transaction) stores them and the URL it
// returns instead. An account has few subscriptions
// (MaxWebhookSubscriptions): they are read at once.
func (s *Store) webhookSecrets(ctx context.Context, q interface {
	queryer
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}, fn func(id string, sealedURL []byte, secrets [][]byte) ([]byte, [][]byte, error)) error {
	type sub struct {
		id      string
		url     []byte
		secrets [][]byte
	}
	subs, err := collect(ctx, s, q, `SELECT id, url_sealed, secrets FROM webhook_subscriptions ORDER BY id`, nil, func(r rowScanner) (sub, error) {
		var v sub
		var js string
		if err := r.Scan(&v.id, &v.url, &js); err != nil {
			return v, err
		}
		return v, json.Unmarshal([]byte(js), &v.secrets)
	})
	if err != nil {
		return err
	}
	for _, v := range subs {
		url, out, err := fn(v.id, v.url, v.secrets)
		if err != nil {
			return err
		}
		if out == nil {
			continue
		}
		js, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, s.q(`UPDATE webhook_subscriptions SET url_sealed = ?, secrets = ? WHERE id = ?`), url, string(js), v.id); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) sealedSecrets(ctx context.Context, table, idCol, sealedCol string, fn func(id string, sealed []byte) error) error {
	return s.each(ctx, s.DB, `SELECT `+idCol+`, `+sealedCol+` FROM `+table+` WHERE `+sealedCol+` IS NOT NULL ORDER BY `+idCol, nil, func(r *sql.Rows) error {
		var id string
		var sealed []byte
		if err := r.Scan(&id, &sealed); err != nil {
			return err
		}
		return fn(id, sealed)
	})
}

// Reseal implements keyward.Store: every row is read and rewritten inside
// one write transaction, so that a crash leaves all or nothing done. Rows
// are read a page at a time (a connection in a transaction can run one
// query at a time), so memory does not grow with the number of keys.
func (s *Store) Reseal(ctx context.Context, reseal func(id string, sealed []byte) ([]byte, error), check []byte) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		type row struct {
			id     string
			sealed []byte
		}
		for _, c := range sealedColumns {
			for after := ""; ; {
				page, err := collect(ctx, s, tx, `SELECT `+c.id+`, `+c.sealed+` FROM `+c.table+` WHERE `+c.id+` > ? AND `+c.sealed+` IS NOT NULL ORDER BY `+c.id+` LIMIT `+strconv.Itoa(resealPage), []any{after},
					func(r rowScanner) (row, error) {
						var v row
						err := r.Scan(&v.id, &v.sealed)
						return v, err
					})
				if err != nil {
					return err
				}
				for _, r := range page {
					sealed, err := reseal(r.id, r.sealed)
					if err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, s.q(`UPDATE `+c.table+` SET `+c.sealed+` = ? WHERE `+c.id+` = ?`), sealed, r.id); err != nil {
						return err
					}
				}
				if len(page) < resealPage {
					break
				}
				after = page[len(page)-1].id
			}
		}
		err := s.webhookSecrets(ctx, tx, func(id string, sealedURL []byte, secrets [][]byte) ([]byte, [][]byte, error) {
			url, err := reseal(webhook.URLAssociatedData(id), sealedURL)
			if err != nil {
				return nil, nil, err
			}
			out := make([][]byte, len(secrets))
			for i, sealed := range secrets {
				if out[i], err = reseal(id, sealed); err != nil {
					return nil, nil, err
				}
			}
			return url, out, nil
		})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE account SET key_check = ? WHERE singleton = 1`), check)
		return err
	})
}

const resealPage = 1000
