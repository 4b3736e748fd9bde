package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// AWS Organizations. Every write locks its organization's row first, so
// that the rules spanning rows (an OU's parent exists and stays, a policy
// is deleted only unattached, a target keeps one SCP, SCPs enabled while
// an OU is made) hold on PostgreSQL as on SQLite, whose one writer
// serialises write transactions anyway. A write that changes what
// decisions read (OrgStanding) announces keyward.OrganizationsChanged with
// it, for the other replicas' caches.
//
// These methods implement organizations.Store, AWS Organizations' port,
// which its package declares: this package imports no feature package,
// so that the conformance suite (storetest/ports.go) checks that the
// backends implement it.

const orgColumns = `id, master_account_id, feature_set, root_id, root_name, root_policy_types, root_tags, created_at FROM organizations`

func scanOrg(row rowScanner) (keyward.Organization, error) {
	var o keyward.Organization
	var types, tags string
	var created int64
	if err := found(row.Scan(&o.ID, &o.MasterAccountID, &o.FeatureSet, &o.RootID, &o.RootName, &types, &tags, &created), keyward.ErrNotInOrganization); err != nil {
		return o, err
	}
	return o, decodeOrg(&o, types, tags, created)
}

// decodeOrg fills in what an organization's row holds encoded.
func decodeOrg(o *keyward.Organization, types, tags string, created int64) error {
	o.CreatedAt = fromNanos(created)
	if err := json.Unmarshal([]byte(types), &o.PolicyTypes); err != nil {
		return err
	}
	return json.Unmarshal([]byte(tags), &o.RootTags)
}

// found is err, or missing where the row read is absent.
func found(err, missing error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return missing
	}
	return err
}

// lockOrg reads and locks an organization's row in tx.
func (s *Store) lockOrg(ctx context.Context, tx *sql.Tx, orgID string) (keyward.Organization, error) {
	return scanOrg(tx.QueryRowContext(ctx, s.q(`SELECT `+orgColumns+` WHERE id = ?`+s.ForUpdate), orgID))
}

func stringsJSON(v []string) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v) // strings always encode
	return string(b)
}

// CreateOrganization implements organizations.Store.
func (s *Store) CreateOrganization(ctx context.Context, o keyward.Organization, master keyward.OrgAccount, managed []keyward.OrgPolicy) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO organizations (id, master_account_id, feature_set, root_id, root_name, root_policy_types, root_tags, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			o.ID, o.MasterAccountID, o.FeatureSet, o.RootID, o.RootName, stringsJSON(o.PolicyTypes), tagsJSON(o.RootTags), toNanos(o.CreatedAt))
		if err = s.unique(err, keyward.ErrAlreadyInOrganization); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO organization_accounts (account_id, organization_id, parent_id, joined_method, joined_at, tags) VALUES (?, ?, ?, ?, ?, ?)`),
			master.ID, o.ID, o.RootID, master.JoinedMethod, toNanos(master.JoinedAt), tagsJSON(master.Tags))
		if err = s.unique(err, keyward.ErrAlreadyInOrganization); err != nil {
			return err
		}
		for _, p := range managed {
			if err := s.insertOrgPolicy(ctx, tx, o.ID, p); err != nil {
				return err
			}
		}
		return s.orgChanged(ctx, tx)
	})
}

func (s *Store) insertOrgPolicy(ctx context.Context, tx *sql.Tx, orgID string, p keyward.OrgPolicy) error {
	managed := 0
	if p.AWSManaged {
		managed = 1
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO organization_policies (organization_id, id, name, description, type, content, aws_managed, tags)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), orgID, p.ID, p.Name, p.Description, p.Type, p.Content, managed, tagsJSON(p.Tags))
	return s.unique(err, keyward.ErrOrgPolicyExists)
}

// OrganizationOf implements organizations.Store.
func (s *Store) OrganizationOf(ctx context.Context, accountID string) (keyward.Organization, error) {
	return scanOrg(s.DB.QueryRowContext(ctx, s.q(`SELECT `+orgColumns+
		` WHERE id = (SELECT organization_id FROM organization_accounts WHERE account_id = ?)`), accountID))
}

// DeleteOrganization implements organizations.Store.
func (s *Store) DeleteOrganization(ctx context.Context, orgID string, goneBefore time.Time) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		o, err := s.lockOrg(ctx, tx, orgID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM organization_accounts m LEFT JOIN accounts a ON a.id = m.account_id
			WHERE m.organization_id = ? AND m.account_id <> ? AND (COALESCE(a.closed_at, 0) = 0 OR a.closed_at > ?)`),
			orgID, o.MasterAccountID, toNanos(goneBefore)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return keyward.ErrOrganizationNotEmpty
		}
		// Explicitly rather than by cascade alone: the attachments name
		// their organization without a foreign key of their own.
		for _, q := range []string{
			`DELETE FROM organization_policy_attachments WHERE organization_id = ?`,
			`DELETE FROM organization_policies WHERE organization_id = ?`,
			`DELETE FROM organizational_units WHERE organization_id = ?`,
			`DELETE FROM organization_accounts WHERE organization_id = ?`,
			`DELETE FROM organizations WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, s.q(q), orgID); err != nil {
				return err
			}
		}
		return s.orgChanged(ctx, tx)
	})
}

const orgAccountColumns = `account_id, organization_id, parent_id, joined_method, joined_at, tags FROM organization_accounts`

func scanOrgAccount(row rowScanner) (keyward.OrgAccount, error) {
	var a keyward.OrgAccount
	var joined int64
	var tags string
	if err := found(row.Scan(&a.ID, &a.OrganizationID, &a.ParentID, &a.JoinedMethod, &joined, &tags), keyward.ErrNoSuchOrgAccount); err != nil {
		return a, err
	}
	a.JoinedAt = fromNanos(joined)
	return a, json.Unmarshal([]byte(tags), &a.Tags)
}

// OrgAccount implements organizations.Store.
func (s *Store) OrgAccount(ctx context.Context, orgID, accountID string) (keyward.OrgAccount, error) {
	return s.orgAccount(ctx, s.DB, orgID, accountID)
}

func (s *Store) orgAccount(ctx context.Context, q queryer, orgID, accountID string) (keyward.OrgAccount, error) {
	return scanOrgAccount(q.QueryRowContext(ctx, s.q(`SELECT `+orgAccountColumns+` WHERE organization_id = ? AND account_id = ?`), orgID, accountID))
}

// parentExists reports ErrNoSuchParent unless id is the organization's
// root or one of its OUs.
func (s *Store) parentExists(ctx context.Context, q queryer, orgID, id string) error {
	var n int
	err := q.QueryRowContext(ctx, s.q(`SELECT (SELECT count(*) FROM organizations WHERE id = ? AND root_id = ?)
		+ (SELECT count(*) FROM organizational_units WHERE organization_id = ? AND id = ?)`), orgID, id, orgID, id).Scan(&n)
	if err == nil && n == 0 {
		err = keyward.ErrNoSuchParent
	}
	return err
}

// OrgAccounts implements organizations.Store.
func (s *Store) OrgAccounts(ctx context.Context, orgID, parentID, after string, max int) ([]keyward.OrgAccount, bool, error) {
	query, args := `SELECT `+orgAccountColumns+` WHERE organization_id = ? AND account_id > ?`, []any{orgID, after}
	if parentID != "" {
		if err := s.parentExists(ctx, s.DB, orgID, parentID); err != nil {
			return nil, false, err
		}
		query, args = query+` AND parent_id = ?`, append(args, parentID)
	}
	return collectPage(ctx, s, query+` ORDER BY account_id LIMIT ?`, append(args, max+1), max, scanOrgAccount)
}

// MoveOrgAccount implements organizations.Store.
func (s *Store) MoveOrgAccount(ctx context.Context, orgID, accountID, source, destination string) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOrg(ctx, tx, orgID); err != nil {
			return err
		}
		a, err := s.orgAccount(ctx, tx, orgID, accountID)
		if err != nil {
			return err
		}
		if a.ParentID != source {
			return keyward.ErrNoSuchSourceParent
		}
		if err := s.parentExists(ctx, tx, orgID, destination); err != nil {
			return err
		}
		if destination == source {
			return keyward.ErrAccountInParent
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE organization_accounts SET parent_id = ? WHERE organization_id = ? AND account_id = ?`), destination, orgID, accountID)
		if err != nil {
			return err
		}
		return s.orgChanged(ctx, tx)
	})
}

const ouColumns = `id, parent_id, name, path, created_at, tags FROM organizational_units`

func scanOU(row rowScanner) (keyward.OrganizationalUnit, error) {
	var u keyward.OrganizationalUnit
	var created int64
	var tags string
	if err := found(row.Scan(&u.ID, &u.ParentID, &u.Name, &u.Path, &created, &tags), keyward.ErrNoSuchOU); err != nil {
		return u, err
	}
	u.CreatedAt = fromNanos(created)
	return u, json.Unmarshal([]byte(tags), &u.Tags)
}

// CreateOU implements organizations.Store.
func (s *Store) CreateOU(ctx context.Context, orgID string, ou keyward.OrganizationalUnit) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		return s.placeUnder(ctx, tx, orgID, ou.ParentID, ou.ID, keyward.ErrOUExists,
			`INSERT INTO organizational_units (id, organization_id, parent_id, name, path, created_at, tags) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			ou.ID, orgID, ou.ParentID, ou.Name, ou.Path, toNanos(ou.CreatedAt), tagsJSON(ou.Tags))
	})
}

// placeUnder locks orgID in tx, inserts (by insert and args) the OU or
// account id under parentID, which must be the root or one of its OUs,
// and attaches FullAWSAccess to it while SCPs are enabled; exists is
// the error for an id already there.
func (s *Store) placeUnder(ctx context.Context, tx *sql.Tx, orgID, parentID, id string, exists error, insert string, args ...any) error {
	o, err := s.lockOrg(ctx, tx, orgID)
	if err != nil {
		return err
	}
	if err := s.parentExists(ctx, tx, orgID, parentID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.q(insert), args...)
	if err = s.unique(err, exists); err != nil {
		return err
	}
	if o.Enabled(keyward.ServiceControlPolicyType) {
		return s.attach(ctx, tx, orgID, keyward.FullAWSAccessID, id, keyward.ServiceControlPolicyType)
	}
	return nil
}

func (s *Store) attach(ctx context.Context, tx *sql.Tx, orgID, policyID, targetID, policyType string) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO organization_policy_attachments (organization_id, policy_id, target_id, policy_type) VALUES (?, ?, ?, ?)`),
		orgID, policyID, targetID, policyType)
	return s.unique(err, keyward.ErrPolicyAttached)
}

// OU implements organizations.Store.
func (s *Store) OU(ctx context.Context, orgID, id string) (keyward.OrganizationalUnit, error) {
	return s.ou(ctx, s.DB, orgID, id)
}

func (s *Store) ou(ctx context.Context, q queryer, orgID, id string) (keyward.OrganizationalUnit, error) {
	return scanOU(q.QueryRowContext(ctx, s.q(`SELECT `+ouColumns+` WHERE organization_id = ? AND id = ?`), orgID, id))
}

// OUs implements organizations.Store.
func (s *Store) OUs(ctx context.Context, orgID, parentID, after string, max int) ([]keyward.OrganizationalUnit, bool, error) {
	if err := s.parentExists(ctx, s.DB, orgID, parentID); err != nil {
		return nil, false, err
	}
	return collectPage(ctx, s, `SELECT `+ouColumns+` WHERE organization_id = ? AND parent_id = ? AND id > ? ORDER BY id LIMIT ?`,
		[]any{orgID, parentID, after, max + 1}, max, scanOU)
}

// RenameOU implements organizations.Store.
func (s *Store) RenameOU(ctx context.Context, orgID, id, name string) (keyward.OrganizationalUnit, error) {
	var u keyward.OrganizationalUnit
	err := s.transact(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOrg(ctx, tx, orgID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE organizational_units SET name = ? WHERE organization_id = ? AND id = ?`), name, orgID, id)
		if err = s.unique(err, keyward.ErrOUExists); err != nil {
			return err
		}
		if err := deletedOne(res, nil, keyward.ErrNoSuchOU); err != nil {
			return err
		}
		u, err = s.ou(ctx, tx, orgID, id)
		return err
	})
	return u, err
}

// DeleteOU implements organizations.Store.
func (s *Store) DeleteOU(ctx context.Context, orgID, id string) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOrg(ctx, tx, orgID); err != nil {
			return err
		}
		if _, err := s.ou(ctx, tx, orgID, id); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT (SELECT count(*) FROM organizational_units WHERE organization_id = ? AND parent_id = ?)
			+ (SELECT count(*) FROM organization_accounts WHERE organization_id = ? AND parent_id = ?)`), orgID, id, orgID, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return keyward.ErrOUNotEmpty
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM organization_policy_attachments WHERE organization_id = ? AND target_id = ?`), orgID, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM organizational_units WHERE organization_id = ? AND id = ?`), orgID, id)
		return err
	})
}

// SetPolicyType implements organizations.Store.
func (s *Store) SetPolicyType(ctx context.Context, orgID, policyType string, enabled bool) (keyward.Organization, error) {
	var out keyward.Organization
	err := s.transact(ctx, func(tx *sql.Tx) error {
		o, err := s.lockOrg(ctx, tx, orgID)
		if err != nil {
			return err
		}
		was := o.Enabled(policyType)
		switch {
		case enabled && was:
			return keyward.ErrPolicyTypeEnabled
		case !enabled && !was:
			return keyward.ErrPolicyTypeNotEnabled
		}
		var types []string
		for _, t := range o.PolicyTypes {
			if t != policyType {
				types = append(types, t)
			}
		}
		if enabled {
			types = append(types, policyType)
		}
		o.PolicyTypes = types
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE organizations SET root_policy_types = ? WHERE id = ?`), stringsJSON(types), orgID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM organization_policy_attachments WHERE organization_id = ? AND policy_type = ?`), orgID, policyType); err != nil {
			return err
		}
		if enabled && policyType == keyward.ServiceControlPolicyType {
			// FullAWSAccess on everything: the root, every OU, every account.
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO organization_policy_attachments (organization_id, policy_id, target_id, policy_type)
				SELECT ?, ?, root_id, ? FROM organizations WHERE id = ?
				UNION ALL SELECT ?, ?, id, ? FROM organizational_units WHERE organization_id = ?
				UNION ALL SELECT ?, ?, account_id, ? FROM organization_accounts WHERE organization_id = ?`),
				orgID, keyward.FullAWSAccessID, policyType, orgID,
				orgID, keyward.FullAWSAccessID, policyType, orgID,
				orgID, keyward.FullAWSAccessID, policyType, orgID)
			if err != nil {
				return err
			}
		}
		out = o
		return s.orgChanged(ctx, tx)
	})
	return out, err
}

const orgPolicyColumns = `id, name, description, type, content, aws_managed, tags FROM organization_policies`

func scanOrgPolicy(row rowScanner) (keyward.OrgPolicy, error) {
	var p keyward.OrgPolicy
	var managed int
	var tags string
	if err := found(row.Scan(&p.ID, &p.Name, &p.Description, &p.Type, &p.Content, &managed, &tags), keyward.ErrNoSuchOrgPolicy); err != nil {
		return p, err
	}
	p.AWSManaged = managed != 0
	return p, json.Unmarshal([]byte(tags), &p.Tags)
}

// CreateOrgPolicy implements organizations.Store.
func (s *Store) CreateOrgPolicy(ctx context.Context, orgID string, p keyward.OrgPolicy) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOrg(ctx, tx, orgID); err != nil {
			return err
		}
		return s.insertOrgPolicy(ctx, tx, orgID, p)
	})
}

// OrgPolicy implements organizations.Store.
func (s *Store) OrgPolicy(ctx context.Context, orgID, id string) (keyward.OrgPolicy, error) {
	return s.orgPolicy(ctx, s.DB, orgID, id)
}

func (s *Store) orgPolicy(ctx context.Context, q queryer, orgID, id string) (keyward.OrgPolicy, error) {
	return scanOrgPolicy(q.QueryRowContext(ctx, s.q(`SELECT `+orgPolicyColumns+` WHERE organization_id = ? AND id = ?`), orgID, id))
}

// OrgPolicies implements organizations.Store.
func (s *Store) OrgPolicies(ctx context.Context, orgID, policyType, after string, max int) ([]keyward.OrgPolicy, bool, error) {
	return collectPage(ctx, s, `SELECT `+orgPolicyColumns+` WHERE organization_id = ? AND type = ? AND id > ? ORDER BY id LIMIT ?`,
		[]any{orgID, policyType, after, max + 1}, max, scanOrgPolicy)
}

// UpdateOrgPolicy implements organizations.Store.
func (s *Store) UpdateOrgPolicy(ctx context.Context, orgID, id string, fn func(*keyward.OrgPolicy) error) (keyward.OrgPolicy, error) {
	var p keyward.OrgPolicy
	err := s.transact(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOrg(ctx, tx, orgID); err != nil {
			return err
		}
		var err error
		if p, err = s.orgPolicy(ctx, tx, orgID, id); err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE organization_policies SET name = ?, description = ?, content = ?, tags = ? WHERE organization_id = ? AND id = ?`),
			p.Name, p.Description, p.Content, tagsJSON(p.Tags), orgID, id)
		if err = s.unique(err, keyward.ErrOrgPolicyExists); err != nil {
			return err
		}
		return s.orgChanged(ctx, tx)
	})
	return p, err
}

// DeleteOrgPolicy implements organizations.Store.
func (s *Store) DeleteOrgPolicy(ctx context.Context, orgID, id string) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOrg(ctx, tx, orgID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM organization_policy_attachments WHERE organization_id = ? AND policy_id = ?`),
			orgID, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return keyward.ErrOrgPolicyInUse
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM organization_policies WHERE organization_id = ? AND id = ?`), orgID, id)
		if err := deletedOne(res, err, keyward.ErrNoSuchOrgPolicy); err != nil {
			return err
		}
		// Unattached, it limited nothing; announced all the same, so
		// that no cache keeps a policy the store no longer has.
		return s.orgChanged(ctx, tx)
	})
}

// targetExists reports ErrNoSuchTarget unless id is the organization's
// root, one of its OUs or one of its accounts.
func (s *Store) targetExists(ctx context.Context, q queryer, orgID, id string) error {
	var n int
	err := q.QueryRowContext(ctx, s.q(`SELECT (SELECT count(*) FROM organizations WHERE id = ? AND root_id = ?)
		+ (SELECT count(*) FROM organizational_units WHERE organization_id = ? AND id = ?)
		+ (SELECT count(*) FROM organization_accounts WHERE organization_id = ? AND account_id = ?)`),
		orgID, id, orgID, id, orgID, id).Scan(&n)
	if err == nil && n == 0 {
		err = keyward.ErrNoSuchTarget
	}
	return err
}

// lockPolicyTarget locks orgID in tx and reads it with its policy
// policyID, once targetID is known to be its root, OU or account.
func (s *Store) lockPolicyTarget(ctx context.Context, tx *sql.Tx, orgID, policyID, targetID string) (keyward.Organization, keyward.OrgPolicy, error) {
	o, err := s.lockOrg(ctx, tx, orgID)
	if err != nil {
		return o, keyward.OrgPolicy{}, err
	}
	p, err := s.orgPolicy(ctx, tx, orgID, policyID)
	if err != nil {
		return o, p, err
	}
	return o, p, s.targetExists(ctx, tx, orgID, targetID)
}

// AttachOrgPolicy implements organizations.Store.
func (s *Store) AttachOrgPolicy(ctx context.Context, orgID, policyID, targetID string) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		o, p, err := s.lockPolicyTarget(ctx, tx, orgID, policyID, targetID)
		if err != nil {
			return err
		}
		if !o.Enabled(p.Type) {
			return keyward.ErrPolicyTypeNotEnabled
		}
		if err := s.attach(ctx, tx, orgID, policyID, targetID, p.Type); err != nil {
			return err
		}
		return s.orgChanged(ctx, tx)
	})
}

// DetachOrgPolicy implements organizations.Store.
func (s *Store) DetachOrgPolicy(ctx context.Context, orgID, policyID, targetID string) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		_, p, err := s.lockPolicyTarget(ctx, tx, orgID, policyID, targetID)
		if err != nil {
			return err
		}
		var attached, ofType int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT
			(SELECT count(*) FROM organization_policy_attachments WHERE organization_id = ? AND policy_id = ? AND target_id = ?),
			(SELECT count(*) FROM organization_policy_attachments WHERE organization_id = ? AND target_id = ? AND policy_type = ?)`),
			orgID, policyID, targetID, orgID, targetID, p.Type).Scan(&attached, &ofType); err != nil {
			return err
		}
		switch {
		case attached == 0:
			return keyward.ErrPolicyNotAttached
		case ofType == 1:
			return keyward.ErrLastPolicyAttachment
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM organization_policy_attachments WHERE organization_id = ? AND policy_id = ? AND target_id = ?`),
			orgID, policyID, targetID); err != nil {
			return err
		}
		return s.orgChanged(ctx, tx)
	})
}

// PoliciesForTarget implements organizations.Store.
func (s *Store) PoliciesForTarget(ctx context.Context, orgID, targetID, policyType, after string, max int) ([]keyward.OrgPolicy, bool, error) {
	if err := s.targetExists(ctx, s.DB, orgID, targetID); err != nil {
		return nil, false, err
	}
	return collectPage(ctx, s, `SELECT p.id, p.name, p.description, p.type, p.content, p.aws_managed, p.tags
		FROM organization_policies p JOIN organization_policy_attachments a ON a.organization_id = p.organization_id AND a.policy_id = p.id
		WHERE a.organization_id = ? AND a.target_id = ? AND a.policy_type = ? AND p.id > ? ORDER BY p.id LIMIT ?`,
		[]any{orgID, targetID, policyType, after, max + 1}, max, scanOrgPolicy)
}

// TargetsForPolicy implements organizations.Store.
func (s *Store) TargetsForPolicy(ctx context.Context, orgID, policyID, after string, max int) ([]keyward.OrgTarget, bool, error) {
	if _, err := s.OrgPolicy(ctx, orgID, policyID); err != nil {
		return nil, false, err
	}
	return collectPage(ctx, s, `SELECT target_id FROM organization_policy_attachments
		WHERE organization_id = ? AND policy_id = ? AND target_id > ? ORDER BY target_id LIMIT ?`,
		[]any{orgID, policyID, after, max + 1}, max, func(r rowScanner) (keyward.OrgTarget, error) {
			var t keyward.OrgTarget
			err := r.Scan(&t.ID)
			t.Type = keyward.TargetType(t.ID)
			return t, err
		})
}

// orgTagged is where the tags of the resource an ID names are: its table,
// its tags column and the condition naming it.
func orgTagged(id string) (table, column, where string, ok bool) {
	switch keyward.TargetType(id) {
	case keyward.TargetRoot:
		return "organizations", "root_tags", "id = ? AND root_id = ?", true
	case keyward.TargetOU:
		return "organizational_units", "tags", "organization_id = ? AND id = ?", true
	case keyward.TargetAccount:
		return "organization_accounts", "tags", "organization_id = ? AND account_id = ?", true
	}
	if len(id) > 2 && id[:2] == "p-" {
		return "organization_policies", "tags", "organization_id = ? AND id = ?", true
	}
	return "", "", "", false
}

func (s *Store) orgTags(ctx context.Context, q queryer, orgID, id, lock string) ([]keyward.Tag, error) {
	table, column, where, ok := orgTagged(id)
	if !ok {
		return nil, keyward.ErrNoSuchTarget
	}
	var js string
	err := q.QueryRowContext(ctx, s.q(`SELECT `+column+` FROM `+table+` WHERE `+where+lock), orgID, id).Scan(&js)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, keyward.ErrNoSuchTarget
	}
	if err != nil {
		return nil, err
	}
	var tags []keyward.Tag
	return tags, json.Unmarshal([]byte(js), &tags)
}

// OrgResourceTags implements organizations.Store.
func (s *Store) OrgResourceTags(ctx context.Context, orgID, id string) ([]keyward.Tag, error) {
	return s.orgTags(ctx, s.DB, orgID, id, "")
}

// UpdateOrgResourceTags implements organizations.Store.
func (s *Store) UpdateOrgResourceTags(ctx context.Context, orgID, id string, fn func([]keyward.Tag) ([]keyward.Tag, error)) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOrg(ctx, tx, orgID); err != nil {
			return err
		}
		tags, err := s.orgTags(ctx, tx, orgID, id, "")
		if err != nil {
			return err
		}
		if tags, err = fn(tags); err != nil {
			return err
		}
		table, column, where, _ := orgTagged(id)
		_, err = tx.ExecContext(ctx, s.q(`UPDATE `+table+` SET `+column+` = ? WHERE `+where), tagsJSON(tags), orgID, id)
		return err
	})
}

// SetOrgServiceAccess implements organizations.Store.
func (s *Store) SetOrgServiceAccess(ctx context.Context, orgID, principal string, enabled bool, at time.Time) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOrg(ctx, tx, orgID); err != nil {
			return err
		}
		if !enabled {
			_, err := tx.ExecContext(ctx, s.q(`DELETE FROM organization_service_access WHERE organization_id = ? AND service_principal = ?`), orgID, principal)
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO organization_service_access (organization_id, service_principal, enabled_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`), orgID, principal, toNanos(at))
		return err
	})
}

// OrgServiceAccess implements organizations.Store.
func (s *Store) OrgServiceAccess(ctx context.Context, orgID, after string, max int) ([]keyward.OrgServiceAccess, bool, error) {
	return collectPage(ctx, s, `SELECT service_principal, enabled_at FROM organization_service_access
		WHERE organization_id = ? AND service_principal > ? ORDER BY service_principal LIMIT ?`, []any{orgID, after, max + 1}, max,
		func(row rowScanner) (keyward.OrgServiceAccess, error) {
			var a keyward.OrgServiceAccess
			var at int64
			err := row.Scan(&a.ServicePrincipal, &at)
			a.EnabledAt = fromNanos(at)
			return a, err
		})
}

// orgChanged announces, in tx, a change to what decisions read of
// organizations, so that every replica drops what it cached.
func (s *Store) orgChanged(ctx context.Context, tx *sql.Tx) error {
	return s.notify(ctx, tx, keyward.OrganizationsChanged)
}

// AddOrgAccount implements organizations.Store.
func (s *Store) AddOrgAccount(ctx context.Context, orgID string, a keyward.OrgAccount) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		err := s.placeUnder(ctx, tx, orgID, a.ParentID, a.ID, keyward.ErrAlreadyInOrganization,
			`INSERT INTO organization_accounts (account_id, organization_id, parent_id, joined_method, joined_at, tags) VALUES (?, ?, ?, ?, ?, ?)`,
			a.ID, orgID, a.ParentID, a.JoinedMethod, toNanos(a.JoinedAt), tagsJSON(a.Tags))
		if err != nil {
			return err
		}
		return s.orgChanged(ctx, tx)
	})
}

// CreateOrgAccount implements organizations.Store: the organization's
// row, locked first, serialises the creations in it, so that the count
// and the new account's row are of one moment on PostgreSQL as on SQLite.
// The count reads at most max of the organization's memberships: what a
// creation costs does not grow with an organization far above its quota
// (one whose quota was lowered), and none are read without a quota.
func (s *Store) CreateOrgAccount(ctx context.Context, orgID string, a keyward.Account, m keyward.OrgAccount, max int, goneBefore time.Time) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOrg(ctx, tx, orgID); err != nil {
			return err
		}
		if max > 0 {
			var n int
			err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM (SELECT 1 FROM organization_accounts m LEFT JOIN accounts a ON a.id = m.account_id
				WHERE m.organization_id = ? AND (COALESCE(a.closed_at, 0) = 0 OR a.closed_at > ?) LIMIT ?) counted`),
				orgID, toNanos(goneBefore), max).Scan(&n)
			if err != nil {
				return err
			}
			if n >= max {
				return keyward.ErrOrgAccountQuota
			}
		}
		if err := s.insertAccount(ctx, tx, a, nil); err != nil {
			return err
		}
		err := s.placeUnder(ctx, tx, orgID, m.ParentID, a.ID, keyward.ErrAlreadyInOrganization,
			`INSERT INTO organization_accounts (account_id, organization_id, parent_id, joined_method, joined_at, tags) VALUES (?, ?, ?, ?, ?, ?)`,
			a.ID, orgID, m.ParentID, m.JoinedMethod, toNanos(m.JoinedAt), tagsJSON(m.Tags))
		if err != nil {
			return err
		}
		return s.orgChanged(ctx, tx)
	})
}

// standingTries bounds how often OrgStanding reads again an account that
// moved between its two statements.
const standingTries = 5

// OrgStanding implements organizations.Store. Its first statement
// finds the account's parent and the path above it; its second reads the
// organization, the policy types and every attachment of the path's
// levels in one statement, so as of one moment, with the account's parent
// again: when the account moved in between, it reads again. An OU's path
// never changes and an OU with an account under it is never deleted, so
// the levels the first statement found are those of the second's moment.
func (s *Store) OrgStanding(ctx context.Context, accountID string) (keyward.OrgStanding, error) {
	for try := 0; try < standingTries; try++ {
		var orgID, rootID, parentID, ouPath string
		err := s.DB.QueryRowContext(ctx, s.q(`SELECT a.organization_id, o.root_id, a.parent_id, COALESCE(u.path, '')
			FROM organization_accounts a JOIN organizations o ON o.id = a.organization_id
			LEFT JOIN organizational_units u ON u.organization_id = a.organization_id AND u.id = a.parent_id
			WHERE a.account_id = ?`), accountID).Scan(&orgID, &rootID, &parentID, &ouPath)
		if errors.Is(err, sql.ErrNoRows) {
			return keyward.OrgStanding{}, keyward.ErrNotInOrganization
		} else if err != nil {
			return keyward.OrgStanding{}, err
		}
		// The levels: the root, each OU of the parent's path, the account.
		path := orgID + "/" + rootID + "/"
		levels := []string{rootID}
		if parentID != rootID {
			if ouPath == "" || !strings.HasPrefix(ouPath, path) {
				// The parent OU was read gone: the account moved meanwhile.
				continue
			}
			path = ouPath
			levels = append(levels, strings.Split(strings.TrimSuffix(strings.TrimPrefix(ouPath, orgID+"/"+rootID+"/"), "/"), "/")...)
		}
		levels = append(levels, accountID)
		st, again, err := s.standingAt(ctx, orgID, accountID, parentID, levels)
		if err != nil {
			return keyward.OrgStanding{}, err
		}
		if again {
			continue
		}
		st.ParentID, st.Path = parentID, path
		return st, nil
	}
	return keyward.OrgStanding{}, errors.New("sqlstore: the account kept moving while its organization was read")
}

// errAccountMoved stops standingAt's reading when the account is no longer
// where its path was read.
var errAccountMoved = errors.New("sqlstore: the account moved")

// standingAt reads, in one statement, the organization, the account's
// parent, and the SCPs attached to each of levels; again when the
// account is no longer under parentID (or in orgID).
func (s *Store) standingAt(ctx context.Context, orgID, accountID, parentID string, levels []string) (st keyward.OrgStanding, again bool, err error) {
	marks := placeholders(len(levels))
	args := []any{orgID, keyward.ServiceControlPolicyType}
	for _, l := range levels {
		args = append(args, l)
	}
	args = append(args, accountID)
	byTarget := map[string][]keyward.OrgPolicy{}
	first := true
	// The attachments are read by the organization the account was found
	// in: by the levels' targets alone, SQLite read every organization's
	// attachments before joining them to the account's. An account that
	// has moved to another organization meanwhile is read again.
	err = s.each(ctx, s.DB, `SELECT o.id, o.master_account_id, o.feature_set, o.root_id, o.root_name, o.root_policy_types, o.root_tags, o.created_at,
			a.organization_id, a.parent_id, x.target_id, x.id, x.name, x.description, x.type, x.content, x.aws_managed
		FROM organization_accounts a JOIN organizations o ON o.id = a.organization_id
		LEFT JOIN (SELECT t.organization_id, t.target_id, p.id, p.name, p.description, p.type, p.content, p.aws_managed
			FROM organization_policy_attachments t JOIN organization_policies p ON p.organization_id = t.organization_id AND p.id = t.policy_id
			WHERE t.organization_id = ? AND t.policy_type = ? AND t.target_id IN (`+marks+`)) x ON x.organization_id = a.organization_id
		WHERE a.account_id = ?
		ORDER BY x.target_id, x.id`, args, func(rows *sql.Rows) error {
		var o keyward.Organization
		var types, tags string
		var created int64
		var inOrg, parent string
		var target, id, name, desc, typ, content sql.NullString
		var managed sql.NullInt64
		if err := rows.Scan(&o.ID, &o.MasterAccountID, &o.FeatureSet, &o.RootID, &o.RootName, &types, &tags, &created,
			&inOrg, &parent, &target, &id, &name, &desc, &typ, &content, &managed); err != nil {
			return err
		}
		if first {
			first = false
			if inOrg != orgID || parent != parentID {
				return errAccountMoved
			}
			if err := decodeOrg(&o, types, tags, created); err != nil {
				return err
			}
			st.Organization = o
		}
		if target.Valid {
			byTarget[target.String] = append(byTarget[target.String], keyward.OrgPolicy{ID: id.String, Name: name.String, Description: desc.String,
				Type: typ.String, Content: content.String, AWSManaged: managed.Int64 != 0})
		}
		return nil
	})
	if errors.Is(err, errAccountMoved) || err == nil && first {
		return st, true, nil // the account moved or left its organization meanwhile: read again
	}
	if err != nil {
		return st, false, err
	}
	if st.Organization.Enabled(keyward.ServiceControlPolicyType) {
		st.SCPs = make([][]keyward.OrgPolicy, len(levels))
		for i, l := range levels {
			st.SCPs[i] = byTarget[l]
		}
	}
	return st, false, nil
}

const createStatusColumns = `id, account_name, state, requested_at, completed_at, account_id, failure_reason FROM organization_create_account_status`

func scanCreateStatus(row rowScanner) (keyward.CreateAccountStatus, error) {
	var st keyward.CreateAccountStatus
	var requested, completed int64
	err := row.Scan(&st.ID, &st.AccountName, &st.State, &requested, &completed, &st.AccountID, &st.FailureReason)
	if errors.Is(err, sql.ErrNoRows) {
		return st, keyward.ErrNoSuchCreateAccountStatus
	}
	st.RequestedAt = fromNanos(requested)
	if completed != 0 {
		st.CompletedAt = fromNanos(completed)
	}
	return st, err
}

// PutCreateAccountStatus implements organizations.Store.
func (s *Store) PutCreateAccountStatus(ctx context.Context, orgID string, st keyward.CreateAccountStatus) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOrg(ctx, tx, orgID); err != nil {
			return err
		}
		var completed int64
		if !st.CompletedAt.IsZero() {
			completed = toNanos(st.CompletedAt)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO organization_create_account_status
			(id, organization_id, account_name, state, requested_at, completed_at, account_id, failure_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET state = excluded.state, completed_at = excluded.completed_at, account_id = excluded.account_id,
			failure_reason = excluded.failure_reason`),
			st.ID, orgID, st.AccountName, st.State, toNanos(st.RequestedAt), completed, st.AccountID, st.FailureReason)
		return err
	})
}

// CreateAccountStatus implements organizations.Store.
func (s *Store) CreateAccountStatus(ctx context.Context, orgID, id string) (keyward.CreateAccountStatus, error) {
	return scanCreateStatus(s.DB.QueryRowContext(ctx, s.q(`SELECT `+createStatusColumns+` WHERE organization_id = ? AND id = ?`), orgID, id))
}

// CreateAccountStatuses implements organizations.Store.
func (s *Store) CreateAccountStatuses(ctx context.Context, orgID string, states []string, after string, max int) ([]keyward.CreateAccountStatus, bool, error) {
	query, args := `SELECT `+createStatusColumns+` WHERE organization_id = ? AND id > ?`, []any{orgID, after}
	if len(states) > 0 {
		query += ` AND state IN (` + placeholders(len(states)) + `)`
		for _, st := range states {
			args = append(args, st)
		}
	}
	return collectPage(ctx, s, query+` ORDER BY id LIMIT ?`, append(args, max+1), max, scanCreateStatus)
}

// RemoveOrgAccount implements organizations.Store.
func (s *Store) RemoveOrgAccount(ctx context.Context, orgID, accountID string) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		// A closed account stays in its organization, where its closure
		// is seen and counted: it never leaves to become a standalone
		// account nobody governs. Only a member of this organization is
		// refused so: another's account, closed or not, is
		// ErrNoSuchOrgAccount alike, so that no organization learns which
		// accounts of the installation are closed.
		if _, err := s.lockOpenMember(ctx, tx, orgID, accountID, `SELECT COALESCE(a.closed_at, 0) FROM organization_accounts m LEFT JOIN accounts a ON a.id = m.account_id
			WHERE m.organization_id = ? AND m.account_id = ?`); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM organization_accounts WHERE organization_id = ? AND account_id = ?`), orgID, accountID)
		if err := deletedOne(res, err, keyward.ErrNoSuchOrgAccount); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM organization_policy_attachments WHERE organization_id = ? AND target_id = ?`), orgID, accountID); err != nil {
			return err
		}
		return s.orgChanged(ctx, tx)
	})
}

// lockOpenMember locks orgID in tx and refuses its master account, an
// account not its member, and a closed one; closedAt reads, by the
// organization's and the account's IDs, when the member was closed (0:
// open).
func (s *Store) lockOpenMember(ctx context.Context, tx *sql.Tx, orgID, accountID, closedAt string) (keyward.Organization, error) {
	o, err := s.lockOrg(ctx, tx, orgID)
	if err != nil {
		return o, err
	}
	if accountID == o.MasterAccountID {
		return o, keyward.ErrMasterAccount
	}
	var closed int64
	err = tx.QueryRowContext(ctx, s.q(closedAt), orgID, accountID).Scan(&closed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return o, keyward.ErrNoSuchOrgAccount
	case err != nil:
		return o, err
	case closed != 0:
		return o, keyward.ErrAccountClosed
	}
	return o, nil
}

// CloseOrgAccount implements organizations.Store: the organization's
// row, locked first, serialises closures, so that the count of those
// within the quota's window and the closure are of one moment; the
// account's row is changed only while it is open, so that of two
// closures one wins whatever the lock.
func (s *Store) CloseOrgAccount(ctx context.Context, orgID, accountID string, at, since time.Time, quota func(int) int) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		o, err := s.lockOpenMember(ctx, tx, orgID, accountID, `SELECT a.closed_at FROM organization_accounts m JOIN accounts a ON a.id = m.account_id
			WHERE m.organization_id = ? AND m.account_id = ?`)
		if err != nil {
			return err
		}
		var members, recent int
		err = tx.QueryRowContext(ctx, s.q(`SELECT count(*), COALESCE(SUM(CASE WHEN a.closed_at > ? THEN 1 ELSE 0 END), 0)
			FROM organization_accounts m JOIN accounts a ON a.id = m.account_id
			WHERE m.organization_id = ? AND m.account_id <> ?`), toNanos(since), orgID, o.MasterAccountID).Scan(&members, &recent)
		if err != nil {
			return err
		}
		if recent >= quota(members) {
			return keyward.ErrCloseAccountQuota
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE accounts SET status = ?, closed_at = ? WHERE id = ? AND closed_at = 0`),
			keyward.AccountPendingClosure, toNanos(at), accountID)
		if err := deletedOne(res, err, keyward.ErrAccountClosed); err != nil {
			return err
		}
		return s.orgChanged(ctx, tx)
	})
}
