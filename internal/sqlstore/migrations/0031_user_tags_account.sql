-- A user's tags carry the user's account, copied from users when they are
-- written (a user never changes account, so the copy cannot come to
-- disagree). The key lifecycle reads an account's users by tag (the users
-- exempt from it): by (key, value) alone it read the tagged users of
-- every account and kept its own, so each account's sweep grew with the
-- whole installation's tagged users.
ALTER TABLE user_tags ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE user_tags SET account_id = coalesce((SELECT account_id FROM users WHERE users.id = user_tags.user_id), '');
DROP INDEX user_tags_key;
CREATE INDEX user_tags_account_key ON user_tags (account_id, key, value);
