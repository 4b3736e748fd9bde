-- The access key lifecycle: a key's expiry date, when it was deactivated
-- (the rule that deletes keys inactive for so many days counts from it)
-- and the end of life its owner was last warned of (one warning per
-- window), all in nanoseconds; and the account's key lifecycle policy as
-- JSON, one row. Keys deactivated before this step count as deactivated
-- when it ran.
ALTER TABLE access_keys ADD COLUMN expires_at bigint;
ALTER TABLE access_keys ADD COLUMN inactive_since bigint;
ALTER TABLE access_keys ADD COLUMN warned_for bigint;
{{- if sqlite}}
UPDATE access_keys SET inactive_since = CAST((julianday('now') - 2440587.5) * 86400000000000 AS INTEGER) WHERE status = 'Inactive';
{{- else}}
UPDATE access_keys SET inactive_since = (extract(epoch FROM now()) * 1000000000)::bigint WHERE status = 'Inactive';
{{- end}}

-- The sweep reads only the keys a rule makes due, by range on these
-- indexes, rather than every key: each leads with the status, so that the
-- planner takes the range on the second column whatever its statistics
-- (a partial index is not always chosen). The exemption and a rule's
-- scope by tag read the users tagged so.
CREATE INDEX access_keys_status_expires ON access_keys (status, expires_at);
CREATE INDEX access_keys_status_created ON access_keys (status, created_at);
CREATE INDEX access_keys_status_last_used ON access_keys (status, last_used_at, created_at);
CREATE INDEX access_keys_status_inactive ON access_keys (status, inactive_since);
CREATE INDEX user_tags_key ON user_tags (key, value);

CREATE TABLE access_key_policy (
	id         integer PRIMARY KEY CHECK (id = 1),
	policy     text NOT NULL,
	updated_at bigint NOT NULL
);
