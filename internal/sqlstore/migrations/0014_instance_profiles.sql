-- Instance profiles, each holding at most one role (AWS's quota).
CREATE TABLE instance_profiles (
	id         text PRIMARY KEY,
	name       text{{collate}} NOT NULL,
	name_fold  text NOT NULL CONSTRAINT instance_profiles_name_fold_key UNIQUE,
	path       text{{collate}} NOT NULL,
	created_at bigint NOT NULL,
	tags       text NOT NULL DEFAULT '[]',
	role_id    text REFERENCES roles (id)
);
CREATE INDEX instance_profiles_name ON instance_profiles (name);
CREATE INDEX instance_profiles_role ON instance_profiles (role_id);
