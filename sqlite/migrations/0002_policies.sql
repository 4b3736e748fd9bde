CREATE TABLE groups (
	id         TEXT    PRIMARY KEY,
	name       TEXT    NOT NULL,
	name_fold  TEXT    NOT NULL UNIQUE,
	path       TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX groups_name ON groups (name);

CREATE TABLE group_members (
	group_id TEXT NOT NULL REFERENCES groups (id),
	user_id  TEXT NOT NULL REFERENCES users (id),
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- Inline policies of users (kind 'user') and groups (kind 'group').
CREATE TABLE inline_policies (
	kind      TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	name      TEXT NOT NULL,
	document  TEXT NOT NULL,
	PRIMARY KEY (kind, entity_id, name)
);

-- Managed policies, the account's own and AWS's.
CREATE TABLE policies (
	id              TEXT    PRIMARY KEY,
	arn             TEXT    NOT NULL UNIQUE,
	name            TEXT    NOT NULL,
	name_fold       TEXT    NOT NULL,
	path            TEXT    NOT NULL,
	description     TEXT    NOT NULL,
	aws_managed     INTEGER NOT NULL,
	default_version TEXT    NOT NULL,
	next_version    INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
-- The account's policy names are unique, case-insensitively.
CREATE UNIQUE INDEX policies_local_name ON policies (name_fold) WHERE aws_managed = 0;

CREATE TABLE policy_versions (
	policy_id  TEXT    NOT NULL REFERENCES policies (id),
	version    TEXT    NOT NULL,
	document   TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (policy_id, version)
);

CREATE TABLE policy_attachments (
	kind      TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	policy_id TEXT NOT NULL REFERENCES policies (id),
	PRIMARY KEY (kind, entity_id, policy_id)
);
CREATE INDEX policy_attachments_policy ON policy_attachments (policy_id);
