CREATE TABLE login_profiles (
	user_id        text    PRIMARY KEY REFERENCES users (id),
	password_hash  text    NOT NULL,
	reset_required bigint NOT NULL,
	created_at     bigint NOT NULL,
	changed_at     bigint NOT NULL,
	last_used_at   bigint,
	-- Hashes of earlier passwords, newest first, as a JSON array.
	history        text    NOT NULL
);

-- The account's password policy, as JSON: one row at most.
CREATE TABLE password_policy (
	singleton bigint PRIMARY KEY CHECK (singleton = 1),
	policy    text    NOT NULL
);

-- The latest credential report, shared by every replica.
CREATE TABLE credential_report (
	singleton    bigint PRIMARY KEY CHECK (singleton = 1),
	state        text    NOT NULL,
	started_at   bigint NOT NULL,
	generated_at bigint NOT NULL,
	content      {{blob}}
);
