-- Virtual MFA devices. user_id is NULL while a device is unassigned; a user
-- cannot be deleted while a device is assigned to it (DeleteConflict).
CREATE TABLE mfa_devices (
	serial      text{{collate}} PRIMARY KEY,
	path        text{{collate}} NOT NULL,
	name        text{{collate}} NOT NULL,
	-- AWS compares device names case-insensitively, whatever the path.
	name_fold   text    NOT NULL CONSTRAINT mfa_devices_name_fold_key UNIQUE,
	user_id     text    REFERENCES users (id),
	created_at  bigint  NOT NULL,
	enabled_at  bigint  NOT NULL DEFAULT 0,
	sealed_seed {{blob}} NOT NULL,
	last_step   bigint  NOT NULL DEFAULT 0,
	drift       bigint  NOT NULL DEFAULT 0,
	-- The device's tags as a JSON array of {"Key","Value"}.
	tags        text    NOT NULL DEFAULT '[]'
);
CREATE INDEX mfa_devices_user ON mfa_devices (user_id);

-- A user's SSH public keys, service-specific credentials and signing
-- certificates: one table, told apart by kind.
CREATE TABLE user_credentials (
{{- if postgres}}
	seq               bigserial NOT NULL,
{{- end}}
	id                text    PRIMARY KEY,
	kind              text    NOT NULL CHECK (kind IN ('ssh', 'service', 'signing')),
	user_id           text    NOT NULL REFERENCES users (id),
	status            text    NOT NULL CHECK (status IN ('Active', 'Inactive')),
	created_at        bigint  NOT NULL,
	body              text    NOT NULL DEFAULT '',
	fingerprint       text    NOT NULL,
	-- Unique within a kind: the fingerprint, prefixed with the owner's ID
	-- for an SSH key, as the same key may serve two users.
	dedupe            text    NOT NULL,
	service_name      text    NOT NULL DEFAULT '',
	service_user_name text    NOT NULL DEFAULT '',
	sealed_secret     {{blob}}
);
CREATE UNIQUE INDEX user_credentials_fingerprint ON user_credentials (kind, dedupe);
{{- if sqlite}}
CREATE INDEX user_credentials_user ON user_credentials (user_id, kind);
{{- else}}
CREATE INDEX user_credentials_user ON user_credentials (user_id, kind, seq);
{{- end}}

-- The account's alias (AWS allows one).
CREATE TABLE account_aliases (
	alias text PRIMARY KEY
);
