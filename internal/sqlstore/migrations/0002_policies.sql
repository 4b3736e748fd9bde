CREATE TABLE groups (
	id         text    PRIMARY KEY,
	name       text   {{collate}} NOT NULL,
	name_fold  text    NOT NULL UNIQUE,
	path       text   {{collate}} NOT NULL,
	created_at bigint NOT NULL
);
CREATE INDEX groups_name ON groups (name);

CREATE TABLE group_members (
	group_id text NOT NULL REFERENCES groups (id),
	user_id  text NOT NULL REFERENCES users (id),
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- Inline policies of users (kind 'user') and groups (kind 'group').
CREATE TABLE inline_policies (
	kind      text NOT NULL,
	entity_id text NOT NULL,
	name      text{{collate}} NOT NULL,
	document  text NOT NULL,
	PRIMARY KEY (kind, entity_id, name)
);

-- Managed policies, the account's own and AWS's.
CREATE TABLE policies (
	id              text    PRIMARY KEY,
	arn             text   {{collate}} NOT NULL UNIQUE,
	name            text    NOT NULL,
	name_fold       text    NOT NULL,
	path            text   {{collate}} NOT NULL,
	description     text    NOT NULL,
	aws_managed     bigint NOT NULL,
	default_version text    NOT NULL,
	next_version    bigint NOT NULL,
	created_at      bigint NOT NULL,
	updated_at      bigint NOT NULL
);
-- The account's policy names are unique, case-insensitively.
CREATE UNIQUE INDEX policies_local_name ON policies (name_fold) WHERE aws_managed = 0;

CREATE TABLE policy_versions (
	policy_id  text    NOT NULL REFERENCES policies (id),
	version    text    NOT NULL,
	document   text    NOT NULL,
	created_at bigint NOT NULL,
	PRIMARY KEY (policy_id, version)
);

CREATE TABLE policy_attachments (
	kind      text NOT NULL,
	entity_id text NOT NULL,
	policy_id text NOT NULL REFERENCES policies (id),
	PRIMARY KEY (kind, entity_id, policy_id)
);
CREATE INDEX policy_attachments_policy ON policy_attachments (policy_id);
