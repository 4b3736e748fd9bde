package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// CreateLoginProfile implements keyward.LoginStore.
func (s *Store) CreateLoginProfile(ctx context.Context, userName string, p keyward.LoginProfile) error {
	history, err := json.Marshal(p.History)
	if err != nil {
		return err
	}
	return s.write(ctx, false, func(tx *sql.Tx) error {
		uid, err := s.entityID(ctx, tx, keyward.Entity{Kind: keyward.EntityUser, Name: userName})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO login_profiles (user_id, password_hash, reset_required, created_at, changed_at, history)
			VALUES (?, ?, ?, ?, ?, ?)`), uid, p.PasswordHash, boolInt(p.ResetRequired), toNanos(p.CreatedAt), toNanos(p.ChangedAt), string(history))
		return s.unique(err, keyward.ErrLoginProfileExists)
	})
}

// LoginProfile implements keyward.LoginStore.
func (s *Store) LoginProfile(ctx context.Context, userName string) (keyward.LoginProfile, error) {
	uid, err := s.entityID(ctx, s.DB, keyward.Entity{Kind: keyward.EntityUser, Name: userName})
	if err != nil {
		return keyward.LoginProfile{}, err
	}
	return s.loginProfile(ctx, s.DB, uid, "")
}

// loginProfile reads the login profile of the user with ID uid; lock is
// appended to the query (FOR UPDATE, where the dialect has it).
func (s *Store) loginProfile(ctx context.Context, q queryer, uid, lock string) (keyward.LoginProfile, error) {
	var p keyward.LoginProfile
	var reset int
	var created, changed int64
	var lastUsed sql.NullInt64
	var history string
	err := q.QueryRowContext(ctx, s.q(`SELECT u.name, lp.password_hash, lp.reset_required, lp.created_at, lp.changed_at, lp.last_used_at, lp.history
		FROM login_profiles lp JOIN users u ON u.id = lp.user_id WHERE lp.user_id = ?`+lock), uid).
		Scan(&p.UserName, &p.PasswordHash, &reset, &created, &changed, &lastUsed, &history)
	if errors.Is(err, sql.ErrNoRows) {
		return p, keyward.ErrNoLoginProfile
	}
	if err != nil {
		return p, err
	}
	p.ResetRequired, p.CreatedAt, p.ChangedAt = reset == 1, fromNanos(created), fromNanos(changed)
	if lastUsed.Valid {
		p.LastUsed = fromNanos(lastUsed.Int64)
	}
	return p, json.Unmarshal([]byte(history), &p.History)
}

// UpdateLoginProfile implements keyward.LoginStore: the profile is read
// (locked where the dialect locks rows), changed by fn and written in one
// transaction.
func (s *Store) UpdateLoginProfile(ctx context.Context, userName string, fn func(keyward.LoginProfile) (keyward.LoginProfile, error), sessionsAfter time.Time) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		uid, err := s.entityID(ctx, tx, keyward.Entity{Kind: keyward.EntityUser, Name: userName})
		if err != nil {
			return err
		}
		old, err := s.loginProfile(ctx, tx, uid, s.ForUpdate)
		if err != nil {
			return err
		}
		p, err := fn(old)
		if err != nil {
			return err
		}
		history, err := json.Marshal(p.History)
		if err != nil {
			return err
		}
		var lastUsed any
		if !p.LastUsed.IsZero() {
			lastUsed = toNanos(p.LastUsed)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE login_profiles SET password_hash = ?, reset_required = ?, changed_at = ?, last_used_at = ?, history = ?
			WHERE user_id = ?`), p.PasswordHash, boolInt(p.ResetRequired), toNanos(p.ChangedAt), lastUsed, string(history), uid); err != nil {
			return err
		}
		if sessionsAfter.IsZero() {
			return nil
		}
		return s.endSessions(ctx, tx, uid, sessionsAfter)
	})
}

// endSessions moves the user's session cut-off forward (never back).
func (s *Store) endSessions(ctx context.Context, tx *sql.Tx, uid string, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE users SET sessions_after = ? WHERE id = ? AND sessions_after < ?`), toNanos(at), uid, toNanos(at))
	return err
}

// EndConsoleSessions implements keyward.ConsoleStore.
func (s *Store) EndConsoleSessions(ctx context.Context, userName string, at time.Time) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		uid, err := s.entityID(ctx, tx, keyward.Entity{Kind: keyward.EntityUser, Name: userName})
		if err != nil {
			return err
		}
		return s.endSessions(ctx, tx, uid, at)
	})
}

// DeleteLoginProfile implements keyward.LoginStore.
func (s *Store) DeleteLoginProfile(ctx context.Context, userName string, at time.Time) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		uid, err := s.entityID(ctx, tx, keyward.Entity{Kind: keyward.EntityUser, Name: userName})
		if err != nil {
			return err
		}
		err = affected(tx.ExecContext(ctx, s.q(`DELETE FROM login_profiles WHERE user_id = ?`), uid))
		if errors.Is(err, keyward.ErrNotAttached) {
			return keyward.ErrNoLoginProfile
		}
		if err != nil {
			return err
		}
		return s.endSessions(ctx, tx, uid, at)
	})
}

// PasswordPolicy implements keyward.LoginStore.
func (s *Store) PasswordPolicy(ctx context.Context) (keyward.PasswordPolicy, error) {
	var p keyward.PasswordPolicy
	var doc string
	err := s.DB.QueryRowContext(ctx, s.q(`SELECT policy FROM password_policy WHERE account_id = ?`), s.acct(ctx)).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return p, keyward.ErrNoPasswordPolicy
	}
	if err != nil {
		return p, err
	}
	return p, json.Unmarshal([]byte(doc), &p)
}

// PutPasswordPolicy implements keyward.LoginStore.
func (s *Store) PutPasswordPolicy(ctx context.Context, p keyward.PasswordPolicy) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.write(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO password_policy (account_id, policy) VALUES (?, ?)
			ON CONFLICT (account_id) DO UPDATE SET policy = excluded.policy`), s.acct(ctx), string(doc))
		return err
	})
}

// DeletePasswordPolicy implements keyward.LoginStore.
func (s *Store) DeletePasswordPolicy(ctx context.Context) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		err := affected(tx.ExecContext(ctx, s.q(`DELETE FROM password_policy WHERE account_id = ?`), s.acct(ctx)))
		if errors.Is(err, keyward.ErrNotAttached) {
			return keyward.ErrNoPasswordPolicy
		}
		return err
	})
}

// CredentialReport implements keyward.LoginStore.
func (s *Store) CredentialReport(ctx context.Context) (keyward.CredentialReport, error) {
	var r keyward.CredentialReport
	var started, generated, snapshot int64
	err := s.DB.QueryRowContext(ctx, s.q(`SELECT state, started_at, generated_at, snapshot_at, content FROM credential_report WHERE account_id = ?`), s.acct(ctx)).
		Scan(&r.State, &started, &generated, &snapshot, &r.Content)
	if errors.Is(err, sql.ErrNoRows) {
		return r, keyward.ErrNoReport
	}
	r.StartedAt, r.GeneratedAt, r.SnapshotAt = fromNanos(started), fromNanos(generated), fromNanos(snapshot)
	return r, err
}

// PutCredentialReport implements keyward.LoginStore. A report in progress
// replaces only the state and its start: the last complete report stays.
func (s *Store) PutCredentialReport(ctx context.Context, r keyward.CredentialReport) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO credential_report (account_id, state, started_at, generated_at, snapshot_at, content) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET state = excluded.state, started_at = excluded.started_at,
			generated_at = CASE WHEN excluded.state = 'COMPLETE' THEN excluded.generated_at ELSE credential_report.generated_at END,
			snapshot_at = CASE WHEN excluded.state = 'COMPLETE' THEN excluded.snapshot_at ELSE credential_report.snapshot_at END,
			content = CASE WHEN excluded.state = 'COMPLETE' THEN excluded.content ELSE credential_report.content END`),
			s.acct(ctx), r.State, toNanos(r.StartedAt), toNanos(r.GeneratedAt), toNanos(r.SnapshotAt), r.Content)
		return err
	})
}

// ScanCredentials implements keyward.LoginStore: one query, read row by
// row, each user handed over as soon as its last key is read.
func (s *Store) ScanCredentials(ctx context.Context, fn func(*keyward.UserCredentials) error) error {
	var cur keyward.UserCredentials
	var login keyward.LoginProfile
	have := false
	err := s.each(ctx, s.DB, `SELECT u.id, u.name, u.path, u.created_at,
		lp.user_id IS NOT NULL, coalesce(lp.changed_at, 0), lp.last_used_at,
		k.id, coalesce(k.status, ''), coalesce(k.created_at, 0), k.last_used_at, coalesce(k.last_used_service, ''), coalesce(k.last_used_region, ''),
		EXISTS (SELECT 1 FROM mfa_devices m WHERE m.account_id = ? AND m.user_id = u.id),
		coalesce((SELECT string_agg(c.status || ' ' || c.created_at, ',' ORDER BY c.created_at, c.id) FROM user_credentials c
			WHERE c.user_id = u.id AND c.kind = 'signing'), '')
		FROM users u
		LEFT JOIN login_profiles lp ON lp.user_id = u.id
		LEFT JOIN access_keys k ON k.account_id = u.account_id AND k.user_id = u.id
		WHERE u.account_id = ?
		ORDER BY u.name, u.id, k.`+s.KeySeq, []any{s.acct(ctx), s.acct(ctx)}, func(r *sql.Rows) error {
		var uid, name, path string
		var created, changed int64
		var hasLogin bool
		var loginUsed, keyUsed sql.NullInt64
		var keyID sql.NullString
		var k keyward.AccessKey
		var keyCreated int64
		var mfa bool
		var certs string
		if err := r.Scan(&uid, &name, &path, &created, &hasLogin, &changed, &loginUsed,
			&keyID, &k.Status, &keyCreated, &keyUsed, &k.LastUsed.Service, &k.LastUsed.Region, &mfa, &certs); err != nil {
			return err
		}
		if !have || uid != cur.User.ID {
			if have {
				if err := fn(&cur); err != nil {
					return err
				}
			}
			cur = keyward.UserCredentials{User: keyward.User{ID: uid, Name: name, Path: path, CreatedAt: fromNanos(created)},
				Keys: cur.Keys[:0], MFAActive: mfa, Certs: parseCerts(cur.Certs[:0], certs)}
			if hasLogin {
				login = keyward.LoginProfile{UserName: name, ChangedAt: fromNanos(changed)}
				if loginUsed.Valid {
					login.LastUsed = fromNanos(loginUsed.Int64)
				}
				cur.Login = &login
			}
			have = true
		}
		if keyID.Valid {
			k.ID, k.CreatedAt = keyID.String, fromNanos(keyCreated)
			if keyUsed.Valid {
				k.LastUsed.Time = fromNanos(keyUsed.Int64)
			}
			cur.Keys = append(cur.Keys, k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if have {
		return fn(&cur)
	}
	return nil
}

// parseCerts reads the "status created,..." list of a user's signing
// certificates that ScanCredentials aggregates.
func parseCerts(out []keyward.OtherCredential, list string) []keyward.OtherCredential {
	for _, c := range strings.Split(list, ",") {
		status, created, ok := strings.Cut(c, " ")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(created, 10, 64)
		out = append(out, keyward.OtherCredential{Kind: keyward.CredSigningCert, Status: status, CreatedAt: fromNanos(n)})
	}
	return out
}
