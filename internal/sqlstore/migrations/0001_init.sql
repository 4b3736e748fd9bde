-- The account: exactly one row.
CREATE TABLE account (
	singleton  integer PRIMARY KEY CHECK (singleton = 1),
	id         text    NOT NULL,
	created_at bigint  NOT NULL
);

CREATE TABLE users (
	id         text   PRIMARY KEY,
	-- Binary collation, so that ListUsers pages in the same order on both
	-- databases whatever PostgreSQL's locale.
	name       text{{collate}} NOT NULL,
	-- AWS compares user names case-insensitively: the folded name is unique.
	name_fold  text   NOT NULL CONSTRAINT users_name_fold_key UNIQUE,
	path       text{{collate}} NOT NULL,
	created_at bigint NOT NULL
);
CREATE INDEX users_name ON users (name);

CREATE TABLE user_tags (
	user_id text    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	pos     integer NOT NULL,
	key     text    NOT NULL,
	value   text    NOT NULL,
	PRIMARY KEY (user_id, pos)
);

-- user_id is '' for the root user's keys, hence no foreign key. Keys are
-- listed in order of creation: SQLite's rowid, PostgreSQL's seq.
CREATE TABLE access_keys (
{{- if postgres}}
	seq               bigserial NOT NULL,
{{- end}}
	id                text      CONSTRAINT access_keys_pkey PRIMARY KEY,
	user_id           text      NOT NULL,
	status            text      NOT NULL CHECK (status IN ('Active', 'Inactive')),
	created_at        bigint    NOT NULL,
	sealed_secret     {{blob}}     NOT NULL,
	last_used_at      bigint,
	last_used_service text,
	last_used_region  text
);
{{- if sqlite}}
-- An index on user_id holds the rowid, so it serves creation order too.
CREATE INDEX access_keys_user ON access_keys (user_id);

-- The quota of two keys per user, held by the database itself besides the
-- conditional insert.
CREATE TRIGGER access_keys_quota BEFORE INSERT ON access_keys
WHEN (SELECT count(*) FROM access_keys WHERE user_id = NEW.user_id) >= 2
BEGIN
	SELECT RAISE(ABORT, 'keyward: AccessKeysPerUser quota');
END;
{{- else}}
CREATE INDEX access_keys_user ON access_keys (user_id, seq);

-- Every change that a replica's caches must see: the ground truth behind
-- LISTEN/NOTIFY, read again when a notification may have been missed.
CREATE TABLE key_changes (
	seq        bigserial PRIMARY KEY,
	key_id     text      NOT NULL,
	changed_at timestamptz NOT NULL DEFAULT now()
);
{{- end}}
