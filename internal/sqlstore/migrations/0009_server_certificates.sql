-- Server certificates; the private key is sealed under the master key,
-- bound to the certificate's ID.
CREATE TABLE server_certificates (
	id          text PRIMARY KEY,
	name        text{{collate}} NOT NULL,
	name_fold   text NOT NULL CONSTRAINT server_certificates_name_fold_key UNIQUE,
	path        text{{collate}} NOT NULL,
	body        text NOT NULL,
	chain       text NOT NULL,
	sealed_key  {{blob}} NOT NULL,
	uploaded_at bigint NOT NULL,
	expires_at  bigint NOT NULL,
	tags        text NOT NULL DEFAULT '[]'
);
CREATE INDEX server_certificates_name ON server_certificates (name);
