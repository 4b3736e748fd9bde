package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
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
// console's OpenID Connect client secrets.
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
	return nil
}

func (s *Store) sealedSecrets(ctx context.Context, table, idCol, sealedCol string, fn func(id string, sealed []byte) error) error {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+idCol+`, `+sealedCol+` FROM `+table+` WHERE `+sealedCol+` IS NOT NULL ORDER BY `+idCol)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			return err
		}
		if err := fn(id, sealed); err != nil {
			return err
		}
	}
	return rows.Err()
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
		page := make([]row, 0, resealPage)
		for _, c := range sealedColumns {
			for after := ""; ; {
				rows, err := tx.QueryContext(ctx, s.q(`SELECT `+c.id+`, `+c.sealed+` FROM `+c.table+` WHERE `+c.id+` > ? AND `+c.sealed+` IS NOT NULL ORDER BY `+c.id+` LIMIT `+strconv.Itoa(resealPage)), after)
				if err != nil {
					return err
				}
				page = page[:0]
				for rows.Next() {
					var r row
					if err := rows.Scan(&r.id, &r.sealed); err != nil {
						rows.Close()
						return err
					}
					page = append(page, r)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
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
		_, err := tx.ExecContext(ctx, s.q(`UPDATE account SET key_check = ? WHERE singleton = 1`), check)
		return err
	})
}

const resealPage = 1000
