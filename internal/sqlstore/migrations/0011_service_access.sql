-- Each user's latest use of each service ('' is the root user), from the
-- uses of its access keys.
CREATE TABLE service_access (
	user_id text   NOT NULL,
	service text   NOT NULL,
	last_at bigint NOT NULL,
	region  text   NOT NULL,
	PRIMARY KEY (user_id, service)
);

-- Service last accessed reports, as JSON, for every replica to serve.
CREATE TABLE access_jobs (
	id         text   PRIMARY KEY,
	created_at bigint NOT NULL,
	body       text   NOT NULL
);

-- GlobalEndpointTokenVersion (SetSecurityTokenServicePreferences).
ALTER TABLE account ADD COLUMN token_version bigint NOT NULL DEFAULT 1;
