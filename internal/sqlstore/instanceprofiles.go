package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/keyward/keyward"
)

// An instance profile's tags are a JSON column of its row, found by its
// folded name.
func init() {
	tagColumns[keyward.TaggedInstanceProfile] = tagColumn{table: "instance_profiles", key: "name_fold", fold: true, missing: keyward.ErrNoSuchInstanceProfile, policyChange: true}
}

const profileColumns = `p.id, p.name, p.path, p.created_at, p.tags, coalesce(p.role_id, '') FROM instance_profiles p`

// scanProfile reads a profile; its role, if any, is read by the caller.
func scanProfile(row interface{ Scan(...any) error }) (keyward.InstanceProfile, string, error) {
	var p keyward.InstanceProfile
	var created int64
	var tags, roleID string
	err := row.Scan(&p.ID, &p.Name, &p.Path, &created, &tags, &roleID)
	if errors.Is(err, sql.ErrNoRows) {
		return p, "", keyward.ErrNoSuchInstanceProfile
	}
	if err != nil {
		return p, "", err
	}
	p.CreatedAt = fromNanos(created)
	return p, roleID, json.Unmarshal([]byte(tags), &p.Tags)
}

// withRoles reads the roles of profiles, by the role IDs scanProfile gave.
func (s *Store) withRoles(ctx context.Context, q queryer, ps []keyward.InstanceProfile, roleIDs []string) error {
	for i, id := range roleIDs {
		if id == "" {
			continue
		}
		r, err := scanRole(q.QueryRowContext(ctx, s.q(`SELECT `+roleColumns+` WHERE id = ?`), id))
		if err != nil {
			return err
		}
		ps[i].Roles = []keyward.Role{r}
	}
	return nil
}

// CreateInstanceProfile implements keyward.InstanceProfileStore.
func (s *Store) CreateInstanceProfile(ctx context.Context, p keyward.InstanceProfile, max int) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		if err := s.accountQuota(ctx, tx, "instance_profiles", "", max); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO instance_profiles (account_id, id, name, name_fold, path, created_at, tags) VALUES (?, ?, ?, ?, ?, ?, ?)`), s.acct(ctx),
			p.ID, p.Name, keyward.FoldName(p.Name), p.Path, toNanos(p.CreatedAt), tagsJSON(p.Tags))
		return s.unique(err, keyward.ErrInstanceProfileExists)
	})
}

// InstanceProfile implements keyward.InstanceProfileStore.
func (s *Store) InstanceProfile(ctx context.Context, name string) (keyward.InstanceProfile, error) {
	p, roleID, err := scanProfile(s.DB.QueryRowContext(ctx, s.q(`SELECT `+profileColumns+` WHERE p.account_id = ? AND p.name_fold = ?`), s.acct(ctx), keyward.FoldName(name)))
	if err != nil {
		return p, err
	}
	ps := []keyward.InstanceProfile{p}
	err = s.withRoles(ctx, s.DB, ps, []string{roleID})
	return ps[0], err
}

// ListInstanceProfiles implements keyward.InstanceProfileStore.
func (s *Store) ListInstanceProfiles(ctx context.Context, pathPrefix, role, after string, max int) ([]keyward.InstanceProfile, bool, error) {
	query := `SELECT ` + profileColumns + ` WHERE p.account_id = ? AND p.name > ? AND substr(p.path, 1, length(?)) = ?`
	args := []any{s.acct(ctx), after, pathPrefix, pathPrefix}
	if role != "" {
		id, err := s.entityID(ctx, s.DB, keyward.Entity{Kind: keyward.EntityRole, Name: role})
		if err != nil {
			return nil, false, err
		}
		query += ` AND p.role_id = ?`
		args = append(args, id)
	}
	var out []keyward.InstanceProfile
	var roleIDs []string
	err := s.each(ctx, s.DB, query+` ORDER BY p.name LIMIT `+strconv.Itoa(max+1), args, func(r *sql.Rows) error {
		p, roleID, err := scanProfile(r)
		out, roleIDs = append(out, p), append(roleIDs, roleID)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	out, more := page(out, max)
	return out, more, s.withRoles(ctx, s.DB, out, roleIDs[:len(out)])
}

// SetInstanceProfileRole implements keyward.InstanceProfileStore.
func (s *Store) SetInstanceProfileRole(ctx context.Context, name, role string, remove bool) error {
	return s.write(ctx, true, func(tx *sql.Tx) error {
		_, current, err := scanProfile(tx.QueryRowContext(ctx, s.q(`SELECT `+profileColumns+` WHERE p.account_id = ? AND p.name_fold = ?`+s.ForUpdate), s.acct(ctx), keyward.FoldName(name)))
		if err != nil {
			return err
		}
		id, err := s.entityID(ctx, tx, keyward.Entity{Kind: keyward.EntityRole, Name: role})
		if err != nil {
			return err
		}
		var next any
		switch {
		case remove && current != id:
			return keyward.ErrRoleNotInProfile
		case !remove && current != "":
			return keyward.ErrInstanceProfileFull
		case !remove:
			next = id
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE instance_profiles SET role_id = ? WHERE account_id = ? AND name_fold = ?`), next, s.acct(ctx), keyward.FoldName(name))
		return err
	})
}

// DeleteInstanceProfile implements keyward.InstanceProfileStore.
func (s *Store) DeleteInstanceProfile(ctx context.Context, name string) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		p, roleID, err := scanProfile(tx.QueryRowContext(ctx, s.q(`SELECT `+profileColumns+` WHERE p.account_id = ? AND p.name_fold = ?`+s.ForUpdate), s.acct(ctx), keyward.FoldName(name)))
		if err != nil {
			return err
		}
		if roleID != "" {
			return keyward.ErrEntityInUse
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM instance_profiles WHERE id = ?`), p.ID)
		return err
	})
}
