-- SAML 2.0 identity providers: the metadata document as imported, its
-- validUntil (nanoseconds), and the tags as a JSON array. Names are unique
-- case-insensitively (name_fold), as IAM's are.
CREATE TABLE saml_providers (
	arn         text{{collate}} PRIMARY KEY,
	name        text{{collate}} NOT NULL,
	name_fold   text NOT NULL CONSTRAINT saml_providers_name_fold_key UNIQUE,
	metadata    text NOT NULL,
	valid_until bigint NOT NULL,
	created_at  bigint NOT NULL,
	tags        text NOT NULL DEFAULT '[]'
);
