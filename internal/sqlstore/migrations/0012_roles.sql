-- IAM roles. Their inline policies and attachments share inline_policies
-- and policy_attachments, with kind 'role'.
CREATE TABLE roles (
	id                   text PRIMARY KEY,
	name                 text{{collate}} NOT NULL,
	name_fold            text NOT NULL CONSTRAINT roles_name_fold_key UNIQUE,
	path                 text{{collate}} NOT NULL,
	trust_policy         text NOT NULL,
	description          text NOT NULL DEFAULT '',
	max_session_duration bigint NOT NULL,
	created_at           bigint NOT NULL,
	permissions_boundary text NOT NULL DEFAULT '',
	tags                 text NOT NULL DEFAULT '[]',
	last_used_at         bigint NOT NULL DEFAULT 0,
	last_used_region     text NOT NULL DEFAULT ''
);
CREATE INDEX roles_name ON roles (name);
