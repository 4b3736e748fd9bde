CREATE TABLE login_profiles (
	user_id        TEXT    PRIMARY KEY REFERENCES users (id),
	password_hash  TEXT    NOT NULL,
	reset_required INTEGER NOT NULL,
	created_at     INTEGER NOT NULL,
	changed_at     INTEGER NOT NULL,
	last_used_at   INTEGER,
	-- Hashes of earlier passwords, newest first, as a JSON array.
	history        TEXT    NOT NULL
);

-- The account's password policy, as JSON: one row at most.
CREATE TABLE password_policy (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	policy    TEXT    NOT NULL
);

-- The latest credential report, shared by every replica.
CREATE TABLE credential_report (
	singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
	state        TEXT    NOT NULL,
	started_at   INTEGER NOT NULL,
	generated_at INTEGER NOT NULL,
	content      BLOB
);
