-- The account: exactly one row.
CREATE TABLE account (
	singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
	id         TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE users (
	id         TEXT    PRIMARY KEY,
	name       TEXT    NOT NULL,
	-- AWS compares user names case-insensitively: the folded name is unique.
	name_fold  TEXT    NOT NULL UNIQUE,
	path       TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX users_name ON users (name);

CREATE TABLE user_tags (
	user_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	pos     INTEGER NOT NULL,
	key     TEXT    NOT NULL,
	value   TEXT    NOT NULL,
	PRIMARY KEY (user_id, pos)
);

-- user_id is '' for the root user's keys, hence no foreign key; DeleteUser
-- refuses while a user has keys.
CREATE TABLE access_keys (
	id                TEXT    PRIMARY KEY,
	user_id           TEXT    NOT NULL,
	status            TEXT    NOT NULL CHECK (status IN ('Active', 'Inactive')),
	created_at        INTEGER NOT NULL,
	sealed_secret     BLOB    NOT NULL,
	last_used_at      INTEGER,
	last_used_service TEXT,
	last_used_region  TEXT
);
-- Keys are listed in order of creation, which is rowid order: an index
-- on user_id holds the rowid, so it serves that order too.
CREATE INDEX access_keys_user ON access_keys (user_id);

-- The quota of two keys per user, held by the database itself.
CREATE TRIGGER access_keys_quota BEFORE INSERT ON access_keys
WHEN (SELECT count(*) FROM access_keys WHERE user_id = NEW.user_id) >= 2
BEGIN
	SELECT RAISE(ABORT, 'keyward: AccessKeysPerUser quota');
END;
