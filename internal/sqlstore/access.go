package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/keyward/keyward"
)

// RecordServiceUses implements keyward.AccessStore: the key's owner is
// found in the same statement, so a use of a deleted key writes nothing.
func (s *Store) RecordServiceUses(ctx context.Context, uses []keyward.ServiceUse) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO service_access (account_id, user_id, service, last_at, region)
			SELECT account_id, user_id, ?, ?, ? FROM access_keys WHERE id = ?
			ON CONFLICT (account_id, user_id, service) DO UPDATE SET last_at = excluded.last_at, region = excluded.region
			WHERE excluded.last_at > service_access.last_at`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, u := range uses {
			if _, err := stmt.ExecContext(ctx, u.Service, toNanos(u.Time), u.Region, u.AccessKeyID); err != nil {
				return err
			}
		}
		return nil
	})
}

// ServiceAccesses implements keyward.AccessStore, for the users of the
// view's account (” its root user).
func (s *Store) ServiceAccesses(ctx context.Context, userIDs []string) ([]keyward.ServiceAccess, error) {
	var out []keyward.ServiceAccess
	for len(userIDs) > 0 {
		n := min(len(userIDs), 500) // within every database's limit of parameters
		ids := make([]any, n+1)
		ids[0] = s.acct(ctx)
		for i := range n {
			ids[i+1] = userIDs[i]
		}
		userIDs = userIDs[n:]
		err := s.each(ctx, s.DB, `SELECT user_id, service, last_at, region FROM service_access WHERE account_id = ? AND user_id IN (`+placeholders(n)+`)`, ids,
			func(r *sql.Rows) error {
				var a keyward.ServiceAccess
				var at int64
				err := r.Scan(&a.UserID, &a.Service, &at, &a.Region)
				a.Time = fromNanos(at)
				out = append(out, a)
				return err
			})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PutAccessJob implements keyward.AccessStore.
func (s *Store) PutAccessJob(ctx context.Context, job keyward.AccessJob, keep int) error {
	body, err := json.Marshal(job)
	if err != nil {
		return err
	}
	return s.write(ctx, false, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO access_jobs (id, account_id, created_at, body) VALUES (?, ?, ?, ?)`), job.ID, s.acct(ctx), toNanos(job.CreatedAt), string(body)); err != nil {
			return err
		}
		// The report just made stays, and the keep-1 most recent others of
		// the account (reports made in the same second are told apart by
		// ID), whatever the clock says: its caller is about to read it.
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM access_jobs WHERE account_id = ? AND id <> ? AND id NOT IN
			(SELECT id FROM access_jobs WHERE account_id = ? AND id <> ? ORDER BY created_at DESC, id DESC LIMIT ?)`),
			s.acct(ctx), job.ID, s.acct(ctx), job.ID, max(keep-1, 0))
		return err
	})
}

// AccessJob implements keyward.AccessStore.
func (s *Store) AccessJob(ctx context.Context, id string) (keyward.AccessJob, error) {
	var job keyward.AccessJob
	var body string
	err := s.DB.QueryRowContext(ctx, s.q(`SELECT body FROM access_jobs WHERE account_id = ? AND id = ?`), s.acct(ctx), id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return job, keyward.ErrNoSuchJob
	}
	if err != nil {
		return job, err
	}
	return job, json.Unmarshal([]byte(body), &job)
}

// TokenVersion implements keyward.AccountStore.
func (s *Store) TokenVersion(ctx context.Context) (int, error) {
	var v int
	err := s.DB.QueryRowContext(ctx, s.q(`SELECT token_version FROM accounts WHERE id = ?`), s.acct(ctx)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 1, nil
	}
	return v, err
}

// SetTokenVersion implements keyward.AccountStore.
func (s *Store) SetTokenVersion(ctx context.Context, v int) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE accounts SET token_version = ? WHERE id = ?`), v, s.acct(ctx))
		return err
	})
}
