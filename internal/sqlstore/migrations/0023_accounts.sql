-- Many accounts in one installation. accounts holds every account; the
-- installation's one account until now becomes its first row, with its
-- token version. The singleton account row stays, as the installation's
-- own: the ID of its first account (what a store opened without a scope
-- serves) and the master key's check value.
--
-- Every table of an account's entities gets account_id, filled with the
-- first account's ID, and its names become unique within an account:
-- the same name may be used in two accounts. IDs stay unique across the
-- installation (access key IDs, user, group, role and policy IDs, MFA
-- serial numbers and provider ARNs, which name their account), so that a
-- key finds its account with one lookup. Rows keyed by such an ID
-- (user_tags, group_members, inline_policies, policy_versions,
-- login_profiles, user_credentials' owners) belong to the account of
-- their entity and carry no account of their own, which could disagree.
-- AWS's managed policies are global, as on AWS (their ARNs' account is
-- "aws"): their account_id is 'aws' and every account sees them, while
-- their attachments, which carry account_id, are each account's own. An
-- account alias stays unique across the installation, as sign-in by
-- alias needs.
--
-- SQLite cannot drop a column's UNIQUE constraint: its tables are
-- rebuilt as SQLite documents it (create the new table, copy, drop the
-- old one, rename the new one, make its indexes), with foreign keys off
-- during the step and checked before it commits (the backend does both).
-- PostgreSQL alters them in place.
CREATE TABLE accounts (
	id            text{{collate}} PRIMARY KEY,
	name          text NOT NULL DEFAULT '',
	email         text NOT NULL DEFAULT '',
	status        text NOT NULL DEFAULT 'ACTIVE',
	created_at    bigint NOT NULL,
	token_version bigint NOT NULL DEFAULT 1
);
INSERT INTO accounts (id, created_at, token_version) SELECT id, created_at, token_version FROM account;

-- Tables whose uniqueness does not change: a column, and an index that
-- reads by account.
ALTER TABLE access_keys ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE access_keys SET account_id = coalesce((SELECT id FROM account), '');
DROP INDEX access_keys_user;
{{- if sqlite}}
CREATE INDEX access_keys_user ON access_keys (account_id, user_id);
-- The quota of two keys per user, per account for the root users' keys
-- (user_id '').
DROP TRIGGER access_keys_quota;
CREATE TRIGGER access_keys_quota BEFORE INSERT ON access_keys
WHEN (SELECT count(*) FROM access_keys WHERE account_id = NEW.account_id AND user_id = NEW.user_id) >= 2
BEGIN
	SELECT RAISE(ABORT, 'keyward: AccessKeysPerUser quota');
END;
{{- else}}
CREATE INDEX access_keys_user ON access_keys (account_id, user_id, seq);
{{- end}}

ALTER TABLE policies ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE policies SET account_id = CASE WHEN aws_managed = 0 THEN coalesce((SELECT id FROM account), '') ELSE 'aws' END;
DROP INDEX policies_local_name;
CREATE UNIQUE INDEX policies_local_name ON policies (account_id, name_fold) WHERE aws_managed = 0;
CREATE INDEX policies_account ON policies (account_id, name);

ALTER TABLE policy_attachments ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE policy_attachments SET account_id = coalesce((SELECT id FROM account), '');
DROP INDEX policy_attachments_policy;
CREATE INDEX policy_attachments_policy ON policy_attachments (policy_id, account_id);

ALTER TABLE user_credentials ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE user_credentials SET account_id = coalesce((SELECT id FROM account), '');
DROP INDEX user_credentials_fingerprint;
CREATE UNIQUE INDEX user_credentials_fingerprint ON user_credentials (account_id, kind, dedupe);

ALTER TABLE account_aliases ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE account_aliases SET account_id = coalesce((SELECT id FROM account), '');
CREATE INDEX account_aliases_account ON account_aliases (account_id);

ALTER TABLE oidc_providers ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE oidc_providers SET account_id = coalesce((SELECT id FROM account), '');
CREATE INDEX oidc_providers_account ON oidc_providers (account_id, arn);

ALTER TABLE oidc_signins ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE oidc_signins SET account_id = coalesce((SELECT id FROM account), '');

ALTER TABLE events ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE events SET account_id = coalesce((SELECT id FROM account), '');
CREATE INDEX events_account ON events (account_id, event_time, event_id);

ALTER TABLE access_jobs ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE access_jobs SET account_id = coalesce((SELECT id FROM account), '');

-- Tables whose names, keys or single row become per account.
{{- if sqlite}}
CREATE TABLE new_users (
	id                   text PRIMARY KEY,
	account_id           text NOT NULL,
	name                 text NOT NULL,
	name_fold            text NOT NULL,
	path                 text NOT NULL,
	created_at           bigint NOT NULL,
	sessions_after       bigint NOT NULL DEFAULT 0,
	permissions_boundary text NOT NULL DEFAULT '',
	CONSTRAINT users_name_fold_key UNIQUE (account_id, name_fold)
);
INSERT INTO new_users (id, account_id, name, name_fold, path, created_at, sessions_after, permissions_boundary)
	SELECT id, coalesce((SELECT id FROM account), ''), name, name_fold, path, created_at, sessions_after, permissions_boundary FROM users;
DROP TABLE users;
ALTER TABLE new_users RENAME TO users;
CREATE INDEX users_name ON users (account_id, name);
CREATE INDEX users_created ON users (account_id, created_at, id);

CREATE TABLE new_groups (
	id         text PRIMARY KEY,
	account_id text NOT NULL,
	name       text NOT NULL,
	name_fold  text NOT NULL,
	path       text NOT NULL,
	created_at bigint NOT NULL,
	CONSTRAINT groups_name_fold_key UNIQUE (account_id, name_fold)
);
INSERT INTO new_groups (id, account_id, name, name_fold, path, created_at)
	SELECT id, coalesce((SELECT id FROM account), ''), name, name_fold, path, created_at FROM groups;
DROP TABLE groups;
ALTER TABLE new_groups RENAME TO groups;
CREATE INDEX groups_name ON groups (account_id, name);

CREATE TABLE new_mfa_devices (
	serial       text PRIMARY KEY,
	account_id   text NOT NULL,
	path         text NOT NULL,
	name         text NOT NULL,
	name_fold    text NOT NULL,
	user_id      text REFERENCES users (id),
	created_at   bigint NOT NULL,
	enabled_at   bigint NOT NULL DEFAULT 0,
	sealed_seed  BLOB NOT NULL,
	last_step    bigint NOT NULL DEFAULT 0,
	drift        bigint NOT NULL DEFAULT 0,
	tags         text NOT NULL DEFAULT '[]',
	failures     integer NOT NULL DEFAULT 0,
	failed_since bigint NOT NULL DEFAULT 0,
	for_root     integer NOT NULL DEFAULT 0,
	CONSTRAINT mfa_devices_name_fold_key UNIQUE (account_id, name_fold)
);
INSERT INTO new_mfa_devices (serial, account_id, path, name, name_fold, user_id, created_at, enabled_at, sealed_seed, last_step, drift, tags, failures, failed_since, for_root)
	SELECT serial, coalesce((SELECT id FROM account), ''), path, name, name_fold, user_id, created_at, enabled_at, sealed_seed, last_step, drift, tags, failures, failed_since, for_root FROM mfa_devices;
DROP TABLE mfa_devices;
ALTER TABLE new_mfa_devices RENAME TO mfa_devices;
CREATE INDEX mfa_devices_user ON mfa_devices (user_id);
CREATE INDEX mfa_devices_account ON mfa_devices (account_id, serial);

CREATE TABLE new_server_certificates (
	id          text PRIMARY KEY,
	account_id  text NOT NULL,
	name        text NOT NULL,
	name_fold   text NOT NULL,
	path        text NOT NULL,
	body        text NOT NULL,
	chain       text NOT NULL,
	sealed_key  BLOB NOT NULL,
	uploaded_at bigint NOT NULL,
	expires_at  bigint NOT NULL,
	tags        text NOT NULL DEFAULT '[]',
	CONSTRAINT server_certificates_name_fold_key UNIQUE (account_id, name_fold)
);
INSERT INTO new_server_certificates (id, account_id, name, name_fold, path, body, chain, sealed_key, uploaded_at, expires_at, tags)
	SELECT id, coalesce((SELECT id FROM account), ''), name, name_fold, path, body, chain, sealed_key, uploaded_at, expires_at, tags FROM server_certificates;
DROP TABLE server_certificates;
ALTER TABLE new_server_certificates RENAME TO server_certificates;
CREATE INDEX server_certificates_name ON server_certificates (account_id, name);

CREATE TABLE new_roles (
	id                   text PRIMARY KEY,
	account_id           text NOT NULL,
	name                 text NOT NULL,
	name_fold            text NOT NULL,
	path                 text NOT NULL,
	trust_policy         text NOT NULL,
	description          text NOT NULL DEFAULT '',
	max_session_duration bigint NOT NULL,
	created_at           bigint NOT NULL,
	permissions_boundary text NOT NULL DEFAULT '',
	tags                 text NOT NULL DEFAULT '[]',
	last_used_at         bigint NOT NULL DEFAULT 0,
	last_used_region     text NOT NULL DEFAULT '',
	CONSTRAINT roles_name_fold_key UNIQUE (account_id, name_fold)
);
INSERT INTO new_roles (id, account_id, name, name_fold, path, trust_policy, description, max_session_duration, created_at, permissions_boundary, tags, last_used_at, last_used_region)
	SELECT id, coalesce((SELECT id FROM account), ''), name, name_fold, path, trust_policy, description, max_session_duration, created_at, permissions_boundary, tags, last_used_at, last_used_region FROM roles;
DROP TABLE roles;
ALTER TABLE new_roles RENAME TO roles;
CREATE INDEX roles_name ON roles (account_id, name);

CREATE TABLE new_instance_profiles (
	id         text PRIMARY KEY,
	account_id text NOT NULL,
	name       text NOT NULL,
	name_fold  text NOT NULL,
	path       text NOT NULL,
	created_at bigint NOT NULL,
	tags       text NOT NULL DEFAULT '[]',
	role_id    text REFERENCES roles (id),
	CONSTRAINT instance_profiles_name_fold_key UNIQUE (account_id, name_fold)
);
INSERT INTO new_instance_profiles (id, account_id, name, name_fold, path, created_at, tags, role_id)
	SELECT id, coalesce((SELECT id FROM account), ''), name, name_fold, path, created_at, tags, role_id FROM instance_profiles;
DROP TABLE instance_profiles;
ALTER TABLE new_instance_profiles RENAME TO instance_profiles;
CREATE INDEX instance_profiles_name ON instance_profiles (account_id, name);
CREATE INDEX instance_profiles_role ON instance_profiles (role_id);

CREATE TABLE new_saml_providers (
	arn         text PRIMARY KEY,
	account_id  text NOT NULL,
	name        text NOT NULL,
	name_fold   text NOT NULL,
	metadata    text NOT NULL,
	valid_until bigint NOT NULL,
	created_at  bigint NOT NULL,
	tags        text NOT NULL DEFAULT '[]',
	CONSTRAINT saml_providers_name_fold_key UNIQUE (account_id, name_fold)
);
INSERT INTO new_saml_providers (arn, account_id, name, name_fold, metadata, valid_until, created_at, tags)
	SELECT arn, coalesce((SELECT id FROM account), ''), name, name_fold, metadata, valid_until, created_at, tags FROM saml_providers;
DROP TABLE saml_providers;
ALTER TABLE new_saml_providers RENAME TO saml_providers;

CREATE TABLE new_service_access (
	account_id text   NOT NULL,
	user_id    text   NOT NULL,
	service    text   NOT NULL,
	last_at    bigint NOT NULL,
	region     text   NOT NULL,
	PRIMARY KEY (account_id, user_id, service)
);
INSERT INTO new_service_access (account_id, user_id, service, last_at, region)
	SELECT coalesce((SELECT id FROM account), ''), user_id, service, last_at, region FROM service_access;
DROP TABLE service_access;
ALTER TABLE new_service_access RENAME TO service_access;

CREATE TABLE new_password_policy (
	account_id text PRIMARY KEY,
	policy     text NOT NULL
);
INSERT INTO new_password_policy (account_id, policy) SELECT coalesce((SELECT id FROM account), ''), policy FROM password_policy;
DROP TABLE password_policy;
ALTER TABLE new_password_policy RENAME TO password_policy;

CREATE TABLE new_credential_report (
	account_id   text PRIMARY KEY,
	state        text NOT NULL,
	started_at   bigint NOT NULL,
	generated_at bigint NOT NULL,
	content      BLOB,
	snapshot_at  bigint NOT NULL DEFAULT 0
);
INSERT INTO new_credential_report (account_id, state, started_at, generated_at, content, snapshot_at)
	SELECT coalesce((SELECT id FROM account), ''), state, started_at, generated_at, content, snapshot_at FROM credential_report;
DROP TABLE credential_report;
ALTER TABLE new_credential_report RENAME TO credential_report;

CREATE TABLE new_access_key_policy (
	account_id text PRIMARY KEY,
	policy     text NOT NULL,
	updated_at bigint NOT NULL
);
INSERT INTO new_access_key_policy (account_id, policy, updated_at) SELECT coalesce((SELECT id FROM account), ''), policy, updated_at FROM access_key_policy;
DROP TABLE access_key_policy;
ALTER TABLE new_access_key_policy RENAME TO access_key_policy;
{{- else}}
ALTER TABLE users ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE users SET account_id = coalesce((SELECT id FROM account), '');
ALTER TABLE users DROP CONSTRAINT users_name_fold_key;
ALTER TABLE users ADD CONSTRAINT users_name_fold_key UNIQUE (account_id, name_fold);
DROP INDEX users_name;
CREATE INDEX users_name ON users (account_id, name);
DROP INDEX users_created;
CREATE INDEX users_created ON users (account_id, created_at, id);

ALTER TABLE groups ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE groups SET account_id = coalesce((SELECT id FROM account), '');
ALTER TABLE groups DROP CONSTRAINT groups_name_fold_key;
ALTER TABLE groups ADD CONSTRAINT groups_name_fold_key UNIQUE (account_id, name_fold);
DROP INDEX groups_name;
CREATE INDEX groups_name ON groups (account_id, name);

ALTER TABLE mfa_devices ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE mfa_devices SET account_id = coalesce((SELECT id FROM account), '');
ALTER TABLE mfa_devices DROP CONSTRAINT mfa_devices_name_fold_key;
ALTER TABLE mfa_devices ADD CONSTRAINT mfa_devices_name_fold_key UNIQUE (account_id, name_fold);
CREATE INDEX mfa_devices_account ON mfa_devices (account_id, serial);

ALTER TABLE server_certificates ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE server_certificates SET account_id = coalesce((SELECT id FROM account), '');
ALTER TABLE server_certificates DROP CONSTRAINT server_certificates_name_fold_key;
ALTER TABLE server_certificates ADD CONSTRAINT server_certificates_name_fold_key UNIQUE (account_id, name_fold);
DROP INDEX server_certificates_name;
CREATE INDEX server_certificates_name ON server_certificates (account_id, name);

ALTER TABLE roles ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE roles SET account_id = coalesce((SELECT id FROM account), '');
ALTER TABLE roles DROP CONSTRAINT roles_name_fold_key;
ALTER TABLE roles ADD CONSTRAINT roles_name_fold_key UNIQUE (account_id, name_fold);
DROP INDEX roles_name;
CREATE INDEX roles_name ON roles (account_id, name);

ALTER TABLE instance_profiles ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE instance_profiles SET account_id = coalesce((SELECT id FROM account), '');
ALTER TABLE instance_profiles DROP CONSTRAINT instance_profiles_name_fold_key;
ALTER TABLE instance_profiles ADD CONSTRAINT instance_profiles_name_fold_key UNIQUE (account_id, name_fold);
DROP INDEX instance_profiles_name;
CREATE INDEX instance_profiles_name ON instance_profiles (account_id, name);

ALTER TABLE saml_providers ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE saml_providers SET account_id = coalesce((SELECT id FROM account), '');
ALTER TABLE saml_providers DROP CONSTRAINT saml_providers_name_fold_key;
ALTER TABLE saml_providers ADD CONSTRAINT saml_providers_name_fold_key UNIQUE (account_id, name_fold);

ALTER TABLE service_access ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE service_access SET account_id = coalesce((SELECT id FROM account), '');
ALTER TABLE service_access DROP CONSTRAINT service_access_pkey;
ALTER TABLE service_access ADD PRIMARY KEY (account_id, user_id, service);

ALTER TABLE password_policy ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE password_policy SET account_id = coalesce((SELECT id FROM account), '');
ALTER TABLE password_policy DROP COLUMN singleton;
ALTER TABLE password_policy ADD PRIMARY KEY (account_id);

ALTER TABLE credential_report ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE credential_report SET account_id = coalesce((SELECT id FROM account), '');
ALTER TABLE credential_report DROP COLUMN singleton;
ALTER TABLE credential_report ADD PRIMARY KEY (account_id);

ALTER TABLE access_key_policy ADD COLUMN account_id text NOT NULL DEFAULT '';
UPDATE access_key_policy SET account_id = coalesce((SELECT id FROM account), '');
ALTER TABLE access_key_policy DROP COLUMN id;
ALTER TABLE access_key_policy ADD PRIMARY KEY (account_id);
{{- end}}
