-- OpenID Connect identity providers; the lists and tags are JSON arrays.
CREATE TABLE oidc_providers (
	arn         text{{collate}} PRIMARY KEY,
	url         text NOT NULL,
	client_ids  text NOT NULL,
	thumbprints text NOT NULL,
	created_at  bigint NOT NULL,
	tags        text NOT NULL DEFAULT '[]'
);
