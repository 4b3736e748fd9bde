package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/keyward/keyward"
)

// The account-wide views. The detail pages read each kind of fact for a
// whole page of users or groups in one query (no query per entity), so
// that GetAccountAuthorizationDetails over 10,000 users costs a few dozen
// queries.

// AccountAliases implements keyward.AccountStore.
func (s *Store) AccountAliases(ctx context.Context) ([]string, error) {
	return s.strings(ctx, s.DB, `SELECT alias FROM account_aliases WHERE account_id = ? ORDER BY alias`, s.acct(ctx))
}

// CreateAccountAlias implements keyward.AccountStore: an alias is unique
// across the installation (its primary key), the quota per account.
func (s *Store) CreateAccountAlias(ctx context.Context, alias string) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		// Lock the account's row: two different aliases created at once
		// must not both pass the quota.
		if err := s.lockAccount(ctx, tx); err != nil {
			return err
		}
		existing, err := s.strings(ctx, tx, `SELECT alias FROM account_aliases WHERE account_id = ?`, s.acct(ctx))
		if err != nil {
			return err
		}
		for _, a := range existing {
			if a == alias {
				return keyward.ErrAliasExists
			}
		}
		if len(existing) >= keyward.MaxAccountAliases {
			return keyward.ErrAliasQuota
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO account_aliases (alias, account_id) VALUES (?, ?)`), alias, s.acct(ctx))
		return s.unique(err, keyward.ErrAliasExists)
	})
}

// DeleteAccountAlias implements keyward.AccountStore.
func (s *Store) DeleteAccountAlias(ctx context.Context, alias string) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM account_aliases WHERE alias = ? AND account_id = ?`), alias, s.acct(ctx))
		return deletedOne(res, err, keyward.ErrNoSuchAlias)
	})
}

// AccountCounts implements keyward.AccountStore, in one query, for the
// view's account.
func (s *Store) AccountCounts(ctx context.Context) (keyward.AccountCounts, error) {
	var c keyward.AccountCounts
	a := s.acct(ctx)
	err := s.DB.QueryRowContext(ctx, s.q(`SELECT
		(SELECT count(*) FROM users WHERE account_id = ?),
		(SELECT count(*) FROM groups WHERE account_id = ?),
		(SELECT count(*) FROM policies WHERE account_id = ? AND aws_managed = 0),
		(SELECT count(*) FROM mfa_devices WHERE account_id = ?),
		(SELECT count(*) FROM mfa_devices WHERE account_id = ? AND (user_id IS NOT NULL OR for_root = 1)),
		(SELECT count(*) FROM policy_versions v JOIN policies p ON p.id = v.policy_id WHERE p.account_id = ? AND p.aws_managed = 0),
		(SELECT count(*) FROM access_keys WHERE account_id = ? AND user_id = ''),
		(SELECT count(*) FROM server_certificates WHERE account_id = ?),
		(SELECT count(*) FROM mfa_devices WHERE account_id = ? AND for_root = 1)`), a, a, a, a, a, a, a, a, a).Scan(
		&c.Users, &c.Groups, &c.Policies, &c.MFADevices, &c.MFADevicesInUse, &c.PolicyVersionsInUse,
		&c.RootAccessKeys, &c.ServerCertificates, &c.RootMFADevices)
	return c, err
}

// PolicyEntities implements keyward.AccountStore.
func (s *Store) PolicyEntities(ctx context.Context, arn, kind, pathPrefix, usage, after string, max int) ([]keyward.PolicyEntity, bool, error) {
	p, err := s.policy(ctx, s.DB, arn)
	if err != nil {
		return nil, false, err
	}
	a := s.acct(ctx)
	return collectPage(ctx, s, `SELECT DISTINCT kind, name, id FROM (
			SELECT 'group' AS kind, g.name AS name, g.id AS id, g.path AS path, 'PermissionsPolicy' AS usage FROM policy_attachments a JOIN groups g ON a.kind = 'group' AND g.id = a.entity_id WHERE a.policy_id = ? AND a.account_id = ?
			UNION ALL
			SELECT 'user', u.name, u.id, u.path, 'PermissionsPolicy' FROM policy_attachments a JOIN users u ON a.kind = 'user' AND u.id = a.entity_id WHERE a.policy_id = ? AND a.account_id = ?
			UNION ALL
			SELECT 'user', u.name, u.id, u.path, 'PermissionsBoundary' FROM users u WHERE u.permissions_boundary = ? AND u.account_id = ?
			UNION ALL
			SELECT 'role', r.name, r.id, r.path, 'PermissionsPolicy' FROM policy_attachments a JOIN roles r ON a.kind = 'role' AND r.id = a.entity_id WHERE a.policy_id = ? AND a.account_id = ?
			UNION ALL
			SELECT 'role', r.name, r.id, r.path, 'PermissionsBoundary' FROM roles r WHERE r.permissions_boundary = ? AND r.account_id = ?
		) e
		WHERE (? = '' OR kind = ?) AND (? = '' OR usage = ?) AND substr(path, 1, length(?)) = ? AND kind || ':' || name > ?
		ORDER BY kind, name LIMIT `+strconv.Itoa(max+1), []any{p.ID, a, p.ID, a, p.ARN, a, p.ID, a, p.ARN, a, kind, kind, usage, usage, pathPrefix, pathPrefix, after}, max,
		func(r rowScanner) (keyward.PolicyEntity, error) {
			var e keyward.PolicyEntity
			err := r.Scan(&e.Kind, &e.Name, &e.ID)
			return e, err
		})
}

// EntityDetails implements keyward.AccountStore.
func (s *Store) EntityDetails(ctx context.Context, kind, after string, max int) ([]keyward.EntityDetail, bool, error) {
	var out []keyward.EntityDetail
	var ids []any
	add := func(id string, d keyward.EntityDetail) { out, ids = append(out, d), append(ids, id) }
	var more bool
	var err error
	switch kind {
	case keyward.EntityUser:
		var users []keyward.User
		users, more, err = s.ListUsers(ctx, "/", after, max)
		for _, u := range users {
			add(u.ID, keyward.EntityDetail{User: u})
		}
	case keyward.EntityGroup:
		var groups []keyward.Group
		groups, more, err = s.ListGroups(ctx, "/", after, max)
		for _, g := range groups {
			add(g.ID, keyward.EntityDetail{Group: g})
		}
	case keyward.EntityRole:
		var roles []keyward.Role
		roles, more, err = s.ListRoles(ctx, "/", after, max)
		for _, r := range roles {
			add(r.ID, keyward.EntityDetail{Role: r})
		}
	default:
		return nil, false, fmt.Errorf("sqlstore: no details of entities of kind %q", kind)
	}
	if err != nil || len(out) == 0 {
		return nil, more, err
	}
	byID := make(map[string]*keyward.EntityDetail, len(out))
	for i := range out {
		byID[ids[i].(string)] = &out[i]
	}
	in := placeholders(len(ids))
	if err := s.entityPolicies(ctx, kind, in, ids, byID); err != nil || kind != keyward.EntityUser {
		return out, more, err
	}
	err = s.each(ctx, s.DB, `SELECT m.user_id, g.name FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id IN (`+in+`) ORDER BY g.name`, ids,
		func(r *sql.Rows) error {
			var id, name string
			err := r.Scan(&id, &name)
			byID[id].Groups = append(byID[id].Groups, name)
			return err
		})
	if err != nil {
		return nil, false, err
	}
	err = s.each(ctx, s.DB, `SELECT user_id, key, value FROM user_tags WHERE user_id IN (`+in+`) ORDER BY user_id, pos`, ids,
		func(r *sql.Rows) error {
			var id string
			var t keyward.Tag
			err := r.Scan(&id, &t.Key, &t.Value)
			byID[id].User.Tags = append(byID[id].User.Tags, t)
			return err
		})
	return out, more, err
}

// entityPolicies fills in the inline and attached policies of a page of
// users or groups.
func (s *Store) entityPolicies(ctx context.Context, kind, in string, ids []any, byID map[string]*keyward.EntityDetail) error {
	args := append([]any{kind}, ids...)
	err := s.each(ctx, s.DB, `SELECT entity_id, name, document FROM inline_policies WHERE kind = ? AND entity_id IN (`+in+`) ORDER BY entity_id, name`, args,
		func(r *sql.Rows) error {
			var id string
			var p keyward.NamedPolicy
			err := r.Scan(&id, &p.Name, &p.Document)
			byID[id].Inline = append(byID[id].Inline, p)
			return err
		})
	if err != nil {
		return err
	}
	return s.each(ctx, s.DB, `SELECT a.entity_id, p.name, p.arn FROM policy_attachments a JOIN policies p ON p.id = a.policy_id
		WHERE a.kind = ? AND a.entity_id IN (`+in+`) ORDER BY a.entity_id, p.arn`, args,
		func(r *sql.Rows) error {
			var id string
			var p keyward.ManagedPolicy
			err := r.Scan(&id, &p.Name, &p.ARN)
			byID[id].Attached = append(byID[id].Attached, p)
			return err
		})
}

// PolicyDetails implements keyward.AccountStore.
func (s *Store) PolicyDetails(ctx context.Context, after string, max int) ([]keyward.PolicyDetail, bool, error) {
	policies, more, err := s.policies(ctx, `SELECT `+policyColumns+` FROM policies p
		WHERE p.account_id IN (?, '`+awsAccount+`') AND p.arn > ?
		AND (p.account_id = ? OR p.aws_managed = 1 AND EXISTS (SELECT 1 FROM policy_attachments a WHERE a.policy_id = p.id AND a.account_id = ?))
		ORDER BY p.arn LIMIT ?`, max, s.policyArgs(ctx, s.acct(ctx), after, s.acct(ctx), s.acct(ctx), max+1)...)
	if err != nil || len(policies) == 0 {
		return nil, more, err
	}
	out := make([]keyward.PolicyDetail, len(policies))
	byID := make(map[string]*keyward.PolicyDetail, len(policies))
	ids := make([]any, len(policies))
	for i, p := range policies {
		out[i].ManagedPolicy = p
		byID[p.ID], ids[i] = &out[i], p.ID
	}
	err = s.each(ctx, s.DB, `SELECT policy_id, version, document, created_at FROM policy_versions
		WHERE policy_id IN (`+placeholders(len(ids))+`) ORDER BY policy_id, created_at DESC, version DESC`, ids,
		func(r *sql.Rows) error {
			var id string
			var v keyward.PolicyVersion
			var created int64
			if err := r.Scan(&id, &v.ID, &v.Document, &created); err != nil {
				return err
			}
			d := byID[id]
			v.CreatedAt, v.Default = fromNanos(created), v.ID == d.DefaultVersion
			d.Versions = append(d.Versions, v)
			return nil
		})
	return out, more, err
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// strings runs a query of one text column.
func (s *Store) strings(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	return collect(ctx, s, q, query, args, scanString)
}
