-- The account: exactly one row.
CREATE TABLE account (
	singleton  integer PRIMARY KEY CHECK (singleton = 1),
	id         text    NOT NULL,
	created_at bigint  NOT NULL
);

CREATE TABLE users (
	id         text   PRIMARY KEY,
	-- Binary collation, so that ListUsers pages in the same order as on
	-- SQLite whatever the database's locale.
	name       text   COLLATE "C" NOT NULL,
	-- AWS compares user names case-insensitively: the folded name is unique.
	name_fold  text   NOT NULL CONSTRAINT users_name_fold_key UNIQUE,
	path       text   COLLATE "C" NOT NULL,
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

-- user_id is '' for the root user's keys, hence no foreign key; seq orders
-- keys by creation.
CREATE TABLE access_keys (
	seq               bigserial NOT NULL,
	id                text      CONSTRAINT access_keys_pkey PRIMARY KEY,
	user_id           text      NOT NULL,
	status            text      NOT NULL CHECK (status IN ('Active', 'Inactive')),
	created_at        bigint    NOT NULL,
	sealed_secret     bytea     NOT NULL,
	last_used_at      bigint,
	last_used_service text,
	last_used_region  text
);
CREATE INDEX access_keys_user ON access_keys (user_id, seq);

-- Every change that a replica's cache of credentials must see: the
-- ground truth behind LISTEN/NOTIFY, read again when a notification may
-- have been missed.
CREATE TABLE key_changes (
	seq        bigserial PRIMARY KEY,
	key_id     text      NOT NULL,
	changed_at timestamptz NOT NULL DEFAULT now()
);
