package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/keyward/keyward"
)

// A managed policy's tags are a JSON column of its row, found by ARN.
func init() {
	tagColumns[keyward.TaggedPolicy] = tagColumn{table: "policies", key: "arn", missing: keyward.ErrNoSuchPolicy}
}

// policyColumns counts a policy's attachments and boundaries in the
// view's account (an AWS managed policy is every account's): its three
// parameters are the account's ID (policyArgs).
const policyColumns = `p.id, p.name, p.path, p.arn, p.description, p.default_version, p.aws_managed, p.created_at, p.updated_at, p.tags,
	(SELECT count(*) FROM policy_attachments a WHERE a.policy_id = p.id AND a.account_id = ?),
	(SELECT count(*) FROM users b WHERE b.permissions_boundary = p.arn AND b.account_id = ?) + (SELECT count(*) FROM roles b WHERE b.permissions_boundary = p.arn AND b.account_id = ?)`

// awsAccount is the account_id of AWS's managed policies, which every
// account sees: their ARNs' account.
const awsAccount = "aws"

// policyArgs are the arguments of policyColumns, before args.
func (s *Store) policyArgs(ctx context.Context, args ...any) []any {
	a := s.acct(ctx)
	return append([]any{a, a, a}, args...)
}

func scanPolicy(row interface{ Scan(...any) error }) (keyward.ManagedPolicy, error) {
	var p keyward.ManagedPolicy
	var created, updated int64
	var aws int
	var tags string
	err := row.Scan(&p.ID, &p.Name, &p.Path, &p.ARN, &p.Description, &p.DefaultVersion, &aws, &created, &updated, &tags, &p.AttachmentCount, &p.BoundaryCount)
	if errors.Is(err, sql.ErrNoRows) {
		return p, keyward.ErrNoSuchPolicy
	}
	if err == nil && tags != "[]" {
		err = json.Unmarshal([]byte(tags), &p.Tags)
	}
	p.AWSManaged, p.CreatedAt, p.UpdatedAt = aws == 1, fromNanos(created), fromNanos(updated)
	return p, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreatePolicy implements keyward.PolicyStore.
func (s *Store) CreatePolicy(ctx context.Context, p keyward.ManagedPolicy, document string, max int) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		if err := s.accountQuota(ctx, tx, "policies", " AND aws_managed = 0", max); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO policies (id, account_id, arn, name, name_fold, path, description, aws_managed, default_version, next_version, created_at, updated_at, tags)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, 'v1', 2, ?, ?, ?)`),
			p.ID, s.acct(ctx), p.ARN, p.Name, keyward.FoldName(p.Name), p.Path, p.Description, toNanos(p.CreatedAt), toNanos(p.CreatedAt), tagsJSON(p.Tags))
		if err != nil && s.IsUnique(err) {
			return keyward.ErrPolicyExists
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO policy_versions (policy_id, version, document, created_at) VALUES (?, 'v1', ?, ?)`),
			p.ID, document, toNanos(p.CreatedAt))
		return err
	})
}

// PutAWSManagedPolicy implements keyward.PolicyStore.
func (s *Store) PutAWSManagedPolicy(ctx context.Context, p keyward.ManagedPolicy, document string) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO policies (id, account_id, arn, name, name_fold, path, description, aws_managed, default_version, next_version, created_at, updated_at)
			VALUES (?, '`+awsAccount+`', ?, ?, ?, ?, ?, 1, ?, 2, ?, ?) ON CONFLICT (arn) DO UPDATE SET description = excluded.description, default_version = excluded.default_version, updated_at = excluded.updated_at`),
			p.ID, p.ARN, p.Name, keyward.FoldName(p.Name), p.Path, p.Description, p.DefaultVersion, toNanos(p.CreatedAt), toNanos(p.UpdatedAt))
		if err != nil {
			return err
		}
		var id string
		if err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM policies WHERE arn = ?`), p.ARN).Scan(&id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO policy_versions (policy_id, version, document, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (policy_id, version) DO UPDATE SET document = excluded.document`), id, p.DefaultVersion, document, toNanos(p.UpdatedAt))
		return err
	})
}

// Policy implements keyward.PolicyStore.
func (s *Store) Policy(ctx context.Context, arn string) (keyward.ManagedPolicy, error) {
	return s.policy(ctx, s.DB, arn)
}

func (s *Store) policy(ctx context.Context, q queryer, arn string) (keyward.ManagedPolicy, error) {
	return scanPolicy(q.QueryRowContext(ctx, s.q(`SELECT `+policyColumns+` FROM policies p WHERE p.arn = ? AND p.account_id IN (?, '`+awsAccount+`')`),
		s.policyArgs(ctx, arn, s.acct(ctx))...))
}

func (s *Store) policies(ctx context.Context, query string, max int, args ...any) ([]keyward.ManagedPolicy, bool, error) {
	return collectPage(ctx, s, query, args, max, scanPolicy)
}

// ListPolicies implements keyward.PolicyStore. The marker is the last
// policy's ARN, which orders like the name within a scope.
func (s *Store) ListPolicies(ctx context.Context, scope string, onlyAttached bool, pathPrefix, after string, max int) ([]keyward.ManagedPolicy, bool, error) {
	awsOnly, localOnly := scope == "AWS", scope == "Local"
	return s.policies(ctx, `SELECT `+policyColumns+` FROM policies p
		WHERE p.account_id IN (?, '`+awsAccount+`') AND p.arn > ? AND substr(p.path, 1, length(?)) = ?
		AND (? = 0 OR p.aws_managed = 1) AND (? = 0 OR p.aws_managed = 0)
		AND (? = 0 OR EXISTS (SELECT 1 FROM policy_attachments a WHERE a.policy_id = p.id AND a.account_id = ?))
		ORDER BY p.arn LIMIT ?`, max, s.policyArgs(ctx, s.acct(ctx), after, pathPrefix, pathPrefix, boolInt(awsOnly), boolInt(localOnly), boolInt(onlyAttached), s.acct(ctx), max+1)...)
}

func (s *Store) policyID(ctx context.Context, q queryer, arn string) (id string, defaultVersion string, err error) {
	err = q.QueryRowContext(ctx, s.q(`SELECT id, default_version FROM policies WHERE arn = ? AND account_id IN (?, '`+awsAccount+`')`), arn, s.acct(ctx)).Scan(&id, &defaultVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", keyward.ErrNoSuchPolicy
	}
	return id, defaultVersion, err
}

// ownPolicyID is policyID for a change of the policy's versions: only
// the view's account's own policies. An AWS managed policy is one row
// every account shares, holding the versions of each release Keyward
// installed: an account that put another in force, or deleted one, would
// change it for every account.
func (s *Store) ownPolicyID(ctx context.Context, q queryer, arn string) (id string, defaultVersion string, err error) {
	err = q.QueryRowContext(ctx, s.q(`SELECT id, default_version FROM policies WHERE arn = ? AND account_id = ? AND aws_managed = 0`), arn, s.acct(ctx)).Scan(&id, &defaultVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", keyward.ErrNoSuchPolicy
	}
	return id, defaultVersion, err
}

// DeletePolicy implements keyward.PolicyStore.
func (s *Store) DeletePolicy(ctx context.Context, arn string) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		p, err := s.policy(ctx, tx, arn)
		if err != nil {
			return err
		}
		if p.AWSManaged {
			return keyward.ErrNoSuchPolicy
		}
		var versions int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM policy_versions WHERE policy_id = ?`), p.ID).Scan(&versions); err != nil {
			return err
		}
		if p.AttachmentCount > 0 || p.BoundaryCount > 0 || versions > 1 {
			return keyward.ErrPolicyInUse
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM policy_versions WHERE policy_id = ?`), p.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM policies WHERE id = ?`), p.ID)
		return err
	})
}

func scanVersion(row interface{ Scan(...any) error }, defaultVersion string) (keyward.PolicyVersion, error) {
	var v keyward.PolicyVersion
	var created int64
	err := row.Scan(&v.ID, &v.Document, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return v, keyward.ErrNoSuchPolicyVersion
	}
	v.CreatedAt, v.Default = fromNanos(created), v.ID == defaultVersion
	return v, err
}

// PolicyVersion implements keyward.PolicyStore.
func (s *Store) PolicyVersion(ctx context.Context, arn, version string) (keyward.PolicyVersion, error) {
	id, def, err := s.policyID(ctx, s.DB, arn)
	if err != nil {
		return keyward.PolicyVersion{}, err
	}
	return scanVersion(s.DB.QueryRowContext(ctx, s.q(`SELECT version, document, created_at FROM policy_versions WHERE policy_id = ? AND version = ?`), id, version), def)
}

// ListPolicyVersions implements keyward.PolicyStore.
func (s *Store) ListPolicyVersions(ctx context.Context, arn string) ([]keyward.PolicyVersion, error) {
	id, def, err := s.policyID(ctx, s.DB, arn)
	if err != nil {
		return nil, err
	}
	return collect(ctx, s, s.DB, `SELECT version, document, created_at FROM policy_versions WHERE policy_id = ? ORDER BY created_at DESC, version DESC`, []any{id},
		func(r rowScanner) (keyward.PolicyVersion, error) { return scanVersion(r, def) })
}

// CreatePolicyVersion implements keyward.PolicyStore.
func (s *Store) CreatePolicyVersion(ctx context.Context, arn, document string, setDefault bool, at time.Time) (keyward.PolicyVersion, error) {
	var v keyward.PolicyVersion
	err := s.write(ctx, true, func(tx *sql.Tx) error {
		// Taking the version number locks the policy's row (PostgreSQL) or
		// the database (SQLite): concurrent versions get distinct numbers,
		// and the count below sees every committed one.
		var id string
		var next int
		err := tx.QueryRowContext(ctx, s.q(`UPDATE policies SET next_version = next_version + 1, updated_at = ?
			WHERE arn = ? AND account_id = ? AND aws_managed = 0 RETURNING id, next_version - 1`), toNanos(at), arn, s.acct(ctx)).Scan(&id, &next)
		if errors.Is(err, sql.ErrNoRows) {
			return keyward.ErrNoSuchPolicy
		}
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM policy_versions WHERE policy_id = ?`), id).Scan(&n); err != nil {
			return err
		}
		if n >= keyward.MaxPolicyVersions {
			return keyward.ErrPolicyVersionQuota
		}
		v = keyward.PolicyVersion{ID: "v" + strconv.Itoa(next), Document: document, Default: setDefault, CreatedAt: at}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO policy_versions (policy_id, version, document, created_at) VALUES (?, ?, ?, ?)`),
			id, v.ID, document, toNanos(at)); err != nil {
			return err
		}
		if setDefault {
			_, err = tx.ExecContext(ctx, s.q(`UPDATE policies SET default_version = ? WHERE id = ?`), v.ID, id)
		}
		return err
	})
	return v, err
}

// SetDefaultPolicyVersion implements keyward.PolicyStore.
func (s *Store) SetDefaultPolicyVersion(ctx context.Context, arn, version string, at time.Time) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		id, _, err := s.ownPolicyID(ctx, tx, arn)
		if err != nil {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM policy_versions WHERE policy_id = ? AND version = ?`), id, version).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return keyward.ErrNoSuchPolicyVersion
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE policies SET default_version = ?, updated_at = ? WHERE id = ?`), version, toNanos(at), id)
		return err
	})
}

// DeletePolicyVersion implements keyward.PolicyStore.
func (s *Store) DeletePolicyVersion(ctx context.Context, arn, version string) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		id, def, err := s.ownPolicyID(ctx, tx, arn)
		if err != nil {
			return err
		}
		if version == def {
			return keyward.ErrDefaultVersion
		}
		err = affected(tx.ExecContext(ctx, s.q(`DELETE FROM policy_versions WHERE policy_id = ? AND version = ?`), id, version))
		if errors.Is(err, keyward.ErrNotAttached) {
			return keyward.ErrNoSuchPolicyVersion
		}
		return err
	})
}

// attachmentIDs resolves an entity and a managed policy's ARN, the two
// ends of an attachment, to their IDs.
func (s *Store) attachmentIDs(ctx context.Context, tx *sql.Tx, e keyward.Entity, arn string) (entityID, policyID string, err error) {
	if entityID, err = s.entityID(ctx, tx, e); err != nil {
		return "", "", err
	}
	policyID, _, err = s.policyID(ctx, tx, arn)
	return entityID, policyID, err
}

// AttachPolicy implements keyward.PolicyStore.
func (s *Store) AttachPolicy(ctx context.Context, e keyward.Entity, arn string, max int) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		eid, err := s.lockEntity(ctx, tx, e)
		if err != nil {
			return err
		}
		pid, _, err := s.policyID(ctx, tx, arn)
		if err != nil {
			return err
		}
		// Attaching a policy again changes nothing, at the quota too.
		err = withinQuota(ctx, tx, s.q(`SELECT count(*) FROM policy_attachments WHERE kind = ? AND entity_id = ? AND policy_id <> ?`), max, e.Kind, eid, pid)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO policy_attachments (kind, entity_id, policy_id, account_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`), e.Kind, eid, pid, s.acct(ctx))
		return err
	})
}

// DetachPolicy implements keyward.PolicyStore.
func (s *Store) DetachPolicy(ctx context.Context, e keyward.Entity, arn string) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		eid, pid, err := s.attachmentIDs(ctx, tx, e, arn)
		if err != nil {
			return err
		}
		return affected(tx.ExecContext(ctx, s.q(`DELETE FROM policy_attachments WHERE kind = ? AND entity_id = ? AND policy_id = ?`), e.Kind, eid, pid))
	})
}

// ListAttachedPolicies implements keyward.PolicyStore.
func (s *Store) ListAttachedPolicies(ctx context.Context, e keyward.Entity, pathPrefix, after string, max int) ([]keyward.ManagedPolicy, bool, error) {
	eid, err := s.entityID(ctx, s.DB, e)
	if err != nil {
		return nil, false, err
	}
	return s.policies(ctx, `SELECT `+policyColumns+` FROM policy_attachments att JOIN policies p ON p.id = att.policy_id
		WHERE att.kind = ? AND att.entity_id = ? AND p.arn > ? AND substr(p.path, 1, length(?)) = ?
		ORDER BY p.arn LIMIT ?`, max, s.policyArgs(ctx, e.Kind, eid, after, pathPrefix, pathPrefix, max+1)...)
}

// PrincipalPolicies implements keyward.PolicyStore, in one query: the
// principal's inline and attached policies, a user's groups' and the
// permissions boundary. kind comes from a closed set and is written into
// the statement, since PostgreSQL cannot type a parameter in a UNION's
// select list.
func (s *Store) PrincipalPolicies(ctx context.Context, kind, id string) ([]keyward.PolicySource, error) {
	table := map[string]string{keyward.EntityUser: "users", keyward.EntityRole: "roles"}[kind]
	if table == "" {
		return nil, fmt.Errorf("sqlstore: no policies of a principal of kind %q", kind)
	}
	const managed = `SELECT p.arn, CASE WHEN p.aws_managed = 1 THEN 'aws-managed' ELSE 'user-managed' END, v.document
		FROM policy_attachments a JOIN policies p ON p.id = a.policy_id
		JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.default_version`
	q := `SELECT name, '` + kind + `', document FROM inline_policies WHERE kind = '` + kind + `' AND entity_id = ?
		UNION ALL ` + managed + ` WHERE a.kind = '` + kind + `' AND a.entity_id = ?`
	args := []any{id, id}
	if kind == keyward.EntityUser {
		// The user's groups are read first, each group's policies by the
		// group: without statistics SQLite takes a condition on the kind
		// (the leading column of the policies' keys) for a selective one,
		// and read every group's policies of the installation by kind
		// before joining the user's memberships. SQLite joins the tables
		// of a CROSS JOIN in the order written; PostgreSQL orders them as
		// it would an inner join's.
		q += `
		UNION ALL
		SELECT g.name || '/' || i.name, 'group', i.document
		FROM group_members m CROSS JOIN groups g CROSS JOIN inline_policies i
		WHERE m.user_id = ? AND g.id = m.group_id AND i.kind = 'group' AND i.entity_id = m.group_id
		UNION ALL
		SELECT p.arn, CASE WHEN p.aws_managed = 1 THEN 'aws-managed' ELSE 'user-managed' END, v.document
		FROM group_members m CROSS JOIN policy_attachments a JOIN policies p ON p.id = a.policy_id
		JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.default_version
		WHERE m.user_id = ? AND a.kind = 'group' AND a.entity_id = m.group_id`
		args = append(args, id, id)
	}
	q += `
		UNION ALL
		SELECT p.arn, 'permissions-boundary', v.document
		FROM ` + table + ` e JOIN policies p ON p.arn = e.permissions_boundary
		JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.default_version
		WHERE e.id = ?`
	return collect(ctx, s, s.DB, q, append(args, id), func(r rowScanner) (keyward.PolicySource, error) {
		var p keyward.PolicySource
		err := r.Scan(&p.ID, &p.Type, &p.Document)
		return p, err
	})
}
