package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/keyward/keyward"
)

// An MFA device's tags are a JSON column of its row, found by serial number.
func init() {
	tagColumns[keyward.TaggedMFADevice] = tagColumn{table: "mfa_devices", key: "serial", missing: keyward.ErrNoSuchMFADevice}
}

// Virtual MFA devices and the other credentials of users.

const mfaColumns = `m.serial, m.path, m.name, coalesce(m.user_id, ''), coalesce(u.name, ''), coalesce(u.path, ''), coalesce(u.created_at, 0),
	m.created_at, m.enabled_at, m.sealed_seed, m.last_step, m.drift, m.tags, m.failures, m.failed_since, m.for_root
	FROM mfa_devices m LEFT JOIN users u ON u.id = m.user_id`

func scanMFA(row interface{ Scan(...any) error }) (keyward.MFADevice, error) {
	var d keyward.MFADevice
	var userCreated, created, enabled, failedSince int64
	var tags string
	var root int
	err := row.Scan(&d.SerialNumber, &d.Path, &d.Name, &d.User.ID, &d.User.Name, &d.User.Path, &userCreated,
		&created, &enabled, &d.SealedSeed, &d.LastStep, &d.Drift, &tags, &d.Failures, &failedSince, &root)
	if err != nil {
		return d, err
	}
	d.CreatedAt = fromNanos(created)
	if failedSince != 0 {
		d.FailedSince = fromNanos(failedSince)
	}
	d.Root = root != 0 && d.User.ID == ""
	if d.User.ID != "" {
		d.User.CreatedAt = fromNanos(userCreated)
	}
	if d.Assigned() {
		d.EnabledAt = fromNanos(enabled)
	}
	if err := json.Unmarshal([]byte(tags), &d.Tags); err != nil {
		return d, err
	}
	return d, nil
}

func tagsJSON(tags []keyward.Tag) string {
	if len(tags) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(tags) // a slice of string pairs always encodes
	return string(b)
}

// CreateMFADevice implements keyward.MFAStore.
func (s *Store) CreateMFADevice(ctx context.Context, d keyward.MFADevice) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO mfa_devices (account_id, serial, path, name, name_fold, created_at, sealed_seed, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			s.acct(ctx), d.SerialNumber, d.Path, d.Name, keyward.FoldName(d.Name), toNanos(d.CreatedAt), d.SealedSeed, tagsJSON(d.Tags))
		return s.unique(err, keyward.ErrMFADeviceExists)
	})
}

// MFADevice implements keyward.MFAStore.
func (s *Store) MFADevice(ctx context.Context, serial string) (keyward.MFADevice, error) {
	d, err := scanMFA(s.DB.QueryRowContext(ctx, s.q(`SELECT `+mfaColumns+` WHERE m.account_id = ? AND m.serial = ?`), s.acct(ctx), serial))
	if errors.Is(err, sql.ErrNoRows) {
		return d, keyward.ErrNoSuchMFADevice
	}
	return d, err
}

// ListMFADevices implements keyward.MFAStore.
func (s *Store) ListMFADevices(ctx context.Context, f keyward.MFAFilter, after string, max int) ([]keyward.MFADevice, bool, error) {
	where, args := `m.account_id = ? AND m.serial > ?`, []any{s.acct(ctx), after}
	if f.UserName != "" {
		id, err := s.entityID(ctx, s.DB, keyward.Entity{Kind: keyward.EntityUser, Name: f.UserName})
		if err != nil {
			return nil, false, err
		}
		where, args = where+` AND m.user_id = ?`, append(args, id)
	}
	if f.Root {
		where += ` AND m.for_root = 1`
	}
	switch f.Assignment {
	case keyward.MFAAssigned:
		where += ` AND (m.user_id IS NOT NULL OR m.for_root = 1)`
	case keyward.MFAUnassigned:
		where += ` AND m.user_id IS NULL AND m.for_root = 0`
	}
	return collectPage(ctx, s, `SELECT `+mfaColumns+` WHERE `+where+` ORDER BY m.serial LIMIT `+strconv.Itoa(max+1), args, max, scanMFA)
}

// UpdateMFADevice implements keyward.MFAStore: the device's row is locked
// for the transaction, so that two sign-ins cannot both accept one code.
func (s *Store) UpdateMFADevice(ctx context.Context, serial string, fn func(*keyward.MFADevice) error) (keyward.MFADevice, error) {
	var d keyward.MFADevice
	err := s.write(ctx, false, func(tx *sql.Tx) error {
		var err error
		d, err = scanMFA(tx.QueryRowContext(ctx, s.q(`SELECT `+mfaColumns+` WHERE m.account_id = ? AND m.serial = ?`+s.forUpdateOf("m")), s.acct(ctx), serial))
		if errors.Is(err, sql.ErrNoRows) {
			return keyward.ErrNoSuchMFADevice
		}
		if err != nil {
			return err
		}
		wasRoot := d.Root
		if err := fn(&d); err != nil {
			return err
		}
		if d.Root && (d.User.ID != "" || d.User.Name != "") {
			return errors.New("sqlstore: an MFA device assigned to the root user and to a user")
		}
		var userID any // NULL: unassigned, or the root user's
		switch {
		case d.Root && !wasRoot: // being assigned to the root user
			// The account's row serialises the root user's assignments, as
			// a user's row does a user's.
			if err := s.lockAccount(ctx, tx); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM mfa_devices WHERE account_id = ? AND for_root = 1`), s.acct(ctx)).Scan(&n); err != nil {
				return err
			}
			if n >= keyward.MaxMFADevicesPerUser {
				return keyward.ErrMFAQuota
			}
		case d.User.ID == "" && d.User.Name != "": // being assigned
			id, err := s.lockUser(ctx, tx, d.User.Name)
			if err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM mfa_devices WHERE user_id = ?`), id).Scan(&n); err != nil {
				return err
			}
			if n >= keyward.MaxMFADevicesPerUser {
				return keyward.ErrMFAQuota
			}
			d.User.ID, userID = id, id
		case d.User.ID != "":
			userID = d.User.ID
		}
		enabled, root := int64(0), 0
		if userID != nil || d.Root {
			enabled = toNanos(d.EnabledAt)
		}
		if d.Root {
			root = 1
		}
		failedSince := int64(0)
		if !d.FailedSince.IsZero() {
			failedSince = toNanos(d.FailedSince)
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE mfa_devices SET user_id = ?, for_root = ?, enabled_at = ?, last_step = ?, drift = ?, tags = ?, failures = ?, failed_since = ? WHERE account_id = ? AND serial = ?`),
			userID, root, enabled, d.LastStep, d.Drift, tagsJSON(d.Tags), d.Failures, failedSince, s.acct(ctx), serial)
		return err
	})
	return d, err
}

// forUpdateOf locks the rows of one table of a join (PostgreSQL refuses
// FOR UPDATE on the nullable side of an outer join).
func (s *Store) forUpdateOf(table string) string {
	if s.ForUpdate == "" {
		return ""
	}
	return s.ForUpdate + " OF " + table
}

// DeleteMFADevice implements keyward.MFAStore.
func (s *Store) DeleteMFADevice(ctx context.Context, serial string) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		var user sql.NullString
		var root int
		err := tx.QueryRowContext(ctx, s.q(`SELECT user_id, for_root FROM mfa_devices WHERE account_id = ? AND serial = ?`+s.ForUpdate), s.acct(ctx), serial).Scan(&user, &root)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return keyward.ErrNoSuchMFADevice
		case err != nil:
			return err
		case user.Valid || root != 0:
			return keyward.ErrEntityInUse
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM mfa_devices WHERE account_id = ? AND serial = ?`), s.acct(ctx), serial)
		return err
	})
}

const credentialColumns = `c.id, c.kind, c.user_id, u.name, c.status, c.created_at, c.body, c.fingerprint, c.service_name, c.service_user_name, c.sealed_secret
	FROM user_credentials c JOIN users u ON u.id = c.user_id`

func scanCredential(row interface{ Scan(...any) error }) (keyward.OtherCredential, error) {
	var c keyward.OtherCredential
	var created int64
	err := row.Scan(&c.ID, &c.Kind, &c.User.ID, &c.User.Name, &c.Status, &created, &c.Body, &c.Fingerprint,
		&c.ServiceName, &c.ServiceUserName, &c.SealedPassword)
	c.CreatedAt = fromNanos(created)
	return c, err
}

// credentialOrder orders credentials by creation.
func (s *Store) credentialOrder() string {
	if s.KeySeq == "rowid" {
		return "c.rowid"
	}
	return "c.seq"
}

// CreateCredential implements keyward.CredentialStore: the quota is
// counted in the transaction that inserts, under the user's row lock.
func (s *Store) CreateCredential(ctx context.Context, userName string, c keyward.OtherCredential, max int) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		id, err := s.lockUser(ctx, tx, userName)
		if err != nil {
			return err
		}
		if userName == "" {
			return keyward.ErrNoSuchUser
		}
		var n int
		err = tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM user_credentials WHERE user_id = ? AND kind = ? AND service_name = ?`),
			id, c.Kind, c.ServiceName).Scan(&n)
		if err != nil {
			return err
		}
		if n >= max {
			return keyward.ErrCredentialQuota
		}
		dedupe := c.Fingerprint
		if c.Kind == keyward.CredSSHKey {
			dedupe = id + " " + c.Fingerprint
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO user_credentials (account_id, id, kind, user_id, status, created_at, body, fingerprint, dedupe, service_name, service_user_name, sealed_secret)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			s.acct(ctx), c.ID, c.Kind, id, c.Status, toNanos(c.CreatedAt), c.Body, c.Fingerprint, dedupe, c.ServiceName, c.ServiceUserName, c.SealedPassword)
		return s.unique(err, keyward.ErrDuplicateCredential)
	})
}

// Credentials implements keyward.CredentialStore.
func (s *Store) Credentials(ctx context.Context, userName, kind string) ([]keyward.OtherCredential, error) {
	id, err := s.entityID(ctx, s.DB, keyward.Entity{Kind: keyward.EntityUser, Name: userName})
	if err != nil {
		return nil, err
	}
	return collect(ctx, s, s.DB, `SELECT `+credentialColumns+` WHERE c.user_id = ? AND c.kind = ? ORDER BY `+s.credentialOrder(), []any{id, kind}, scanCredential)
}

// UpdateCredential implements keyward.CredentialStore.
func (s *Store) UpdateCredential(ctx context.Context, userName, kind, credID string, fn func(*keyward.OtherCredential) error) (keyward.OtherCredential, error) {
	var c keyward.OtherCredential
	err := s.write(ctx, false, func(tx *sql.Tx) error {
		id, err := s.lockUser(ctx, tx, userName)
		if err != nil {
			return err
		}
		c, err = scanCredential(tx.QueryRowContext(ctx, s.q(`SELECT `+credentialColumns+` WHERE c.id = ? AND c.user_id = ? AND c.kind = ?`), credID, id, kind))
		if errors.Is(err, sql.ErrNoRows) {
			return keyward.ErrNoSuchCredential
		}
		if err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE user_credentials SET status = ?, sealed_secret = ? WHERE id = ?`), c.Status, c.SealedPassword, credID)
		return err
	})
	return c, err
}

// DeleteCredential implements keyward.CredentialStore.
func (s *Store) DeleteCredential(ctx context.Context, userName, kind, credID string) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		id, err := s.lockUser(ctx, tx, userName)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM user_credentials WHERE id = ? AND user_id = ? AND kind = ?`), credID, id, kind)
		return deletedOne(res, err, keyward.ErrNoSuchCredential)
	})
}

// userHasCredentials reports whether a user has an MFA device or another
// credential, which keep it from being deleted.
func (s *Store) userHasCredentials(ctx context.Context, tx *sql.Tx, id string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, s.q(`SELECT (SELECT count(*) FROM mfa_devices WHERE user_id = ?) + (SELECT count(*) FROM user_credentials WHERE user_id = ?)`), id, id).Scan(&n)
	return n > 0, err
}
