-- AWS Organizations. An organization has one row, its root's included
-- (root_id, root_policy_types as a JSON array of the enabled types,
-- root_tags); master_account_id is unique, so that an account makes one
-- organization at most however many ask at once. Its accounts are rows of
-- organization_accounts (the management account the first), keyed by
-- the account's ID: an account is in one organization at most. OUs are
-- unique by name under their parent. Policies are keyed within their
-- organization, FullAWSAccess (p-FullAWSAccess, AWS managed) a row of
-- each. An attachment names its target by ID: the root, an OU or an
-- account. Times are nanoseconds; tags are JSON arrays.
CREATE TABLE organizations (
	id                text{{collate}} PRIMARY KEY,
	master_account_id text NOT NULL CONSTRAINT organizations_master_key UNIQUE,
	feature_set       text NOT NULL,
	root_id           text{{collate}} NOT NULL,
	root_name         text NOT NULL,
	root_policy_types text NOT NULL DEFAULT '[]',
	root_tags         text NOT NULL DEFAULT '[]',
	created_at        bigint NOT NULL
);
CREATE TABLE organization_accounts (
	account_id      text{{collate}} PRIMARY KEY,
	organization_id text{{collate}} NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	parent_id       text{{collate}} NOT NULL,
	joined_method   text NOT NULL,
	joined_at       bigint NOT NULL,
	tags            text NOT NULL DEFAULT '[]'
);
CREATE INDEX organization_accounts_parent ON organization_accounts (organization_id, parent_id, account_id);
CREATE TABLE organizational_units (
	id              text{{collate}} PRIMARY KEY,
	organization_id text{{collate}} NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	parent_id       text{{collate}} NOT NULL,
	name            text{{collate}} NOT NULL,
	path            text NOT NULL,
	created_at      bigint NOT NULL,
	tags            text NOT NULL DEFAULT '[]',
	CONSTRAINT organizational_units_name_key UNIQUE (organization_id, parent_id, name)
);
CREATE TABLE organization_policies (
	organization_id text{{collate}} NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	id              text{{collate}} NOT NULL,
	name            text{{collate}} NOT NULL,
	description     text NOT NULL,
	type            text NOT NULL,
	content         text NOT NULL,
	aws_managed     integer NOT NULL DEFAULT 0,
	tags            text NOT NULL DEFAULT '[]',
	PRIMARY KEY (organization_id, id),
	CONSTRAINT organization_policies_name_key UNIQUE (organization_id, type, name)
);
CREATE TABLE organization_policy_attachments (
	organization_id text{{collate}} NOT NULL,
	policy_id       text{{collate}} NOT NULL,
	target_id       text{{collate}} NOT NULL,
	policy_type     text NOT NULL,
	PRIMARY KEY (organization_id, policy_id, target_id),
	FOREIGN KEY (organization_id, policy_id) REFERENCES organization_policies (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX organization_policy_attachments_target ON organization_policy_attachments (organization_id, target_id, policy_type, policy_id);
