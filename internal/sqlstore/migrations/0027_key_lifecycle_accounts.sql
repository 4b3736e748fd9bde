-- The key lifecycle in every account: each account's policy rules are
-- applied by range on its own keys, so that the sweep's reads in one
-- account do not grow with the others' keys. The indexes the sweep read
-- across every account by led with the status; those of the rules a
-- policy sets now lead with the account, while a key's own expiry date
-- (every account's, whether it has a policy or not) and the metrics'
-- counts by age are still read across accounts, by the status-led
-- indexes on expiry and creation.
DROP INDEX access_keys_status_last_used;
DROP INDEX access_keys_status_inactive;
CREATE INDEX access_keys_account_created ON access_keys (account_id, status, created_at);
CREATE INDEX access_keys_account_last_used ON access_keys (account_id, status, last_used_at, created_at);
CREATE INDEX access_keys_account_inactive ON access_keys (account_id, status, inactive_since);
CREATE INDEX access_keys_account_expires ON access_keys (account_id, status, expires_at);
