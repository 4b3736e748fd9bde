-- When the scan behind the latest complete credential report began: the
-- report answers a requester whose polling began no later.
ALTER TABLE credential_report ADD COLUMN snapshot_at bigint NOT NULL DEFAULT 0;

-- A value sealed under the master key at initialisation: a server given
-- another key refuses to start, whatever else the store holds.
ALTER TABLE account ADD COLUMN key_check {{blob}};

-- A user's console sessions signed in before this time (Unix nanoseconds)
-- are refused: a password reset or a deleted login profile ends them.
ALTER TABLE users ADD COLUMN sessions_after bigint NOT NULL DEFAULT 0;
