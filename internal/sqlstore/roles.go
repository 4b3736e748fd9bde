package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/keyward/keyward"
)

// A role's tags are a JSON column of its row, found by its folded name.
func init() {
	tagColumns[keyward.TaggedRole] = tagColumn{table: "roles", key: "name_fold", fold: true, missing: keyward.ErrNoSuchRole, policyChange: true}
}

const roleColumns = `id, name, path, trust_policy, trust_principals, description, max_session_duration, created_at, permissions_boundary, tags, last_used_at, last_used_region FROM roles`

func scanRole(row interface{ Scan(...any) error }) (keyward.Role, error) {
	var r keyward.Role
	var created, used int64
	var tags, principals string
	err := row.Scan(&r.ID, &r.Name, &r.Path, &r.TrustPolicy, &principals, &r.Description, &r.MaxSessionDuration, &created, &r.PermissionsBoundary, &tags, &used, &r.LastUsedRegion)
	if errors.Is(err, sql.ErrNoRows) {
		return r, keyward.ErrNoSuchRole
	}
	if err != nil {
		return r, err
	}
	r.CreatedAt = fromNanos(created)
	if used != 0 {
		r.LastUsed = fromNanos(used)
	}
	if err := json.Unmarshal([]byte(principals), &r.TrustPrincipals); err != nil {
		return r, err
	}
	return r, json.Unmarshal([]byte(tags), &r.Tags)
}

// principalsJSON is a role's TrustPrincipals as stored: a JSON object,
// empty for none.
func principalsJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map of strings always marshals
	return string(b)
}

// CreateRole implements keyward.RoleStore.
func (s *Store) CreateRole(ctx context.Context, r keyward.Role, max int) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		if err := s.accountQuota(ctx, tx, "roles", "", max); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO roles (id, account_id, name, name_fold, path, trust_policy, trust_principals, description, max_session_duration, created_at, permissions_boundary, tags)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), r.ID, s.acct(ctx), r.Name, keyward.FoldName(r.Name), r.Path, r.TrustPolicy, principalsJSON(r.TrustPrincipals), r.Description,
			r.MaxSessionDuration, toNanos(r.CreatedAt), r.PermissionsBoundary, tagsJSON(r.Tags))
		return s.unique(err, keyward.ErrRoleExists)
	})
}

// Role implements keyward.RoleStore.
func (s *Store) Role(ctx context.Context, name string) (keyward.Role, error) {
	return scanRole(s.DB.QueryRowContext(ctx, s.q(`SELECT `+roleColumns+` WHERE account_id = ? AND name_fold = ?`), s.acct(ctx), keyward.FoldName(name)))
}

// ListRoles implements keyward.RoleStore.
func (s *Store) ListRoles(ctx context.Context, pathPrefix, after string, max int) ([]keyward.Role, bool, error) {
	return listByName(ctx, s, roleColumns, pathPrefix, after, max, scanRole)
}

// UpdateRole implements keyward.RoleStore; a change of boundary is a
// change of what the role's sessions may do.
func (s *Store) UpdateRole(ctx context.Context, name string, fn func(*keyward.Role) error) (keyward.Role, error) {
	var r keyward.Role
	err := s.write(ctx, true, func(tx *sql.Tx) error {
		var err error
		r, err = scanRole(tx.QueryRowContext(ctx, s.q(`SELECT `+roleColumns+` WHERE account_id = ? AND name_fold = ?`+s.ForUpdate), s.acct(ctx), keyward.FoldName(name)))
		if err != nil {
			return err
		}
		boundary := r.PermissionsBoundary
		if err := fn(&r); err != nil {
			return err
		}
		if r.PermissionsBoundary != boundary && r.PermissionsBoundary != "" {
			if _, err := s.policy(ctx, tx, r.PermissionsBoundary); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE roles SET trust_policy = ?, trust_principals = ?, description = ?, max_session_duration = ?, permissions_boundary = ?, tags = ? WHERE id = ?`),
			r.TrustPolicy, principalsJSON(r.TrustPrincipals), r.Description, r.MaxSessionDuration, r.PermissionsBoundary, tagsJSON(r.Tags), r.ID)
		return err
	})
	return r, err
}

// DeleteRole implements keyward.RoleStore; other replicas learn of it, as
// the role's sessions may then do nothing.
func (s *Store) DeleteRole(ctx context.Context, name string) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		id, err := s.entityID(ctx, tx, keyward.Entity{Kind: keyward.EntityRole, Name: name})
		if err != nil {
			return err
		}
		if used, err := s.inUse(ctx, tx, keyward.EntityRole, id); err != nil || used {
			if used {
				return keyward.ErrEntityInUse
			}
			return err
		}
		var profiles int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM instance_profiles WHERE role_id = ?`), id).Scan(&profiles); err != nil {
			return err
		}
		if profiles > 0 {
			return keyward.ErrRoleInInstanceProfile
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM roles WHERE id = ?`), id)
		return err
	})
}

// IdentityARNs implements keyward.RoleStore: the account's users and roles
// by their IDs, which are unique across the installation.
func (s *Store) IdentityARNs(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	acct := keyward.Account{ID: s.acct(ctx)}
	args := make([]any, 0, 2*len(ids)+2)
	for range 2 {
		args = append(args, acct.ID)
		for _, id := range ids {
			args = append(args, id)
		}
	}
	in := placeholders(len(ids))
	err := s.each(ctx, s.DB, `SELECT id, 'user', path, name FROM users WHERE account_id = ? AND id IN (`+in+`)
		UNION ALL SELECT id, 'role', path, name FROM roles WHERE account_id = ? AND id IN (`+in+`)`, args, func(r *sql.Rows) error {
		var id, kind, path, name string
		if err := r.Scan(&id, &kind, &path, &name); err != nil {
			return err
		}
		if kind == "user" {
			out[id] = acct.UserARN(path, name)
		} else {
			out[id] = acct.RoleARN(path, name)
		}
		return nil
	})
	return out, err
}
