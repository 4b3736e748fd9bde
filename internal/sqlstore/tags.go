package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/keyward/keyward"
)

// tagColumn is where a taggable kind keeps its tags as a JSON array: the
// table, the column naming an entity (and whether names are compared
// folded), the kind's not-found error, and whether evaluation sees its
// tags (a role's are its sessions' aws:PrincipalTag, an instance profile's
// its role's caches).
type tagColumn struct {
	table, key   string
	fold         bool
	missing      error
	policyChange bool
}

// tagColumns are the kinds whose tags are a JSON column, each added by the
// file of its entity.
var tagColumns = map[keyward.TagKind]tagColumn{}

// UpdateTags implements keyward.TagStore: a user's tags are rows of
// user_tags, every other kind's a JSON column of its table.
func (s *Store) UpdateTags(ctx context.Context, kind keyward.TagKind, id string, fn func([]keyward.Tag) ([]keyward.Tag, error)) error {
	if kind == keyward.TaggedUser {
		return s.updateUserTags(ctx, id, fn)
	}
	c, ok := tagColumns[kind]
	if !ok {
		return errors.New("sqlstore: no tags for kind " + string(kind))
	}
	key := id
	if c.fold {
		key = keyward.FoldName(id)
	}
	return s.write(ctx, c.policyChange, func(tx *sql.Tx) error {
		var raw string
		err := tx.QueryRowContext(ctx, s.q(`SELECT tags FROM `+c.table+` WHERE account_id = ? AND `+c.key+` = ?`+s.ForUpdate), s.acct(ctx), key).Scan(&raw)
		if errors.Is(err, sql.ErrNoRows) {
			return c.missing
		} else if err != nil {
			return err
		}
		var old []keyward.Tag
		if err := json.Unmarshal([]byte(raw), &old); err != nil {
			return err
		}
		tags, err := fn(old)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE `+c.table+` SET tags = ? WHERE account_id = ? AND `+c.key+` = ?`), tagsJSON(tags), s.acct(ctx), key)
		return err
	})
}

// insertUserTag writes a user's tag with the user's account, read from
// the user's row so that the two cannot disagree.
const insertUserTag = `INSERT INTO user_tags (user_id, account_id, pos, key, value) SELECT ?, account_id, ?, ?, ? FROM users WHERE id = ?`

// updateUserTags rewrites a user's rows of user_tags in their new order.
func (s *Store) updateUserTags(ctx context.Context, userName string, fn func([]keyward.Tag) ([]keyward.Tag, error)) error {
	return s.write(ctx, false, func(tx *sql.Tx) error {
		var uid string
		err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM users WHERE account_id = ? AND name_fold = ?`+s.ForUpdate), s.acct(ctx), keyward.FoldName(userName)).Scan(&uid)
		if errors.Is(err, sql.ErrNoRows) {
			return keyward.ErrNoSuchUser
		} else if err != nil {
			return err
		}
		old, err := s.userTags(ctx, tx, uid)
		if err != nil {
			return err
		}
		tags, err := fn(old)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM user_tags WHERE user_id = ?`), uid); err != nil {
			return err
		}
		for i, t := range tags {
			if _, err := tx.ExecContext(ctx, s.q(insertUserTag), uid, i, t.Key, t.Value, uid); err != nil {
				return err
			}
		}
		return nil
	})
}
